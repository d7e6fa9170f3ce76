// `bench ci comment` against a fake GitHub API on 127.0.0.1: the first run posts one comment (marker and
// summary), later runs edit that comment instead of posting another, found across pages of comments;
// the token travels only in the Authorization header; outside a pull request, or without a token, exit 2.
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { COMMENT_MARKER, commentBody } from '../../src/gate/prComment.ts';
import { bench } from '../helpers/cli.ts';
import { fakeGitHub, type FakeGitHub } from '../helpers/fakeGitHub.ts';
import { tmp } from '../helpers/fixtures.ts';

const REPO = 'acme/widgets';
const PR = 42;
const TOKEN = 'ghs_FAKEtoken0123456789abcdefSECRET';

let gh: FakeGitHub;
let dir = '';
let env: NodeJS.ProcessEnv = {};

beforeEach(async () => {
  gh = await fakeGitHub(REPO, PR, { pageSize: 3 });
  dir = tmp('bench-comment-');
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ action: 'synchronize', pull_request: { number: PR } }));
  writeFileSync(join(dir, 'gate.md'), '## bench gate: ✅ passed\n');
  writeFileSync(join(dir, 'summary.md'), '## bench: pr run-1\n\n| metric | broad |\n|---|---|\n');
  env = {
    GITHUB_API_URL: gh.url,
    GITHUB_REPOSITORY: REPO,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_TOKEN: TOKEN,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '777',
  };
});
afterEach(() => gh.close());

const comment = (extra: NodeJS.ProcessEnv = {}, summaries = ['gate.md', 'summary.md']) =>
  bench(['ci', 'comment', ...summaries.flatMap((s) => ['--summary', join(dir, s)])], { env: { ...env, ...extra } });

const others = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ id: from + i, body: `a human comment ${from + i}`, html_url: '' }));

