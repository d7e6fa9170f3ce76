// The summary printed at the end of `bench replay`: one row per workflow.
import { quantile } from '../analyze/stats.ts';
import type { TrialRecord } from '../record/schema.ts';
import { compact } from './progress.ts';
import { table } from './table.ts';

const secs = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)}s`);

export function summaryTable(records: TrialRecord[]): string {
  const byWorkflow = new Map<string, TrialRecord[]>();
  for (const r of records) byWorkflow.set(r.workflow, [...(byWorkflow.get(r.workflow) ?? []), r]);
  const rows = [...byWorkflow].map(([wf, rs]) => {
    const judged = rs.filter((r) => r.status === 'ok' && r.quality.resolved !== null);
    const resolved = judged.filter((r) => r.quality.resolved).length;
    const walls = rs.filter((r) => r.status === 'ok').map((r) => r.time.wall_ms);
    const costs = rs.map((r) => r.cost_usd).filter((c): c is number => c !== null);
    const tokens = rs.map((r) => r.tokens.input + r.tokens.output);
    return [
      wf,
      rs.length,
      judged.length ? `${resolved}/${judged.length}` : '–',
      judged.length ? `${Math.round((100 * resolved) / judged.length)}%` : '–',
      secs(quantile(walls, 0.5)),
      secs(quantile(walls, 0.95)),
      compact(Math.round(tokens.reduce((a, b) => a + b, 0) / Math.max(1, tokens.length))),
      costs.length ? `$${(costs.reduce((a, b) => a + b, 0) / costs.length).toFixed(4)}` : '–',
      rs.filter((r) => r.quality.escaped_defect).length,
      rs.filter((r) => r.status !== 'ok').length,
    ];
  });
  return table(['workflow', 'trials', 'resolved', 'rate', 'p50 wall', 'p95 wall', 'tokens/trial', 'cost/trial', 'escaped', 'not judged'], rows);
}
