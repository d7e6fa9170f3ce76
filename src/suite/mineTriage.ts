// Mining triage tasks from an issue export: each issue becomes a task whose expected answer is what the
// maintainers did with it. Labels are the issue's labels; priority, severity, needs-info and duplicate
// come from the labels through the repository's rules file; the component is where the fix went: the
// longest common path of what the closing commit changed (found by "Fixes #N" / "Closes #N" in commit
// messages, or the merge of the pull request the export says closed the issue). The task starts from
// the last commit before the issue was filed, as the reporter saw the repository.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { InputError, InputErrors } from '../errors.ts';
import { parseYaml, readYamlFile } from '../input/validate.ts';
import { git, RepoCache } from '../workspace/repos.ts';
import { DOC_FILE, repoRef, slugify, TEST_FILE } from './mine.ts';
import { ensureSuiteFile, firstParentLog, type HistoryCommit, schemaComment } from './mineShared.ts';
import { PRIORITIES, TriageTask, type TriageAnswer } from './schema.ts';
import { GH_EXPORT_COMMAND, IssueExport, labelName, TriageRules, type ExportedIssue } from './triageRules.ts';

export interface TriageMineOptions {
  repo: string;
  out: string;
  /** The issue export (JSON written by `gh issue list --json …`). */
  issues: string;
  /** A rules file (YAML); the built-in rules when absent. */
  rules?: string;
  limit: number;
  cacheDir: string;
  onProgress?: (line: string) => void;
}

export interface MinedTriageTask {
  id: string;
  number: number;
  file: string;
  priority: TriageAnswer['priority'];
  component: string;
}

export interface SkippedIssue {
  number: number;
  reason: string;
}

const has = (wanted: string[], labels: string[]) => {
  const set = new Set(wanted.map((l) => l.trim().toLowerCase()));
  return labels.some((l) => set.has(l.trim().toLowerCase()));
};

/** The expected answer's label-derived fields, by the rules. */
export function fromLabels(labels: string[], rules: TriageRules) {
  return {
    priority: PRIORITIES.find((p) => has(rules.priority[p], labels)) ?? rules.default_priority,
    severity: has(rules.severity.security, labels)
      ? ('security' as const)
      : has(rules.severity['data-loss'], labels)
        ? ('data-loss' as const)
        : ('normal' as const),
    needs_info: has(rules.needs_info, labels),
    duplicate: has(rules.duplicate, labels),
    labels: labels.filter((l) => !has(rules.ignore_labels, [l])),
  };
}

/** The issue a text calls this one a duplicate of ("Duplicate of #12", "duplicate of #12", "dupe of #12"). */
export function duplicateOf(texts: string[]): number | null {
  for (const t of texts) {
    const m = /\b(?:duplicate|dup|dupe)\s+(?:of|to)\s+#(\d+)\b/i.exec(t);
    if (m) return Number(m[1]);
  }
  return null;
}

/** Issue numbers a commit message closes with GitHub's keywords (close, fix, resolve in any tense), same repository only. */
export function closedBy(message: string): number[] {
  const out: number[] = [];
  for (const m of message.matchAll(/\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+((?:#\d+\b(?:\s*(?:,|and)\s*)?)+)/gi))
    for (const n of m[1]!.matchAll(/#(\d+)/g)) out.push(Number(n[1]));
  return out;
}

/** The longest path every file shares: the file itself when there is one, a folder otherwise, '' when they share none. */
export function commonPath(files: string[]): string {
  if (!files.length) return '';
  if (files.length === 1) return files[0]!;
  const parts = files.map((f) => f.split('/').slice(0, -1));
  const out: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0]![i]); i++) out.push(parts[0]![i]!);
  return out.join('/');
}

export function readRules(file: string | undefined): TriageRules {
  return file ? readYamlFile(file, TriageRules) : TriageRules.parse({});
}

/** The issue export: JSON (its syntax errors said as such), then the schema, each error pointing at the command that writes it. */
export function readExport(file: string): ExportedIssue[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the issue export (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      file,
      field: '--issues',
      fix: `check the path, or write the export with: ${GH_EXPORT_COMMAND}`,
    });
  }
  try {
    JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message);
    throw new InputError(`not valid JSON: ${(err as Error).message}`, {
      file,
      line: pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined,
      fix: `write the export again (it may be cut off): ${GH_EXPORT_COMMAND}`,
    });
  }
  try {
    return parseYaml(text, file, IssueExport);
  } catch (err) {
    if (!(err instanceof InputErrors)) throw err;
    throw new InputErrors(
      err.errors.map(
        (e) =>
          new InputError(e.message, {
            file: e.file,
            line: e.line,
            field: e.field,
            fix: `${e.fix}; the export is the JSON array written by: ${GH_EXPORT_COMMAND}`,
          }),
      ),
    );
  }
}

