// Grading by task kind: hidden tests (pr), documentation checks (docs), field-by-field answer (triage).
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
