// The enforcement figures of a set of trials, summed: what was stopped (by what it went for, and by the
// layer that stopped it), what the graded runs tried, what leaked into a model's input and what got out.
// Sums, not means: one escape in a thousand trials is the figure that matters.
import { ATTEMPT_CLASSES, type AttemptClass } from '../control/types.ts';
import { ENFORCEMENT_STAGES, type EnforcementStage, type TrialRecord } from '../record/schema.ts';

export interface EnforcementTotals {
  /** Trials with enforcement figures (runs made before bench recorded them have none). */
  measured: number;
  /** Of those, trials with tripwires set (--audit, or the adversary). */
  audited: number;
  blocked: Record<AttemptClass, number>;
  byStage: Record<EnforcementStage, number>;
  grade: number;
  leaks: number;
  escapes: number;
  /** Trials with at least one leak, and with at least one escape. */
  leakTrials: number;
  escapeTrials: number;
}

export function enforcementTotals(records: readonly TrialRecord[]): EnforcementTotals {
  const t: EnforcementTotals = {
    measured: 0,
    audited: 0,
    blocked: Object.fromEntries(ATTEMPT_CLASSES.map((c) => [c, 0])) as Record<AttemptClass, number>,
    byStage: Object.fromEntries(ENFORCEMENT_STAGES.map((s) => [s, 0])) as Record<EnforcementStage, number>,
    grade: 0,
    leaks: 0,
    escapes: 0,
    leakTrials: 0,
    escapeTrials: 0,
  };
  for (const r of records) {
    const e = r.control.enforcement;
    if (!e || r.status === 'infra_error') continue;
    t.measured++;
    if (e.audited) t.audited++;
    for (const c of ATTEMPT_CLASSES) t.blocked[c] += e.blocked[c];
    for (const s of ENFORCEMENT_STAGES) t.byStage[s] += e.by_stage[s];
    t.grade += e.grade;
    t.leaks += e.leaks;
    t.escapes += e.escapes;
    if (e.leaks) t.leakTrials++;
    if (e.escapes) t.escapeTrials++;
  }
  return t;
}
