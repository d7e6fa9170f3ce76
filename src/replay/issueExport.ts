// The issue export a trial's MCP servers are given (BENCH_ISSUES_FILE): what an issue tracker of the
// task's repository would show at the time. The repository's own export (.github/issues.json and
// labels.json at the base commit), the issues of the suite's other triage tasks on the same repository
// (so a duplicate can be found), and the task's own issue: open, unlabelled, never with its expected
// answer (that is the answer key, hidden from agents).
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '../suite/load.ts';

export interface TrackerIssue {
  number: number;
  title: string;
  body: string;
  state: string;
  labels: string[];
  comments: Array<{ body: string }>;
}

export interface IssueExportFile {
  issues: TrackerIssue[];
  labels: Array<{ name: string; description?: string }>;
}

/** The repository's own file, when it is a plain file (never followed through a link). */
function repoJson(worktree: string, rel: string): unknown {
  const p = join(worktree, rel);
  try {
    if (!existsSync(p) || !lstatSync(p).isFile()) return null;
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
}

const labelNames = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown })?.name ?? ''))).filter(Boolean) : [];

export function issueExport(task: Task, worktree: string, suiteTasks: readonly Task[]): IssueExportFile {
  const own = task.kind === 'triage' ? (task.issue.number ?? null) : null;
  const byNumber = new Map<number, TrackerIssue>();
  const repoIssues = repoJson(worktree, '.github/issues.json');
  for (const i of Array.isArray(repoIssues) ? (repoIssues as Array<Record<string, unknown>>) : []) {
    const number = Number(i?.number);
    if (!Number.isInteger(number) || number < 1 || number === own) continue;
    byNumber.set(number, {
      number,
      title: String(i.title ?? ''),
      body: String(i.body ?? ''),
      state: String(i.state ?? 'open').toLowerCase(),
      labels: labelNames(i.labels),
      comments: [],
    });
  }
  for (const t of suiteTasks) {
    if (t.kind !== 'triage' || t.id === task.id || t.repo !== task.repo || !t.issue.number || t.issue.number === own || byNumber.has(t.issue.number)) continue;
    byNumber.set(t.issue.number, { number: t.issue.number, title: t.issue.title, body: t.issue.body, state: 'open', labels: [], comments: [] });
  }
  if (task.kind === 'triage' && own !== null) {
    const body = task.issue.logs ? `${task.issue.body}\n\n${task.issue.logs}` : task.issue.body;
    byNumber.set(own, { number: own, title: task.issue.title, body, state: 'open', labels: [], comments: [] });
  }
  const repoLabels = repoJson(worktree, '.github/labels.json');
  const labels = (Array.isArray(repoLabels) ? (repoLabels as unknown[]) : []).flatMap((l) =>
    typeof l === 'string'
      ? [{ name: l }]
      : l && typeof l === 'object' && typeof (l as { name?: unknown }).name === 'string'
        ? [
            {
              name: (l as { name: string }).name,
              ...(typeof (l as { description?: unknown }).description === 'string' ? { description: (l as { description: string }).description } : {}),
            },
          ]
        : [],
  );
  return { issues: [...byNumber.values()].sort((a, b) => a.number - b.number), labels };
}

/** Writes the export into the trial's scratch space; returns the file. */
export function writeIssueExport(dir: string, data: IssueExportFile): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'issues.json');
  writeFileSync(file, JSON.stringify(data, null, 2));
  return file;
}
