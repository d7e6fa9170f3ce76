// The team figures end to end, on a real repository with the simulated model and real tools: routes
// checked against the workflow's expected route (misrouting measured on a copy of roles whose
// descriptions overlap), and two workers the orchestrator runs at once writing the same file.
import { join } from 'node:path';
import { assistantMessage, functionCall, ScriptedModel } from '@openai/agents/testing';
import { describe, expect, test } from 'vitest';
import { DEFAULT_APPROVER } from '../../src/control/approver.ts';
import { ControlPlane } from '../../src/control/plane.ts';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { runSdkEngine } from '../../src/engine/sdk/engine.ts';
import { EventLog } from '../../src/record/events.ts';
import { teamFigures } from '../../src/replay/team.ts';
import { tmp, writeFiles } from '../helpers/fixtures.ts';
import { metricByName } from '../../src/analyze/metrics.ts';
import { TrialRecord } from '../../src/record/schema.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { calcFixture } from '../helpers/fixtures.ts';
import { runReplay, simBackend } from '../helpers/replay.ts';
import { SHIPPED } from '../helpers/workflows.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'workflows');

describe('routes and misrouting', () => {
  test('the shipped roles follow their expected route; the copy with overlapping descriptions mis-routes, and misrouted_rate says so', async () => {
    const f = calcFixture();
    const profile = SimProfile.parse({ skill: 1, diligence: 0, overreach: { scope: 0, network: 0, injection: 0 }, latency: { time_scale: 0 } });
    const res = await runReplay(f.suite, {
      workflows: [loadWorkflowDir(join(SHIPPED, 'roles')), loadWorkflowDir(join(FIXTURES, 'roles-overlap'))],
      backend: simBackend(profile),
      runId: 'routes',
      repeat: 6,
      concurrency: 2,
    });
    const of = (wf: string) => res.records.filter((r) => r.workflow === wf);
    for (const r of res.records) {
      expect(() => TrialRecord.parse(r)).not.toThrow();
      expect(r.status).toBe('ok');
      expect(r.team!.expected_route).toBe('explorer (worker reviewer)+');
      // Every role call is in the route, with the size of what the orchestrator handed it.
      expect(r.team!.route.length).toBe(r.structure.subagent_calls);
      for (const c of r.team!.route) {
        expect(c.input_bytes).toBeGreaterThan(50);
        expect(c.input_tokens).toBeGreaterThan(10);
        expect(c.end_ms).toBeGreaterThanOrEqual(c.start_ms);
      }
    }
    const misrouted = metricByName.get('misrouted_rate')!;
    expect(of('roles').map((r) => r.team!.misrouted)).toEqual(of('roles').map(() => false));
    expect(misrouted.point(of('roles'))).toBe(0);
    const bad = of('roles-overlap').filter((r) => r.team!.misrouted);
    expect(bad.length).toBeGreaterThan(0);
    expect(misrouted.point(of('roles-overlap'))).toBeGreaterThan(0);
    // A misrouted trial handed a step to the look-alike: the reviewer explored, or the explorer reviewed.
    for (const r of bad) expect(r.team!.route.map((c) => c.role).join(' ')).not.toMatch(/^explorer (worker reviewer ?)+$/);
    // The file accesses belong to the role calls of the route.
    const calls = new Set(res.records.flatMap((r) => r.team!.route.map((c) => c.call)));
    for (const r of res.records) for (const a of r.team!.access) if (a.call !== null) expect(calls.has(a.call)).toBe(true);
  }, 300_000);
});

