// Pure pieces of `bench view`: a trial's outcome in one word, the tasks whose outcome flipped between
// two sides (runs or workflows), and the task grid's filters and sort. No files, no HTML: tested alone.
import type { TrialRecord } from '../../record/schema.ts';

export type Outcome = 'resolved' | 'unresolved' | 'escaped' | 'not judged';

export const OUTCOMES: Outcome[] = ['resolved', 'unresolved', 'escaped', 'not judged'];

export function outcomeOf(r: TrialRecord): Outcome {
  if (r.status !== 'ok' || r.quality.resolved === null) return 'not judged';
  if (r.quality.escaped_defect) return 'escaped';
  return r.quality.resolved ? 'resolved' : 'unresolved';
}

/** One side's trials of a task: how many were judged and how many resolved. */
export interface SideOutcome {
  trials: TrialRecord[];
  judged: number;
  resolved: number;
}

export interface Flip {
  task: string;
  kind: string;
  a: SideOutcome;
  b: SideOutcome;
  /** `fixed`: resolved in b only; `broken`: resolved in a only; `changed`: resolved in some trials of either (repeats disagree). */
  change: 'fixed' | 'broken' | 'changed';
}

function side(records: TrialRecord[]): SideOutcome {
  const judged = records.filter((r) => outcomeOf(r) !== 'not judged');
  return { trials: records, judged: judged.length, resolved: judged.filter((r) => r.quality.resolved).length };
}

const share = (s: SideOutcome) => s.resolved / s.judged;

/**
 * Tasks judged on both sides whose share of resolved trials differs: resolved in one and not in the
 * other (`fixed`, `broken`) first, then those where repeats disagree. Tasks on one side only, or not
 * judged on one side (an infrastructure error is no outcome), are not flips.
 */
export function flips(a: TrialRecord[], b: TrialRecord[]): Flip[] {
  const byTask = (rs: TrialRecord[]) => Map.groupBy(rs, (r) => r.task_id);
  const ta = byTask(a);
  const tb = byTask(b);
  const out: Flip[] = [];
  for (const [task, ra] of ta) {
    const rb = tb.get(task);
    if (!rb) continue;
    const sa = side(ra);
    const sb = side(rb);
    if (!sa.judged || !sb.judged || share(sa) === share(sb)) continue;
    const change = sa.resolved === 0 && sb.resolved === sb.judged ? 'fixed' : sb.resolved === 0 && sa.resolved === sa.judged ? 'broken' : 'changed';
    out.push({ task, kind: ra[0]!.kind, a: sa, b: sb, change });
  }
  const rank = { broken: 0, fixed: 1, changed: 2 };
  return out.sort((x, y) => rank[x.change] - rank[y.change] || x.task.localeCompare(y.task));
}

/** The trial of a side to show for a flipped task: one whose outcome is the side's majority (resolved on a tie). */
export function representative(s: SideOutcome): TrialRecord {
  const wantResolved = s.resolved * 2 >= s.judged;
  return s.trials.find((r) => outcomeOf(r) !== 'not judged' && !!r.quality.resolved === wantResolved) ?? s.trials[0]!;
}

/** The task grid's filters (each empty = any), as read from the page's query string. */
export interface GridFilter {
  outcome?: string;
  kind?: string;
  status?: string;
  role?: string;
  tag?: string;
  workflow?: string;
  q?: string;
}

export const SORT_KEYS = ['task', 'workflow', 'repeat', 'kind', 'status', 'outcome', 'wall', 'cost', 'tokens', 'tools', 'denied'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** One row of the grid: a trial, with its task's tags (from the suite, when it can be read). */
export interface GridRow {
  r: TrialRecord;
  tags: string[];
}

export function filterRows(rows: GridRow[], f: GridFilter): GridRow[] {
  const q = f.q?.trim().toLowerCase();
  return rows.filter(
    ({ r, tags }) =>
      (!f.outcome || outcomeOf(r) === f.outcome) &&
      (!f.kind || r.kind === f.kind) &&
      (!f.status || r.status === f.status) &&
      (!f.role || f.role in r.roles) &&
      (!f.tag || tags.includes(f.tag)) &&
      (!f.workflow || r.workflow === f.workflow) &&
      (!q || r.trial_id.toLowerCase().includes(q)),
  );
}

function sortValue(r: TrialRecord, key: SortKey): string | number {
  switch (key) {
    case 'task':
      return r.task_id;
    case 'workflow':
      return r.workflow;
    case 'repeat':
      return r.repeat;
    case 'kind':
      return r.kind;
    case 'status':
      return r.status;
    case 'outcome':
      return OUTCOMES.indexOf(outcomeOf(r));
    case 'wall':
      return r.time.wall_ms;
    case 'cost':
      return r.cost_usd ?? -1;
    case 'tokens':
      return r.tokens.input + r.tokens.output;
    case 'tools':
      return r.structure.tool_calls;
    case 'denied':
      return r.control.denied_calls;
  }
}

/** Sorted by `key` (ties by trial id, so the order is stable across requests). */
export function sortRows(rows: GridRow[], key: SortKey, desc: boolean): GridRow[] {
  const dir = desc ? -1 : 1;
  return [...rows].sort((x, y) => {
    const a = sortValue(x.r, key);
    const b = sortValue(y.r, key);
    const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
    return c * dir || x.r.trial_id.localeCompare(y.r.trial_id);
  });
}
