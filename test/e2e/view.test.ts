// `bench view` as a user runs it: two real runs made with the CLI on the simulated model (a skilled one and
// one that never gets the fix right, so the task flips), then the real server on 127.0.0.1 in headless
// Chromium: run list, compare page with the flipped task and both timelines, grid filter and sort, a tool
// call's input and output, diff2html's table for a patch; no request leaves 127.0.0.1; a path that climbs
// out of the results folder, or a link in a run folder pointing outside it, is not served.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BENCH, bench } from '../helpers/cli.ts';
import { calcFixture, tmp } from '../helpers/fixtures.ts';
import { SHIPPED } from '../helpers/workflows.ts';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = '<script>alert("pwned")</script><img src=x onerror="alert(2)">';
// Screenshots of the run list and the compare page; BENCH_DOCS_IMG=docs/img writes the ones the docs show.
const IMG = process.env.BENCH_DOCS_IMG ?? process.env.BENCH_TEST_OUTPUT ?? join(tmpdir(), 'bench-test-output');
let browser: Browser;
let server: ChildProcess;
let url = '';
let results = '';

function startView(args: string[], cwd?: string): Promise<{ child: ChildProcess; url: string; stderr: () => string; code: Promise<number | null> }> {
  const child = spawn(process.execPath, [BENCH, 'view', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const code = new Promise<number | null>((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => (err += c));
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const m = /bench view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ child, url: m[1]!, stderr: () => err, code });
    });
    void code.then((c) => reject(new Error(`bench view exited ${c}: ${err}`)));
  });
}

/** A raw GET with the path exactly as written (no client-side normalising of `..`). */
function rawGet(path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(u.port), path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error('these tests need Debian chromium: apt-get install chromium');
  const f = calcFixture();
  results = join(tmp('bench-view-'), 'results');
  const profiles = tmp('bench-view-profiles-');
  // Both without simulated waiting; "bad" never gets a hunk right and never finds its mistake.
  writeFileSync(join(profiles, 'good.yaml'), 'skill: 1\nfix_rate: 1\noverreach: {scope: 0, network: 0, test_tampering: 0}\nlatency: {time_scale: 0}\n');
  writeFileSync(join(profiles, 'bad.yaml'), 'skill: 0\nfix_rate: 0\noverreach: {scope: 0, network: 0, test_tampering: 0}\nlatency: {time_scale: 0}\n');
  const common = [f.suite, '--workflow', 'broad', '--workflow', join(SHIPPED, 'roles'), '--out', results, '--repeat', '2', '--concurrency', '2'];
  // Replayed where the view is started (a project folder with results/ in it): run.json names the suite from there.
  const where = { cwd: join(results, '..') };
  const before = await bench(['replay', ...common, '--run-id', 'before', '--sim-profile', join(profiles, 'good.yaml')], where);
  expect(before.code, before.stderr).toBe(0);
  const after = await bench(['replay', ...common, '--run-id', 'after', '--sim-profile', join(profiles, 'bad.yaml')], where);
  expect(after.code, after.stderr).toBe(0);
  // A command the agent ran that is hostile HTML, with a long output: shown as text, clipped, the rest on demand.
  const events = join(results, 'before', 'trials', 'fix-clamp__broad__r1', 'events.jsonl');
  appendFileSync(
    events,
    [
      { t: 99_000, type: 'tool_call', role: 'broad', tool: 'exec_command', call_id: 'hostile', input: JSON.stringify({ cmd: HOSTILE }), command: HOSTILE },
      {
        t: 99_001,
        type: 'tool_result',
        role: 'broad',
        tool: 'exec_command',
        call_id: 'hostile',
        ok: true,
        exit_code: 0,
        output: `${HOSTILE}\n${'y'.repeat(9000)}END`,
      },
    ]
      .map((e) => `${JSON.stringify(e)}\n`)
      .join(''),
  );
  // A link the view must never follow, and a file beside the runs it must never serve.
  const outside = tmp('bench-view-outside-');
  writeFileSync(join(outside, 'secret.txt'), 'TOP-SECRET-OUTSIDE');
  symlinkSync(join(outside, 'secret.txt'), join(results, 'after', 'trials', 'leak.txt'));
  mkdirSync(join(results, 'after', 'trials', 'linked'), { recursive: true });
  symlinkSync(join(outside, 'secret.txt'), join(results, 'after', 'trials', 'linked', 'events.jsonl'));
  // A trial's own files replaced by links to it, and a run folder that is a link to a folder outside.
  const linkedTrial = join(results, 'after', 'trials', 'fix-clamp__roles__r1');
  for (const name of ['events.jsonl', 'patch.diff']) {
    rmSync(join(linkedTrial, name), { force: true });
    symlinkSync(join(outside, 'secret.txt'), join(linkedTrial, name));
  }
  writeFileSync(join(outside, 'run.json'), readFileSync(join(results, 'before', 'run.json')));
  symlinkSync(outside, join(results, 'evil'));
  const started = await startView(['results', '--port', '0'], join(results, '..'));
  server = started.child;
  url = started.url;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 400_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGINT');
});

