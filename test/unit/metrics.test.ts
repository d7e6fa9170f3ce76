// Why a metric has no value: not applicable (left out by its selector), not measured (the engine does not
// expose it), no price. The report and the gate say the right one; charts leave a missing value out.
import { describe, expect, test } from 'vitest';
import { metricByName } from '../../src/analyze/metrics.ts';
import { bootstrapQuantile, bootstrapQuantiles } from '../../src/analyze/stats.ts';
import { analyze } from '../../src/analyze/summary.ts';
import { runGate } from '../../src/gate/gate.ts';
import { gateMarkdown, gateText } from '../../src/gate/output.ts';
import { GatePolicy } from '../../src/gate/policy.ts';
import { parseYaml } from '../../src/input/validate.ts';
import { chartSpecs } from '../../src/report/charts.ts';
import { mdEscape, metricText } from '../../src/report/format.ts';
import { TrialRecord } from '../../src/record/schema.ts';
import { trial } from '../helpers/records.ts';

const many = (n: number, o: Parameters<typeof trial>[0] = {}) => Array.from({ length: n }, (_, i) => trial({ ...o, task: `t${i}` }));
const triage = (n: number) =>
  many(n, { kind: 'triage' }).map((r) => TrialRecord.parse({ ...r, quality: { ...r.quality, regression: null, correction_lines: null } }));
const codex = (n: number, o: Parameters<typeof trial>[0] = {}) =>
  many(n, o).map((r) => TrialRecord.parse({ ...r, engine: 'codex', control: { ...r.control, hook_runs: null, hook_failures: null } }));

function gate(rules: string, records: TrialRecord[]) {
  const policy = parseYaml(`min_trials: 5\nrules:\n${rules}`, 'gate.yaml', GatePolicy);
  return runGate({ policy, policyFile: 'gate.yaml', run: { label: 'run', records, planned: records.length } });
}

describe('a missing value says why', () => {
  test('correction size does not apply to triage trials: nothing missing, not "not measured"', () => {
    const m = metricByName.get('correction_lines_per_task')!.compute(triage(12), 1);
    expect(m).toEqual({ estimate: null, lo: null, hi: null, n: 0 });
    expect(metricText('count', m)).toBe('–');
    const g = gate('  - metric: correction_lines_per_task\n    max: 20\n', triage(12));
    expect(g.rules[0]).toMatchObject({ verdict: 'n/a', reason: 'no trials this metric applies to' });
    const out = gateText(g) + gateMarkdown(g);
    expect(out).not.toMatch(/not measured|does not expose/);
  });

  test('mixed kinds: correction size is the mean over pr trials only', () => {
    const m = metricByName.get('correction_lines_per_task')!.compute([...triage(4), ...many(3)], 1);
    expect(m).toMatchObject({ estimate: 0, n: 3 });
    expect(m.missing).toBeUndefined();
  });

  test('hook failures on the codex engine are not measured, and the gate says the engine does not expose them', () => {
    const m = metricByName.get('hook_failures_per_task')!.compute(codex(12), 1);
    expect(m).toMatchObject({ estimate: null, n: 0, missing: { n: 12, why: 'not_measured' } });
    expect(metricText('count', m)).toBe('not measured');
    const g = gate('  - metric: hook_failures_per_task\n    max: 0\n', codex(12));
    expect(g.rules[0]!.verdict).toBe('n/a');
    expect(g.rules[0]!.reason).toBe('not measured in these 12 trials (their engine does not expose it)');
    expect(gateText(g)).toMatch(/hook_failures_per_task <= 0\s+not measured/);
  });

  test('a trial without a price is "no price", not "not measured"', () => {
    const m = metricByName.get('cost_per_task')!.compute(many(6, { cost: null }), 1);
    expect(m).toMatchObject({ estimate: null, missing: { n: 6, why: 'no_price' } });
    expect(metricText('usd', m)).toBe('no price');
    expect(gate('  - metric: cost_per_task\n    max: 1\n', many(6, { cost: null })).rules[0]!.reason).toMatch(/^no price for these 6 trials/);
    const partial = metricByName.get('cost_per_task')!.compute([...many(3, { cost: null }), ...many(4, { cost: 0.02 })], 1);
    expect(partial).toMatchObject({ estimate: 0.02, n: 4, missing: { n: 3, why: 'no_price' } });
  });

  test('charts leave a missing value out instead of plotting it as zero', () => {
    const runs = [
      { label: 'sdk', records: many(5, { workflow: 'broad' }) },
      { label: 'codex', records: codex(5, { workflow: 'broad' }) },
    ];
    const a = analyze(runs);
    const control = chartSpecs(a, []).find((c) => c.id === 'control')!;
    const rows = (control.spec as { data: { values: Array<{ workflow: string; measure: string; value: number }> } }).data.values;
    const failures = rows.filter((r) => r.measure === 'hook failures');
    expect(failures.map((r) => r.workflow)).toEqual(['sdk: broad']);
  });
});

