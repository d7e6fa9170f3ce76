// Role-specific workflows end to end on a real repository with the simulated model: routing, per-role
// figures, hooks around the session and the role calls, limits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assistantMessage, functionCall, ScriptedModel } from '@openai/agents/testing';
import { describe, expect, test } from 'vitest';
import { DEFAULT_APPROVER } from '../../src/control/approver.ts';
import { ControlPlane } from '../../src/control/plane.ts';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { runSdkEngine } from '../../src/engine/sdk/engine.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { EventLog } from '../../src/record/events.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { calcFixture, tmp, writeFiles } from '../helpers/fixtures.ts';
import { runReplay, simBackend } from '../helpers/replay.ts';
import { SHIPPED, workflowCopy } from '../helpers/workflows.ts';

const CAREFUL = SimProfile.parse({
  skill: 1,
  diligence: 1,
  writes_tests: 1,
  overreach: { scope: 0, network: 0, test_tampering: 0 },
  latency: { time_scale: 0 },
});

describe('the roles workflow (description routing)', () => {
  test('the orchestrator calls explorer, worker and reviewer as tools; records carry per-role figures', async () => {
    const f = calcFixture();
    const res = await runReplay(f.suite, { workflows: [loadWorkflowDir(join(SHIPPED, 'roles'))], backend: simBackend(CAREFUL), runId: 'roles' });
    const r = res.records[0]!;
    expect(r).toMatchObject({
      status: 'ok',
      workflow: 'roles',
      quality: { resolved: true, accepted: true, escaped_defect: false },
      review: { verdict: 'approve', rounds: 1 },
    });
    expect(Object.keys(r.roles).sort()).toEqual(['explorer', 'orchestrator', 'reviewer', 'worker']);
    for (const role of ['explorer', 'worker', 'reviewer']) {
      expect(r.roles[role]!.turns, role).toBeGreaterThan(0);
      expect(r.roles[role]!.tokens.input, role).toBeGreaterThan(0);
      expect(r.roles[role]!.tool_calls, role).toBeGreaterThan(0);
    }
    expect(r.roles.explorer!.model).toBe('gpt-5-mini'); // the role's own model (priced as such)
    expect(r.roles.explorer!.cost_usd! / r.roles.explorer!.tokens.input).toBeLessThan(r.roles.worker!.cost_usd! / r.roles.worker!.tokens.input);
    expect(r.structure.subagent_calls).toBe(3);
    expect(r.control.hook_runs).toBeGreaterThan(0); // the policy hook saw every command and edit
    expect(r.output.tests_run).toBeGreaterThan(0);
    const events = readFileSync(join(res.runDir.dir, 'trials', r.trial_id, 'events.jsonl'), 'utf8');
    expect(events.match(/"type":"subagent","role":"(\w+)"[^\n]*"state":"start"/g)!.map((l) => /"role":"(\w+)"/.exec(l)![1])).toEqual([
      'explorer',
      'worker',
      'reviewer',
    ]);
  });

  test('a slip the reviewer catches goes back to the worker for a second round', async () => {
    const f = calcFixture();
    const sloppy = SimProfile.parse({
      skill: 0,
      diligence: 0,
      writes_tests: 1,
      fix_rate: 1,
      overreach: { scope: 0, network: 0, test_tampering: 0 },
      reviewer: { catch_rate: 1 },
      latency: { time_scale: 0 },
    });
    const res = await runReplay(f.suite, { workflows: [loadWorkflowDir(join(SHIPPED, 'roles'))], backend: simBackend(sloppy), runId: 'rounds', seed: 3 });
    const r = res.records[0]!;
    expect(r.review.rounds).toBe(2);
    expect(r.structure.subagent_calls).toBe(5);
    expect(r.quality).toMatchObject({ resolved: true, accepted: true });
  });

  test('the same task on the broad workflow has one role and no sub-agents', async () => {
    const f = calcFixture();
    const res = await runReplay(f.suite, { workflows: [loadWorkflowDir(join(SHIPPED, 'broad'))], backend: simBackend(CAREFUL), runId: 'broad' });
    expect(Object.keys(res.records[0]!.roles)).toEqual(['broad']);
    expect(res.records[0]!.structure.subagent_calls).toBe(0);
  });
});

