import { describe, expect, test } from 'vitest';
import { METRICS, metricByName } from '../../src/analyze/metrics.ts';
import { analyze, summarizeWorkflow } from '../../src/analyze/summary.ts';
import { trial } from '../helpers/records.ts';

const m = (name: string, records: ReturnType<typeof trial>[]) => metricByName.get(name)!.compute(records, 1);

describe('metrics on hand-checked data', () => {
  // 10 tasks: 8 resolved; one of the two unresolved was accepted (escaped); plus 2 infrastructure errors and 1 timeout.
  const rs = [
    ...Array.from({ length: 8 }, (_, i) => trial({ task: `t${i}`, wall: (i + 1) * 1000, cost: 0.02 })),
    trial({ task: 't8', resolved: false, accepted: true, wall: 9000, cost: 0.03 }),
    trial({ task: 't9', resolved: false, accepted: false, wall: 10_000, cost: 0.03 }),
    trial({ task: 't10', status: 'infra_error', wall: 50, cost: null }),
    trial({ task: 't11', status: 'infra_error', wall: 60, cost: null }),
    trial({ task: 't12', status: 'timeout', wall: 900_000, cost: 0.5 }),
  ];
  test('rates count judged trials only; infrastructure errors and timeouts stay out', () => {
    const r = m('resolve_rate', rs);
    expect(r.n).toBe(10);
    expect(r.estimate).toBe(0.8);
    expect([+r.lo!.toFixed(4), +r.hi!.toFixed(4)]).toEqual([0.4902, 0.9433]); // Wilson 8/10
    expect(m('escaped_defect_rate', rs)).toMatchObject({ estimate: 0.1, n: 10 });
    expect(m('infra_error_rate', rs)).toMatchObject({ estimate: 2 / 13, n: 13 });
    expect(m('timeout_rate', rs)).toMatchObject({ estimate: 1 / 11, n: 11 });
  });
  test('latency percentiles over completed trials', () => {
    expect(m('p50_latency', rs)).toMatchObject({ estimate: 5500, n: 10 }); // median of 1..10 s
    expect(m('p95_latency', rs).estimate).toBeCloseTo(9550, 6); // 9000 + 0.55 * 1000
  });
  test('cost per task (timeouts included, infra errors not) and per resolved task (judged only)', () => {
    expect(m('cost_per_task', rs).estimate).toBeCloseTo((8 * 0.02 + 0.06 + 0.5) / 11, 10);
    expect(m('cost_per_resolved', rs).estimate).toBeCloseTo((8 * 0.02 + 0.06) / 8, 10);
  });
  test("every metric's point value is the estimate its interval is built around", () => {
    for (const def of METRICS) {
      const v = def.compute(rs, 1);
      if (v.estimate === null) expect(def.point(rs), def.name).toBeNull();
      else expect(def.point(rs), def.name).toBeCloseTo(v.estimate, 10);
    }
    expect(METRICS.every((d) => d.point([]) === null)).toBe(true);
  });
  test('per-task control figures', () => {
    const c = [trial({ task: 'a', denied: 2, network: 1 }), trial({ task: 'b', denied: 0 }), trial({ task: 'c', denied: 1, network: 1 })];
    expect(m('denied_calls_per_task', c).estimate).toBe(1);
    expect(m('blocked_network_per_task', c).estimate).toBeCloseTo(2 / 3, 10);
  });
});

describe('summaries and paired comparison', () => {
  test('workflows matched on task and repeat: wins, ties and losses; the first workflow is the baseline', () => {
    const broad = ['a', 'b', 'c', 'd'].map((t, i) => trial({ workflow: 'broad', task: t, resolved: i < 2, wall: 1000 }));
    const roles = ['a', 'b', 'c', 'd'].map((t, i) => trial({ workflow: 'roles', task: t, resolved: i !== 1, wall: 3000, cost: 0.05 }));
    const a = analyze([{ label: 'run', records: [...broad, ...roles] }]);
    expect(a.workflows.map((w) => w.label)).toEqual(['broad', 'roles']);
    const c = a.comparisons[0]!;
    expect([c.a, c.b, c.pairs]).toEqual(['broad', 'roles', 4]);
    expect(c.resolved).toMatchObject({ wins: 2, losses: 1, ties: 1, n: 4, estimate: 0.25 });
    expect(c.wall_ms!.estimate).toBe(2000);
    expect(c.headline).toMatch(/broad is faster by 2\.0 s per task/);
    expect(c.metrics.find((x) => x.name === 'p50_latency')!.better).toBe('a');
  });
  test('comparing runs compares each workflow with itself across runs', () => {
    const before = [trial({ workflow: 'roles', task: 'a', wall: 5000 }), trial({ workflow: 'roles', task: 'b', wall: 5000 })];
    const after = [trial({ workflow: 'roles', task: 'a', wall: 1000 }), trial({ workflow: 'roles', task: 'b', wall: 1200 })];
    const a = analyze([
      { label: 'before', records: before },
      { label: 'after', records: after },
    ]);
    expect(a.workflows.map((w) => w.label)).toEqual(['before: roles', 'after: roles']);
    expect(a.comparisons[0]).toMatchObject({ a: 'before: roles', b: 'after: roles', pairs: 2 });
  });
  test('pass@k with repeats, per-role and per-kind breakdowns', () => {
    const rs = [0, 1, 2].flatMap((rep) => [
      trial({ task: 'x', repeat: rep, resolved: rep === 0 }),
      trial({ task: 'y', repeat: rep, resolved: true, kind: 'docs' }),
    ]);
    const s = summarizeWorkflow(rs, 1);
    expect(s.pass_at_k).toEqual([
      { k: 1, tasks: 2, value: (1 / 3 + 1) / 2 },
      { k: 2, tasks: 2, value: (2 / 3 + 1) / 2 },
      { k: 3, tasks: 2, value: 1 },
    ]);
    expect(s.kinds.map((k) => [k.kind, k.trials, k.metrics.resolve_rate.estimate])).toEqual([
      ['docs', 3, 1],
      ['pr', 3, 1 / 3],
    ]);
    expect(s.roles.map((r) => r.role)).toEqual(['broad']);
  });
});