export async function mineTriage(opts: TriageMineOptions): Promise<{ tasks: MinedTriageTask[]; skipped: SkippedIssue[]; suiteFile: string }> {
  const rules = readRules(opts.rules);
  const issues = readExport(opts.issues);
  if (!issues.length)
    throw new InputError('the issue export holds no issues', { file: opts.issues, fix: 'export with --state all and a --limit above the number of issues' });
  const repo = repoRef(opts.repo);
  const cache = new RepoCache(opts.cacheDir);
  const mirror = await cache.mirror(repo);
  const outDir = resolve(opts.out);
  mkdirSync(join(outDir, 'tasks'), { recursive: true });

  // Every commit (merged branches too), newest first: the newest that closes an issue is its final fix
  // (an earlier one may have been reverted).
  const all = (await git(mirror, ['log', '--format=%H%x00%P%x00%cI%x00%B%x1e', 'HEAD']))
    .split('\x1e')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => {
      const [sha, parents, date, message] = e.split('\0');
      return { sha: sha!, parent: parents!.split(' ')[0] ?? '', date: date!, message: message ?? '' };
    });
  const mainLine = await firstParentLog(mirror);
  const closing = new Map<number, (typeof all)[number]>();
  for (const c of all) for (const n of closedBy(c.message)) if (!closing.has(n) && c.parent) closing.set(n, c);
  const mergeOfPr = (pr: number) =>
    all.find(
      (c) => c.parent && (new RegExp(`^Merge pull request #${pr}\\b`).test(c.message) || new RegExp(`\\(#${pr}\\)\\s*$`, 'm').test(c.message.split('\n')[0]!)),
    );
  const bySha = new Map(all.map((c) => [c.sha, c]));

  const closingCommit = (issue: ExportedIssue) => {
    // The export's own record of the closing pull request comes first; commit messages second.
    for (const pr of issue.closedByPullRequestsReferences ?? []) {
      const c = (pr.mergeCommit?.oid && bySha.get(pr.mergeCommit.oid)) || mergeOfPr(pr.number);
      if (c) return c;
    }
    return closing.get(issue.number) ?? null;
  };
  const existsAt = async (sha: string, path: string) => {
    try {
      await git(mirror, ['cat-file', '-e', `${sha}:${path}`]);
      return true;
    } catch {
      return false;
    }
  };
  const isAncestor = async (a: string, b: string) => {
    try {
      await git(mirror, ['merge-base', '--is-ancestor', a, b]);
      return true;
    } catch {
      return false;
    }
  };
  /** The last main-line commit before the issue was filed, if that is known and precedes the fix. */
  const baseFor = async (issue: ExportedIssue, fix: { sha: string; parent: string } | null): Promise<HistoryCommit['sha']> => {
    const created = Date.parse(issue.createdAt ?? issue.created_at ?? '');
    const before = Number.isNaN(created) ? undefined : mainLine.find((c) => Date.parse(c.date) <= created);
    if (!fix) return before?.sha ?? mainLine[0]!.sha;
    if (before && before.sha !== fix.sha && !(await isAncestor(fix.sha, before.sha))) return before.sha;
    return fix.parent;
  };
  /**
   * Where the fix went: the file holding at least two thirds of the changed lines of the commit's code
   * files (its docs when it changed only docs), else their longest common path, as it existed at base.
   * A fix that also re-exports a name or wires a flag would otherwise point at `src/`, which any answer
   * inside it matches.
   */
  const componentOf = async (fix: { sha: string; parent: string }, base: string): Promise<string> => {
    const stat = (await git(mirror, ['diff', '--numstat', '--no-renames', fix.parent, fix.sha]))
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [add, del, file] = l.split('\t');
        // Binary files show "-": count them as one line each.
        return { file: file!, lines: (Number(add) || 1) + (Number(del) || 0) };
      });
    const nonTest = stat.filter((f) => !TEST_FILE.test(f.file));
    const code = nonTest.filter((f) => !DOC_FILE.test(f.file));
    const candidates = code.length ? code : nonTest;
    if (!candidates.length) throw new Error(`the closing commit ${fix.sha.slice(0, 8)} changes only tests`);
    // Files that existed when the issue was filed are where a triager could point; new ones are guesses.
    const present: typeof candidates = [];
    for (const f of candidates) if (await existsAt(base, f.file)) present.push(f);
    const pool = present.length ? present : candidates;
    const total = pool.reduce((n, f) => n + f.lines, 0);
    const main = pool.find((f) => f.lines * 3 >= total * 2);
    let path = main ? main.file : commonPath(pool.map((f) => f.file));
    while (path && !(await existsAt(base, path))) path = path.split('/').slice(0, -1).join('/');
    if (!path)
      throw new Error(
        `the files the closing commit ${fix.sha.slice(0, 8)} changed share no folder that exists at the base (${pool
          .slice(0, 3)
          .map((f) => f.file)
          .join(', ')}${pool.length > 3 ? ', …' : ''})`,
      );
    return path;
  };

  const tasks: MinedTriageTask[] = [];
  const skipped: SkippedIssue[] = [];
  const byNumber = new Map(issues.map((i) => [i.number, i]));
  for (const issue of issues) {
    if (tasks.length >= opts.limit) break;
    const skip = (reason: string) => {
      skipped.push({ number: issue.number, reason });
      opts.onProgress?.(`skip #${issue.number} ${issue.title}: ${reason}`);
    };
    const labels = issue.labels.map(labelName);
    const derived = fromLabels(labels, rules);
    // GitHub's "Close as duplicate" marks the issue itself (gh writes stateReason DUPLICATE), label or not.
    derived.duplicate ||= issue.stateReason?.toUpperCase() === 'DUPLICATE';
    const comments = Array.isArray(issue.comments) ? issue.comments.map((c) => c.body ?? '') : [];
    const dup = duplicateOf([issue.body ?? '', ...comments]);
    if (derived.duplicate && dup === null) {
      skip('labelled duplicate, but neither the body nor a comment says which issue it duplicates ("Duplicate of #N")');
      continue;
    }
    // A duplicate is fixed where its original was.
    const fix =
      closingCommit(issue) ?? (dup !== null ? closingCommit(byNumber.get(dup) ?? { ...issue, number: dup, closedByPullRequestsReferences: [] }) : null);
    const base = await baseFor(issue, fix);
    let component: string;
    try {
      if (fix) component = await componentOf(fix, base);
      else {
        const mapped = labels.map((l) => Object.entries(rules.components).find(([k]) => k.toLowerCase() === l.toLowerCase())?.[1]).find(Boolean);
        if (!mapped) {
          skip(
            `no commit closes it ("Fixes #${issue.number}" in a message, or a closing pull request in the export), so there is no component; map one of its labels (${labels.join(', ') || 'none'}) under components: in the rules file`,
          );
          continue;
        }
        component = mapped;
      }
    } catch (err) {
      skip(err instanceof Error ? err.message : String(err));
      continue;
    }
    const id = `triage-${issue.number}-${slugify(issue.title) || 'issue'}`;
    const task = TriageTask.parse({
      id,
      kind: 'triage',
      title: issue.title,
      repo: repo.name,
      base,
      issue: { number: issue.number, title: issue.title, body: issue.body ?? '' },
      expected: { labels: derived.labels, priority: derived.priority, component, duplicate_of: dup, needs_info: derived.needs_info },
      severity: derived.severity,
      tags: [
        'mined',
        ...(dup !== null ? ['duplicate'] : []),
        ...(derived.needs_info ? ['needs-info'] : []),
        ...(derived.severity !== 'normal' ? [derived.severity] : []),
      ],
    });
    const file = join(outDir, 'tasks', `${id}.yaml`);
    // In the order the shipped tasks read (the parsed task keeps the schema's order); the pass rule stays the default.
    const written = {
      id: task.id,
      kind: task.kind,
      title: task.title,
      repo: task.repo,
      base: task.base,
      issue: task.issue,
      expected: task.expected,
      severity: task.severity,
      tags: task.tags,
    };
    writeFileSync(
      file,
      `${schemaComment(file, 'task')}\n# Mined by bench from issue #${issue.number} of ${opts.issues}${fix ? `, fixed by ${fix.sha}` : ''}.\n${stringify(written, { lineWidth: 0 })}`,
    );
    tasks.push({ id, number: issue.number, file, priority: derived.priority, component });
    opts.onProgress?.(
      `task ${id}: ${derived.priority}, ${component}${dup !== null ? `, duplicate of #${dup}` : ''}${derived.needs_info ? ', needs info' : ''}`,
    );
  }
  const suiteFile = tasks.length ? ensureSuiteFile(outDir, repo, opts.repo, {}, opts.onProgress) : join(outDir, 'suite.yaml');
  return { tasks, skipped, suiteFile };
}