describe('graph routing', () => {
  test('explicit edges run explorer -> worker -> reviewer, and back to the worker on rejection, bounded', async () => {
    const dir = workflowCopy('roles', {
      'bench.toml': [
        'routing = "graph"',
        'max_rounds = 2',
        '[graph]',
        'start = "explorer"',
        '[[graph.edges]]',
        'from = "explorer"',
        'to = "worker"',
        '[[graph.edges]]',
        'from = "worker"',
        'to = "reviewer"',
        '[[graph.edges]]',
        'from = "reviewer"',
        'to = "worker"',
        'when = "changes_requested"',
        '[roles.explorer]',
        'output = "exploration"',
        '[roles.worker]',
        'output = "manifest"',
        '[roles.reviewer]',
        'output = "review"',
      ].join('\n'),
    });
    const f = calcFixture();
    const alwaysReject = SimProfile.parse({
      skill: 1,
      diligence: 0,
      writes_tests: 1,
      overreach: { scope: 0, network: 0, test_tampering: 0 },
      reviewer: { false_alarm: 1 },
      latency: { time_scale: 0 },
    });
    const res = await runReplay(f.suite, { workflows: [loadWorkflowDir(dir)], backend: simBackend(alwaysReject), runId: 'graph' });
    const r = res.records[0]!;
    const events = readFileSync(join(res.runDir.dir, 'trials', r.trial_id, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const order = events.filter((e) => e.type === 'subagent' && e.state === 'start').map((e) => e.role);
    expect(order).toEqual(['explorer', 'worker', 'reviewer', 'worker', 'reviewer']);
    expect(events.some((e) => e.type === 'graph' && e.state === 'bounded')).toBe(true);
    expect(r.review).toMatchObject({ verdict: 'request_changes', rounds: 2 });
    expect(r.quality.accepted).toBe(false);
    expect(Object.keys(r.roles).sort()).toEqual(['explorer', 'reviewer', 'worker']);
  });
});

describe('session and sub-agent hooks', () => {
  test('SessionStart, UserPromptSubmit, Pre/PostToolUse, SubagentStart/Stop and Stop all fire with their payloads', async () => {
    const log = join(tmp(), 'hooks.log');
    const events = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'SubagentStart', 'SubagentStop', 'Stop'];
    const hooks = Object.fromEntries(events.map((e) => [e, [{ hooks: [{ type: 'command', command: `cat >> ${log}; echo >> ${log}` }] }]]));
    const dir = workflowCopy('roles', { 'hooks/hooks.json': JSON.stringify({ hooks }) });
    const f = calcFixture();
    const res = await runReplay(f.suite, { workflows: [loadWorkflowDir(dir)], backend: simBackend(CAREFUL), runId: 'hooks' });
    const payloads = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const seen = new Set(payloads.map((p) => p.hook_event_name));
    for (const e of events) expect(seen.has(e), e).toBe(true);
    expect(payloads.find((p) => p.hook_event_name === 'SessionStart')).toMatchObject({ source: 'startup' });
    expect(payloads.find((p) => p.hook_event_name === 'UserPromptSubmit')!.prompt).toMatch(/clamp/);
    expect(payloads.find((p) => p.hook_event_name === 'SubagentStart')).toMatchObject({
      agent_type: 'explorer',
      agent_id: expect.stringMatching(/^explorer-/),
    });
    expect(payloads.find((p) => p.hook_event_name === 'SubagentStop')).toMatchObject({
      agent_type: 'explorer',
      stop_hook_active: false,
      last_assistant_message: expect.stringContaining('relevant_files'),
    });
    // A sub-agent's tool hooks carry the agent_id of its SubagentStart: a hook can link them.
    const workerCall = payloads.find((p) => p.hook_event_name === 'PreToolUse' && p.agent_type === 'worker');
    expect(workerCall).toMatchObject({ permission_mode: 'default', model: expect.any(String), agent_id: expect.stringMatching(/^worker-/) });
    expect(payloads.some((p) => p.hook_event_name === 'SubagentStart' && p.agent_id === workerCall!.agent_id)).toBe(true);
    for (const p of payloads) expect(p, String(p.hook_event_name)).toMatchObject({ permission_mode: 'default', model: expect.stringMatching(/./) });
    expect(res.records[0]!.control.hook_failures).toBe(0);
  });

  test('a Stop hook that blocks continues the agent with its reason, a bounded number of times', async () => {
    const dir = workflowCopy('broad', {
      'hooks/hooks.json': JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command: `echo '{"decision":"block","reason":"keep going"}'` }] }] } }),
    });
    const f = calcFixture();
    const res = await runReplay(f.suite, { workflows: [loadWorkflowDir(dir)], backend: simBackend(CAREFUL), runId: 'stop' });
    const events = readFileSync(join(res.runDir.dir, 'trials', res.records[0]!.trial_id, 'events.jsonl'), 'utf8');
    expect(events.match(/"type":"continue"/g)).toHaveLength(2);
    expect(events.match(/"event":"Stop"/g)).toHaveLength(3);
    expect(res.records[0]!.status).toBe('ok');
  });
});

