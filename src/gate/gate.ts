// The gate's judgement: each rule is judged on the interval, not the point. An absolute rule compares
// the metric's 95% interval with the threshold; a relative rule bootstraps the margin (candidate minus
// the baseline-derived threshold) resampling tasks, each task's trials of both sides together, so the
// sides stay paired and a task's repeats stay together. Pass: the interval is on the right side of the
// threshold; fail: on the wrong side; inconclusive: it straddles it, or too few trials stand behind it.
import { computeMetrics, metricByName, MISSING_TEXT, statisticOf, type MetricDef, type MetricValue } from '../analyze/metrics.ts';
import { comparable, contrastText, differences, formatValue, sideOf, type Difference, type Side } from '../analyze/summary.ts';
import { resampleIntervals, unitsOf, type Interval, type IntervalMethod } from '../analyze/stats.ts';
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
  margin: Margin | null;
  /** How the interval the verdict rests on was made: the margin's for a relative rule, the observed value's otherwise. */
  interval: IntervalMethod | null;
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
  /** What the two sides are, what differs between them (engine, model, workflow), and why the baseline is the one it is. */
  sides: { candidate: Side; baseline: Side | null; differs: Difference[]; contrast: string | null; note: string | null };
  /** `retried`: trials of the run that ended in an error and were run again (their last attempt counts); `candidate`: the candidate's trials. */
  trials: { recorded: number; planned: number; retried: number; candidate: number };
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
  /** Compare sides that differ in engine and workflow at once (refused otherwise). */
  force?: boolean;
  seed?: number;
  /** Bootstrap resamples of relative rules' margins (default GATE_RESAMPLES). */
  resamples?: number;
}

/** Bootstrap resamples of a relative rule's margin: as many as the report's intervals. */
export const GATE_RESAMPLES = 2000;

export interface Margin extends Interval {
  interval: IntervalMethod;
}

/** A metric and the margin a relative rule judges: candidate minus the threshold the baseline's value sets. */
export interface MarginOf {
  def: Pick<MetricDef, 'sample'>;
  margin: (candidate: number, baseline: number) => number;
}

/**
 * Percentile-bootstrap intervals of margins of metrics of two sides, resampling tasks: a resample draws
 * tasks (from those of either side), and each drawn task brings all its trials of both sides, its
 * repeats too. The metrics' samples are built once; a resample only re-weighs them, and every margin is
 * judged on the same resamples.
 */
export function marginIntervals(
  margins: readonly MarginOf[],
  a: TrialRecord[],
  b: TrialRecord[],
  opts: { seed?: number; resamples?: number } = {},
): Array<Margin | null> {
  const units = unitsOf([...a, ...b].map((r) => r.task_id));
  const sides = margins.map(({ def, margin }) => {
    const [sa, sb] = [def.sample(a), def.sample(b)];
    const [x, y] = [statisticOf(sa, units), statisticOf(sb, units)];
    const estimate = x.estimate === null || y.estimate === null ? Number.NaN : margin(x.estimate, y.estimate);
    const tasks = new Set([...sa.terms, ...sb.terms].map((t) => t.key)).size;
    return { x, y, margin, estimate, tasks };
  });
  const judged = sides.filter((s) => Number.isFinite(s.estimate));
  const cis = resampleIntervals(
    units.count,
    judged.map(({ x, y, margin }) => (draw) => {
      const m = margin(x.at(draw), y.at(draw));
      return Number.isFinite(m) ? m : Number.NaN;
    }),
    opts,
  );
  return sides.map((s) => {
    if (!Number.isFinite(s.estimate)) return null;
    const ci = cis[judged.indexOf(s)];
    return {
      estimate: s.estimate,
      lo: ci?.lo ?? s.estimate,
      hi: ci?.hi ?? s.estimate,
      interval: { method: 'bootstrap', unit: 'task', units: s.tasks, paired: true },
    };
  });
}

function thresholdFrom(bound: Bound, baseline: number): number {
  if (bound.kind === 'absolute') return bound.value;
  return bound.kind === 'scale' ? bound.factor * baseline : baseline + bound.delta;
}

interface Resolved {
  candidate: string;
  baseline: { run: string; workflow: string; records: TrialRecord[] } | null;
  /** Why the baseline is not the one the policy names, when it is not. */
  note: string | null;
}

