// Repeats of a task are correlated: intervals resample tasks, all their trials together, whenever a
// task has more than one trial. Coverage is checked on simulated datasets with a strong task effect
// (seeded, so the figures are the same on every run).
import { describe, expect, test } from 'vitest';
import { metricByName, valuesOf, type Sample } from '../../src/analyze/metrics.ts';
import { analyze } from '../../src/analyze/summary.ts';
import { rng, wilson } from '../../src/analyze/stats.ts';
import { runGate } from '../../src/gate/gate.ts';
import { gateMarkdown, gateText } from '../../src/gate/output.ts';
import { GatePolicy } from '../../src/gate/policy.ts';
import { parseYaml } from '../../src/input/validate.ts';
import { trial } from '../helpers/records.ts';

const TASKS = 30;
const REPEATS = 3;
const DATASETS = 400;

/** Tasks are easy (p 0.9) or hard (p 0.1), half each: the true rate is 0.5, and a task's repeats mostly agree. */
function clusteredOutcomes(next: () => number): boolean[][] {
  return Array.from({ length: TASKS }, () => {
    const p = next() < 0.5 ? 0.9 : 0.1;
    return Array.from({ length: REPEATS }, () => next() < p);
  });
}

const covers = (ci: { lo: number | null; hi: number | null }, truth: number) => ci.lo! <= truth && truth <= ci.hi!;

describe('intervals with repeats resample tasks', () => {
  test('a rate: ~95% coverage over tasks, where the interval over independent trials covers clearly less', () => {
    const next = rng(2024);
    let clustered = 0;
    let naive = 0;
    for (let d = 0; d < DATASETS; d++) {
      const outcomes = clusteredOutcomes(next);
      const sample: Sample = {
        kind: 'ratio',
        binary: true,
        terms: outcomes.flatMap((reps, t) => reps.map((hit) => ({ key: `t${t}`, num: +hit, den: 1 }))),
      };
      const [v] = valuesOf([sample], d + 1);
      expect(v!.interval).toEqual({ method: 'bootstrap', unit: 'task', units: TASKS });
      if (covers(v!, 0.5)) clustered++;
      const hits = outcomes.flat().filter(Boolean).length;
      if (covers(wilson(hits, TASKS * REPEATS)!, 0.5)) naive++; // what the rate got when trials were taken as independent
    }
    const [c, n] = [clustered / DATASETS, naive / DATASETS];
    console.log(`coverage of 95% intervals, ${TASKS} tasks x ${REPEATS} repeats, ${DATASETS} datasets: bootstrap over tasks ${c}, Wilson over trials ${n}`);
    expect(c).toBeGreaterThanOrEqual(0.91);
    expect(c).toBeLessThanOrEqual(0.98);
    expect(n).toBeLessThan(0.88);
  });

  test('a mean: the same, against the normal interval over independent trials', () => {
    const next = rng(7);
    let clustered = 0;
    let naive = 0;
    for (let d = 0; d < DATASETS; d++) {
      // A task's level (mean 10 across tasks) dominates the noise of its repeats.
      const terms = Array.from({ length: TASKS }, (_, t) => {
        const level = 10 + 8 * (next() - 0.5);
        return Array.from({ length: REPEATS }, () => ({ key: `t${t}`, num: level + (next() - 0.5), den: 1 }));
      }).flat();
      const [byTask] = valuesOf([{ kind: 'ratio', binary: false, terms }], d + 1);
      if (covers(byTask!, 10)) clustered++;
      const xs = terms.map((x) => x.num);
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const se = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
      if (covers({ lo: m - 1.96 * se, hi: m + 1.96 * se }, 10)) naive++;
    }
    const [c, n] = [clustered / DATASETS, naive / DATASETS];
    console.log(`coverage of 95% intervals of a mean: bootstrap over tasks ${c}, normal interval over trials ${n}`);
    expect(c).toBeGreaterThanOrEqual(0.91);
    expect(c).toBeLessThanOrEqual(0.98);
    expect(n).toBeLessThan(0.88);
  });
});

