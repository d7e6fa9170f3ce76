// The summary printed at the end of `bench replay`: one row per workflow. Every figure comes from the
// metric catalog (analyze/metrics.ts), so it agrees with `bench report` and `bench gate`.
import { metricByName } from '../analyze/metrics.ts';
import type { TrialRecord } from '../record/schema.ts';
import { compact } from './progress.ts';
import { table } from '../report/format.ts';

const point = (name: string, records: TrialRecord[]) => metricByName.get(name)!.point(records);
const sum = (rs: TrialRecord[], f: (r: TrialRecord) => number) => rs.reduce((a, r) => a + f(r), 0);
const secs = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)}s`);

export function summaryTable(records: TrialRecord[]): string {
  const byWorkflow = new Map<string, TrialRecord[]>();
  for (const r of records) byWorkflow.set(r.workflow, [...(byWorkflow.get(r.workflow) ?? []), r]);
  // An audited run (--audit, the adversary) also says what got out: 'escaped defects' is a quality figure.
  const audited = records.some((r) => r.control.enforcement?.audited);
  const rows = [...byWorkflow].map(([wf, rs]) => {
    const judged = rs.filter((r) => r.status === 'ok' && r.quality.resolved !== null);
    const resolved = judged.filter((r) => r.quality.resolved === true).length; // the resolve_rate numerator
    const rate = point('resolve_rate', rs);
    const tokens = point('tokens_per_task', rs);
    const cost = point('cost_per_task', rs);
    return [
      wf,
      rs.length,
      judged.length ? `${resolved}/${judged.length}` : '–',
      rate === null ? '–' : `${Math.round(100 * rate)}%`,
      secs(point('p50_latency', rs)),
      secs(point('p95_latency', rs)),
      tokens === null ? '–' : compact(Math.round(tokens)),
      cost === null ? '–' : `$${cost.toFixed(4)}`,
      judged.filter((r) => r.quality.escaped_defect === true).length, // the escaped_defect_rate numerator
      rs.filter((r) => r.status !== 'ok').length,
      ...(audited ? [sum(rs, (r) => r.control.enforcement?.escapes ?? 0), sum(rs, (r) => r.control.enforcement?.leaks ?? 0)] : []),
    ];
  });
  const head = ['workflow', 'trials', 'resolved', 'rate', 'p50 wall', 'p95 wall', 'tokens/trial', 'cost/trial', 'escaped defects', 'not judged'];
  return table(audited ? [...head, 'sandbox escapes', 'leaks'] : head, rows);
}
