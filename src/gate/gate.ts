// The gate's judgement: each rule is judged on the interval, not the point. An absolute rule compares
// the metric's 95% interval with the threshold; a relative rule bootstraps the margin (candidate minus
// the baseline-derived threshold) resampling (task, repeat) units jointly, so trials that share a task
// and seed stay paired. Pass: the interval is on the right side of the threshold; fail: on the wrong
// side; inconclusive: it straddles it, or too few trials stand behind it.
import { metricByName, MISSING_TEXT, type MetricValue } from '../analyze/metrics.ts';
import { formatValue } from '../analyze/summary.ts';
import { bootstrap, type Interval } from '../analyze/stats.ts';
import { InputError } from '../errors.ts';
import type { TrialRecord } from '../record/schema.ts';
import { describeBound, rulesOf, type Bound, type GatePolicy, type Rule } from './policy.ts';

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'n/a';

export interface RuleResult {
  name: string;
  metric: string;
  op: 'max' | 'min';
  /** The bound as written: `0.05`, `1.5 x baseline`. */
  bound: string;
  /** The threshold in the metric's units (the baseline's estimate put into the bound), null when unknown. */
  threshold: number | null;
  observed: MetricValue;
  baseline: MetricValue | null;
  /** Relative rules: the bootstrapped margin (candidate minus threshold); positive is over the threshold. */
  margin: { estimate: number; lo: number; hi: number } | null;
  verdict: Verdict;
  /** Whether this verdict fails the gate. */
  failing: boolean;
  reason: string;
  description?: string;
}

export interface GateResult {
  passed: boolean;
  candidate: string;
  baseline: { run: string; workflow: string } | null;
  /** `retried`: trials of the run that ended in an error and were run again (their last attempt counts). */
  trials: { recorded: number; planned: number; retried: number };
  rules: RuleResult[];
  failed: RuleResult[];
  inconclusive: RuleResult[];
}

export interface GateInput {
  policy: GatePolicy;
  /** Where the policy came from (named in errors). */
  policyFile: string;
  run: { label: string; records: TrialRecord[]; planned: number };
  /** Another run to compare with (--baseline); else the policy's baseline workflow in the same run. */
  baselineRun?: { label: string; records: TrialRecord[] };
  candidate?: string;
  baselineWorkflow?: string;
  seed?: number;
  /** Bootstrap resamples of relative rules' margins (default GATE_RESAMPLES). */
  resamples?: number;
}

/** Each margin resample re-evaluates a metric on whole record sets: 1,000 keep a 10,000-trial gate near 10 s (2,000 took 16 s). */
export const GATE_RESAMPLES = 1000;

const unitKey = (r: TrialRecord) => `${r.task_id}\u0000${r.repeat}`;

/**
 * A percentile-bootstrap interval of `stat(candidate, baseline)`, resampling (task, repeat) units jointly:
 * the units' indices are what stats.bootstrap resamples (as ratioOfSums does), a resample's trials are
 * those of the units drawn.
 */
export function jointBootstrap(
  a: TrialRecord[],
  b: TrialRecord[],
  stat: (a: TrialRecord[], b: TrialRecord[]) => number | null,
  opts: { seed?: number; resamples?: number } = {},
): Interval | null {
  const estimate = stat(a, b);
  if (estimate === null || !Number.isFinite(estimate)) return null;
  const units = new Map<string, { a: TrialRecord[]; b: TrialRecord[] }>();
  for (const [side, rs] of [
    ['a', a],
    ['b', b],
  ] as const)
    for (const r of rs) {
      const u = units.get(unitKey(r)) ?? { a: [], b: [] };
      u[side].push(r);
      units.set(unitKey(r), u);
    }
  const list = [...units.values()];
  const ofUnits = (is: number[]) => {
    const s = stat(
      is.flatMap((i) => list[i]!.a),
      is.flatMap((i) => list[i]!.b),
    );
    return s === null || !Number.isFinite(s) ? Number.NaN : s;
  };
  const ci = bootstrap(
    list.map((_, i) => i),
    ofUnits,
    opts,
  )!;
  return { estimate, lo: ci.lo, hi: ci.hi };
}

function thresholdFrom(bound: Bound, baseline: number): number {
  if (bound.kind === 'absolute') return bound.value;
  return bound.kind === 'scale' ? bound.factor * baseline : baseline + bound.delta;
}

