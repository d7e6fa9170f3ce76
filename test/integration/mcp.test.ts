// MCP servers of a role, for real: the shipped tracker (stdio) and a test server under bubblewrap, a
// streamable HTTP server on 127.0.0.1, each tool offered as mcp__<server>__<tool> through the control
// plane (hooks on those names, approvals of side-effecting tools, the approver's rules), and servers
// that do not start, hang, list a bad tool, or crash: a clear error, never a hang, nothing left running.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assistantMessage, functionCall, ScriptedModel } from '@openai/agents/testing';
import { describe, expect, test } from 'vitest';
import { DEFAULT_APPROVER, type ApproverSpec } from '../../src/control/approver.ts';
import { HookRunner, type HookEvent, type HookGroupSpec } from '../../src/control/hooks.ts';
import { ControlPlane } from '../../src/control/plane.ts';
import { detectSandbox, MARK_ENV, type SandboxBackend } from '../../src/control/sandbox.ts';
import type { ApprovalPolicy } from '../../src/control/types.ts';
import { runSdkEngine } from '../../src/engine/sdk/engine.ts';
import { killMarked } from '../../src/exec/reaper.ts';
import { EventLog } from '../../src/record/events.ts';
import { Redactor } from '../../src/record/redact.ts';
import { mcpFigures } from '../../src/replay/trial.ts';
import { broadWorkflow } from '../../src/workflow/builtin.ts';
import type { McpServerSpec, Workflow } from '../../src/workflow/types.ts';
import { git, tmp, writeFiles } from '../helpers/fixtures.ts';

const sandbox = detectSandbox('bwrap');
if ('error' in sandbox) throw new Error(`these tests need bubblewrap: ${sandbox.error} (apt-get install bubblewrap)`);
const bwrap: SandboxBackend = sandbox;

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = resolve(here, '../helpers/mcp/fixtureServer.mjs');
const TRACKER_DIR = resolve(here, '../../suites/workflows/triage-mcp');
const TRACKER = join(TRACKER_DIR, 'mcp/tracker.mjs');

function server(name: string, over: Partial<McpServerSpec> = {}): McpServerSpec {
  return {
    name,
    transport: 'stdio',
    command: 'node',
    args: [FIXTURE],
    env: {},
    envVars: [],
    httpHeaders: {},
    disabledTools: [],
    startupTimeoutSec: 10,
    toolTimeoutSec: 10,
    sandbox: 'role',
    network: 'role',
    source: 'test',
    ...over,
  };
}

function workflowWith(servers: McpServerSpec[], approval: ApprovalPolicy = 'on-request', hooks: HookGroupSpec[] = []): Workflow {
  const wf = broadWorkflow();
  return { ...wf, hooks, roles: [{ ...wf.roles[0]!, sandbox: 'read-only', approval, mcpServers: servers }] };
}

const hookGroup = (event: HookEvent, matcher: string, command: string): HookGroupSpec => ({
  event,
  matcher,
  source: 'test',
  handlers: [{ command, timeoutS: 10, async: false, key: `test:${event}:0:0`, hash: 'sha256:x' }],
});

interface Trial {
  ws: string;
  events: EventLog;
  mark: string;
  run(
    steps: Array<Array<ReturnType<typeof functionCall> | ReturnType<typeof assistantMessage>>>,
    opts?: { hostEnv?: NodeJS.ProcessEnv; env?: Record<string, string> },
  ): ReturnType<typeof runSdkEngine>;
  model: ScriptedModel | null;
}

