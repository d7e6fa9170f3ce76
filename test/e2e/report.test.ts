// The HTML report in a real headless Chromium: it loads offline with no console errors and no network
// request, charts render, drill-down opens, and untrusted text shows as text.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { RunDir } from '../../src/record/runDir.ts';
import type { RunManifest } from '../../src/record/schema.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { bench } from '../helpers/cli.ts';
import { calcFixture, tmp } from '../helpers/fixtures.ts';
import { sampleRecord } from '../helpers/records.ts';
import { runReplay } from '../helpers/replay.ts';
import { SHIPPED } from '../helpers/workflows.ts';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = '<script>alert("pwned")</script><img src=x onerror="alert(2)"> | `tick` **bold**';
let browser: Browser;
let report = '';
let compareReport = '';
let md = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error('these tests need Debian chromium: apt-get install chromium');
  const f = calcFixture();
  const file = join(f.suite, 'tasks', 'fix-clamp.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('title: clamp returns the wrong value', `title: ${JSON.stringify(HOSTILE)}`));
  const out = tmp('bench-results-');
  const workflows = [loadWorkflowDir(join(SHIPPED, 'broad')), loadWorkflowDir(join(SHIPPED, 'roles'))];
  const before = await runReplay(f.suite, { workflows, outDir: out, runId: 'before', repeat: 2 });
  const after = await runReplay(f.suite, { workflows, outDir: out, runId: 'after', repeat: 2, seed: 9 });
  report = join(tmp('bench-report-'), 'index.html');
  expect((await bench(['report', after.runDir.dir, '-o', report])).code).toBe(0);
  compareReport = join(tmp('bench-report-'), 'compare.html');
  expect((await bench(['report', after.runDir.dir, '--compare', before.runDir.dir, '-o', compareReport])).code).toBe(0);
  md = (await bench(['report', after.runDir.dir, '--format', 'md'])).stdout;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(() => browser?.close());

async function open(file: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`file://${file}`);
  return { page, problems, requests, dialogs };
}

describe('HTML report in headless Chromium', () => {
  test('loads with no console errors and no network request; charts have marks', async () => {
    const { page, problems, requests } = await open(report);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    const charts = await page.$$eval('figure svg', (svgs) => svgs.map((s) => s.querySelectorAll('path, rect, line, circle').length));
    expect(charts.length).toBeGreaterThanOrEqual(5);
    for (const marks of charts) expect(marks).toBeGreaterThan(3);
    await expect(page.textContent('.banner.sim')).resolves.toMatch(/Simulated model/);
    await expect(page.textContent('table.headline')).resolves.toMatch(/resolved[\s\S]*broad[\s\S]*roles/);
    await expect(page.textContent('#run')).resolves.toMatch(/sandbox\s*bwrap/);
    await expect(page.textContent('#view-hint')).resolves.toMatch(/bench view results\//);
  });

  test('drill-down opens a trial: timeline and patch; the hostile task title stays text', async () => {
    const { page, problems, dialogs } = await open(report);
    await page.click('#grid .o');
    await page.waitForSelector('#detail:not([hidden])');
    const rows = await page.$$eval('#detail tbody tr', (trs) => trs.length);
    expect(rows).toBeGreaterThan(5);
    await expect(page.textContent('#detail pre')).resolves.toMatch(/diff --git|no change/);
    const detail = (await page.textContent('#detail'))!;
    expect(detail).toContain('<script>alert("pwned")</script>');
    expect(await page.$$eval('#detail script, #detail img', (n) => n.length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    const dir = process.env.BENCH_TEST_OUTPUT ?? join(tmpdir(), 'bench-test-output');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    await page.locator('#detail').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(dir, 'report-drilldown.png') });
    console.log(`report screenshots: ${join(dir, 'report.png')}, ${join(dir, 'report-drilldown.png')}`);
  });

  test('--compare puts two runs side by side, each workflow against itself', async () => {
    const { page, problems } = await open(compareReport);
    expect(problems).toEqual([]);
    const head = (await page.textContent('table.headline thead'))!;
    for (const label of ['before: broad', 'before: roles', 'after: broad', 'after: roles']) expect(head).toContain(label);
    await expect(page.textContent('ul.findings')).resolves.toMatch(/after: broad vs before: broad[\s\S]*after: roles vs before: roles/);
  });
});

/** A run of three hand-made trials of one task: resolved, accepted but not resolved, resolved but accepted with an out-of-scope write. */
function escapedRun(): string {
  const run = new RunDir(join(tmp('bench-results-'), 'escaped'));
  const manifest: z.input<typeof RunManifest> = {
    schema: 1,
    run_id: 'escaped',
    created_at: '2026-01-01T00:00:00.000Z',
    harness: { version: '0.1.0', git_sha: null },
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    sandbox: { backend: 'bwrap', detail: 'test' },
    suite: { name: 'suite', dir: '.', digest: 'sha256:0', tasks: 1 },
    workflows: [{ name: 'broad', source: 'broad', digest: 'sha256:0' }],
    engine: 'sdk',
    model: { backend: 'sim', name: 'sim', base_url: null, api: null, simulated: true, sim_profile: null },
    prices: {},
    seed: 0,
    repeat: 3,
    concurrency: 1,
    filters: { limit: null, tasks: [] },
    shard: null,
    trials_planned: 3,
    command: ['test'],
  };
  run.writeManifest(manifest);
  const base = sampleRecord();
  const trial = (repeat: number, resolved: boolean, escaped: boolean, outOfScope: string[]) =>
    sampleRecord({
      trial_id: `task__broad__r${repeat}`,
      repeat,
      output: { ...base.output, out_of_scope: outOfScope },
      quality: { ...base.quality, resolved, accepted: true, escaped_defect: escaped },
    });
  run.append(trial(0, true, false, []));
  run.append(trial(1, false, true, []));
  run.append(trial(2, true, true, ['package-lock.json']));
  return run.dir;
}

describe('the task grid marks', () => {
  test('"!" is accepted but not resolved, as the legend says; a resolved trial accepted with out-of-scope writes has its own mark', async () => {
    const file = join(escapedRun(), 'report.html');
    expect((await bench(['report', dirname(file), '-o', file])).code).toBe(0);
    const { page, problems } = await open(file);
    expect(problems).toEqual([]);
    const marks = await page.$$eval('#grid .o', (spans) => spans.map((s) => [s.getAttribute('title'), s.textContent]));
    expect(marks).toEqual([
      ['task__broad__r0', '✓'],
      ['task__broad__r1', '!'],
      ['task__broad__r2', '✓!'],
    ]);
    const legend = (await page.textContent('#tasks .legend'))!;
    expect(legend).toMatch(/! accepted but not resolved \(escaped\)/);
    expect(legend).toMatch(/✓! resolved, but accepted with out-of-scope writes/);
  });
});

describe('markdown summary', () => {
  test('headline table and findings; the simulated model is said', () => {
    expect(md).toMatch(/^## bench: calc after/m);
    expect(md).toMatch(/Simulated model/);
    expect(md).toMatch(/\| resolved ↑ \| .* \| .* \|/);
    expect(md).toMatch(/### Findings/);
  });
});

test('report files stay bounded', () => {
  expect(statSync(report).size).toBeLessThan(2_000_000);
});
