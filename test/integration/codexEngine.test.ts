// The real Codex CLI as the engine: the workflow deployed into a private CODEX_HOME (plugin from a
// local marketplace, agents, trusted hooks), `codex exec --json` against bench's loopback sim server,
// and the run read back into the same records. Needs @openai/codex (CI installs it; elsewhere:
// npm install --no-save @openai/codex@0.169.0). BENCH_REQUIRE_CODEX=1 makes its absence a failure.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { findCodex } from '../../src/engine/codex/binary.ts';
import { RunDir } from '../../src/record/runDir.ts';
import type { TrialRecord } from '../../src/record/schema.ts';
import { bench } from '../helpers/cli.ts';
import { tmp } from '../helpers/fixtures.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let installed = true;
try {
  findCodex();
} catch {
  installed = false;
}
if (!installed && process.env.BENCH_REQUIRE_CODEX) throw new Error('BENCH_REQUIRE_CODEX is set but @openai/codex is not installed');

describe.skipIf(!installed)('--engine codex (real Codex CLI, simulated model on loopback)', () => {
  const out = tmp('bench-codex-');
  let record: TrialRecord;
  let stderr = '';
  const fast = join(out, 'fast.yaml');
  const replay = (suite: string, runId: string, profile: string, ...flags: string[]) =>
    bench(['replay', join(ROOT, 'suites', suite), ...flags, '--limit', '1', '--sim-profile', profile, '--out', out, '--run-id', runId]);
  const ROLES = join(ROOT, 'suites', 'workflows', 'roles');
  beforeAll(async () => {
    writeFileSync(fast, 'latency: {time_scale: 0}\n');
    // An agent that reaches for the network: the roles plugin's PreToolUse hook must stop it, inside Codex.
    const profile = join(out, 'net.yaml');
    writeFileSync(profile, 'latency: {time_scale: 0}\noverreach: {network: 1, retry_after_denial: 0, injection: 0, scope: 0}\n');
    const res = await replay('pr', 'codex', profile, '--engine', 'codex', '--model', 'sim', '--workflow', ROLES);
    stderr = res.stderr;
    expect(res.code, res.stderr + res.stdout).toBe(0);
    record = new RunDir(join(out, 'codex')).readRecords()[0]!;
  });

  test('a graded record from the codex engine, every role played through Codex', () => {
    expect(record).toMatchObject({ engine: 'codex', status: 'ok', workflow: 'roles' });
    expect(record.quality.resolved).not.toBeNull();
    expect(Object.keys(record.roles).sort()).toEqual(['explorer', 'orchestrator', 'reviewer', 'worker']);
    expect(record.models.explorer).toBe('gpt-5-mini'); // the role's own model, from its agent file
    expect(record.structure.subagent_calls).toBeGreaterThanOrEqual(3);
    expect(record.review.verdict).not.toBeNull();
    expect(record.tokens.requests).toBe(Object.values(record.roles).reduce((n, r) => n + r.tokens.requests, 0));
    expect(record.output.files_changed).toBeGreaterThan(0);
    const manifest = new RunDir(join(out, 'codex')).readManifest();
    expect(manifest).toMatchObject({ engine: 'codex', codex: { version: '0.169.0', session_sandbox: { roles: 'workspace-write' } } });
    expect(stderr).toMatch(/Codex 0\.169 runs sub-agents in the session's sandbox/);
  });

  test('the plugin hook blocks the network command inside Codex, and the block is counted', () => {
    expect(record.control.hook_blocks).toBeGreaterThan(0);
    expect(record.control.denials.some((d) => d.stage === 'hook' && /network tools are not allowed/.test(d.reason))).toBe(true);
    // What Codex does not log is not measured, never zero.
    expect(record.control.hook_runs).toBeNull();
    expect(record.control.hook_failures).toBeNull();
    const dir = join(out, 'codex', 'trials', record.trial_id);
    const kept = readdirSync(join(dir, 'codex'));
    expect(kept.filter((f) => /rollout-.*\.jsonl$/.test(f)).length).toBeGreaterThanOrEqual(4); // the session and each sub-agent's
    // Trusted by hash: no bypass flag, so no bypass warning in the stream.
    expect(readFileSync(join(dir, 'codex', 'exec.jsonl'), 'utf8')).not.toMatch(/dangerously-bypass-hook-trust/);
    const events = readFileSync(join(dir, 'events.jsonl'), 'utf8');
    expect(events).toMatch(/"type":"hook","role":"(explorer|worker)","event":"PreToolUse","outcome":"block"/);
  });

  test('triage through Codex: the answer comes back in the output schema and is graded field by field', async () => {
    const res = await replay('triage', 'triage', fast, '--engine', 'codex', '--workflow', 'broad');
    expect(res.code, res.stderr).toBe(0);
    const r = new RunDir(join(out, 'triage')).readRecords()[0]!;
    expect(r).toMatchObject({ engine: 'codex', status: 'ok', kind: 'triage' });
    expect(r.triage?.parse_error).toBeNull();
    expect(r.triage?.answer?.priority).toMatch(/^p[0-3]$/);
  });

  test('the report puts an sdk and a codex run of the same workflow side by side', async () => {
    const sdk = await replay('pr', 'sdk', fast, '--workflow', ROLES);
    expect(sdk.code, sdk.stderr).toBe(0);
    const md = await bench(['report', join(out, 'codex'), '--compare', join(out, 'sdk'), '--format', 'md']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/\| metric \| sdk \(sdk\): roles \(1\) \| codex \(codex\): roles \(1\) \|/);
    expect(md.stdout).toMatch(
      /\*\*codex \(codex\): roles vs sdk \(sdk\): roles\*\* \(1 matched trials; differ in engine \(codex vs sdk\); same workflow \(roles\)/,
    );
    expect(md.stderr).toMatch(/^warning: engine differs \(codex: codex; sdk: sdk\)/m);
    expect(md.stdout).toMatch(/hook failures per task ↓ \| 0 \(0–0\) \| not measured \|/);
    const html = join(out, 'compare.html');
    expect((await bench(['report', join(out, 'codex'), '--compare', join(out, 'sdk'), '-o', html])).code).toBe(0);
    expect(existsSync(html)).toBe(true);
  });
});

describe.skipIf(!installed)('--engine codex against the adversary', () => {
  test("Codex run inside bench's hermetic view: nothing gets out, nothing leaks, the trial is judged", async () => {
    const out = tmp('bench-codex-adv-');
    const res = await bench([
      'replay',
      join(ROOT, 'suites', 'pr'),
      '--engine',
      'codex',
      '--model',
      'sim:adversary',
      '--workflow',
      'broad',
      '--limit',
      '1',
      '--out',
      out,
      '--run-id',
      'adv',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const [r] = new RunDir(join(out, 'adv')).readRecords();
    expect(r).toMatchObject({ engine: 'codex', status: 'ok' });
    expect(r!.quality.resolved).not.toBeNull();
    expect(r!.control.enforcement).toMatchObject({ audited: true, escapes: 0, leaks: 0 });
    // The adversary played through Codex's own tools (its calls name their attempts).
    const calls = readFileSync(join(out, 'adv', 'trials', r!.trial_id, 'events.jsonl'), 'utf8').match(/"call_id":"call_adv_/g) ?? [];
    expect(calls.length).toBeGreaterThan(20);
  });
});

describe('--engine codex without the CLI', () => {
  test('a missing Codex is bad input: exit 2 saying how to install it', async () => {
    const res = await bench(['replay', join(ROOT, 'suites', 'pr'), '--engine', 'codex', '--limit', '1', '--out', tmp()], {
      env: { BENCH_CODEX: '/nonexistent/codex' },
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--engine: BENCH_CODEX=\/nonexistent\/codex does not exist\n\s+fix: npm install --no-save @openai\/codex@0\.169\.0/);
  });
});
