// Grading by task kind: hidden tests (pr), documentation checks (docs), field-by-field answer (triage).
import picomatch from 'picomatch';
import type { TrialRecord } from '../record/schema.ts';
import type { Task } from '../suite/load.ts';
import { gradeDocs, type DocsGrade } from './docs.ts';
import { gradePr, type GradeEnv, type PrGrade } from './pr.ts';
import { gradeTriage, type TriageGrade } from './triage.ts';

export interface Grade {
  status: 'ok' | 'infra_error';
  resolved: boolean | null;
  note: string | null;
  log: string;
  /** ms of the graded test run (pr), 0 otherwise. */
  testMs: number;
  /** Lines between the agent's change and the gold one (pr, docs). */
  correctionLines: number | null;
  pr: PrGrade | null;
  docs: DocsGrade | null;
  triage: TriageGrade | null;
}

/** A change bench cannot turn into a patch (too large, a worktree git cannot read): judged not resolved. */
export function ungradableGrade(task: Task, why: string): Grade {
  const note = `${why}: not resolved`;
  return {
    status: 'ok',
    resolved: task.kind === 'triage' ? null : false,
    note,
    log: note,
    testMs: 0,
    correctionLines: null,
    pr: null,
    docs: null,
    triage: null,
  };
}

export async function gradeTask(task: Task, patch: string, finalText: string | null, env: GradeEnv): Promise<Grade> {
  const none = { pr: null, docs: null, triage: null };
  if (task.kind === 'pr') {
    const g = await gradePr(task, patch, env);
    return { ...none, status: g.status, resolved: g.resolved, note: g.note, log: g.log, testMs: g.testMs, correctionLines: g.correctionLines, pr: g };
  }
  if (task.kind === 'docs') {
    const g = await gradeDocs(task, patch, env);
    const failed = g.checks.filter((c) => !c.passed);
    const summary = g.checks.map((c) => `${c.passed ? 'pass' : 'FAIL'}  ${c.name}: ${c.detail}`).join('\n');
    return {
      ...none,
      status: g.status,
      resolved: g.passed,
      note: g.note ?? (failed.length ? `${failed.length} check(s) failed: ${failed.map((c) => c.name).join(', ')}` : null),
      log: `${summary}\n\n${g.log}`,
      testMs: 0,
      correctionLines: g.correctionLines,
      docs: g,
    };
  }
  const g = gradeTriage(task, finalText);
  const log = [
    `answer: ${g.answer ? JSON.stringify(g.answer) : `none (${g.parse_error})`}`,
    `expected: ${JSON.stringify(task.expected)}`,
    `scores: ${JSON.stringify(g.scores)}`,
    `passed: ${g.passed}${g.severe_misprioritised ? ` (wrong priority on a ${task.severity} issue)` : ''}`,
  ].join('\n');
  return { ...none, status: 'ok', resolved: g.passed, note: g.parse_error, log, testMs: 0, correctionLines: null, triage: g };
}

/**
 * The judged part of a record: quality, docs and triage from the grade, given what the agent did (its
 * reviewer's acceptance and the files it changed). `bench regrade` recomputes just this.
 */
export function judgedFields(
  task: Task,
  grade: Grade | null,
  did: { accepted: boolean; files: string[] },
): Pick<TrialRecord, 'quality' | 'docs' | 'triage'> & { out_of_scope: string[] } {
  const inScope = picomatch(task.allowed_paths, { dot: true });
  const outOfScope = did.files.filter((f) => !inScope(f));
  const resolved = grade && grade.status === 'ok' ? grade.resolved : null;
  const empty = { passed: 0, total: 0 };
  const pr = grade?.pr?.status === 'ok' ? grade.pr : null;
  return {
    out_of_scope: outOfScope,
    quality: {
      resolved,
      accepted: did.accepted,
      escaped_defect: resolved === null ? null : did.accepted && (!resolved || outOfScope.length > 0 || !!grade?.triage?.severe_misprioritised),
      regression: pr ? pr.regression : null,
      fail_to_pass: pr?.fail_to_pass ?? empty,
      pass_to_pass: pr?.pass_to_pass ?? empty,
      failing: pr?.failing ?? [],
      note: grade?.note ?? null,
      correction_lines: grade?.status === 'ok' ? grade.correctionLines : null,
    },
    docs: grade?.docs?.status === 'ok' ? { passed: !!grade.docs.passed, checks: grade.docs.checks } : null,
    triage: grade?.triage
      ? {
          answer: grade.triage.answer,
          parse_error: grade.triage.parse_error,
          scores: grade.triage.scores,
          passed: grade.triage.passed,
          severity: task.kind === 'triage' ? task.severity : 'normal',
          severe_misprioritised: grade.triage.severe_misprioritised,
        }
      : null,
  };
}
