// Aggregation: records in, per-workflow summaries (every catalog metric with its interval, per role,
// per task kind, pass@k) and paired comparisons between workflows out. Pure: the report and the gate
// read only this.
import type { TrialRecord } from '../record/schema.ts';
import { completed, computeMetrics, judged, METRICS, metricByName, valuesOf, type MetricValue, type Missing, type Sample } from './metrics.ts';
import { intervalText, pairedDifference, passAtK, unitsOf, type PairedDifference } from './stats.ts';

export interface RoleSummary {
  role: string;
  model: string;
  trials: number;
  p50_wall_ms: MetricValue;
  p95_wall_ms: MetricValue;
  model_ms: MetricValue;
  tokens: MetricValue;
  cost_usd: MetricValue;
}

export interface KindSummary {
  kind: TrialRecord['kind'];
  trials: number;
  judged: number;
  metrics: Record<'resolve_rate' | 'escaped_defect_rate' | 'p50_latency' | 'cost_per_task', MetricValue>;
}

export interface WorkflowSummary {
  /** The workflow, prefixed by its run's label when runs are compared. */
  label: string;
  workflow: string;
  run: string;
  /** The engine(s) and model(s) of its trials: what besides the workflow a comparison may differ in. */
  engine: string;
  model: string;
  trials: number;
  judged: number;
  infra_errors: number;
  timeouts: number;
  metrics: Record<string, MetricValue>;
  roles: RoleSummary[];
  kinds: KindSummary[];
  /** pass@k for k = 1..min repeats, over tasks with at least k judged attempts; null with one attempt per task. */
  pass_at_k: Array<{ k: number; value: number; tasks: number }> | null;
}

export interface MetricComparison {
  name: string;
  a: MetricValue;
  b: MetricValue;
  /**
   * Which side is better: for resolve_rate with matched trials, the paired difference's interval excludes
   * 0; otherwise the two intervals are apart. 'neither' when they are not.
   */
  better: 'a' | 'b' | 'neither';
  /** The two differ clearly (as `better` decides it; for a neutral metric, with no side better). */
  differs: boolean;
  words: string;
}

export interface Comparison {
  a: string;
  b: string;
  /** What differs between the two sides (engine, model, workflow), and what is the same, in words. */
  differs: Difference[];
  contrast: string;
  /** Trials matched on (task, repeat): the same seed under both. */
  pairs: number;
  resolved: PairedDifference | null;
  wall_ms: PairedDifference | null;
  cost_usd: PairedDifference | null;
  metrics: MetricComparison[];
  headline: string;
  /** The clear differences the headline does not already state, most important first. */
  differences: string[];
}

export interface Analysis {
  seed: number;
  workflows: WorkflowSummary[];
  comparisons: Comparison[];
  /** Pairs of workflows left uncompared, and why (they differ in engine and workflow at once). */
  uncompared: string[];
}

/** What one side of a comparison is: its workflow, engine(s) and model(s). */
export interface Side {
  workflow: string;
  engine: string;
  model: string;
}

export interface Difference {
  aspect: keyof Side;
  a: string;
  b: string;
}

const distinct = (xs: string[]) => [...new Set(xs)].sort().join(', ');

export function sideOf(records: TrialRecord[]): Side {
  return {
    workflow: distinct(records.map((r) => r.workflow)),
    engine: distinct(records.map((r) => r.engine)),
    model: distinct(records.flatMap((r) => Object.values(r.models))),
  };
}

const ASPECTS: Array<keyof Side> = ['workflow', 'engine', 'model'];

export function differences(a: Side, b: Side): Difference[] {
  return ASPECTS.filter((k) => a[k] !== b[k]).map((k) => ({ aspect: k, a: a[k], b: b[k] }));
}

/** How `first` differs from `second`, in words: `differ in engine (codex vs sdk); same workflow (roles) and model (sim)`. */
export function contrastText(first: Side, second: Side): string {
  const diff = differences(first, second);
  const same = ASPECTS.filter((k) => first[k] === second[k]).map((k) => `${k} (${first[k]})`);
  const parts = [];
  if (diff.length) parts.push(`differ in ${diff.map((d) => `${d.aspect} (${d.a} vs ${d.b})`).join(' and ')}`);
  if (same.length) parts.push(`same ${same.join(' and ')}`);
  return parts.join('; ');
}

/**
 * Like with like: two sides of different engines are compared only on the same workflow; otherwise a
 * difference could be the engine's or the workflow's, and no figure can say which.
 */
export function comparable(a: Side, b: Side): boolean {
  return a.engine === b.engine || a.workflow === b.workflow;
}

export interface RunRecords {
  label: string;
  records: TrialRecord[];
}

