// One pull-request comment that bench keeps up to date: found among the PR's comments by a hidden
// marker and edited in place, or posted when there is none yet, so a PR shows the latest verdict once
// instead of a comment per push. The token is only ever put in the Authorization header: it is in no
// message, no URL and no output.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.ts';

export const COMMENT_MARKER = '<!-- bench-gate -->';

/** GitHub refuses comment bodies over 65,536 characters. */
const MAX_BODY = 65_000;

export interface PrTarget {
  /** https://api.github.com, or a GitHub Enterprise server's API. */
  apiUrl: string;
  /** owner/name */
  repo: string;
  pr: number;
}

/** Where to comment, from the environment GitHub Actions sets: bad or missing pieces are input errors (exit 2). */
export function prTarget(env: NodeJS.ProcessEnv): PrTarget {
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventPath)
    throw new InputError('not set: no event to find the pull request in', {
      field: 'GITHUB_EVENT_PATH',
      fix: 'run this in a GitHub Actions job triggered by pull_request',
    });
  let event: { pull_request?: { number?: unknown } };
  try {
    event = JSON.parse(readFileSync(eventPath, 'utf8')) as typeof event;
  } catch (err) {
    throw new InputError(`cannot read the event payload: ${err instanceof Error ? err.message : String(err)}`, { file: eventPath });
  }
  const pr = event?.pull_request?.number;
  if (typeof pr !== 'number' || !Number.isInteger(pr) || pr <= 0)
    throw new InputError(`not a pull request event${env.GITHUB_EVENT_NAME ? ` (${env.GITHUB_EVENT_NAME})` : ''}: the event has no pull_request.number`, {
      file: eventPath,
      fix: "comment only on pull_request (or pull_request_target) events, e.g. `if: github.event_name == 'pull_request'`",
    });
  const repo = env.GITHUB_REPOSITORY ?? '';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo))
    throw new InputError(repo ? `"${repo}" is not owner/name` : 'not set: no repository to comment in', {
      field: 'GITHUB_REPOSITORY',
      fix: 'run this in a GitHub Actions job (it sets GITHUB_REPOSITORY), or set it to owner/name',
    });
  let apiUrl: URL;
  try {
    apiUrl = new URL(env.GITHUB_API_URL || 'https://api.github.com');
  } catch {
    throw new InputError(`"${env.GITHUB_API_URL}" is not a URL`, { field: 'GITHUB_API_URL', fix: 'unset it to use https://api.github.com' });
  }
  return { apiUrl: apiUrl.href.replace(/\/+$/, ''), repo, pr };
}

/** The comment's body: the marker first (so a comment that only quotes it is not ours), then the summary, cut to GitHub's limit. */
export function commentBody(summary: string, footer?: string): string {
  const tail = footer ? `\n\n${footer}\n` : '\n';
  const room = MAX_BODY - COMMENT_MARKER.length - tail.length - 80;
  const text =
    summary.length > room
      ? `${summary.slice(0, room)}\n\n_… cut: the summary is longer than a comment may be; the full report is in the job's artifacts._`
      : summary.trimEnd();
  return `${COMMENT_MARKER}\n${text}${tail}`;
}

interface IssueComment {
  id: number;
  body?: string | null;
  html_url?: string;
}

/** The `next` page of a Link header, when it is on the same server (the token goes nowhere else). */
function nextPage(link: string | null, api: string): string | null {
  const m = link
    ?.split(',')
    .find((part) => /;\s*rel="?next"?/.test(part))
    ?.match(/<([^>]+)>/);
  if (!m) return null;
  const next = new URL(m[1]!, api);
  return next.origin === new URL(api).origin ? next.href : null;
}

export class GitHubError extends Error {}

/** Posts the comment, or edits the one bench posted before. Returns what was done and the comment's address. */
export async function upsertComment(
  target: PrTarget,
  token: string,
  body: string,
  opts: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<{ action: 'created' | 'updated'; id: number; url: string | null; pages: number }> {
  const doFetch = opts.fetch ?? fetch;
  const headers = {
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${token}`,
    'X-GitHub-Api-Version': '2022-11-28',
    'User-Agent': 'bench-ci-comment',
  };
  const call = async (method: string, url: string, payload?: unknown) => {
    const res = await doFetch(url, {
      method,
      headers: payload === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
      signal: opts.signal ?? AbortSignal.timeout(30_000),
    });
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).split(token).join('***').slice(0, 300);
      const path = new URL(url).pathname;
      throw new GitHubError(
        `GitHub API ${method} ${path}: ${res.status} ${res.statusText}${text ? `: ${text}` : ''}${res.status === 403 || res.status === 404 ? ' (does the token have pull-requests: write? a PR from a fork gets a read-only token)' : ''}`,
      );
    }
    return res;
  };
  const base = `${target.apiUrl}/repos/${target.repo}/issues/${target.pr}/comments`;
  let url: string | null = `${base}?per_page=100`;
  let ours: IssueComment | undefined;
  let pages = 0;
  while (url) {
    // 100 pages of 100: a PR with more comments than that, or a server that links a page to itself, is not searched further.
    if (pages === 100) break;
    const res = await call('GET', url);
    pages++;
    const list = (await res.json()) as IssueComment[];
    // The last marked comment: the newest, should an earlier run have raced and posted two.
    for (const c of list) if (c.body?.startsWith(COMMENT_MARKER)) ours = c;
    url = nextPage(res.headers.get('link'), target.apiUrl);
  }
  const done = ours ? await call('PATCH', `${target.apiUrl}/repos/${target.repo}/issues/comments/${ours.id}`, { body }) : await call('POST', base, { body });
  const c = (await done.json()) as IssueComment;
  return { action: ours ? 'updated' : 'created', id: c.id, url: c.html_url ?? null, pages };
}