/** Which workflows the policy judges, checked against the runs (bad names are input errors naming the field). */
function resolveWorkflows(input: GateInput, rules: Rule[]): Resolved {
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
  const candSide = sideOf(input.run.records.filter((r) => r.workflow === candidate));
  const relative = rules.filter((r) => r.bound.kind !== 'absolute');
  let baseline: Resolved['baseline'] = null;
  let note: string | null = null;
  const other = input.baselineRun;
  const source = other ?? input.run;
  let wanted = input.baselineWorkflow ?? (other ? undefined : input.policy.baseline);
  if (!wanted && other) {
    // Against another run: the policy's baseline workflow if that run has it, else the candidate's own.
    // Across engines only the candidate's own: another workflow would differ in engine and workflow at once.
    const named = input.policy.baseline && names(other.records).includes(input.policy.baseline) ? input.policy.baseline : undefined;
    const namedSide = named && sideOf(other.records.filter((r) => r.workflow === named));
    if (named && namedSide && !comparable(candSide, namedSide) && names(other.records).includes(candidate)) {
      wanted = candidate;
      note = `the baseline is ${candidate} in ${other.label}, not the policy's ${named}: the engines differ (${candSide.engine} vs ${namedSide.engine}), so the same workflow is compared`;
    } else wanted = named ?? candidate;
  }
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
    const baseSide = sideOf(records);
    if (!comparable(candSide, baseSide) && !input.force) {
      throw new InputError(
        `the candidate and the baseline differ in engine and workflow at once (${contrastText(candSide, baseSide)}): no figure could say which made the difference`,
        {
          file: input.baselineWorkflow ? undefined : input.policyFile,
          field: input.baselineWorkflow ? '--baseline-workflow' : 'baseline',
          fix: `compare the same workflow across engines (${other ? `--baseline-workflow ${candidate}` : `--baseline <a run of ${candidate} on ${baseSide.engine}>`}), compare workflows within one engine's run, or pass --force`,
        },
      );
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
  return { candidate, baseline, note };
}

/** A rule's verdict from its metric's values: the candidate's, the baseline's and the margin's (relative rules). */
function judge(rule: Rule, observed: MetricValue, baseline: MetricValue | null, margin: Margin | null): RuleResult {
  const def = metricByName.get(rule.metric)!;
  const fmt = (v: number | null) => formatValue(def.unit, v);
  const out = (verdict: Verdict, reason: string, threshold: number | null, reported: Margin | null = null): RuleResult => ({
    name: rule.name,
    metric: rule.metric,
    op: rule.op,
    bound: describeBound(rule.bound),
    threshold,
    observed,
    baseline: rule.bound.kind === 'absolute' ? null : baseline,
    margin: reported,
    interval: rule.bound.kind === 'absolute' ? (observed.interval ?? null) : (reported?.interval ?? null),
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
  const { candidate, baseline, note } = resolveWorkflows(input, rules);
  const cand = input.run.records.filter((r) => r.workflow === candidate);
  const candSide = sideOf(cand);
  const baseSide = baseline ? sideOf(baseline.records) : null;
  const seed = input.seed ?? 1;
  const defs = rules.map((r) => metricByName.get(r.metric)!);
  const observed = computeMetrics(defs, cand, seed);
  const relative = rules.flatMap((rule, i) => (rule.bound.kind === 'absolute' ? [] : [{ rule, def: defs[i]! }]));
  const base = baseline
    ? computeMetrics(
        relative.map((r) => r.def),
        baseline.records,
        seed,
      )
    : [];
  const margins = baseline
    ? marginIntervals(
        relative.map(({ rule, def }) => ({ def, margin: (x: number, y: number) => x - thresholdFrom(rule.bound, y) })),
        cand,
        baseline.records,
        { seed, resamples: input.resamples ?? GATE_RESAMPLES },
      )
    : [];
  const results = rules.map((rule, i) => {
    const k = relative.findIndex((r) => r.rule === rule);
    return judge(rule, observed[i]!, k < 0 ? null : base[k]!, k < 0 ? null : margins[k]!);
  });
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
      interval: null,
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
    sides: {
      candidate: candSide,
      baseline: baseSide,
      differs: baseSide ? differences(baseSide, candSide) : [],
      contrast: baseSide ? contrastText(candSide, baseSide) : null,
      note,
    },
    trials: { recorded, planned: input.run.planned, retried: input.run.records.filter((r) => r.attempts.length).length, candidate: cand.length },
    rules: results,
    failed,
    inconclusive: results.filter((r) => r.verdict === 'inconclusive'),
  };
}