/** The trials of one workflow in one run, under the label the summaries, the report and the charts use. */
export interface WorkflowRecords {
  /** The run's label (also when only one run is analysed). */
  run: string;
  workflow: string;
  label: string;
  records: TrialRecord[];
}

/** A mean of one value per trial, keyed by its task. */
const meanSample = (terms: Array<{ key: string; value: number }>, missing?: { n: number; why: Missing }): Sample => ({
  kind: 'ratio',
  binary: false,
  terms: terms.map((t) => ({ key: t.key, num: t.value, den: 1 })),
  missing,
});

/** Per role: p50 and p95 wall time, mean model time, tokens and cost; every role's bootstraps draw the same resamples of the tasks. */
function summarizeRoles(records: TrialRecord[], seed: number): RoleSummary[] {
  const names = [...new Set(records.flatMap((r) => Object.keys(r.roles)))].sort();
  const done = completed(records);
  const roles = names.map((role) => {
    const stats = done.flatMap((r) => (r.roles[role] ? [{ key: r.task_id, s: r.roles[role] }] : []));
    const costs = stats.filter((x) => x.s.cost_usd !== null).map((x) => ({ key: x.key, value: x.s.cost_usd! }));
    const wall = stats.map((x) => ({ key: x.key, value: x.s.wall_ms }));
    const samples: Sample[] = [
      { kind: 'quantile', q: 0.5, terms: wall },
      { kind: 'quantile', q: 0.95, terms: wall },
      meanSample(stats.map((x) => ({ key: x.key, value: x.s.model_ms }))),
      meanSample(stats.map((x) => ({ key: x.key, value: x.s.tokens.input + x.s.tokens.output }))),
      meanSample(costs, { n: stats.length - costs.length, why: 'no_price' }),
    ];
    return { role, model: stats[0]?.s.model ?? '', trials: stats.length, samples };
  });
  const values = valuesOf(
    roles.flatMap((r) => r.samples),
    seed,
    unitsOf(done.map((r) => r.task_id)),
  );
  return roles.map(({ role, model, trials }, i) => {
    const [p50, p95, modelMs, tokens, cost] = values.slice(5 * i, 5 * i + 5);
    return { role, model, trials, p50_wall_ms: p50!, p95_wall_ms: p95!, model_ms: modelMs!, tokens: tokens!, cost_usd: cost! };
  });
}

function summarizeKinds(records: TrialRecord[], seed: number): KindSummary[] {
  const kinds = [...new Set(records.map((r) => r.kind))].sort();
  return kinds.map((kind) => {
    const rs = records.filter((r) => r.kind === kind);
    const names = ['resolve_rate', 'escaped_defect_rate', 'p50_latency', 'cost_per_task'] as const;
    const values = computeMetrics(
      names.map((n) => metricByName.get(n)!),
      rs,
      seed,
    );
    const m = (name: (typeof names)[number]) => values[names.indexOf(name)]!;
    return {
      kind,
      trials: rs.length,
      judged: judged(rs).length,
      metrics: {
        resolve_rate: m('resolve_rate'),
        escaped_defect_rate: m('escaped_defect_rate'),
        p50_latency: m('p50_latency'),
        cost_per_task: m('cost_per_task'),
      },
    };
  });
}

function passAtKOf(records: TrialRecord[]): WorkflowSummary['pass_at_k'] {
  const byTask = new Map<string, { n: number; c: number }>();
  for (const r of judged(records)) {
    const e = byTask.get(r.task_id) ?? { n: 0, c: 0 };
    e.n++;
    if (r.quality.resolved) e.c++;
    byTask.set(r.task_id, e);
  }
  const maxN = Math.max(0, ...[...byTask.values()].map((e) => e.n));
  if (maxN < 2) return null;
  const out: NonNullable<WorkflowSummary['pass_at_k']> = [];
  for (let k = 1; k <= maxN; k++) {
    const tasks = [...byTask.values()].filter((e) => e.n >= k);
    if (!tasks.length) continue;
    out.push({ k, tasks: tasks.length, value: tasks.reduce((s, e) => s + passAtK(e.n, e.c, k), 0) / tasks.length });
  }
  return out;
}

/** A workflow's label: prefixed by its run's label when runs are compared (run given). */
export const workflowLabel = (run: string, workflow: string) => (run ? `${run}: ${workflow}` : workflow);

export function summarizeWorkflow(records: TrialRecord[], seed: number, run = ''): WorkflowSummary {
  const workflow = records[0]?.workflow ?? '';
  const side = sideOf(records);
  return {
    label: workflowLabel(run, workflow),
    workflow,
    run,
    engine: side.engine,
    model: side.model,
    trials: records.length,
    judged: judged(records).length,
    infra_errors: records.filter((r) => r.status === 'infra_error').length,
    timeouts: records.filter((r) => r.status === 'timeout' || r.status === 'limit').length,
    metrics: Object.fromEntries(computeMetrics(METRICS, records, seed).map((v, i) => [METRICS[i]!.name, v])),
    roles: summarizeRoles(records, seed),
    kinds: summarizeKinds(records, seed),
    pass_at_k: passAtKOf(records),
  };
}

