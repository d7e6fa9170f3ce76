// The team figures end to end, on a real repository with the simulated model and real tools: routes
// checked against the workflow's expected route (misrouting measured on a copy of roles whose
// descriptions overlap), and two workers the orchestrator runs at once writing the same file.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
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
