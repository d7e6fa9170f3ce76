// Where a mined task's request comes from. A commit subject usually names the solution ("Use
// Math.min in clamp"); what a developer filed before the solution existed is better: the issue the
// change closed, else the pull request that brought it, else the commit message for a person to rewrite.
import { createHash } from 'node:crypto';
import type { IssueExport, PullRequestExport } from './exports.ts';
import type { MinedSource } from './schema.ts';
import { repoOfUrl } from './exports.ts';

export type RequestSource = 'issue' | 'pr' | 'commit' | 'model';

export interface MinedCommit {
  sha: string;
  subject: string;
  body: string;
}

/** The exports, looked up by what a commit can point at. */
export interface ExportIndex {
  prsByNumber: Map<number, PullRequestExport>;
  prsByMergeCommit: Map<string, PullRequestExport>;
  issues: Map<number, IssueExport>;
}

export function indexExports(prs: PullRequestExport[], issues: IssueExport[]): ExportIndex {
  return {
    prsByNumber: new Map(prs.map((p) => [p.number, p])),
    prsByMergeCommit: new Map(prs.filter((p) => p.mergeCommit).map((p) => [p.mergeCommit!.oid.toLowerCase(), p])),
    // gh issue list lists issues only, but an export joined by hand may hold pull requests too: those are not issues.
    issues: new Map(issues.filter((i) => !/\/pull\/\d+$/.test(i.url ?? '')).map((i) => [i.number, i])),
  };
}

/**
 * The pull request a mined commit came from: the one whose merge commit it is (merge, squash and
 * rebase merges alike), else the number its subject names as GitHub writes it: "Merge pull request
 * #N from …" for a merge commit, "… (#N)" at the end for a squash merge.
 */
export function pullRequestOf(commit: MinedCommit, index: ExportIndex): PullRequestExport | null {
  const sha = commit.sha.toLowerCase();
  const byOid = index.prsByMergeCommit.get(sha) ?? [...index.prsByMergeCommit].find(([oid]) => sha.startsWith(oid) || oid.startsWith(sha))?.[1];
  if (byOid) return byOid;
  const n = pullRequestNumberIn(commit.subject);
  return n ? (index.prsByNumber.get(n) ?? null) : null;
}

/** The pull request number a subject names as GitHub writes merge and squash subjects, or null. */
export function pullRequestNumberIn(subject: string): number | null {
  const n = /^Merge pull request #(\d+)\b/.exec(subject)?.[1] ?? /\(#(\d+)\)\s*$/.exec(subject)?.[1];
  return n ? Number(n) : null;
}

export interface IssueRef {
  number: number;
  /** `owner/name`, lower-cased, when the reference names a repository. */
  repo: string | null;
}

// GitHub's closing keywords, then `#N`, `owner/repo#N` or an issue URL.
const CLOSING =
  /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:#(\d+)|([\w.-]+\/[\w.-]+)#(\d+)|https?:\/\/[^\s/]+\/([\w.-]+\/[\w.-]+)\/issues\/(\d+))\b/gi;

/** The issues a text says it closes, the way GitHub reads closing keywords in a PR body or commit message. */
export function closingRefs(text: string): IssueRef[] {
  const refs: IssueRef[] = [];
  for (const m of text.matchAll(CLOSING)) {
    const number = Number(m[1] ?? m[3] ?? m[5]);
    const repo = (m[2] ?? m[4] ?? null)?.toLowerCase() ?? null;
    refs.push({ number, repo });
  }
  return refs;
}

/**
 * The exported issues a commit closes: those its pull request links (its closingIssuesReferences,
 * the issues whose closedByPullRequestsReferences name it, the keywords in its body), then those its
 * own message names. A reference naming another repository matches only an issue whose URL is in
 * that repository (the export's `url` field).
 */
export function issuesOf(commit: MinedCommit, pr: PullRequestExport | null, index: ExportIndex): IssueExport[] {
  const prNumber = pr?.number ?? pullRequestNumberIn(commit.subject);
  const refs: IssueRef[] = [
    ...(pr?.closingIssuesReferences ?? []).map((r) => ({
      number: r.number,
      repo: r.repository ? `${r.repository.owner.login}/${r.repository.name}`.toLowerCase() : repoOfUrl(r.url),
    })),
    // The other side of the same link, from the issue export: found without a PR export.
    ...(prNumber === null
      ? []
      : [...index.issues.values()]
          .filter((i) =>
            (i.closedByPullRequestsReferences ?? []).some((p) => p.number === prNumber && (!p.url || !i.url || repoOfUrl(p.url) === repoOfUrl(i.url))),
          )
          .map((i) => ({ number: i.number, repo: null }))),
    ...closingRefs(pr?.body ?? ''),
    ...closingRefs(`${commit.subject}\n${commit.body}`),
  ];
  const found: IssueExport[] = [];
  for (const ref of refs) {
    const issue = index.issues.get(ref.number);
    if (!issue || found.includes(issue)) continue;
    if (ref.repo && repoOfUrl(issue.url) !== ref.repo) continue;
    found.push(issue);
  }
  return found;
}

// Section headings of PR descriptions (and PR templates) under which authors describe the solution,
// its files and how they checked it: none of it is what a developer filed before the change existed.
const SOLUTION_HEADING =
  /^(?:changes?|changes (?:made|proposed|in this pr)|proposed changes?|what (?:changed|this pr does|does this pr do|i changed|i did)|summary of changes|implementation(?: details| notes)?|solution|approach|how(?: it works| i did it| does it work)?|technical (?:details|notes)|files? changed|changed files|checklist|tests?|testing|test plan|tests? done|how (?:was|has) this been tested|how to test|screenshots?|release notes?|changelog|notes for reviewers?|reviewer notes)$/i;