test('max_threads bounds role calls running at once: the extra parallel call is refused and logged', async () => {
  const dir = workflowCopy('roles', { 'config.toml': 'approval_policy = "never"\n[agents]\nmax_threads = 1\nmax_depth = 1\n' });
  const wf = loadWorkflowDir(dir);
  const root = tmp();
  writeFiles(root, { 'ws/README.md': '# x\n' });
  const events = new EventLog(null);
  const plane = new ControlPlane({
    workspace: join(root, 'ws'),
    scratch: join(root, 'scratch'),
    events,
    roles: Object.fromEntries(wf.roles.map((r) => [r.name, { sandbox: r.sandbox, network: r.network, approval: r.approval }])),
    defaultRole: { sandbox: 'read-only', network: 'deny', approval: 'never' },
    sandbox: detectSandbox('auto') as SandboxBackend,
    hooks: null,
    approver: DEFAULT_APPROVER,
    hidden: [],
    reveal: [],
    seed: 1,
    commandTimeoutMs: 10_000,
    maxOutputBytes: 65536,
    signal: new AbortController().signal,
  });
  // The orchestrator asks two roles in one turn; each sub-agent answers at once.
  const orchestrator = new ScriptedModel([
    [functionCall('explorer', { input: 'look' }, { callId: 'call_1' }), functionCall('reviewer', { input: 'review' }, { callId: 'call_2' })],
    [assistantMessage('done')],
  ]);
  const sub = (text: string) => new ScriptedModel([[assistantMessage(text)]]);
  const res = await runSdkEngine({
    trialId: 't',
    workflow: wf,
    prompt: 'do it',
    plane,
    hooks: null,
    events,
    signal: new AbortController().signal,
    modelFor: (role) => ({
      model:
        role.name === 'orchestrator'
          ? orchestrator
          : sub(role.name === 'reviewer' ? '{"verdict":"approve","findings":[],"summary":"ok"}' : '{"relevant_files":[],"plan":"p","risks":[]}'),
      name: 'scripted',
    }),
  });
  expect(res.stop).toBe('completed');
  const subagents = events.of('subagent');
  expect(subagents.filter((e) => e.state === 'start')).toHaveLength(1);
  expect(subagents.filter((e) => e.state === 'refused')).toHaveLength(1);
  const second = orchestrator.calls[1]!.request.input as Array<{ type?: string; callId?: string; output?: unknown }>;
  expect(JSON.stringify(second.filter((i) => i.type === 'function_call_result'))).toMatch(/agent thread limit reached \(max_threads = 1\)/);
});