describe('bench ci comment', () => {
  test('the first run posts a comment with the marker and the summary; the second edits it', async () => {
    const first = await comment();
    expect(first.code, first.stderr).toBe(0);
    expect(gh.comments).toHaveLength(1);
    const [posted] = gh.comments;
    expect(posted!.body.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(posted!.body).toContain('## bench gate: ✅ passed');
    expect(posted!.body).toContain('| metric | broad |');
    expect(posted!.body).toContain('(https://github.example/acme/widgets/actions/runs/777)');
    expect(first.stdout).toMatch(new RegExp(`created comment ${posted!.id} on acme/widgets#42`));
    expect(gh.requests.map((r) => r.method)).toEqual(['GET', 'POST']);

    writeFileSync(join(dir, 'gate.md'), '## bench gate: ❌ failed\n');
    const second = await comment();
    expect(second.code, second.stderr).toBe(0);
    expect(gh.comments).toHaveLength(1); // edited, not a second comment
    expect(gh.comments[0]!.id).toBe(posted!.id);
    expect(gh.comments[0]!.body).toContain('## bench gate: ❌ failed');
    expect(gh.comments[0]!.body).not.toContain('✅ passed');
    expect(gh.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)).toEqual([
      `GET /repos/${REPO}/issues/${PR}/comments`,
      `POST /repos/${REPO}/issues/${PR}/comments`,
      `GET /repos/${REPO}/issues/${PR}/comments`,
      `PATCH /repos/${REPO}/issues/comments/${posted!.id}`,
    ]);
    expect(second.stdout).toMatch(/updated comment/);
  });

  test('finds its comment on a later page of comments (Link rel="next"), and edits that one', async () => {
    // 3 per page: ours is on page 2 of 3; a human comment that only quotes the marker is not ours.
    gh.comments.push(...others(4), { id: 50, body: `${COMMENT_MARKER}\nold verdict`, html_url: '' }, ...others(2, 5));
    gh.comments.push({ id: 60, body: `> ${COMMENT_MARKER}\n> quoting the bot`, html_url: '' });
    const r = await comment();
    expect(r.code, r.stderr).toBe(0);
    const gets = gh.requests.filter((q) => q.method === 'GET').map((q) => q.path);
    expect(gets).toEqual([
      `/repos/${REPO}/issues/${PR}/comments?per_page=100`,
      `/repos/${REPO}/issues/${PR}/comments?per_page=3&page=2`,
      `/repos/${REPO}/issues/${PR}/comments?per_page=3&page=3`,
    ]);
    expect(gh.requests.filter((q) => q.method === 'POST')).toEqual([]);
    expect(gh.requests.at(-1)).toMatchObject({ method: 'PATCH', path: `/repos/${REPO}/issues/comments/50` });
    expect(gh.comments.find((c) => c.id === 50)!.body).toContain('## bench gate: ✅ passed');
    expect(gh.comments.find((c) => c.id === 60)!.body).toContain('quoting the bot');
    expect(gh.comments).toHaveLength(8);
  });

  test('with no comment of its own among several pages, it posts one after reading them all', async () => {
    gh.comments.push(...others(7));
    const r = await comment();
    expect(r.code, r.stderr).toBe(0);
    expect(gh.requests.map((q) => q.method)).toEqual(['GET', 'GET', 'GET', 'POST']);
    expect(gh.comments).toHaveLength(8);
  });

  test('the token is sent as the Authorization header and printed nowhere, even when the API refuses', async () => {
    const ok = await comment();
    expect(ok.code).toBe(0);
    for (const q of gh.requests) expect(q.authorization).toBe(`Bearer ${TOKEN}`);
    for (const q of gh.requests) expect(q.path + q.body).not.toContain(TOKEN);
    gh.failWith = 403;
    const refused = await comment();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /error: could not comment on acme\/widgets#42: GitHub API GET \/repos\/acme\/widgets\/issues\/42\/comments: 403 .*pull-requests: write/,
    );
    for (const out of [ok.stdout, ok.stderr, refused.stdout, refused.stderr]) expect(out).not.toContain(TOKEN);
  });

  test('an unreachable API is an error in one line, without the token', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const r = await comment({ GITHUB_API_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: could not comment on acme\/widgets#42: fetch failed: .*ECONNREFUSED/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
    expect(r.stderr).not.toMatch(/internal error|at .*\.ts:\d+/);
  });

  test('not on a pull request event: exit 2, saying so, and nothing sent', async () => {
    writeFileSync(join(dir, 'push.json'), JSON.stringify({ ref: 'refs/heads/main', head_commit: { id: 'abc' } }));
    const r = await comment({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: join(dir, 'push.json') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a pull request event \(push\): the event has no pull_request\.number/);
    expect(r.stderr).toMatch(/fix: comment only on pull_request/);
    const none = await comment({ GITHUB_EVENT_PATH: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/GITHUB_EVENT_PATH: not set/);
    expect(gh.requests).toEqual([]);
  });

  test('no token: exit 2, saying which variable, and nothing sent', async () => {
    const r = await comment({ GITHUB_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GITHUB_TOKEN: not set: no GitHub token/);
    const unset = await bench(['ci', 'comment', '--summary', join(dir, 'gate.md'), '--token-env', 'MY_TOKEN'], { env });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/MY_TOKEN: not set/);
    expect(gh.requests).toEqual([]);
    // --token-env names where the token is: it is used, and printed nowhere either.
    const named = await bench(['ci', 'comment', '--summary', join(dir, 'gate.md'), '--token-env', 'MY_TOKEN'], {
      env: { ...env, GITHUB_TOKEN: '', MY_TOKEN: 'other-secret-value' },
    });
    expect(named.code, named.stderr).toBe(0);
    expect(gh.requests.map((q) => q.authorization)).toEqual(['Bearer other-secret-value', 'Bearer other-secret-value']);
    expect(named.stdout + named.stderr).not.toContain('other-secret-value');
  });

  test('a missing summary file is bad input', async () => {
    const r = await comment({}, ['nope.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--summary: no such file: .*nope\.md/);
  });
});

describe('commentBody', () => {
  test('starts with the marker and stays under GitHub\u2019s 65,536-character limit', () => {
    const long = commentBody('x'.repeat(200_000), 'footer');
    expect(long.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(long.length).toBeLessThan(65_536);
    expect(long).toMatch(/cut: the summary is longer than a comment may be/);
    expect(long.trimEnd().endsWith('footer')).toBe(true);
    expect(commentBody('short\n\n')).toBe(`${COMMENT_MARKER}\nshort\n`);
  });
});