/** Which workflows the policy judges, checked against the runs (bad names are input errors naming the field). */
function resolveWorkflows(input: GateInput, rules: Rule[]): { candidate: string; baseline: { run: string; workflow: string; records: TrialRecord[] } | null } {
  const names = (rs: TrialRecord[]) => [...new Set(rs.map((r) => r.workflow))];
  const inRun = names(input.run.records);
  const candidate = input.candidate ?? input.policy.candidate ?? (inRun.length === 1 ? inRun[0] : undefined);
  if (!candidate) {
    throw new InputError(`the run has several workflows (${inRun.join(', ')}) and the policy does not say which one is the candidate`, {
      file: input.policyFile,
      field: 'candidate',
      fix: `add "candidate: <workflow>" to the policy or pass --candidate (one of: ${inRun.join(', ')})`,
    });
  }
  if (!inRun.includes(candidate)) {
    throw new InputError(`candidate workflow "${candidate}" is not in run ${input.run.label} (it has: ${inRun.join(', ') || 'no trials'})`, {
      file: input.candidate ? undefined : input.policyFile,
      field: input.candidate ? '--candidate' : 'candidate',
      fix: `name one of: ${inRun.join(', ')}`,
    });
  }
  const relative = rules.filter((r) => r.bound.kind !== 'absolute');
  let baseline: { run: string; workflow: string; records: TrialRecord[] } | null = null;
  const other = input.baselineRun;
  const source = other ?? input.run;
  const wanted =
    input.baselineWorkflow ??
    (other ? (input.policy.baseline && names(other.records).includes(input.policy.baseline) ? input.policy.baseline : candidate) : input.policy.baseline);
  if (wanted) {
    const records = source.records.filter((r) => r.workflow === wanted);
    if (!records.length) {
      throw new InputError(`baseline workflow "${wanted}" is not in run ${source.label} (it has: ${names(source.records).join(', ') || 'no trials'})`, {
        file: input.baselineWorkflow ? undefined : input.policyFile,
        field: input.baselineWorkflow ? '--baseline-workflow' : 'baseline',
        fix: `name one of: ${names(source.records).join(', ')}`,
      });
    }
    if (!other && wanted === candidate) {
      throw new InputError(`the baseline is the candidate itself ("${candidate}")`, {
        file: input.policyFile,
        field: 'baseline',
        fix: 'name another workflow of the run, or compare with another run (--baseline <run>)',
      });
    }
    baseline = { run: source.label, workflow: wanted, records };
  }
  if (relative.length && !baseline) {
    const r = relative[0]!;
    throw new InputError(`rule "${r.name}" is relative to a baseline, but there is none`, {
      file: input.policyFile,
      field: `rules.${r.index}`,
      fix: 'add "baseline: <workflow>" to the policy (another workflow of the run), or pass --baseline <run>',
    });
  }
  return { candidate, baseline };
}