const headingText = (s: string) =>
  s
    .replace(/[*_`]/g, '')
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .replace(/\s+/g, ' ');

/**
 * A PR description without what mechanically gives the solution away: HTML comments (template
 * hints), task-list items (template checklists: "- [x] added tests"), sections whose heading says
 * they describe the change (Changes, Implementation, Files changed, Testing, …), diff blocks, and
 * lines that only say which issue it closes. What remains (the motivation, the problem) may still
 * name the solution: the leakage check says so.
 */
export function stripPullRequestBody(body: string): string {
  const lines = body
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
    .split('\n');
  const out: string[] = [];
  let skipBelow: number | null = null; // dropping a section: until a heading at this level or above
  let fence: { marker: string; drop: boolean } | null = null;
  for (const line of lines) {
    const fenceMark = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      if (fenceMark && fenceMark[1]!.startsWith(fence.marker)) {
        if (!fence.drop && skipBelow === null) out.push(line);
        fence = null;
      } else if (!fence.drop && skipBelow === null) out.push(line);
      continue;
    }
    if (fenceMark) {
      fence = { marker: fenceMark[1]!, drop: /^(diff|patch)$/i.test(fenceMark[2]!) };
      if (!fence.drop && skipBelow === null) out.push(line);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      if (skipBelow !== null && level <= skipBelow) skipBelow = null;
      if (skipBelow === null && SOLUTION_HEADING.test(headingText(heading[2]!))) {
        skipBelow = level;
        continue;
      }
    }
    if (skipBelow !== null) continue;
    if (/^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]/.test(line)) continue;
    if (/^\s*(?:(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+\S+[\s,]*)+$/i.test(line) && closingRefs(line).length) continue;
    out.push(line);
  }
  // Headings left with nothing under them (their content was all checklist) go too.
  const kept = out.filter((line, i) => {
    const h = /^(#{1,6})\s/.exec(line);
    if (!h) return true;
    for (const next of out.slice(i + 1)) {
      const nh = /^(#{1,6})\s/.exec(next);
      if (nh) return nh[1]!.length > h[1]!.length;
      if (next.trim()) return true;
    }
    return false;
  });
  return kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** An issue body without the template's HTML comments (hints to the reporter, not the report). */
function issueBody(body: string | null): string {
  return (body ?? '')
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface ChosenRequest {
  source: RequestSource;
  title: string;
  request: string;
  /** Where the request came from, for a comment line in the task file and the mine output. */
  origin: string;
  pr: PullRequestExport | null;
  issues: IssueExport[];
}

/** The request from the exports: the closed issues, else the pull request, else the commit message. */
export function chooseRequest(commit: MinedCommit, index: ExportIndex | null): ChosenRequest {
  const pr = index ? pullRequestOf(commit, index) : null;
  const issues = index ? issuesOf(commit, pr, index) : [];
  const prNumber = pr?.number ?? pullRequestNumberIn(commit.subject);
  const via = prNumber !== null ? `, closed by pull request #${prNumber}` : `, closed by commit ${commit.sha.slice(0, 12)}`;
  if (issues.length) {
    const text = issues.length === 1 ? [issues[0]!.title, issueBody(issues[0]!.body)] : issues.map((i) => `## ${i.title}\n\n${issueBody(i.body)}`.trim());
    return {
      source: 'issue',
      title: issues[0]!.title,
      request: `${text.filter(Boolean).join('\n\n')}\n`,
      origin: `${issues.map((i) => `issue #${i.number}${i.url ? ` (${i.url})` : ''}`).join(' and ')}${via}`,
      pr,
      issues,
    };
  }
  if (pr) {
    const title = pr.title.replace(/\s*\(#\d+\)\s*$/, '');
    return {
      source: 'pr',
      title,
      request: `${[title, stripPullRequestBody(pr.body ?? '')].filter(Boolean).join('\n\n')}\n`,
      origin: `pull request #${pr.number}${pr.url ? ` (${pr.url})` : ''}: its title and description, without template comments, checklists and sections describing the change`,
      pr,
      issues,
    };
  }
  return {
    source: 'commit',
    title: commit.subject,
    request: commitRequest(commit),
    origin: `the commit message of ${commit.sha.slice(0, 12)}: rewrite it as the issue a developer would have filed, without the solution`,
    pr,
    issues,
  };
}

/**
 * A commit message as a request, for a person to rewrite. What says so (and which commit it was) goes in
 * the task file's comments and `source`, never into the request: the agent is given the request, and the
 * gold commit's id would be the answer's. Git's "(cherry picked from commit …)" line names the same
 * change's other copy: it goes too.
 */
export function commitRequest(commit: Pick<MinedCommit, 'subject' | 'body'>): string {
  const body = commit.body
    .split('\n')
    .filter((l) => !/^\s*\(cherry picked from commit [0-9a-f]{7,40}\)\s*$/.test(l))
    .join('\n')
    .trim();
  return `${[commit.subject, body].filter(Boolean).join('\n\n')}\n`;
}

export const requestDigest = (request: string): string => createHash('sha256').update(request).digest('hex');

/** Whether a task's request is still the commit message mining wrote (no person has rewritten it). */
export function uneditedMinedRequest(task: { request?: string; source?: MinedSource }): boolean {
  return task.source?.request === 'commit' && task.request !== undefined && requestDigest(task.request) === task.source.request_sha256;
}