export function formatValue(unit: string, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'rate':
      return `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
    case 'ms':
      return v >= 1000 ? `${(v / 1000).toFixed(v >= 100_000 ? 0 : 1)} s` : `${Math.round(v)} ms`;
    case 'usd':
      return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
    case 'tokens':
      return v >= 1000 ? `${(v / 1000).toFixed(1)}k` : `${Math.round(v)}`;
    case 'score':
      return v.toFixed(2);
    default:
      return v >= 100 ? `${Math.round(v)}` : `${+v.toFixed(2)}`;
  }
}

/** A paired difference (b - a) whose interval excludes 0. */
const clear = (d: PairedDifference | null): boolean => !!d && (d.lo > 0 || d.hi < 0);

function compareMetric(name: string, a: MetricValue, b: MetricValue, la: string, lb: string): MetricComparison {
  const def = metricByName.get(name)!;
  let better: MetricComparison['better'] = 'neither';
  if (a.estimate !== null && b.estimate !== null && a.lo !== null && a.hi !== null && b.lo !== null && b.hi !== null) {
    const apart = a.hi < b.lo || b.hi < a.lo;
    if (apart) better = def.better === 'neutral' ? 'neither' : (def.better === 'higher') === a.estimate > b.estimate ? 'a' : 'b';
    // A neutral figure that differs is said as higher or lower, never better.
    if (apart && def.better === 'neutral')
      return {
        name,
        a,
        b,
        better,
        differs: true,
        words: `${def.label}: ${a.estimate > b.estimate ? la : lb} is higher (${la} ${formatValue(def.unit, a.estimate)}, ${lb} ${formatValue(def.unit, b.estimate)})`,
      };
  }
  const fa = formatValue(def.unit, a.estimate);
  const fb = formatValue(def.unit, b.estimate);
  const words =
    better === 'neither'
      ? `${def.label}: no clear difference (${la} ${fa}, ${lb} ${fb}; intervals overlap)`
      : `${def.label}: ${better === 'a' ? la : lb} is better (${la} ${fa}, ${lb} ${fb})`;
  return { name, a, b, better, differs: better !== 'neither', words };
}

/** Resolved tasks judged on the paired difference (same task, same seed), which sees more than two intervals. */
function compareResolved(a: MetricValue, b: MetricValue, d: PairedDifference, la: string, lb: string): MetricComparison {
  const label = metricByName.get('resolve_rate')!.label;
  const better = clear(d) ? (d.estimate > 0 ? 'b' : 'a') : 'neither';
  const counts = `${lb} won ${d.wins}, lost ${d.losses}, tied ${d.ties} of ${d.n}`;
  const words =
    better === 'neither'
      ? `${label}: no clear difference on the same tasks (${counts})`
      : `${label}: ${better === 'a' ? la : lb} is better on the same tasks (${counts})`;
  return { name: 'resolve_rate', a, b, better, differs: better !== 'neither', words };
}

/** b compared with a: paired where trials match on (task, repeat), metric by metric otherwise. */
export function compare(a: WorkflowSummary, ra: TrialRecord[], b: WorkflowSummary, rb: TrialRecord[], seed: number): Comparison {
  const key = (r: TrialRecord) => `${r.task_id}\u0000${r.repeat}`;
  const byKey = new Map(completed(ra).map((r) => [key(r), r]));
  const pairs = completed(rb)
    .filter((r) => byKey.has(key(r)))
    .map((r) => [byKey.get(key(r))!, r] as const);
  const judgedPairs = pairs.filter(([x, y]) => x.quality.resolved !== null && y.quality.resolved !== null);
  const costPairs = pairs.filter(([x, y]) => x.cost_usd !== null && y.cost_usd !== null);
  // A task's pairs (its repeats) are resampled together.
  const keys = (ps: ReadonlyArray<readonly [TrialRecord, TrialRecord]>) => ps.map(([x]) => x.task_id);
  const resolved = pairedDifference(
    judgedPairs.map(([x, y]) => [+!!x.quality.resolved, +!!y.quality.resolved] as const),
    { seed, keys: keys(judgedPairs) },
  );
  const wall = pairedDifference(
    pairs.map(([x, y]) => [x.time.wall_ms, y.time.wall_ms] as const),
    { seed, keys: keys(pairs) },
  );
  const cost = pairedDifference(
    costPairs.map(([x, y]) => [x.cost_usd!, y.cost_usd!] as const),
    { seed, keys: keys(costPairs) },
  );
  const metrics = METRICS.filter((m) => a.metrics[m.name]!.n > 0 || b.metrics[m.name]!.n > 0).map((m) =>
    m.name === 'resolve_rate' && resolved
      ? compareResolved(a.metrics[m.name]!, b.metrics[m.name]!, resolved, a.label, b.label)
      : compareMetric(m.name, a.metrics[m.name]!, b.metrics[m.name]!, a.label, b.label),
  );
  const parts: string[] = [];
  if (resolved) {
    const ci = `difference ${(resolved.estimate * 100).toFixed(0)} points, 95% CI ${(resolved.lo * 100).toFixed(0)} to ${(resolved.hi * 100).toFixed(0)}, ${intervalText(resolved.interval)}`;
    parts.push(
      clear(resolved)
        ? `${resolved.estimate > 0 ? b.label : a.label} resolves more of the same tasks (${resolved.wins} won, ${resolved.losses} lost, ${resolved.ties} tied of ${resolved.n}; ${ci})`
        : `no clear difference in resolved tasks (${b.label} won ${resolved.wins}, lost ${resolved.losses}, tied ${resolved.ties} of ${resolved.n}; ${ci})`,
    );
  }
  if (wall && clear(wall)) parts.push(`${wall.estimate < 0 ? b.label : a.label} is faster by ${formatValue('ms', Math.abs(wall.estimate))} per task`);
  if (cost && clear(cost)) parts.push(`${cost.estimate < 0 ? b.label : a.label} is cheaper by ${formatValue('usd', Math.abs(cost.estimate))} per task`);
  const sa = { workflow: a.workflow, engine: a.engine, model: a.model };
  const sb = { workflow: b.workflow, engine: b.engine, model: b.model };
  return {
    a: a.label,
    b: b.label,
    differs: differences(sa, sb),
    contrast: contrastText(sb, sa),
    pairs: pairs.length,
    resolved,
    wall_ms: wall,
    cost_usd: cost,
    metrics,
    headline: parts.join('; ') || 'too few matched trials to compare',
    differences: metrics.filter((m) => m.differs && !(m.name === 'resolve_rate' && resolved)).map((m) => m.words),
  };
}

/** The runs' trials grouped by run and workflow (in order of appearance), labelled as the analysis labels them. */
export function groupByWorkflow(runs: RunRecords[]): WorkflowRecords[] {
  const groups: WorkflowRecords[] = [];
  for (const run of runs) {
    const byWorkflow = new Map<string, TrialRecord[]>();
    for (const r of run.records) {
      const rs = byWorkflow.get(r.workflow);
      if (rs) rs.push(r);
      else byWorkflow.set(r.workflow, [r]);
    }
    for (const [workflow, records] of byWorkflow)
      groups.push({ run: run.label, workflow, label: workflowLabel(runs.length > 1 ? run.label : '', workflow), records });
  }
  return groups;
}

/**
 * One run: a summary per workflow, and every workflow compared with the first (the baseline).
 * Several runs (--compare): summaries per run and workflow; each workflow compared with itself across runs.
 * Either way, two workflows of different engines are not compared (see comparable): they are listed in `uncompared`.
 * `workflowRecords` is groupByWorkflow(runs), passed by a caller that has it already.
 */
export function analyze(runs: RunRecords[], seed = 1, workflowRecords = groupByWorkflow(runs)): Analysis {
  const compared = runs.length > 1;
  const groups = workflowRecords.map((g) => ({ summary: summarizeWorkflow(g.records, seed, compared ? g.run : ''), records: g.records }));
  const candidates: Array<[(typeof groups)[number], (typeof groups)[number]]> = [];
  if (compared) {
    const first = groups.filter((g) => g.summary.run === runs[0]!.label);
    for (const g of groups.filter((x) => x.summary.run !== runs[0]!.label)) {
      const base = first.find((f) => f.summary.workflow === g.summary.workflow);
      if (base) candidates.push([base, g]);
    }
  } else for (const g of groups.slice(1)) candidates.push([groups[0]!, g]);
  const comparisons: Comparison[] = [];
  const uncompared: string[] = [];
  for (const [base, g] of candidates) {
    if (comparable(base.summary, g.summary)) comparisons.push(compare(base.summary, base.records, g.summary, g.records, seed));
    else
      uncompared.push(
        `${g.summary.label} is not compared with ${base.summary.label}: ${contrastText(g.summary, base.summary)}, so a difference could be either's; compare the same workflow across engines`,
      );
  }
  return { seed, workflows: groups.map((g) => g.summary), comparisons, uncompared };
}
