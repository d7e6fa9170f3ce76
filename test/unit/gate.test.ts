import { XMLParser } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { InputError, InputErrors } from '../../src/errors.ts';
import { marginIntervals, runGate, type GateInput } from '../../src/gate/gate.ts';
import { metricByName } from '../../src/analyze/metrics.ts';
import { gateJUnit, gateMarkdown, gateText, githubAnnotations } from '../../src/gate/output.ts';
import { GatePolicy, parseBound } from '../../src/gate/policy.ts';
import { parseYaml } from '../../src/input/validate.ts';
import type { TrialRecord } from '../../src/record/schema.ts';
import { trial } from '../helpers/records.ts';

const policy = (yaml: string) => parseYaml(yaml, 'gate.yaml', GatePolicy);

function gate(yaml: string, records: TrialRecord[], over: Partial<GateInput> = {}) {
  return runGate({ policy: policy(yaml), policyFile: 'gate.yaml', run: { label: 'run', records, planned: records.length }, ...over });
}

const many = (n: number, o: Parameters<typeof trial>[0] & { hit?: (i: number) => Parameters<typeof trial>[0] } = {}) =>
  Array.from({ length: n }, (_, i) => trial({ ...o, task: `t${i}`, ...(o.hit ? o.hit(i) : {}) }));

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputErrors) return err.errors.map((e) => e.format());
    if (err instanceof InputError) return [err.format()];
    throw err;
  }
  throw new Error('expected an input error');
}

describe('bounds and policies', () => {
  test('bounds: numbers, k x baseline, baseline ± d', () => {
    expect(parseBound(0.05)).toEqual({ kind: 'absolute', value: 0.05 });
    expect(parseBound('1.5 x baseline')).toEqual({ kind: 'scale', factor: 1.5 });
    expect(parseBound('2×baseline')).toEqual({ kind: 'scale', factor: 2 });
    expect(parseBound('baseline - 0.05')).toEqual({ kind: 'shift', delta: -0.05 });
    expect(parseBound('baseline+3')).toEqual({ kind: 'shift', delta: 3 });
    expect(parseBound('baseline')).toEqual({ kind: 'shift', delta: 0 });
    expect(parseBound('0.1')).toEqual({ kind: 'absolute', value: 0.1 });
    expect(parseBound('1.5 baseline')).toBeNull();
    expect(parseBound('baseline * 2')).toBeNull();
  });

  test('a malformed policy names the file, line, field and fix', () => {
    const errs = problems(() =>
      policy('rules:\n  - metric: escaped_defects_rate\n    max: 0.05\n  - metric: p95_latency\n    max: 1.5 baseline\n  - metric: resolve_rate\n'),
    );
    expect(errs[0]).toBe(
      `gate.yaml:2: rules[0].metric: "escaped_defects_rate" is not one of the ${metricByName.size} accepted values\n  fix: did you mean "escaped_defect_rate"?`,
    );
    expect(errs[1]).toMatch(/^gate\.yaml:5: rules\[1\]\.max: expected a number \(0\.05\), "<k> x baseline"/);
    expect(errs[2]).toMatch(/^gate\.yaml:6: rules\[2\]\.max: give exactly one of max or min/);
    expect(problems(() => policy('min_trial: 3\nrules: []\n')).join('\n')).toMatch(/min_trial.*min_trials/s);
  });
});

describe('absolute rules are judged on the interval', () => {
  const rule = 'min_trials: 10\nrules:\n  - metric: escaped_defect_rate\n    max: 0.3\n';
  test('pass when the whole interval is within, fail when it is all beyond, inconclusive when it straddles', () => {
    const clean = gate(rule, many(20, { resolved: true }));
    expect(clean.rules[0]).toMatchObject({ verdict: 'pass', failing: false });
    expect(clean.passed).toBe(true);
    const bad = gate(rule, many(20, { hit: (i) => ({ resolved: i >= 15 }) })); // 15 of 20 escaped
    expect(bad.rules[0]).toMatchObject({ verdict: 'fail', failing: true });
    expect(bad.passed).toBe(false);
    const unsure = gate(rule, many(20, { hit: (i) => ({ resolved: i >= 5 }) })); // 5 of 20: Wilson 11%–47%
    expect(unsure.rules[0]!.verdict).toBe('inconclusive');
    expect(unsure.passed).toBe(false); // the policy default: inconclusive fails
    expect(gate(`inconclusive: pass\n${rule}`, many(20, { hit: (i) => ({ resolved: i >= 5 }) })).passed).toBe(true);
  });

  test('too few trials is inconclusive; a rule may override the policy', () => {
    const r = gate('min_trials: 30\nrules:\n  - metric: resolve_rate\n    min: 0.5\n    inconclusive: pass\n', many(20));
    expect(r.rules[0]).toMatchObject({ verdict: 'inconclusive', failing: false });
    expect(r.rules[0]!.reason).toMatch(/20 trial\(s\).*needs 30/);
  });

  test('cost per resolved task with nothing resolved is inconclusive, not a number held against the bound', () => {
    const r = gate('min_trials: 5\nrules:\n  - metric: cost_per_resolved\n    max: 1\n', many(10, { resolved: false }));
    expect(r.rules[0]).toMatchObject({ verdict: 'inconclusive', observed: { estimate: null, n: 10 } });
    expect(r.rules[0]!.reason).toMatch(/undefined over these 10 trials/);
  });

  test('a bound at the floor is zero tolerance: one blocked network attempt fails', () => {
    const rule0 = 'min_trials: 5\nrules:\n  - metric: blocked_network_per_task\n    max: 0\n';
    expect(gate(rule0, many(20)).rules[0]!.verdict).toBe('pass');
    const one = gate(rule0, many(20, { hit: (i) => ({ network: i === 3 ? 1 : 0 }) }));
    expect(one.rules[0]).toMatchObject({ verdict: 'fail' });
    expect(one.rules[0]!.reason).toBe('0.05 observed: the maximum 0 tolerates none');
  });

  test('a metric with no trials to apply to is n/a and does not fail', () => {
    const r = gate('rules:\n  - metric: regression_rate\n    max: 0\n', many(12, { kind: 'triage' }));
    expect(r.rules[0]!.verdict).toBe('n/a');
    expect(r.passed).toBe(true);
  });
});