/** 30 tasks, each resolved in all 3 repeats or in none (half each): in effect 30 observations, not 90. */
const repeated = (workflow: string, shift = 0) =>
  Array.from({ length: TASKS }, (_, t) =>
    Array.from({ length: REPEATS }, (_, rep) => trial({ workflow, task: `t${t}`, repeat: rep, resolved: (t + shift) % 2 === 0, wall: 1000 + 100 * t + rep })),
  ).flat();

describe('the metrics, the report and the gate resample tasks and say so', () => {
  test('a rate with repeats: bootstrap over tasks, wider than Wilson over trials; one trial per task: Wilson', () => {
    const rate = metricByName.get('resolve_rate')!;
    const v = rate.compute(repeated('broad'), 1);
    expect(v).toMatchObject({ estimate: 0.5, n: 90, interval: { method: 'bootstrap', unit: 'task', units: 30 } });
    const w = wilson(45, 90)!;
    expect(v.hi! - v.lo!).toBeGreaterThan(1.4 * (w.hi - w.lo)); // the design effect of perfectly agreeing repeats is 3: width × √3
    const once = rate.compute(
      repeated('broad').filter((r) => r.repeat === 0),
      1,
    );
    expect(once.interval).toEqual({ method: 'wilson', unit: 'trial', units: 30 });
    // Percentiles and means too.
    expect(metricByName.get('p95_latency')!.compute(repeated('broad'), 1).interval).toEqual({ method: 'bootstrap', unit: 'task', units: 30 });
  });

  test('a rate with repeats and no variation: Wilson counting each task once, not a bootstrap claiming certainty', () => {
    const none = repeated('broad').map((r) => ({ ...r, quality: { ...r.quality, regression: false } }));
    const v = metricByName.get('regression_rate')!.compute(none, 1);
    expect(v).toMatchObject({ estimate: 0, lo: 0, n: 90, interval: { method: 'wilson', unit: 'task', units: 30 } });
    expect(v.hi).toBeCloseTo(wilson(0, 30)!.hi, 10); // 11%, where a bootstrap gives 0–0 and Wilson over 90 trials 4%
  });

  test('paired comparisons resample tasks, a task’s repeats of both workflows together', () => {
    const a = analyze([{ label: 'run', records: [...repeated('broad'), ...repeated('roles', 1)] }]);
    const c = a.comparisons[0]!;
    expect(c.resolved!.interval).toEqual({ method: 'bootstrap', unit: 'task', units: 30, paired: true });
    expect(c.resolved!.n).toBe(90);
    expect(c.headline).toMatch(/paired bootstrap over 30 tasks/);
  });

  test('the gate names the interval behind each verdict', () => {
    const policy = parseYaml(
      'candidate: roles\nbaseline: broad\nmin_trials: 5\nrules:\n  - metric: resolve_rate\n    min: 0.2\n  - metric: resolve_rate\n    min: baseline - 0.1\n',
      'gate.yaml',
      GatePolicy,
    );
    const records = [...repeated('broad'), ...repeated('roles')];
    const g = runGate({ policy, policyFile: 'gate.yaml', run: { label: 'run', records, planned: records.length } });
    expect(g.rules.map((r) => r.interval)).toEqual([
      { method: 'bootstrap', unit: 'task', units: 30 },
      { method: 'bootstrap', unit: 'task', units: 30, paired: true },
    ]);
    expect(gateText(g)).toMatch(/resolve_rate >= 0\.2 .* bootstrap over 30 tasks/);
    expect(gateText(g)).toMatch(/resolve_rate >= baseline - 0\.1 .* paired bootstrap over 30 tasks/);
    expect(gateMarkdown(g)).toMatch(/paired bootstrap over 30 tasks/);
    const single = records.filter((r) => r.repeat === 0);
    const g1 = runGate({ policy, policyFile: 'gate.yaml', run: { label: 'run', records: single, planned: single.length } });
    expect(gateText(g1)).toMatch(/resolve_rate >= 0\.2 .* Wilson, 30 trials/);
  });

  test('bootstraps are seeded: the same seed gives the same intervals', () => {
    const rs = repeated('broad');
    for (const name of ['resolve_rate', 'p95_latency']) expect(metricByName.get(name)!.compute(rs, 3)).toEqual(metricByName.get(name)!.compute(rs, 3));
  });
});