function trial(wf: Workflow, opts: { approver?: ApproverSpec; redactor?: Redactor; issues?: unknown; backend?: SandboxBackend } = {}): Trial {
  const root = tmp('bench-mcp-');
  const ws = join(root, 'ws');
  writeFiles(ws, { 'README.md': '# demo\n' });
  git(ws, 'init', '-q', '-b', 'main');
  const events = new EventLog(null, undefined, opts.redactor);
  const mark = randomBytes(8).toString('hex');
  const hooks = wf.hooks.length ? new HookRunner({ groups: wf.hooks, events, cwd: ws, sessionId: 's', model: 'm', env: {} }) : null;
  const plane = new ControlPlane({
    workspace: ws,
    scratch: join(root, 'scratch'),
    events,
    roles: Object.fromEntries(wf.roles.map((r) => [r.name, { sandbox: r.sandbox, network: r.network, approval: r.approval }])),
    defaultRole: { sandbox: 'read-only', network: 'deny', approval: 'never' },
    sandbox: opts.backend ?? bwrap,
    hooks,
    approver: opts.approver ?? DEFAULT_APPROVER,
    hidden: [],
    reveal: [],
    seed: 1,
    commandTimeoutMs: 20_000,
    maxOutputBytes: 64 * 1024,
    redactor: opts.redactor,
    mark,
    signal: new AbortController().signal,
  });
  const issuesFile = join(root, 'data', 'issues.json');
  writeFiles(join(root, 'data'), { 'issues.json': JSON.stringify(opts.issues ?? { issues: [], labels: [] }) });
  const t: Trial = {
    ws,
    events,
    mark,
    model: null,
    run: (steps, o = {}) => {
      const model = new ScriptedModel([...steps, [assistantMessage('done')]]);
      t.model = model;
      return runSdkEngine({
        trialId: 't',
        workflow: wf,
        prompt: 'triage',
        plane,
        hooks,
        modelFor: () => ({ model, name: 'scripted' }),
        events,
        mcp: {
          env: { BENCH_ISSUES_FILE: issuesFile, ...(o.env ?? {}) },
          reveal: [dirname(issuesFile), dirname(FIXTURE), TRACKER_DIR],
          logDir: join(root, 'logs'),
          hostEnv: o.hostEnv ?? {},
        },
        signal: new AbortController().signal,
      });
    },
  };
  return t;
}

/** What the model was told for a call id. */
function toldFor(model: ScriptedModel, callId: string): string {
  for (const c of model.calls) {
    for (const item of (c.request.input as Array<{ type?: string; callId?: string; output?: unknown }>) ?? []) {
      if (item.type === 'function_call_result' && item.callId === callId) return JSON.stringify(item.output);
    }
  }
  return '';
}

const ISSUES = {
  issues: [
    { number: 3, title: 'Tab completion for bash', body: 'Please add tab completion for bash and zsh.', state: 'open', labels: ['feature'] },
    { number: 9, title: 'Crash on empty due date', body: 'taskbox add x due: crashes', state: 'closed', labels: ['bug'] },
  ],
  labels: [{ name: 'bug' }, { name: 'feature' }, { name: 'duplicate' }],
};