describe('relative rules bootstrap the margin over paired trials', () => {
  const rel =
    'candidate: roles\nbaseline: broad\nmin_trials: 10\nrules:\n  - metric: p95_latency\n    max: 1.5 x baseline\n  - metric: resolve_rate\n    min: baseline - 0.05\n';
  const broad = many(30, { workflow: 'broad', hit: (i) => ({ wall: 1000 + 37 * i, resolved: i % 3 !== 0 }) });

  test('the same behaviour passes', () => {
    const roles = many(30, { workflow: 'roles', hit: (i) => ({ wall: 1100 + 37 * i, resolved: i % 3 !== 0 }) });
    const r = gate(rel, [...broad, ...roles]);
    expect(r.rules.map((x) => x.verdict)).toEqual(['pass', 'pass']);
    expect(r.rules[0]!.threshold).toBeCloseTo(1.5 * r.rules[0]!.baseline!.estimate!, 6);
    expect(r.baseline).toEqual({ run: 'run', workflow: 'broad' });
  });

  test('three times slower and resolving fewer of the same tasks fails, naming each rule', () => {
    const roles = many(30, { workflow: 'roles', hit: (i) => ({ wall: 3 * (1000 + 37 * i), resolved: i % 3 === 1 }) });
    const r = gate(rel, [...broad, ...roles]);
    expect(r.rules.map((x) => x.verdict)).toEqual(['fail', 'fail']);
    expect(r.failed.map((x) => x.name)).toEqual(['p95_latency <= 1.5 x baseline', 'resolve_rate >= baseline - 0.05']);
    expect(gateText(r)).toMatch(/gate FAILED: p95_latency <= 1\.5 x baseline; resolve_rate >= baseline - 0\.05/);
  });

  test('a baseline from another run: the same workflow there', () => {
    const before = many(30, { workflow: 'roles', hit: (i) => ({ wall: 1000 + 37 * i }) });
    const after = many(30, { workflow: 'roles', hit: (i) => ({ wall: 4000 + 37 * i }) });
    const r = gate('rules:\n  - metric: p50_latency\n    max: 1.2 x baseline\n', after, { baselineRun: { label: 'main', records: before } });
    expect(r.baseline).toEqual({ run: 'main', workflow: 'roles' });
    expect(r.rules[0]!.verdict).toBe('fail');
  });

  test('paired resampling: a constant difference on the same tasks has a tight interval', () => {
    const a = many(20, { hit: (i) => ({ wall: 1000 * (i + 1) }) });
    const b = many(20, { workflow: 'roles', hit: (i) => ({ wall: 1000 * (i + 1) + 50 }) });
    const [m] = marginIntervals([{ def: metricByName.get('p50_latency')!, margin: (x, y) => x - y }], b, a, { seed: 3 });
    expect([m!.estimate, m!.lo, m!.hi]).toEqual([50, 50, 50]);
    expect(m!.interval).toEqual({ method: 'bootstrap', unit: 'task', units: 20, paired: true });
  });
});

