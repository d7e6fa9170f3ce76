// Aggregation: records in, per-workflow summaries (every catalog metric with its interval, per role,
// per task kind, pass@k) and paired comparisons between workflows out. Pure: the report and the gate
// read only this.
import type { TrialRecord } from '../record/schema.ts';
import { METRICS, metricByName, type MetricValue } from './metrics.ts';
import { bootstrapMean, bootstrapQuantile, pairedDifference, passAtK, type PairedDifference } from './stats.ts';

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
  /** Which side is better with the intervals apart; 'neither' when they overlap. */
  better: 'a' | 'b' | 'neither';
  words: string;
}

export interface Comparison {
  a: string;
  b: string;
  /** Trials matched on (task, repeat): the same seed under both. */
  pairs: number;
  resolved: PairedDifference | null;
  wall_ms: PairedDifference | null;
  cost_usd: PairedDifference | null;
  metrics: MetricComparison[];
  headline: string;
}

export interface Analysis {
  seed: number;
  workflows: WorkflowSummary[];
  comparisons: Comparison[];
}

export interface RunRecords {
  label: string;
  records: TrialRecord[];
}

const ok = (rs: TrialRecord[]) => rs.filter((r) => r.status === 'ok');

function interval(xs: number[], stat: 'mean' | number, seed: number): MetricValue {
  const ci = stat === 'mean' ? bootstrapMean(xs, { seed }) : bootstrapQuantile(xs, stat, { seed });
  return ci ? { ...ci, n: xs.length } : { estimate: null, lo: null, hi: null, n: 0 };
}

function summarizeRoles(records: TrialRecord[], seed: number): RoleSummary[] {
  const names = [...new Set(records.flatMap((r) => Object.keys(r.roles)))].sort();
  return names.map((role) => {
    const stats = ok(records)
      .map((r) => r.roles[role])
      .filter((s): s is NonNullable<typeof s> => !!s);
    const costs = stats.map((s) => s.cost_usd).filter((c): c is number => c !== null);
    return {
      role,
      model: stats[0]?.model ?? '',
      trials: stats.length,
      p50_wall_ms: interval(
        stats.map((s) => s.wall_ms),
        0.5,
        seed,
      ),
      p95_wall_ms: interval(
        stats.map((s) => s.wall_ms),
        0.95,
        seed,
      ),
      model_ms: interval(
        stats.map((s) => s.model_ms),
        'mean',
        seed,
      ),
      tokens: interval(
        stats.map((s) => s.tokens.input + s.tokens.output),
        'mean',
        seed,
      ),
      cost_usd: interval(costs, 'mean', seed),
    };
  });
}