describe('the shipped issue tracker, a stdio MCP server under the role sandbox', () => {
  test('reads run, side-effecting calls ask: the approver denies, an allow rule approves, a PreToolUse hook on the MCP name blocks; every figure counts; no process survives', async () => {
    const wf = workflowWith([server('tracker', { args: [TRACKER] })], 'on-request', [
      hookGroup('PreToolUse', '^mcp__tracker__close_issue$', "echo 'maintainers close issues' >&2; exit 2"),
      hookGroup(
        'PostToolUse',
        '^mcp__tracker__get_issue$',
        `echo '{"hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"checked by the post hook"}}'`,
      ),
    ]);
    const approver: ApproverSpec = {
      default: 'deny',
      wait_ms: 100,
      rules: [
        { decision: 'allow', tool: 'mcp__tracker__comment' },
        { decision: 'deny', tool: 'mcp__tracker__*', message: 'triage reads the tracker only' },
      ],
    };
    const t = trial(wf, { approver, issues: ISSUES });
    const res = await t.run([
      [functionCall('mcp__tracker__search_issues', { query: 'tab completion' }, { callId: 'c_search' })],
      [functionCall('mcp__tracker__get_issue', { number: 3 }, { callId: 'c_get' })],
      [functionCall('mcp__tracker__add_label', { number: 3, label: 'duplicate' }, { callId: 'c_label' })],
      [functionCall('mcp__tracker__close_issue', { number: 3, reason: 'duplicate' }, { callId: 'c_close' })],
      [functionCall('mcp__tracker__comment', { number: 3, body: 'Looks like a duplicate.' }, { callId: 'c_comment' })],
      [functionCall('mcp__tracker__get_issue', { number: 3 }, { callId: 'c_get2' })],
    ]);
    expect(res).toMatchObject({ stop: 'completed' });
    const model = t.model!;
    expect(toldFor(model, 'c_search')).toMatch(/Tab completion for bash/);
    expect(toldFor(model, 'c_get')).toMatch(/checked by the post hook/);
    expect(toldFor(model, 'c_label')).toMatch(/not approved|Not approved|Denied/);
    expect(toldFor(model, 'c_close')).toMatch(/PreToolUse hook: maintainers close issues/);
    // The comment ran (approved); the label and the close did not: the issue shows only the comment.
    const text = (JSON.parse(toldFor(model, 'c_get2')) as { text: string }).text;
    expect(text).toMatch(/\n\nchecked by the post hook$/);
    const after = JSON.parse(text.slice(0, text.lastIndexOf('\n\nchecked')));
    expect(after).toMatchObject({ number: 3, state: 'open', labels: ['feature'], comments: [{ body: 'Looks like a duplicate.' }] });
    expect(mcpFigures(t.events)).toMatchObject({
      servers: 1,
      calls: 6,
      side_effect_calls: 3,
      side_effect_approved: 1,
      side_effect_denied: 2,
      side_effect_ran: 1,
      failures: [],
    });
    const approvals = t.events.of('approval').filter((e) => e.state !== 'requested');
    expect(approvals.map((e) => [e.tool, e.state])).toEqual([
      ['mcp__tracker__add_label', 'denied'],
      ['mcp__tracker__comment', 'granted'],
    ]);
    expect(t.events.of('hook').some((h) => h.event === 'PreToolUse' && h.outcome === 'block')).toBe(true);
    expect(t.events.of('mcp').map((e) => e.state)).toEqual(['started', 'stopped']);
    expect(killMarked(`${MARK_ENV}=${t.mark}`)).toBe(0);
  });

  test('a destructive tool asks even when it also says read-only; under approval_policy never it runs unasked', async () => {
    const asks = trial(workflowWith([server('fx')]), { approver: { default: 'allow', wait_ms: 10, rules: [] } });
    await asks.run([[functionCall('mcp__fx__wipe', {}, { callId: 'w1' })], [functionCall('mcp__fx__env', {}, { callId: 'e1' })]]);
    expect(asks.events.of('approval').map((e) => [e.tool, e.state])).toEqual([
      ['mcp__fx__wipe', 'requested'],
      ['mcp__fx__wipe', 'granted'],
    ]);
    expect(toldFor(asks.model!, 'w1')).toMatch(/wiped/);
    expect(mcpFigures(asks.events)).toMatchObject({ calls: 2, side_effect_calls: 1, side_effect_approved: 1, side_effect_ran: 1 });

    const never = trial(workflowWith([server('fx')], 'never'));
    await never.run([[functionCall('mcp__fx__wipe', {}, { callId: 'w2' })]]);
    expect(never.events.of('approval')).toEqual([]);
    expect(mcpFigures(never.events)).toMatchObject({ side_effect_calls: 1, side_effect_approved: 0, side_effect_denied: 0, side_effect_ran: 1 });
  });

  test("a sub-agent's MCP call that asks: the approval bubbles up, the role run resumes and ends once, with its answer", async () => {
    const base = broadWorkflow();
    const role = base.roles[0]!;
    const wf: Workflow = {
      ...base,
      routing: 'description',
      entry: 'orchestrator',
      roles: [
        { ...role, name: 'orchestrator', description: 'Coordinates.', sandbox: 'read-only', approval: 'on-request' },
        { ...role, name: 'triager', description: 'Investigates.', sandbox: 'read-only', approval: 'on-request', mcpServers: [server('fx')] },
      ],
    };
    const t = trial(wf, { approver: { default: 'allow', wait_ms: 10, rules: [] } });
    const res = await t.run([
      [functionCall('triager', { input: 'look' }, { callId: 'role1' })],
      [functionCall('mcp__fx__wipe', {}, { callId: 'w' })],
      [assistantMessage('the triager found it')],
    ]);
    expect(res.stop).toBe('completed');
    expect(toldFor(t.model!, 'w')).toMatch(/wiped/);
    expect(t.events.of('subagent').map((e) => [e.role, e.state])).toEqual([
      ['triager', 'start'],
      ['triager', 'end'],
    ]);
    expect(t.events.of('role_output').map((e) => [e.role, e.output])).toEqual([['triager', 'the triager found it']]);
    expect(mcpFigures(t.events)).toMatchObject({ side_effect_calls: 1, side_effect_approved: 1, side_effect_ran: 1 });
    // Only the role with the server has its tools.
    expect(t.model!.calls[0]!.request.tools.some((x) => x.name.startsWith('mcp__'))).toBe(false);
  });

  test("the workflow's word on a server: network allow lets it reach the host's loopback, sandbox none shows it the host; a PermissionRequest hook on the MCP name answers first", async () => {
    const port = await new Promise<{ port: number; close: () => void }>((res) => {
      const s = createServer((_q, r) => r.end('hi'));
      s.listen(0, '127.0.0.1', () => res({ port: (s.address() as AddressInfo).port, close: () => s.close() }));
    });
    const secretDir = tmp('bench-host-');
    writeFiles(secretDir, { 'host.txt': 'host file\n' });
    try {
      const wf = workflowWith([server('net', { network: 'allow' }), server('host', { sandbox: 'none' })], 'on-request', [
        hookGroup(
          'PermissionRequest',
          '^mcp__host__wipe$',
          `echo '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}'`,
        ),
      ]);
      const t = trial(wf);
      await t.run([
        [functionCall('mcp__net__probe', { port: port.port, path: join(secretDir, 'host.txt') }, { callId: 'n' })],
        [functionCall('mcp__host__probe', { path: join(secretDir, 'host.txt') }, { callId: 'h' })],
        [functionCall('mcp__host__wipe', {}, { callId: 'w' })],
      ]);
      const net = toldFor(t.model!, 'n');
      expect(net).toMatch(/\\"connect\\":\\"ok\\"/);
      expect(net).toMatch(/read_error/); // network, but still the sandbox's view
      expect(toldFor(t.model!, 'h')).toMatch(/host file/);
      expect(toldFor(t.model!, 'w')).toMatch(/wiped/);
      expect(t.events.of('approval').find((e) => e.state === 'granted')).toMatchObject({ tool: 'mcp__host__wipe', by: 'hook' });
      expect(killMarked(`${MARK_ENV}=${t.mark}`)).toBe(0);
    } finally {
      port.close();
    }
  });

  test('without an OS sandbox (--sandbox none) the tracker runs under the subreaper and stops with the trial', async () => {
    const none = detectSandbox('none');
    if ('error' in none) throw new Error(none.error);
    const t = trial(workflowWith([server('tracker', { args: [TRACKER] })]), { backend: none, issues: ISSUES });
    const res = await t.run([[functionCall('mcp__tracker__list_labels', {}, { callId: 'l' })]]);
    expect(res.stop).toBe('completed');
    expect(toldFor(t.model!, 'l')).toMatch(/duplicate/);
    expect(killMarked(`${MARK_ENV}=${t.mark}`)).toBe(0);
  });

  test('enabled_tools and disabled_tools decide what is offered', async () => {
    const t = trial(workflowWith([server('fx', { enabledTools: ['env', 'probe', 'crash'], disabledTools: ['crash'] })]));
    await t.run([]);
    const offered = t.model!.calls[0]!.request.tools.map((x) => x.name).filter((n) => n.startsWith('mcp__'));
    expect(offered.sort()).toEqual(['mcp__fx__env', 'mcp__fx__probe']);
  });

  test("the server sees the role's sandbox (no host files, no network) and only the environment its config names; a named secret is redacted from what the model and the records see", async () => {
    const port = await new Promise<{ port: number; close: () => void }>((res) => {
      const s = createServer((_q, r) => r.end('hi'));
      s.listen(0, '127.0.0.1', () => res({ port: (s.address() as AddressInfo).port, close: () => s.close() }));
    });
    const secret = `tok_${randomBytes(12).toString('hex')}`;
    const redactor = new Redactor([{ name: 'TRACKER_TOKEN', value: secret }]);
    try {
      const t = trial(workflowWith([server('fx', { envVars: ['TRACKER_TOKEN'], env: { GREETING: 'hello' } })]), { redactor });
      await t.run(
        [
          [functionCall('mcp__fx__env', {}, { callId: 'env' })],
          [functionCall('mcp__fx__probe', { path: '/etc/shadow', port: port.port }, { callId: 'probe' })],
          [functionCall('mcp__fx__probe', { path: join(t.ws, 'README.md') }, { callId: 'probe2' })],
        ],
        { hostEnv: { TRACKER_TOKEN: secret, OPENAI_API_KEY: 'sk-should-never-reach-servers', PATH: process.env.PATH } },
      );
      const env = toldFor(t.model!, 'env');
      expect(env).toMatch(/GREETING/);
      expect(env).toMatch(/TRACKER_TOKEN/);
      expect(env).toMatch(/redacted/);
      expect(env).not.toContain(secret);
      expect(env).not.toMatch(/OPENAI_API_KEY|sk-should-never/);
      expect(env).toMatch(new RegExp(`${MARK_ENV}`));
      const probe = toldFor(t.model!, 'probe');
      expect(probe).toMatch(/read_error/);
      expect(probe).not.toMatch(/\\"connect\\":\\"ok\\"/);
      expect(toldFor(t.model!, 'probe2')).toMatch(/# demo/);
      expect(JSON.stringify(t.events.events)).not.toContain(secret);
    } finally {
      port.close();
    }
  });
});

describe('a bad MCP configuration: a clear error, never a hang, nothing left running', () => {
  const fails = async (spec: Partial<McpServerSpec>, message: RegExp, withinMs: number) => {
    const t = trial(workflowWith([server('bad', spec)]));
    const t0 = performance.now();
    const res = await t.run([[functionCall('mcp__bad__env', {}, { callId: 'x' })]]);
    expect(performance.now() - t0).toBeLessThan(withinMs);
    expect(res.stop).toBe('error');
    expect(res.error).toMatch(/MCP server bad of role broad \(test\) could not start/);
    expect(res.error).toMatch(message);
    expect(t.events.of('mcp').map((e) => e.state)).toEqual(['failed']);
    expect(mcpFigures(t.events).failures).toHaveLength(1);
    expect(killMarked(`${MARK_ENV}=${t.mark}`)).toBe(0);
  };

  test('a command that does not exist', () =>
    fails({ command: 'no-such-mcp-server-xyz', args: [] }, /exited .*before it answered.*execvp no-such-mcp-server-xyz: No such file/, 8000));
  test('a server that exits at start, with its stderr in the message', () =>
    fails({ args: [FIXTURE, '--exit-at-start'] }, /exited .*before it answered.*refusing to start/, 8000));
  test('a server that never answers: the startup timeout', () =>
    fails({ args: [FIXTURE, '--hang'], startupTimeoutSec: 1 }, /starting it \(connect and list tools\) took longer than 1 s/, 6000));
  test('a tool whose input schema is not an object', () => fails({ args: [FIXTURE, '--bad-schema'] }, /lists tools that break the MCP schema/, 8000));

  test('a tool that takes longer than tool_timeout_sec fails alone; the server goes on', async () => {
    const t = trial(workflowWith([server('fx', { toolTimeoutSec: 1 })]));
    const res = await t.run([[functionCall('mcp__fx__sleep', { ms: 5000 }, { callId: 's' })], [functionCall('mcp__fx__env', {}, { callId: 'e' })]]);
    expect(res.stop).toBe('completed');
    expect(toldFor(t.model!, 's')).toMatch(/did not answer within 1 s/);
    expect(toldFor(t.model!, 'e')).toMatch(/PATH/);
  });

  test('a server that crashes mid-trial: the model is told, the trial is an infrastructure error naming the server and its last words', async () => {
    const t = trial(workflowWith([server('fx')], 'never'));
    const res = await t.run([[functionCall('mcp__fx__crash', {}, { callId: 'c' })], [functionCall('mcp__fx__env', {}, { callId: 'e' })]]);
    expect(res.stop).toBe('error');
    expect(res.error).toMatch(/MCP server fx of role broad stopped during the trial/);
    expect(res.error).toMatch(/segfault in the tracker driver/);
    expect(toldFor(t.model!, 'e')).toMatch(/stopped during the trial/);
    expect(t.events.of('mcp').map((e) => e.state)).toEqual(['started', 'crashed', 'stopped']);
    expect(mcpFigures(t.events).failures).toHaveLength(1);
    expect(killMarked(`${MARK_ENV}=${t.mark}`)).toBe(0);
  });
});

/** A streamable HTTP MCP server (JSON responses, one session) on 127.0.0.1, recording the headers it got. */
async function httpServer(): Promise<{ url: string; headers: IncomingMessage['headers'][]; close: () => Promise<void> }> {
  const headers: IncomingMessage['headers'][] = [];
  const tools = [
    {
      name: 'lookup',
      description: 'Looks a word up.',
      inputSchema: { type: 'object', properties: { word: { type: 'string' } } },
      annotations: { readOnlyHint: true },
    },
    { name: 'delete_all', description: 'Deletes everything.', inputSchema: { type: 'object', properties: {} }, annotations: { destructiveHint: true } },
  ];
  let deleted = 0;
  const srv: Server = createServer((req, res) => {
    headers.push(req.headers);
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const msg = JSON.parse(body);
      if (msg.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      let result: unknown;
      if (msg.method === 'initialize')
        result = { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'http-fixture', version: '1' } };
      else if (msg.method === 'tools/list') result = { tools };
      else if (msg.method === 'tools/call') {
        if (msg.params.name === 'delete_all') deleted++;
        result = { content: [{ type: 'text', text: msg.params.name === 'lookup' ? `definition of ${msg.params.arguments.word}` : `deleted (${deleted})` }] };
      } else result = {};
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'session-1' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/mcp`,
    headers,
    close: () => new Promise((r) => srv.close(() => r())),
  };
}

describe('a streamable HTTP MCP server on loopback', () => {
  test('its tools go through the plane; the destructive one is denied by the approver; the bearer token comes from the variable the config names', async () => {
    const http = await httpServer();
    try {
      const spec = server('remote', { transport: 'http', command: undefined, args: [], url: http.url, bearerTokenEnvVar: 'REMOTE_TOKEN' });
      const t = trial(workflowWith([spec]), { approver: { default: 'deny', wait_ms: 10, rules: [] } });
      const res = await t.run(
        [[functionCall('mcp__remote__lookup', { word: 'mcp' }, { callId: 'l' })], [functionCall('mcp__remote__delete_all', {}, { callId: 'd' })]],
        { hostEnv: { REMOTE_TOKEN: 'token-abc-123456' } },
      );
      expect(res.stop).toBe('completed');
      expect(toldFor(t.model!, 'l')).toMatch(/definition of mcp/);
      expect(toldFor(t.model!, 'd')).not.toMatch(/deleted/);
      expect(http.headers.some((h) => h.authorization === 'Bearer token-abc-123456')).toBe(true);
      expect(mcpFigures(t.events)).toMatchObject({ servers: 1, calls: 2, side_effect_calls: 1, side_effect_denied: 1, side_effect_ran: 0 });
    } finally {
      await http.close();
    }
  });

  test('a bearer token variable that is not set is a clear startup error, recorded', async () => {
    const t = trial(
      workflowWith([server('remote', { transport: 'http', command: undefined, args: [], url: 'http://127.0.0.1:9/mcp', bearerTokenEnvVar: 'NOPE_TOKEN' })]),
    );
    const res = await t.run([]);
    expect(res.error).toMatch(/bearer_token_env_var names NOPE_TOKEN, which is not set/);
    expect(mcpFigures(t.events).failures).toHaveLength(1);
  });

  test('an HTTP server that is not there is a clear startup error', async () => {
    const t = trial(workflowWith([server('gone', { transport: 'http', command: undefined, args: [], url: 'http://127.0.0.1:9/mcp', startupTimeoutSec: 3 })]));
    const res = await t.run([]);
    expect(res.stop).toBe('error');
    expect(res.error).toMatch(/MCP server gone of role broad \(test\) could not start/);
  });
});

test('the tracker serves the export it is given and nothing else', () => {
  const text = readFileSync(TRACKER, 'utf8');
  // Node built-ins only: the sandbox shows the plugin folder and node, no node_modules.
  expect([...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]).every((m) => m!.startsWith('node:'))).toBe(true);
});