async function open(path: string): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(new URL(path, url).href);
  return { page, problems, requests };
}

const offHost = (requests: string[]) => requests.filter((r) => !r.startsWith(url));

describe('bench view in headless Chromium', () => {
  test('the run list shows both runs, newest first, with their figures', async () => {
    const { page, problems, requests } = await open('/');
    const runs = await page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-run')));
    expect(runs).toEqual(['after', 'before']);
    const text = (await page.textContent('#runs'))!;
    expect(text).toMatch(/calc/);
    expect(text).toMatch(/broad[\s\S]*resolved[\s\S]*cost per task[\s\S]*p95 latency/i);
    expect(text).toContain('finished');
    expect(problems).toEqual([]);
    expect(offHost(requests)).toEqual([]);
    mkdirSync(IMG, { recursive: true });
    await page.screenshot({ path: join(IMG, 'view-runs.png') });
  });

  test('a run report is the static report, served under a strict policy, linking trials to their pages', async () => {
    const { page, problems, requests } = await open('/runs/after/');
    await expect(page.textContent('table.headline')).resolves.toMatch(/resolved[\s\S]*broad[\s\S]*roles/);
    await page.click('#grid .o');
    await page.waitForSelector('#detail:not([hidden])');
    const href = await page.getAttribute('#detail a[href*="/trials/"]', 'href');
    expect(href).toMatch(/^\/runs\/after\/trials\/fix-clamp__/);
    expect(await page.$('#view-hint')).toBeNull();
    expect(problems).toEqual([]);
    expect(offHost(requests)).toEqual([]);
  });

  test('compare lists the flipped task with both outcomes and shows both timelines side by side', async () => {
    const { page, problems, requests } = await open('/compare?a=before&b=after');
    const rows = await page.$$eval('#flips tbody tr', (trs) => trs.map((tr) => tr.textContent));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/fix-clamp[\s\S]*broken[\s\S]*4\/4 resolved[\s\S]*0\/4 resolved/);
    await page.click('#flips a');
    await page.waitForSelector('#pair');
    const sides = await page.$$eval('#pair .side', (ds) =>
      ds.map((d) => ({ head: d.querySelector('h3')!.textContent, rows: d.querySelectorAll('table.tl tbody tr').length })),
    );
    expect(sides.map((s) => s.head)).toEqual(['A: before', 'B: after']);
    for (const s of sides) expect(s.rows).toBeGreaterThan(5);
    await expect(page.textContent('#pair .side:first-child')).resolves.toMatch(/resolved/);
    await expect(page.textContent('#pair .side:last-child')).resolves.toMatch(/unresolved|escaped/);
    expect(problems).toEqual([]);
    expect(offHost(requests)).toEqual([]);
    await page.screenshot({ path: join(IMG, 'view-compare.png') });
    // Two workflows of one run: same task, both resolved in "before": nothing flips.
    const { page: same } = await open('/compare?a=before%2Fbroad&b=before%2Froles');
    await expect(same.textContent('main')).resolves.toMatch(/No task flipped/);
  });

  test('the grid filters rows and sorts by a clicked column', async () => {
    const { page, problems, requests } = await open('/runs/after/tasks');
    const ids = () => page.$$eval('#grid tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-trial')));
    const all = await ids();
    expect(all).toHaveLength(4);
    // The roles workflow has a reviewer; broad does not: filtering by it hides broad's rows (the form submits on change).
    await Promise.all([page.waitForURL(/role=reviewer/), page.selectOption('select[name=role]', 'reviewer')]);
    const reviewed = await ids();
    expect(reviewed.length).toBeGreaterThan(0);
    expect(reviewed.length).toBeLessThan(all.length);
    expect(reviewed.every((id) => id!.includes('__roles__'))).toBe(true);
    await page.goto(new URL('/runs/after/tasks', url).href);
    await page.click('th a[data-sort=repeat]');
    await page.waitForURL(/sort=repeat/);
    const up = await page.$$eval('#grid tbody tr td:nth-child(3)', (tds) => tds.map((td) => Number(td.textContent)));
    expect(up).toEqual([...up].sort((a, b) => a - b));
    await page.click('th a[data-sort=repeat]');
    await page.waitForURL(/desc=1/);
    const down = await page.$$eval('#grid tbody tr td:nth-child(3)', (tds) => tds.map((td) => Number(td.textContent)));
    expect(down).toEqual([...up].sort((a, b) => b - a));
    expect(down).not.toEqual(up);
    await page.screenshot({ path: join(process.env.BENCH_TEST_OUTPUT ?? join(tmpdir(), 'bench-test-output'), 'view-grid.png') });
    expect(problems).toEqual([]);
    expect(offHost(requests)).toEqual([]);
  });

  test("a trial's timeline shows each tool call's input and output; hostile text stays text; show all fetches the rest", async () => {
    const { page, problems } = await open('/runs/before/trials/fix-clamp__broad__r1/');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await expect(page.textContent('table.tl')).resolves.toContain(HOSTILE);
    expect(await page.$$eval('main script, main img', (n) => n.length)).toBe(0);
    const call = page.locator('table.tl tr[data-type=tool_call]').first();
    await expect(call.locator('pre').first().textContent()).resolves.toMatch(/^(command|input)\n\S/);
    // Tools whose output the events file keeps (commands, edits) show it.
    const result = page.locator('table.tl tr[data-type=tool_result]:has(pre)').first();
    await expect(result.locator('pre').first().textContent()).resolves.toMatch(/^output\n/);
    const last = page.locator('table.tl tr[data-type=tool_result]').last();
    await expect(last.locator('pre').textContent()).resolves.not.toContain('END');
    await last.locator('button[data-more]').click();
    await expect.poll(() => last.locator('pre').textContent(), { timeout: 10_000 }).toContain(`${'y'.repeat(9000)}END`);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
  });

  test("a view started in another folder finds a run's suite beside its results folder (the gold patch is read from it)", async () => {
    // Deeper than where the replay ran, so a path taken relative to this folder would miss.
    const cwd = join(tmp('bench-view-cwd-'), 'a', 'b');
    mkdirSync(cwd, { recursive: true });
    const elsewhere = await startView([results, '--port', '0'], cwd);
    try {
      const res = await fetch(`${elsewhere.url}api/runs/before/trials/fix-clamp__broad__r0/patch?which=gold`);
      const body = (await res.json()) as { text: string; note?: string };
      expect(body.text, body.note).toMatch(/src\/math\.js/);
    } finally {
      elsewhere.child.kill();
    }
  });

  test("the diff view renders diff2html's table for the agent's patch and the gold one", async () => {
    const { page, problems, requests } = await open('/runs/before/trials/fix-clamp__broad__r0/diff');
    await page.waitForSelector('#agent-diff table.d2h-diff-table');
    await page.waitForSelector('#gold-diff table.d2h-diff-table');
    await expect(page.textContent('#gold-diff')).resolves.toMatch(/src\/math\.js/);
    await page.selectOption('#diff-format', 'side-by-side');
    await page.waitForSelector('#agent-diff .d2h-file-side-diff');
    const out = process.env.BENCH_TEST_OUTPUT ?? join(tmpdir(), 'bench-test-output');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'view-diff.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(offHost(requests)).toEqual([]);
  });
});

