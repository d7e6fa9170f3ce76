// The request of each mined task, and what the task file says about it. The order is what a developer
// filed before the solution existed, best first: the issue the change closed (from --issues), a
// model's rewrite of the commit as an issue (--model), the pull request's description (from --prs),
// the commit message. Whichever it is, the leakage check says when it names the solution.
import type { ModelBackend } from '../model/backend.ts';
import { writeIssue } from '../model/reporter.ts';
import { errorMessage } from '../errors.ts';
import { git } from '../workspace/repos.ts';
import { readIssueExport, readPullRequestExport } from './exports.ts';
import { leakedIdentifiers, type GoldText } from './leakage.ts';
import { chooseRequest, indexExports, stripPullRequestBody, type ExportIndex, type MinedCommit, type RequestSource } from './requests.ts';

export interface RequestOptions {
  /** A `gh pr list --json …` export. */
  prs?: string;
  /** A `gh issue list --json …` export. */
  issues?: string;
  /** The model that writes requests when no issue is found (bench suite mine --model). */
  reporter?: ModelBackend | null;
}

export interface MinedRequest {
  title: string;
  request: string;
  source: RequestSource;
  /** `request:<source>`, for the task's tags. */
  tag: string;
  /** Where the request came from, one line. */
  origin: string;
  /** Identifiers and files of the solution the request names that the hidden tests do not. */
  leaks: string[];
  /** Why --model wrote no request for this task (the request fell back to the next source). */
  modelError?: string;
}

export interface ChangeOfCommit {
  mirror: string;
  commit: MinedCommit;
  parent: string;
  /** Source files the change touches (not tests, not docs). */
  sources: string[];
  /** The hidden test files. */
  tests: string[];
  failToPass: string[];
  signal?: AbortSignal;
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

export class RequestWriter {
  private readonly index: ExportIndex | null;
  private readonly reporter: ModelBackend | null;

  /** Reads the exports at once, so a bad one stops mining before any test has run. */
  constructor(opts: RequestOptions) {
    const prs = opts.prs ? readPullRequestExport(opts.prs) : [];
    const issues = opts.issues ? readIssueExport(opts.issues) : [];
    this.index = opts.prs || opts.issues ? indexExports(prs, issues) : null;
    this.reporter = opts.reporter ?? null;
  }

  async write(change: ChangeOfCommit): Promise<MinedRequest> {
    const { mirror, commit, parent } = change;
    // cat-file: the stored bytes, with no textconv or filter a repository's attributes could name.
    const show = (rev: string, path: string) => git(mirror, ['cat-file', 'blob', `${rev}:${path}`]).catch(() => '');
    const gold: GoldText = {
      sources: await Promise.all(change.sources.map(async (path) => ({ path, before: await show(parent, path), after: await show(commit.sha, path) }))),
      tests: await Promise.all(change.tests.map((path) => show(commit.sha, path))),
    };
    const base = chooseRequest(commit, this.index);
    let chosen: { title: string; request: string; source: RequestSource; origin: string } = base;
    let modelError: string | undefined;
    if (base.source !== 'issue' && this.reporter) {
      const pr = base.pr;
      try {
        const written = await writeIssue(
          this.reporter,
          {
            key: `mine-${commit.sha.slice(0, 12)}`,
            message: [commit.subject, commit.body].filter(Boolean).join('\n\n'),
            pullRequest: pr ? { title: pr.title, body: stripPullRequestBody(pr.body ?? '') } : null,
            failingTests: change.failToPass,
            testDiff: await git(mirror, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', parent, commit.sha, '--', ...change.tests]),
          },
          change.signal,
        );
        chosen = {
          ...written,
          source: 'model',
          origin: `written by the model ${written.model} from the commit message${pr ? ` and pull request #${pr.number}` : ''} and the tests: check it against the change`,
        };
      } catch (err) {
        // A model that fails (network, quota) costs the task its better request, not the task itself.
        modelError = oneLine(errorMessage(err));
        chosen = { ...chosen, origin: `${chosen.origin} (the model failed: ${modelError})` };
      }
    }
    return {
      title: oneLine(chosen.title),
      request: chosen.request,
      source: chosen.source,
      tag: `request:${chosen.source}`,
      origin: oneLine(chosen.origin),
      leaks: await newToRepository(mirror, parent, leakedIdentifiers(chosen.request, gold)),
      ...(modelError ? { modelError } : {}),
    };
  }
}

/**
 * Of the leaks found in the changed files, those the repository did not have anywhere before the
 * change: a new module calling `parse()` from an old one, or a name already in the docs, was not
 * invented by the solution. File paths the request names stay.
 */
async function newToRepository(mirror: string, parent: string, leaks: string[]): Promise<string[]> {
  const kept: string[] = [];
  for (const id of leaks) {
    const existed =
      !id.includes('/') &&
      (await git(mirror, ['grep', '-q', '-w', '-F', '-e', id, parent, '--']).then(
        () => true,
        () => false, // exit 1: no match
      ));
    if (!existed) kept.push(id);
  }
  return kept;
}

/** The comment lines a task file carries about its request. */
export function requestComments(r: MinedRequest): string[] {
  return [
    `# request: ${r.origin}`,
    ...(r.leaks.length
      ? [`# WARNING: the request names what the change adds and the hidden tests do not mention: ${r.leaks.join(', ')}. Rewrite it without them.`]
      : []),
  ];
}