describe('concurrent role calls', () => {
  test('two workers asked at once both write NOTES.md: a write overlap, in the record and the metric', async () => {
    const f = calcFixture();
    // Both workers leave a notes file (scope overreach every time) and run the tests, so both are still running when the other writes.
    const profile = SimProfile.parse({ skill: 1, diligence: 1, overreach: { scope: 1, network: 0, injection: 0 }, latency: { time_scale: 0 } });
    const res = await runReplay(f.suite, { workflows: [loadWorkflowDir(join(FIXTURES, 'roles-parallel'))], backend: simBackend(profile), runId: 'parallel' });
    const r = res.records[0]!;
    expect(r.status).toBe('ok');
    const team = r.team!;
    const [worker, helper] = ['worker', 'helper'].map((role) => team.route.find((c) => c.role === role)!);
    // They really ran at the same time (one orchestrator response, two role tool calls run together).
    expect(worker!.start_ms).toBeLessThan(helper!.end_ms!);
    expect(helper!.start_ms).toBeLessThan(worker!.end_ms!);
    // Their simulated latencies overlap too: the trial's time grew by less than all the latency counted.
    const counted = r.time.wall_ms - (Date.parse(r.ended_at) - Date.parse(r.started_at));
    expect(r.time.simulated_latency_ms - counted).toBeGreaterThan(500);
    expect(r.roles.worker!.model_ms + r.roles.helper!.model_ms).toBeGreaterThan(500);
    const writes = (role: string) => team.access.filter((a) => a.role === role && a.op === 'write' && a.file === 'NOTES.md');
    expect(writes('worker').length).toBeGreaterThan(0);
    expect(writes('helper').length).toBeGreaterThan(0);
    const overlap = team.write_overlaps.find((o) => o.file === 'NOTES.md');
    expect(overlap).toBeDefined();
    expect([...overlap!.roles].sort()).toEqual(['helper', 'worker']);
    expect(metricByName.get('write_overlaps_per_task')!.point(res.records)).toBeGreaterThanOrEqual(1);
    // The explorer only read: never a writer in the matrix.
    expect(team.access.filter((a) => a.role === 'explorer' && a.op === 'write')).toEqual([]);
    expect(team.access.some((a) => a.role === 'explorer' && a.op === 'read' && a.file === 'src/math.js')).toBe(true);
  }, 300_000);
});

test('scripted roles at once: a command write is observed in the worktree, a read of it by the other running role is a dependency, and the other role edit of it an overlap', async () => {
  const wf = loadWorkflowDir(join(FIXTURES, 'roles-parallel'));
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
    commandTimeoutMs: 20_000,
    maxOutputBytes: 65536,
    signal: new AbortController().signal,
  });
  // The orchestrator asks the worker and the helper in one turn: the SDK runs both calls at once.
  const orchestrator = new ScriptedModel([
    [functionCall('worker', { input: 'build it' }, { callId: 'call_w' }), functionCall('helper', { input: 'note it' }, { callId: 'call_h' })],
    [assistantMessage('done')],
  ]);
  const manifest = '{"status":"done","files_modified":[],"tests_run":[],"summary":"ok"}';
  // The worker writes a.txt from a shell command early, then stays busy; the helper waits, reads a.txt, then edits it.
  const worker = new ScriptedModel([
    [functionCall('exec_command', { cmd: 'cat README.md > /dev/null; sleep 0.2; echo built > a.txt' }, { callId: 'w1' })],
    [functionCall('exec_command', { cmd: 'sleep 2' }, { callId: 'w2' })],
    [assistantMessage(manifest)],
  ]);
  const helper = new ScriptedModel([
    [functionCall('exec_command', { cmd: 'sleep 1' }, { callId: 'h1' })],
    [functionCall('read_file', { path: 'a.txt' }, { callId: 'h2' })],
    [functionCall('apply_patch', { input: '*** Begin Patch\n*** Update File: a.txt\n@@\n-built\n+built and noted\n*** End Patch' }, { callId: 'h3' })],
    [assistantMessage(manifest)],
  ]);
  const res = await runSdkEngine({
    trialId: 't',
    workflow: wf,
    prompt: 'do it',
    plane,
    hooks: null,
    events,
    signal: new AbortController().signal,
    modelFor: (role) => ({ model: role.name === 'worker' ? worker : role.name === 'helper' ? helper : orchestrator, name: 'scripted' }),
  });
  expect(res.stop).toBe('completed');
  const team = teamFigures({ events: events.events, kind: 'pr', routes: wf.routes });
  const w = team.route.find((c) => c.role === 'worker')!.call;
  const h = team.route.find((c) => c.role === 'helper')!.call;
  const rows = team.access.map((a) => [a.role, a.call, a.file, a.op, a.source]);
  expect(rows).toContainEqual(['worker', w, 'README.md', 'read', 'named']);
  expect(rows).toContainEqual(['worker', w, 'a.txt', 'write', 'observed']);
  expect(rows).toContainEqual(['helper', h, 'a.txt', 'read', 'tool']);
  expect(rows).toContainEqual(['helper', h, 'a.txt', 'write', 'tool']);
  // The worker's second command saw a.txt change, but the helper's edit explains it: not the worker's write.
  expect(team.access.filter((a) => a.role === 'worker' && a.op === 'write')).toHaveLength(1);
  expect(team.write_overlaps).toEqual([{ file: 'a.txt', calls: [h, w].sort(), roles: expect.any(Array), t_ms: expect.any(Number) }]);
  expect(team.concurrent_dependencies).toEqual([
    { file: 'a.txt', reader: h, writer: w, reader_role: 'helper', writer_role: 'worker', t_ms: expect.any(Number) },
  ]);
  expect(team.route.map((c) => c.input_bytes)).toEqual([expect.any(Number), expect.any(Number)]);
}, 60_000);