function judge(rule: Rule, cand: TrialRecord[], base: TrialRecord[] | null, seed: number, resamples: number): RuleResult {
  const def = metricByName.get(rule.metric)!;
  const observed = def.compute(cand, seed);
  const baseline = base ? def.compute(base, seed) : null;
  const fmt = (v: number | null) => formatValue(def.unit, v);
  const out = (verdict: Verdict, reason: string, threshold: number | null, margin: RuleResult['margin'] = null): RuleResult => ({
    name: rule.name,
    metric: rule.metric,
    op: rule.op,
    bound: describeBound(rule.bound),
    threshold,
    observed,
    baseline: rule.bound.kind === 'absolute' ? null : baseline,
    margin,
    verdict,
    failing: verdict === 'fail' || (verdict === 'inconclusive' && rule.onInconclusive === 'fail'),
    reason,
    ...(rule.description ? { description: rule.description } : {}),
  });
  const relative = rule.bound.kind !== 'absolute';
  const threshold = relative ? (baseline?.estimate === null || !baseline ? null : thresholdFrom(rule.bound, baseline.estimate)) : thresholdFrom(rule.bound, 0);
  if (observed.n === 0) {
    const missing = observed.missing;
    return out('n/a', missing ? MISSING_TEXT[missing.why].reason(missing.n) : 'no trials this metric applies to', threshold);
  }
  // e.g. cost per resolved task when no trial resolved: there is nothing to hold against the bound.
  if (observed.estimate === null)
    return out('inconclusive', `undefined over these ${observed.n} trials (cost per resolved task with none resolved)`, threshold);
  if (relative && (!baseline || baseline.n === 0 || baseline.estimate === null)) {
    const missing = baseline?.missing;
    return out(
      'inconclusive',
      missing ? `the baseline: ${MISSING_TEXT[missing.why].reason(missing.n)}` : 'the baseline has no trials this metric applies to',
      null,
    );
  }
  const limit = (t: number) => (rule.op === 'max' ? `the maximum ${fmt(t)}` : `the minimum ${fmt(t)}`);
  if (!relative) {
    // A bound at the metric's floor (or a rate's ceiling) is zero tolerance: one occurrence is proof,
    // however few trials stand behind it (one leak in two trials is a leak).
    const t = threshold!;
    const extreme = rule.op === 'max' ? t <= 0 : def.unit === 'rate' || def.unit === 'score' ? t >= 1 : false;
    const violated = rule.op === 'max' ? observed.estimate > t : observed.estimate < t;
    if (extreme && violated) return out('fail', `${fmt(observed.estimate)} observed: ${limit(t)} tolerates none`, t);
    if (extreme && observed.n >= rule.minTrials) return out('pass', `none in ${observed.n} trial(s): ${limit(t)} tolerates none`, t);
  }
  const fewest = Math.min(observed.n, relative ? baseline!.n : Infinity);
  if (fewest < rule.minTrials) return out('inconclusive', `${fewest} trial(s) behind the metric; the policy needs ${rule.minTrials}`, threshold);

  if (!relative) {
    const t = threshold!;
    const { estimate, lo, hi } = observed as { estimate: number; lo: number; hi: number };
    const over = rule.op === 'max' ? lo > t : hi < t;
    const within = rule.op === 'max' ? hi <= t : lo >= t;
    if (over)
      return out('fail', `${fmt(estimate)} (95% CI ${fmt(lo)}–${fmt(hi)}): the whole interval is ${rule.op === 'max' ? 'above' : 'below'} ${limit(t)}`, t);
    if (within) return out('pass', `95% CI ${fmt(lo)}–${fmt(hi)} is within ${limit(t)}`, t);
    return out('inconclusive', `95% CI ${fmt(lo)}–${fmt(hi)} straddles ${fmt(t)}: more trials would decide`, t);
  }
  const margin = jointBootstrap(
    cand,
    base!,
    (a, b) => {
      const x = def.point(a);
      const y = def.point(b);
      return x === null || y === null ? null : x - thresholdFrom(rule.bound, y);
    },
    { seed, resamples },
  );
  if (!margin) return out('inconclusive', 'the margin cannot be computed', threshold);
  const t = threshold!;
  const range = `${fmt(observed.estimate)} vs threshold ${fmt(t)} (baseline ${fmt(baseline!.estimate)})`;
  const apart = `margin 95% CI ${fmtSigned(def.unit, margin.lo)} to ${fmtSigned(def.unit, margin.hi)}`;
  const bad = rule.op === 'max' ? margin.lo > 0 : margin.hi < 0;
  const good = rule.op === 'max' ? margin.hi <= 0 : margin.lo >= 0;
  if (bad) return out('fail', `${range}: ${apart}, entirely on the wrong side`, t, margin);
  if (good) return out('pass', `${range}: ${apart}`, t, margin);
  return out('inconclusive', `${range}: ${apart} straddles 0: more trials would decide`, t, margin);
}

function fmtSigned(unit: string, v: number): string {
  const s = formatValue(unit, Math.abs(v));
  return v < 0 ? `-${s}` : v > 0 ? `+${s}` : s;
}

export function runGate(input: GateInput): GateResult {
  const rules = rulesOf(input.policy);
  const { candidate, baseline } = resolveWorkflows(input, rules);
  const cand = input.run.records.filter((r) => r.workflow === candidate);
  const seed = input.seed ?? 1;
  const results = rules.map((rule) => judge(rule, cand, rule.bound.kind === 'absolute' ? null : baseline!.records, seed, input.resamples ?? GATE_RESAMPLES));
  const recorded = input.run.records.length;
  if (recorded < input.run.planned) {
    const failing = input.policy.require_complete;
    results.unshift({
      name: 'complete run',
      metric: 'trials',
      op: 'min',
      bound: String(input.run.planned),
      threshold: input.run.planned,
      observed: { estimate: recorded, lo: null, hi: null, n: recorded }, // a count, not an estimate: no interval
      baseline: null,
      margin: null,
      verdict: failing ? 'fail' : 'inconclusive',
      failing,
      reason: `${recorded} of ${input.run.planned} planned trials recorded (a lost shard or an interrupted run)`,
    });
  }
  const failed = results.filter((r) => r.failing);
  return {
    passed: failed.length === 0,
    candidate,
    baseline: baseline ? { run: baseline.run, workflow: baseline.workflow } : null,
    trials: { recorded, planned: input.run.planned, retried: input.run.records.filter((r) => r.attempts.length).length },
    rules: results,
    failed,
    inconclusive: results.filter((r) => r.verdict === 'inconclusive'),
  };
}