describe('what bench view refuses', () => {
  test('paths out of the results folder and links inside it: 404', async () => {
    for (const path of [
      '/runs/..%2f..%2fetc/passwd',
      '/runs/../../etc/passwd',
      '/runs/%2e%2e/run.json',
      '/runs/after/trials/leak.txt/',
      '/runs/after/trials/linked/',
    ]) {
      const res = await rawGet(path);
      expect([403, 404], path).toContain(res.status);
      expect(res.body).not.toContain('TOP-SECRET-OUTSIDE');
      expect(res.body).not.toContain('root:');
    }
    for (const path of [
      '/api/runs/after/trials/linked/event/0?field=output',
      '/api/runs/after/trials/fix-clamp__roles__r1/event/0?field=input',
      '/runs/evil/',
      '/api/runs/evil/stamp',
    ]) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('TOP-SECRET-OUTSIDE');
    }
    // The run's report embeds no linked file either.
    const report = await rawGet('/runs/after/');
    expect(report.status).toBe(200);
    expect(report.body).not.toContain('TOP-SECRET-OUTSIDE');
    // The trial whose files are links: its page says there is no timeline, its patch is not there.
    const page = await rawGet('/runs/after/trials/fix-clamp__roles__r1/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('No events.jsonl');
    const patch = await rawGet('/api/runs/after/trials/fix-clamp__roles__r1/patch?which=agent');
    expect(JSON.parse(patch.body)).toEqual({ text: '', note: 'No patch.diff for this trial.' });
  });

  test('every response carries the policy; only GET and HEAD; other hosts are refused', async () => {
    const res = await rawGet('/');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['content-security-policy']).toMatch(/connect-src 'self'/);
    // The report's inline style and script are allowed by their hashes, nothing inline besides.
    const report = (await rawGet('/runs/after/')).headers['content-security-policy'] as string;
    expect(report).toMatch(/script-src 'sha256-[^']+'/);
    expect(report).not.toMatch(/unsafe-inline/);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    const u = new URL(url);
    const other = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: Number(u.port), path: '/', headers: { host: `evil.example:${u.port}` } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.end();
    });
    expect(other).toBe(421);
  });

  test('a missing results folder and a port in use: exit 2, saying which', async () => {
    const missing = await bench(['view', join(tmpdir(), 'no-such-results-folder-xyz'), '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no results folder at .*no-such-results-folder-xyz/);
    const busy = await bench(['view', results, '--port', new URL(url).port]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/port \d+ on 127\.0\.0\.1 is in use/);
  });
});