function summarizeKinds(records: TrialRecord[], seed: number): KindSummary[] {
  const kinds = [...new Set(records.map((r) => r.kind))].sort();
  return kinds.map((kind) => {
    const rs = records.filter((r) => r.kind === kind);
    const m = (name: 'resolve_rate' | 'escaped_defect_rate' | 'p50_latency' | 'cost_per_task') => metricByName.get(name)!.compute(rs, seed);
    return {
      kind,
      trials: rs.length,
      judged: rs.filter((r) => r.status === 'ok' && r.quality.resolved !== null).length,
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
  for (const r of records) {
    if (r.status !== 'ok' || r.quality.resolved === null) continue;
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

export function summarizeWorkflow(records: TrialRecord[], seed: number, run = ''): WorkflowSummary {
  const workflow = records[0]?.workflow ?? '';
  return {
    label: run ? `${run}: ${workflow}` : workflow,
    workflow,
    run,
    trials: records.length,
    judged: records.filter((r) => r.status === 'ok' && r.quality.resolved !== null).length,
    infra_errors: records.filter((r) => r.status === 'infra_error').length,
    timeouts: records.filter((r) => r.status === 'timeout' || r.status === 'limit').length,
    metrics: Object.fromEntries(METRICS.map((m) => [m.name, m.compute(records, seed)])),
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

function compareMetric(name: string, a: MetricValue, b: MetricValue, la: string, lb: string): MetricComparison {
  const def = metricByName.get(name)!;
  let better: MetricComparison['better'] = 'neither';
  if (a.estimate !== null && b.estimate !== null && a.lo !== null && a.hi !== null && b.lo !== null && b.hi !== null) {
    const apart = a.hi < b.lo || b.hi < a.lo;
    if (apart) better = (def.better === 'higher') === a.estimate > b.estimate ? 'a' : 'b';
  }
  const fa = formatValue(def.unit, a.estimate);
  const fb = formatValue(def.unit, b.estimate);
  const words =
    better === 'neither'
      ? `${def.label}: no clear difference (${la} ${fa}, ${lb} ${fb}; intervals overlap)`
      : `${def.label}: ${better === 'a' ? la : lb} is better (${la} ${fa}, ${lb} ${fb})`;
  return { name, a, b, better, words };
}

/** b compared with a: paired where trials match on (task, repeat), metric by metric otherwise. */
export function compare(a: WorkflowSummary, ra: TrialRecord[], b: WorkflowSummary, rb: TrialRecord[], seed: number): Comparison {
  const key = (r: TrialRecord) => `${r.task_id}\u0000${r.repeat}`;
  const byKey = new Map(ok(ra).map((r) => [key(r), r]));
  const pairs = ok(rb)
    .filter((r) => byKey.has(key(r)))
    .map((r) => [byKey.get(key(r))!, r] as const);
  const judgedPairs = pairs.filter(([x, y]) => x.quality.resolved !== null && y.quality.resolved !== null);
  const costPairs = pairs.filter(([x, y]) => x.cost_usd !== null && y.cost_usd !== null);
  const resolved = pairedDifference(
    judgedPairs.map(([x, y]) => [+!!x.quality.resolved, +!!y.quality.resolved] as const),
    { seed },
  );
  const wall = pairedDifference(
    pairs.map(([x, y]) => [x.time.wall_ms, y.time.wall_ms] as const),
    { seed },
  );
  const cost = pairedDifference(
    costPairs.map(([x, y]) => [x.cost_usd!, y.cost_usd!] as const),
    { seed },
  );
  const metrics = METRICS.filter((m) => a.metrics[m.name]!.n > 0 || b.metrics[m.name]!.n > 0).map((m) =>
    compareMetric(m.name, a.metrics[m.name]!, b.metrics[m.name]!, a.label, b.label),
  );
  const parts: string[] = [];
  const clear = (d: PairedDifference | null) => !!d && (d.lo > 0 || d.hi < 0);
  if (resolved) {
    parts.push(
      clear(resolved)
        ? `${resolved.estimate > 0 ? b.label : a.label} resolves more of the same tasks (${resolved.wins} won, ${resolved.losses} lost, ${resolved.ties} tied of ${resolved.n}; difference ${(resolved.estimate * 100).toFixed(0)} points, 95% CI ${(resolved.lo * 100).toFixed(0)} to ${(resolved.hi * 100).toFixed(0)})`
        : `no clear difference in resolved tasks (${b.label} won ${resolved.wins}, lost ${resolved.losses}, tied ${resolved.ties} of ${resolved.n})`,
    );
  }
  if (wall && clear(wall)) parts.push(`${wall.estimate < 0 ? b.label : a.label} is faster by ${formatValue('ms', Math.abs(wall.estimate))} per task`);
  if (cost && clear(cost)) parts.push(`${cost.estimate < 0 ? b.label : a.label} is cheaper by ${formatValue('usd', Math.abs(cost.estimate))} per task`);
  return {
    a: a.label,
    b: b.label,
    pairs: pairs.length,
    resolved,
    wall_ms: wall,
    cost_usd: cost,
    metrics,
    headline: parts.join('; ') || 'too few matched trials to compare',
  };
}

function byWorkflow(records: TrialRecord[]): Map<string, TrialRecord[]> {
  const m = new Map<string, TrialRecord[]>();
  for (const r of records) m.set(r.workflow, [...(m.get(r.workflow) ?? []), r]);
  return m;
}

/**
 * One run: a summary per workflow, and every workflow compared with the first (the baseline).
 * Several runs (--compare): summaries per run and workflow; each workflow compared across runs.
 */
export function analyze(runs: RunRecords[], seed = 1): Analysis {
  const groups: Array<{ summary: WorkflowSummary; records: TrialRecord[] }> = [];
  for (const run of runs) {
    for (const [, rs] of byWorkflow(run.records)) groups.push({ summary: summarizeWorkflow(rs, seed, runs.length > 1 ? run.label : ''), records: rs });
  }
  const comparisons: Comparison[] = [];
  if (runs.length > 1) {
    const first = groups.filter((g) => g.summary.run === runs[0]!.label);
    for (const g of groups.filter((x) => x.summary.run !== runs[0]!.label)) {
      const base = first.find((f) => f.summary.workflow === g.summary.workflow);
      if (base) comparisons.push(compare(base.summary, base.records, g.summary, g.records, seed));
    }
  } else {
    const [base, ...rest] = groups;
    for (const g of rest) comparisons.push(compare(base!.summary, base!.records, g.summary, g.records, seed));
  }
  return { seed, workflows: groups.map((g) => g.summary), comparisons };
}
