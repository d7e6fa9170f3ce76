// What mining hands a person to review, on repositories made here: requests that do not leak the gold
// commit (its provenance kept where the agent never looks, unedited requests flagged by validate and the
// report), a run that mines nothing saying why and exiting 1, the test command's own output when it writes
// no report, and fail-to-pass tests found wherever the run reports them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { buildReportData, loadRun } from '../../src/report/data.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { agentPrompt } from '../../src/replay/trial.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { mine } from '../../src/suite/mine.ts';
import { mineDocs } from '../../src/suite/mineDocs.ts';
import { validateSuite } from '../../src/suite/validate.ts';
import { bench } from '../helpers/cli.ts';
import { CALC_BASE_FILES, CALC_GOLD_FILES, calcFixture, commit, git, tmp } from '../helpers/fixtures.ts';
import { runReplay } from '../helpers/replay.ts';

const sandbox = detectSandbox('auto') as SandboxBackend;
const cacheDir = process.env.BENCH_CACHE_DIR!;

/** Every commit id of a repository, and its 7-character short form. */
const shasOf = (repo: string) =>
  git(repo, 'rev-list', '--all')
    .split('\n')
    .flatMap((s) => [s, s.slice(0, 7)]);

describe('a mined request does not leak the gold commit', () => {
  test('pr: no commit id nor note in the request or the prompt; provenance in `source`; validate and the report flag it until edited', async () => {
    const f = calcFixture();
    // A cherry-picked fix names the commit it came from: that is the answer's id too.
    git(f.repo, 'reset', '-q', '--hard', 'HEAD~1');
    const gold = commit(f.repo, `Fix clamp\n\nThe bounds were swapped.\n\n(cherry picked from commit ${f.base})`, CALC_GOLD_FILES);
    const out = join(tmp(), 'mined');
    const res = await mine({ repo: f.repo, out, limit: 5, cacheDir, sandbox });
    expect(res.tasks.map((t) => t.commit)).toEqual([gold]);
    const suite = loadSuite(out);
    const task = suite.tasks[0]!;
    expect(task.request).toBe('Fix clamp\n\nThe bounds were swapped.\n');
    const prompt = agentPrompt(task);
    for (const sha of shasOf(f.repo)) {
      expect(task.request).not.toContain(sha);
      expect(prompt).not.toContain(sha);
    }
    expect(prompt).not.toMatch(/rewrite|mined/i);
    expect(task.source).toMatchObject({ commit: gold, request: 'commit' });
    expect(task.source!.mined_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The note for the person is a comment of the task file.
    const text = readFileSync(join(out, 'tasks', `${task.id}.yaml`), 'utf8');
    expect(text).toMatch(/^# request: the commit message of [0-9a-f]{12}: rewrite it as the issue a developer would have filed/m);

    // validate: valid (exit 0), with a warning.
    const v = await validateSuite(suite, { cacheDir, sandbox, runs: 1 });
    expect(v.map((x) => [x.valid, x.warnings])).toEqual([[true, [expect.stringMatching(/request is the commit message as mining wrote it/)]]]);
    const cli = await bench(['suite', 'validate', out]);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toMatch(/warning: the request is the commit message as mining wrote it/);
    expect(cli.stdout).toMatch(/1\/1 tasks valid in suite mined; 1 task has an unedited mined request/);

    // The report of a run on it says so.
    const run = await runReplay(out);
    expect(run.runDir.readManifest().suite.unedited_requests).toEqual([task.id]);
    const md = renderMarkdown(buildReportData([loadRun(run.runDir.dir)], { maxDetails: 0, maxEvents: 0, maxPatchBytes: 0 }));
    expect(md).toContain(`1 task has an unedited mined request (${task.id})`);
    const html = join(tmp(), 'report.html');
    expect((await bench(['report', run.runDir.dir, '-o', html])).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain(`<b>Unedited requests</b> in test-run: 1 task has an unedited mined request (${task.id})`);

    // Edited: no warning.
    const file = join(out, 'tasks', `${task.id}.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('The bounds were swapped.', 'clamp(5, 0, 10) returns 10; it should return 5.'));
    const edited = await validateSuite(loadSuite(out), { cacheDir, sandbox, runs: 1 });
    expect(edited.map((x) => [x.valid, x.warnings])).toEqual([[true, []]]);
  });

  test('docs: the request holds no commit id nor note; provenance in `source`', async () => {
    const repo = join(tmp(), 'notes');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    commit(repo, 'Initial notes', { 'README.md': '# notes\n\nA small notes tool.\n' });
    const gold = commit(repo, 'docs: document configuration', { 'README.md': '# notes\n\nA small notes tool.\n\n## Configuration\n\nPass `--config-file`.\n' });
    const out = join(tmp(), 'mined-docs');
    const res = await mineDocs({ repo, out, limit: 5, cacheDir, sandbox });
    expect(res.tasks.map((t) => t.commit)).toEqual([gold]);
    const task = loadSuite(out).tasks[0]!;
    expect(task.request).toBe('docs: document configuration\n');
    for (const sha of shasOf(repo)) expect(agentPrompt(task)).not.toContain(sha);
    expect(task.source).toMatchObject({ commit: gold, request: 'commit' });
    expect(readFileSync(join(out, 'tasks', `${task.id}.yaml`), 'utf8')).toMatch(/^# request: the commit message of [0-9a-f]{12}: rewrite it/m);
  });
});

describe('a mine run that mines nothing', () => {
  test('exits 1 with a summary of skip reasons, their counts and the likely fix, the test output tail, and no command that cannot work', async () => {
    const f = calcFixture();
    commit(f.repo, 'Docs only', { 'README.md': '# calc\n\nMore words.\n' });
    const out = join(tmp(), 'mined');
    // What `npx vitest` does in the no-network sandbox: it tries the registry, fails, and writes no report.
    const res = await bench(
      [
        'suite',
        'mine',
        '--repo',
        f.repo,
        '--out',
        out,
        '--setup',
        'none',
        '--test-command',
        'echo "npm error network request to registry.npmjs.org failed" >&2; exit 1',
      ],
      { env: { CI: '' } },
    );
    expect(res.code).toBe(1);
    // The output of the test command, in the skip reason.
    expect(res.stderr).toMatch(
      /Fix clamp: skip: the tests produce no results after the change \(.*\); the test command exited 1, its output ended: npm error network request to registry\.npmjs\.org failed/,
    );
    expect(res.stderr).toMatch(/^No task mined: 2 commit\(s\) skipped:\n {2}1 the test command produced no results\n {2}1 changes no test files\n/m);
    expect(res.stderr).toMatch(/^Most likely fix: .*--test-command/m);
    expect(res.stdout).not.toMatch(/bench suite validate/);
    expect(res.stdout + res.stderr).not.toMatch(/README/);
  });
});

describe('a docs mine run that mines nothing', () => {
  test('exits 1 with the reasons counted and no command that cannot work', async () => {
    const f = calcFixture();
    const res = await bench(['suite', 'mine', '--kind', 'docs', '--repo', f.repo, '--out', join(tmp(), 'mined')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^No task mined: 1 commit\(s\) skipped:\n {2}1 changes files other than documentation\nMost likely fix: /m);
    expect(res.stdout).not.toMatch(/bench suite validate/);
  });
});

describe('bench init on a history without a pr task', () => {
  test('says why with the reasons counted and the likely fix, not the reason of the first commit', async () => {
    const repo = join(tmp(), 'calc');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    commit(repo, 'Initial calc', CALC_BASE_FILES);
    commit(repo, 'Tidy add', { 'src/math.js': CALC_BASE_FILES['src/math.js']!.replace('return a + b;', 'return b + a;') });
    const res = await bench(['init', repo, '--limit', '1']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /^ {2}no pr task: 1 commit\(s\) examined, none qualified: 1 changes no test files\n {2}most likely fix: no commit changes both source and test files/m,
    );
  });
});

describe('fail-to-pass tests are found in every test the run reports', () => {
  test('a commit changing test data read by an unchanged spec makes a task', async () => {
    const spec = [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "import { readFileSync } from 'node:fs';",
      "import { clamp } from '../src/math.js';",
      "const cases = JSON.parse(readFileSync(new URL('./data/clamp.json', import.meta.url), 'utf8'));",
      'for (const [x, lo, hi, want] of cases) test(`clamp(${x}, ${lo}, ${hi})`, () => assert.equal(clamp(x, lo, hi), want));',
      '',
    ].join('\n');
    const f = calcFixture({}, { 'test/clamp.test.js': spec, 'test/data/clamp.json': '[[10, 0, 10, 10]]\n' });
    git(f.repo, 'reset', '-q', '--hard', 'HEAD~1');
    const gold = commit(f.repo, 'Fix clamp', { 'src/math.js': CALC_GOLD_FILES['src/math.js']!, 'test/data/clamp.json': '[[10, 0, 10, 10], [5, 0, 10, 5]]\n' });
    expect(readFileSync(join(f.repo, 'test/math.test.js'), 'utf8')).toBe(CALC_BASE_FILES['test/math.test.js']);
    const out = join(tmp(), 'mined');
    const res = await mine({ repo: f.repo, out, limit: 5, cacheDir, sandbox });
    expect(res.rejected).toEqual([]);
    expect(res.tasks.map((t) => t.commit)).toEqual([gold]);
    const task = loadSuite(out).tasks[0]!;
    expect(task.kind === 'pr' && task.fail_to_pass).toEqual(['test/clamp.test.js > clamp(5, 0, 10)']);
    expect(task.kind === 'pr' && task.hidden_tests).toEqual(['test/data/clamp.json']);
    expect((await validateSuite(loadSuite(out), { cacheDir, sandbox, runs: 1 })).map((v) => v.problems)).toEqual([[]]);
  });
});