describe('a run still going', () => {
  test('shows as running; its next trial appears without a reload by hand', async () => {
    const live = join(results, 'live');
    mkdirSync(live);
    const manifest = JSON.parse(readFileSync(join(results, 'before', 'run.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(live, 'run.json'), JSON.stringify({ ...manifest, run_id: 'live', created_at: new Date().toISOString() }));
    const lines = readFileSync(join(results, 'before', 'trials.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    writeFileSync(join(live, 'trials.jsonl'), `${lines[0]}\n`);
    const { page, problems } = await open('/');
    await expect(page.textContent('#runs tr[data-run=live]')).resolves.toMatch(/running[\s\S]*1 \/ 4/);
    const grid = await open('/runs/live/tasks');
    expect(await grid.page.$$eval('#grid tbody tr', (trs) => trs.length)).toBe(1);
    appendFileSync(join(live, 'trials.jsonl'), `${lines[1]}\n`);
    // Both pages poll the server and reload when the run's files changed.
    await expect.poll(() => page.textContent('#runs tr[data-run=live]').catch(() => ''), { timeout: 15_000, interval: 500 }).toMatch(/2 \/ 4/);
    await expect.poll(() => grid.page.$$eval('#grid tbody tr', (trs) => trs.length).catch(() => 0), { timeout: 15_000, interval: 500 }).toBe(2);
    expect(problems).toEqual([]);
  });
});