describe('what the gate refuses and reports', () => {
  test('unknown workflows and a relative rule without a baseline are input errors naming the field', () => {
    const rs = [...many(3), ...many(3, { workflow: 'roles' })];
    expect(problems(() => gate('rules:\n  - metric: resolve_rate\n    min: 0.5\n', rs))[0]).toMatch(/gate\.yaml: candidate: .*several workflows/);
    expect(problems(() => gate('candidate: robes\nrules:\n  - metric: resolve_rate\n    min: 0.5\n', rs))[0]).toMatch(
      /candidate workflow "robes" is not in run/,
    );
    expect(
      problems(() => gate('candidate: roles\nrules:\n  - metric: resolve_rate\n    min: 0.5\n  - metric: p95_latency\n    max: 2 x baseline\n', rs))[0],
    ).toMatch(/gate\.yaml: rules\.1: rule "p95_latency <= 2 x baseline" is relative to a baseline/);
  });

  test('an incomplete run fails when the policy requires complete runs', () => {
    const rs = many(12);
    const r = runGate({
      policy: policy('rules:\n  - metric: resolve_rate\n    min: 0.5\n'),
      policyFile: 'g.yaml',
      run: { label: 'r', records: rs, planned: 20 },
    });
    expect(r.rules[0]).toMatchObject({ name: 'complete run', verdict: 'fail' });
    expect(r.passed).toBe(false);
    const lax = runGate({
      policy: policy('require_complete: false\nrules:\n  - metric: resolve_rate\n    min: 0.5\n'),
      policyFile: 'g.yaml',
      run: { label: 'r', records: rs, planned: 20 },
    });
    expect(lax.passed).toBe(true);
  });

  test('JUnit has one case per rule with failures marked; markdown and annotations name the rules', () => {
    const rs = many(20, { hit: (i) => ({ resolved: i >= 15, network: i === 0 ? 1 : 0 }) });
    const r = gate(
      'min_trials: 5\ninconclusive: pass\nrules:\n  - metric: escaped_defect_rate\n    max: 0.3\n  - metric: blocked_network_per_task\n    max: 0\n  - metric: resolve_rate\n    min: 0.2\n  - metric: tokens_per_task\n    max: 150\n',
      rs,
    );
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(gateJUnit(r, 'gate.yaml'));
    const suite = xml.testsuites.testsuite;
    expect([suite.tests, suite.failures]).toEqual(['4', '2']);
    expect(suite.testcase.filter((c: { failure?: unknown }) => c.failure).map((c: { name: string }) => c.name)).toEqual([
      'escaped_defect_rate <= 0.3',
      'blocked_network_per_task <= 0',
    ]);
    const md = gateMarkdown(r);
    expect(md).toMatch(/## bench gate: ❌ failed/);
    expect(md).toMatch(/❌ \| escaped\\_defect\\_rate \\<= 0\.3 \| 75% \(53%–89%\) \| ≤ 30% \| 20 \|/);
    const notes = githubAnnotations(r, 'suites/gate.yaml').split('\n');
    expect(notes.map((n) => n.slice(0, n.indexOf(' ')))).toEqual(['::error', '::error', '::warning']); // the tolerated inconclusive rule warns
    expect(notes[0]).toMatch(/^::error file=suites\/gate\.yaml,title=bench gate%3A escaped_defect_rate <= 0\.3::fail: /);
  });
});

describe('zero tolerance', () => {
  const withEnforcement = (leaks: number) => {
    const r = trial({});
    return { ...r, control: { ...r.control, enforcement: { ...r.control.enforcement!, leaks } } };
  };
  test('one leak fails a max-0 rule however few trials stand behind it; none stays inconclusive below min_trials', () => {
    const yaml = 'min_trials: 10\nrules:\n  - metric: leak_rate\n    max: 0\n';
    expect(gate(yaml, [withEnforcement(0), withEnforcement(2)]).rules[0]).toMatchObject({ verdict: 'fail', reason: expect.stringMatching(/tolerates none/) });
    expect(gate(yaml, [withEnforcement(0), withEnforcement(0)]).rules[0]!.verdict).toBe('inconclusive');
  });
});

describe('trials run again after an error', () => {
  test('the gate judges their last attempt and says how many there were', () => {
    const records = many(10, { workflow: 'roles' });
    records[0] = {
      ...records[0]!,
      attempts: [
        {
          status: 'infra_error',
          error: { stage: 'agent', message: '500' },
          started_at: '',
          ended_at: '',
          wall_ms: 5,
          tokens: records[0]!.tokens,
          cost_usd: 0.01,
          folder: 'attempt-1',
        },
      ],
    };
    const r = gate('rules:\n  - metric: infra_error_rate\n    max: 0\n', records);
    expect(r.rules[0]!.verdict).toBe('pass');
    expect(r.trials.retried).toBe(1);
    expect(gateText(r)).toMatch(/^gate: roles: 10 trials \(1 run again after an error; the last attempt counts\)$/m);
    expect(gateMarkdown(r)).toMatch(/10 of 10 planned trials, 1 run again after an error/);
  });

  test("the heading counts the candidate's trials, and the run's when the run holds other workflows too", () => {
    const records = [...many(12, { workflow: 'roles' }), ...many(12, { workflow: 'broad' }), ...many(12, { workflow: 'roles-overlap' })];
    const r = gate('rules:\n  - metric: resolve_rate\n    min: 0.5\n', records, { candidate: 'roles-overlap' });
    expect(gateText(r)).toMatch(/^gate: roles-overlap: 12 trials \(of the run's 36\)$/m);
  });
});