describe('one formatter for metric cells', () => {
  test('estimate with its interval, a count without one, and markdown escaping', () => {
    expect(metricText('rate', { estimate: 0.5, lo: 0.25, hi: 0.75, n: 8 })).toBe('50% (25%–75%)');
    expect(metricText('count', { estimate: 12, lo: null, hi: null, n: 12 })).toBe('12');
    expect(metricText('count', undefined)).toBe('–');
    expect(mdEscape('a|b\n<x>')).toBe('a\\|b \\<x\\>');
  });

  test('the completeness check prints as a plain count', () => {
    const policy = parseYaml('rules:\n  - metric: resolve_rate\n    min: 0.5\n', 'gate.yaml', GatePolicy);
    const g = runGate({ policy, policyFile: 'gate.yaml', run: { label: 'run', records: many(12), planned: 20 } });
    expect(gateText(g)).toMatch(/complete run\s+12\s+≥ 20\s+12\s+–\s+FAIL/);
  });
});

describe('comparisons', () => {
  test('resolved tasks are judged on the paired difference, in the metric comparison too', () => {
    // b resolves 8 more of the same 40 tasks: the Wilson intervals overlap, the paired difference does not.
    const a = Array.from({ length: 40 }, (_, i) => trial({ workflow: 'a', task: `t${i}`, resolved: i % 2 === 0 }));
    const b = Array.from({ length: 40 }, (_, i) => trial({ workflow: 'b', task: `t${i}`, resolved: i % 2 === 0 || i % 10 === 1 || i % 10 === 3 }));
    const c = analyze([{ label: 'run', records: [...a, ...b] }]).comparisons[0]!;
    const m = c.metrics.find((x) => x.name === 'resolve_rate')!;
    expect(m.a.hi! > m.b.lo!).toBe(true); // the intervals overlap
    expect(m.better).toBe('b');
    expect(m.words).toBe('resolved: b is better on the same tasks (b won 8, lost 0, tied 32 of 40)');
  });

  test('a neutral figure that differs is said as higher, never better, and is listed among the differences', () => {
    const mcp = (calls: number) => ({
      servers: 1,
      calls,
      side_effect_calls: 0,
      side_effect_approved: 0,
      side_effect_denied: 0,
      side_effect_ran: 0,
      failures: [],
    });
    const a = Array.from({ length: 20 }, (_, i) => ({ ...trial({ workflow: 'a', task: `t${i}` }), mcp: mcp(3) }));
    const b = Array.from({ length: 20 }, (_, i) => ({ ...trial({ workflow: 'b', task: `t${i}` }), mcp: mcp(0) }));
    const c = analyze([{ label: 'run', records: [...a, ...b] }]).comparisons[0]!;
    const m = c.metrics.find((x) => x.name === 'mcp_calls_per_task')!;
    expect(m).toMatchObject({ better: 'neither', differs: true, words: 'MCP calls per task: a is higher (a 3, b 0)' });
    expect(c.differences).toContain('MCP calls per task: a is higher (a 3, b 0)');
  });
});

test('p50 and p95 from one bootstrap are the ones each would get alone', () => {
  const xs = Array.from({ length: 57 }, (_, i) => (i * 7919) % 101);
  const [p50, p95] = bootstrapQuantiles(xs, [0.5, 0.95], { seed: 5 })!;
  expect(p50).toEqual(bootstrapQuantiles(xs, [0.5], { seed: 5 })![0]);
  expect(p95).toEqual(bootstrapQuantiles(xs, [0.95], { seed: 5 })![0]);
  const rs = xs.map((w, i) => trial({ task: `t${i}`, wall: 1000 + w }));
  expect(metricByName.get('p95_latency')!.compute(rs, 5)).toEqual({
    ...bootstrapQuantile(
      rs.map((r) => r.time.wall_ms),
      0.95,
      { seed: 5 },
    )!,
    n: 57,
    interval: { method: 'bootstrap', unit: 'trial', units: 57 },
  });
});

test('a relative rule against a baseline that does not measure the metric says so', () => {
  const policy = parseYaml('min_trials: 5\nrules:\n  - metric: hook_failures_per_task\n    max: baseline + 0\n', 'gate.yaml', GatePolicy);
  const records = many(6, { workflow: 'roles' });
  const g = runGate({
    policy,
    policyFile: 'gate.yaml',
    run: { label: 'sdk-run', records, planned: records.length },
    baselineRun: { label: 'codex-run', records: codex(6, { workflow: 'roles' }) },
  });
  expect(g.rules[0]).toMatchObject({ verdict: 'inconclusive', reason: 'the baseline: not measured in these 6 trials (their engine does not expose it)' });
});
