// Traces out: a real replay through the CLI, exported to a collector on loopback, checked span by span
// against the run's own records.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findCodex } from '../../src/engine/codex/binary.ts';
import { RunDir } from '../../src/record/runDir.ts';
import type { TrialRecord } from '../../src/record/schema.ts';
import { bench } from '../helpers/cli.ts';
import { Collector, type ReceivedSpan } from '../helpers/collector.ts';
import { calcFixture, tmp } from '../helpers/fixtures.ts';
import { readFileSync } from 'node:fs';
import { SHIPPED, workflowCopy } from '../helpers/workflows.ts';

const ENV_SECRET = 'tok-3f9a8c1d2e7b6a5f';
const HEADER_SECRET = 'hdr-91b2c3d4e5f6a7b8';

function profile(text: string): string {
  const file = join(tmp(), 'profile.yaml');
  writeFileSync(file, text);
  return file;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as { port: number }).port;
  await new Promise((done) => s.close(done));
  return port;
}

let codexInstalled = true;
try {
  findCodex();
} catch {
  codexInstalled = false;
}

const byTrace = (spans: ReceivedSpan[]) => Map.groupBy(spans, (s) => s.traceId);

describe('bench replay --otel-endpoint', () => {
  const collector = new Collector();
  let records: TrialRecord[] = [];
  let stderr = '';
  let code: number | null = null;

  beforeAll(async () => {
    const url = await collector.start();
    const f = calcFixture();
    const out = tmp('bench-results-');
    // Roles with hooks, and a model that reaches for the network: control decisions to export. The hook's
    // reason for stopping it carries the environment's secret, so the secret reaches what is exported.
    const policy = readFileSync(join(SHIPPED, 'roles', 'hooks', 'policy.mjs'), 'utf8');
    expect(policy).toContain("'network tools are not allowed: work with what is in the repository'");
    const roles = workflowCopy('roles', {
      'hooks/policy.mjs': policy.replace(
        "'network tools are not allowed: work with what is in the repository'",
        `'network tools are not allowed (${ENV_SECRET})'`,
      ),
    });
    const fast = profile('latency: {time_scale: 0}\noverreach: {network: 1}\n');
    const res = await bench(
      [
        'replay',
        f.suite,
        '--workflow',
        roles,
        '--repeat',
        '2',
        '--limit',
        '1',
        '--sim-profile',
        fast,
        '--out',
        out,
        '--run-id',
        'otel',
        '--otel-endpoint',
        url,
      ],
      { env: { BENCH_SECRETS: 'OTEL_TEST_VALUE', OTEL_TEST_VALUE: ENV_SECRET, OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${HEADER_SECRET}` } },
    );
    code = res.code;
    stderr = res.stderr;
    records = new RunDir(join(out, 'otel')).readRecords();
  }, 180_000);
  afterAll(() => collector.close());

  test('the run succeeds and says where its traces go', () => {
    expect(code).toBe(0);
    expect(stderr).toContain(`traces: each trial exported to ${collector.url}/v1/traces (--otel-endpoint)`);
    expect(stderr).not.toMatch(/could not export/);
    expect(collector.requests.every((r) => r.path === '/v1/traces' && r.headers['content-type'] === 'application/json')).toBe(true);
    // The headers of OTEL_EXPORTER_OTLP_HEADERS go with every request.
    expect(collector.requests.every((r) => r.headers['x-api-key'] === HEADER_SECRET)).toBe(true);
  });

  test('one trace per trial, under a root span that names the trial', () => {
    const traces = byTrace(collector.spans());
    expect(records).toHaveLength(2);
    expect(traces.size).toBe(2);
    for (const r of records) {
      const roots = collector.spans().filter((s) => !s.parentSpanId && s.attrs['bench.trial.id'] === r.trial_id);
      expect(roots).toHaveLength(1);
      const root = roots[0]!;
      expect(root.resource['service.name']).toBe('bench');
      expect(root.attrs).toMatchObject({
        'bench.run.id': 'otel',
        'bench.task.id': 'fix-clamp',
        'bench.task.kind': 'pr',
        'bench.workflow': 'roles',
        'bench.engine': 'sdk',
        'bench.status': r.status,
        'bench.verdict': r.quality.resolved ? 'resolved' : 'unresolved',
        'bench.resolved': r.quality.resolved,
      });
      // Every span of the trial is in its trace.
      expect(traces.get(root.traceId)!.every((s) => s.traceId === root.traceId)).toBe(true);
      expect(root.start).toBe(Date.parse(r.started_at));
      expect(root.end).toBe(Date.parse(r.ended_at));
    }
  });

  test('model-call spans carry the GenAI conventions and add up to the trial record’s tokens, role by role', () => {
    for (const r of records) {
      const trace = collector.spans().filter((s) => s.traceId === collector.spans().find((x) => x.attrs['bench.trial.id'] === r.trial_id)!.traceId);
      const chats = trace.filter((s) => s.attrs['gen_ai.operation.name'] === 'chat');
      expect(chats.length).toBe(r.tokens.requests);
      for (const c of chats) {
        expect(c.attrs['gen_ai.provider.name']).toBe('bench.sim');
        expect(c.name).toBe(`chat ${c.attrs['gen_ai.request.model']}`);
      }
      const sum = (spans: ReceivedSpan[], k: string) => spans.reduce((n, s) => n + Number(s.attrs[k]), 0);
      expect(sum(chats, 'gen_ai.usage.input_tokens')).toBe(r.tokens.input);
      expect(sum(chats, 'gen_ai.usage.output_tokens')).toBe(r.tokens.output);
      for (const [role, stats] of Object.entries(r.roles)) {
        const mine = chats.filter((c) => c.attrs['bench.role'] === role);
        expect(sum(mine, 'gen_ai.usage.input_tokens')).toBe(stats.tokens.input);
        expect(sum(mine, 'gen_ai.usage.output_tokens')).toBe(stats.tokens.output);
      }
    }
  });

  test('role, tool, control and hook spans hang where they belong', () => {
    const spans = collector.spans();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans) if (s.parentSpanId) expect(byId.get(s.parentSpanId)?.traceId).toBe(s.traceId);
    const parent = (s: ReceivedSpan) => byId.get(s.parentSpanId!)!;

    const agents = spans.filter((s) => s.attrs['gen_ai.operation.name'] === 'invoke_agent');
    expect(new Set(agents.map((s) => s.attrs['gen_ai.agent.name']))).toEqual(new Set(['orchestrator', 'explorer', 'worker', 'reviewer']));
    for (const a of agents) {
      // The entry role under the trial; the roles it calls under it.
      if (a.attrs['bench.role'] === 'orchestrator') expect(parent(a).parentSpanId).toBeUndefined();
      else expect(parent(a).attrs['bench.role']).toBe('orchestrator');
    }
    // Model calls and tool calls sit in the run of the role that made them.
    for (const s of spans.filter((x) => x.attrs['gen_ai.operation.name'] === 'chat' || x.attrs['gen_ai.operation.name'] === 'execute_tool')) {
      expect(parent(s).attrs['gen_ai.operation.name']).toBe('invoke_agent');
      expect(parent(s).attrs['bench.role']).toBe(s.attrs['bench.role']);
      expect(s.start).toBeGreaterThanOrEqual(parent(s).start);
    }
    const tools = spans.filter((s) => s.attrs['gen_ai.operation.name'] === 'execute_tool');
    const toolCalls = records.reduce((n, r) => n + r.structure.tool_calls, 0);
    expect(tools.length).toBeGreaterThanOrEqual(toolCalls);
    expect(tools.every((t) => typeof t.attrs['gen_ai.tool.call.id'] === 'string' && typeof t.attrs['bench.tool.input.size'] === 'number')).toBe(true);
    // Tool inputs go as sizes, never as text.
    expect(spans.some((s) => Object.keys(s.attrs).some((k) => /arguments|tool\.call\.result|\.input$/.test(k)))).toBe(false);

    // Each network attempt the hook stopped: a control span under the tool call it stopped, saying what and why.
    const controls = spans.filter((s) => s.attrs['bench.control.kind']);
    const denials = records.reduce((n, r) => n + r.control.denied_calls, 0);
    expect(denials).toBeGreaterThan(0);
    const denied = controls.filter((s) => s.attrs['bench.control.kind'] === 'decision' && s.attrs['bench.control.verdict'] === 'deny');
    expect(denied).toHaveLength(denials);
    for (const d of denied) {
      expect(d.attrs['bench.control.stage']).toBeTruthy();
      expect(String(d.attrs['bench.control.reason'])).not.toBe('');
      expect(parent(d).attrs['gen_ai.operation.name']).toBe('execute_tool');
      expect(parent(d).attrs['gen_ai.tool.call.id']).toBe(d.attrs['gen_ai.tool.call.id']);
    }
    expect(denied.some((d) => d.attrs['bench.control.class'] === 'network')).toBe(true);

    // Hook runs: event, exit code and time; as many as the records count.
    const hooks = spans.filter((s) => s.name.startsWith('hook '));
    expect(hooks).toHaveLength(records.reduce((n, r) => n + (r.control.hook_runs ?? 0), 0));
    for (const h of hooks) {
      expect(h.attrs['bench.hook.event']).toMatch(/^(PreToolUse|PostToolUse|Stop|SessionStart|UserPromptSubmit|SubagentStart|SubagentStop|PermissionRequest)$/);
      expect(typeof h.attrs['bench.hook.exit_code']).toBe('number');
      expect(h.end - h.start).toBeCloseTo(Number(h.attrs['bench.hook.ms']), -1);
    }
  });

  test('secrets never leave: not the environment’s, not the collector’s own header', () => {
    const all = collector.requests.map((r) => r.body).join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(ENV_SECRET);
    // It was there to leak: the hook's reason reached the decision spans, redacted.
    expect(all).toContain('network tools are not allowed ([redacted:OTEL_TEST_VALUE])');
    expect(all).not.toContain(HEADER_SECRET);
  });
});

describe('OTEL_EXPORTER_OTLP_* variables, and a collector that is not there', () => {
  test('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given', async () => {
    const collector = new Collector();
    const url = await collector.start();
    try {
      const f = calcFixture();
      const out = tmp('bench-results-');
      const res = await bench(['replay', f.suite, '--limit', '1', '--sim-profile', profile('latency: {time_scale: 0}\n'), '--out', out, '--run-id', 'env'], {
        env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/collector/traces` },
      });
      expect(res.code).toBe(0);
      expect(res.stderr).toContain('(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)');
      expect(collector.requests.length).toBeGreaterThan(0);
      expect(collector.requests.every((r) => r.path === '/collector/traces')).toBe(true);
      const [record] = new RunDir(join(out, 'env')).readRecords();
      const roots = collector.spans().filter((s) => !s.parentSpanId);
      expect(roots.map((s) => s.attrs['bench.trial.id'])).toEqual([record!.trial_id]);
      expect(roots[0]!.attrs['bench.workflow']).toBe('broad');
    } finally {
      await collector.close();
    }
  }, 120_000);

  test('a collector address that is not an http(s) URL is bad input: exit 2 before anything runs, naming the flag', async () => {
    const f = calcFixture();
    const out = tmp('bench-results-');
    const res = await bench(['replay', f.suite, '--out', out, '--otel-endpoint', 'localhost:4318']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--otel-endpoint: "localhost:4318" is not an http\(s\) URL/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const bad = await bench(['replay', f.suite, '--out', out], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:1', OTEL_EXPORTER_OTLP_HEADERS: 'token' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('OTEL_EXPORTER_OTLP_HEADERS: "token" is not a header');
  });

  test('an unreachable collector: one warning, the run finishes with exit 0', async () => {
    const port = await closedPort();
    const f = calcFixture();
    const out = tmp('bench-results-');
    const res = await bench(
      [
        'replay',
        f.suite,
        '--repeat',
        '2',
        '--sim-profile',
        profile('latency: {time_scale: 0}\n'),
        '--out',
        out,
        '--run-id',
        'down',
        '--otel-endpoint',
        `http://127.0.0.1:${port}`,
      ],
      {},
    );
    expect(res.code).toBe(0);
    expect(res.stderr.match(/could not export traces/g)).toHaveLength(1);
    expect(res.stderr).toContain(`warning: could not export traces to http://127.0.0.1:${port}/v1/traces`);
    expect(new RunDir(join(out, 'down')).readRecords()).toHaveLength(2);
  }, 120_000);
});

describe('Ctrl-C', () => {
  test('the trials that finished before the interrupt are exported before bench exits', async () => {
    const collector = new Collector();
    const url = await collector.start();
    try {
      const f = calcFixture();
      const out = tmp('bench-results-');
      const slow = profile('latency: {time_scale: 0.3}\n');
      const res = await bench(
        ['replay', f.suite, '--repeat', '4', '--concurrency', '1', '--sim-profile', slow, '--out', out, '--run-id', 'int', '--otel-endpoint', url],
        {
          onSpawn: (child) => {
            // Interrupted once the first trial has finished (its progress line), while the next one runs.
            let seen = '';
            child.stderr!.on('data', (c: Buffer) => {
              seen += c;
              if (/\[1\/4\]/.test(seen) && !child.killed) setTimeout(() => child.kill('SIGINT'), 300);
            });
          },
        },
      );
      expect(res.code).toBe(130);
      const done = new RunDir(join(out, 'int')).readRecords();
      expect(done.length).toBeGreaterThan(0);
      expect(done.length).toBeLessThan(4);
      const roots = collector.spans().filter((s) => !s.parentSpanId);
      expect(roots.map((s) => s.attrs['bench.trial.id']).sort()).toEqual(done.map((r) => r.trial_id).sort());
    } finally {
      await collector.close();
    }
  }, 120_000);
});

describe.skipIf(!codexInstalled)('--engine codex --otel-endpoint (real Codex CLI)', () => {
  test("bench's trace of the trial, and Codex's own spans sent to the same collector, tagged with the trial", async () => {
    const collector = new Collector();
    const url = await collector.start();
    try {
      const f = calcFixture();
      const out = tmp('bench-results-');
      const res = await bench(
        [
          'replay',
          f.suite,
          '--engine',
          'codex',
          '--limit',
          '1',
          '--sim-profile',
          profile('latency: {time_scale: 0}\n'),
          '--out',
          out,
          '--run-id',
          'cx',
          '--otel-endpoint',
          url,
        ],
        { env: { OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${HEADER_SECRET}` } },
      );
      expect(res.code).toBe(0);
      const [record] = new RunDir(join(out, 'cx')).readRecords();
      const spans = collector.spans();
      const ours = spans.filter((s) => s.resource['service.name'] === 'bench');
      expect(ours.filter((s) => !s.parentSpanId).map((s) => s.attrs['bench.engine'])).toEqual(['codex']);
      const chats = ours.filter((s) => s.attrs['gen_ai.operation.name'] === 'chat');
      expect(chats.reduce((n, s) => n + Number(s.attrs['gen_ai.usage.input_tokens']), 0)).toBe(record!.tokens.input);
      // Codex's own spans (its [otel] trace exporter): their own traces, each span naming the trial.
      const codex = spans.filter((s) => s.resource['service.name'] !== 'bench');
      expect(codex.length).toBeGreaterThan(0);
      expect(codex.every((s) => s.attrs['bench.trial.id'] === record!.trial_id && s.attrs['bench.run.id'] === 'cx')).toBe(true);
      expect(collector.requests.every((r) => r.headers['x-api-key'] === HEADER_SECRET)).toBe(true);
    } finally {
      await collector.close();
    }
  }, 180_000);
});
