// Mining that a person can stop and start: the suite file is there after each task, a second run resumes
// instead of re-mining, a task file a person edited is never overwritten, Ctrl-C leaves no scratch folder;
// repository keys that are stable and unique; --until.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { InputError } from '../../src/errors.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { mine, repoRef } from '../../src/suite/mine.ts';
import { bench } from '../helpers/cli.ts';
import { CALC_GOLD_FILES, calcFixture, commit, git, tmp } from '../helpers/fixtures.ts';

const sandbox = detectSandbox('auto') as SandboxBackend;
const cacheDir = process.env.BENCH_CACHE_DIR!;

const TEST2 = `${CALC_GOLD_FILES['test/math.test.js']!}describe('sub', () => {\n  test('subtracts', () => assert.equal(m.sub(5, 3), 2));\n});\n`;
const SUB = `${CALC_GOLD_FILES['src/math.js']!}\nexport function sub(a, b) {\n  return a - b;\n}\n`;

/** calc with two qualifying changes: "Fix clamp" (the fixture's), then "Add sub". */
function twoTasks(extra: Record<string, string> = {}) {
  const f = calcFixture({}, extra);
  const sub = commit(f.repo, 'Add sub', { 'src/math.js': SUB, 'test/math.test.js': TEST2 });
  return { ...f, sub };
}

const taskFiles = (out: string) => (existsSync(join(out, 'tasks')) ? readdirSync(join(out, 'tasks')).sort() : []);

describe('mining resumes and never overwrites', () => {
  test('a second run resumes: commits already in the suite are not mined again, and count towards the limit', async () => {
    const f = twoTasks();
    const out = join(tmp(), 'suite');
    const first = await mine({ repo: f.repo, out, limit: 1, cacheDir, sandbox, jobs: 1 });
    expect(first.tasks.map((t) => t.commit)).toEqual([f.sub]);
    expect(loadSuite(out).tasks).toHaveLength(1);
    const firstFile = readFileSync(first.tasks[0]!.file, 'utf8');

    const second = await mine({ repo: f.repo, out, limit: 2, cacheDir, sandbox, jobs: 1 });
    expect(second.resumed).toBe(1);
    expect(second.tasks.map((t) => t.commit)).toEqual([f.gold]);
    expect(readFileSync(first.tasks[0]!.file, 'utf8')).toBe(firstFile);
    expect(
      loadSuite(out)
        .tasks.map((t) => t.id)
        .sort(),
    ).toEqual(taskFiles(out).map((n) => n.replace(/\.yaml$/, '')));

    // Everything is mined: a third run examines nothing.
    const third = await mine({ repo: f.repo, out, limit: 5, cacheDir, sandbox, jobs: 1 });
    expect(third.resumed).toBe(2);
    expect(third.stats.examined).toBe(0);
  });

  test('importing a commit again refreshes an unedited task file and refuses to overwrite an edited one', async () => {
    const f = twoTasks();
    const out = join(tmp(), 'suite');
    const [task] = (await mine({ repo: f.repo, out, limit: 1, cacheDir, sandbox, commit: f.sub })).tasks;
    const again = await mine({ repo: f.repo, out, limit: 1, cacheDir, sandbox, commit: f.sub });
    expect(again.tasks.map((t) => t.file)).toEqual([task!.file]);

    const edited = readFileSync(task!.file, 'utf8').replace(/^request: [\s\S]*?^hidden_tests:/m, 'request: |\n  Add a sub(a, b) export.\nhidden_tests:');
    expect(edited).toContain('Add a sub(a, b) export.');
    writeFileSync(task!.file, edited);
    const refused = await mine({ repo: f.repo, out, limit: 1, cacheDir, sandbox, commit: f.sub });
    expect(refused.tasks).toEqual([]);
    expect(refused.rejected[0]!.reason).toMatch(/was edited since it was mined: kept/);
    expect(readFileSync(task!.file, 'utf8')).toBe(edited);
  });

  test('Ctrl-C while a later commit is under way: the tasks mined so far form a valid suite, and no scratch folder is left', async () => {
    // The older change's test file hangs (its tests never finish); the newer one qualifies at once.
    const f = calcFixture();
    const hang = `${CALC_GOLD_FILES['test/math.test.js']!}describe('slow', () => {\n  test('waits', () => new Promise((r) => setTimeout(r, 120_000)));\n});\n`;
    commit(f.repo, 'Add sub, slowly', { 'src/math.js': SUB, 'test/math.test.js': hang });
    const fast = commit(f.repo, 'Add mul', {
      'src/math.js': `${SUB}\nexport function mul(a, b) {\n  return a * b;\n}\n`,
      'test/math.test.js': `${TEST2}describe('mul', () => {\n  test('multiplies', () => assert.equal(m.mul(2, 3), 6));\n});\n`,
    });
    const out = join(tmp(), 'suite');
    let pid = 0;
    const res = await bench(['suite', 'mine', '--repo', f.repo, '--out', out, '--limit', '5', '--jobs', '1'], {
      env: { BENCH_CACHE_DIR: tmp(), CI: '' },
      onSpawn: (p) => {
        pid = p.pid!;
        const poll = setInterval(() => {
          // The newer task is written and the older commit's tests have started: stop now.
          if (taskFiles(out).some((n) => n.endsWith(`${fast.slice(0, 7)}.yaml`))) {
            clearInterval(poll);
            setTimeout(() => p.kill('SIGINT'), 1500);
          }
        }, 100);
      },
    });
    expect(res.code, res.stderr).toBe(130);
    expect(res.stderr).toMatch(/interrupted \(SIGINT\): 1 task\(s\) written/);
    expect(existsSync(join(tmpdir(), `bench-mine-${pid}`))).toBe(false);
    const suite = loadSuite(out);
    expect(suite.tasks.map((t) => (t.kind === 'pr' ? t.gold.to : ''))).toEqual([fast]);
  });
});

describe('repository keys', () => {
  test('derived from the work tree or the origin remote, never "", "." or a bare mirror\'s "repo"', () => {
    const f = calcFixture();
    expect(repoRef(`${f.repo}/.`).name).toBe('calc');
    expect(repoRef(join(f.repo, '.git')).name).toBe('calc');
    const mirror = join(tmp(), 'repo');
    execFileSync('git', ['clone', '-q', '--mirror', f.repo, mirror]);
    expect(repoRef(mirror).name).toBe('calc');
    expect(repoRef('https://example.org/acme/ufo.git').name).toBe('ufo');
    expect(repoRef(f.repo, '--repo', 'mine').name).toBe('mine');
    expect(() => repoRef(f.repo, '--repo', '../x')).toThrow(InputError);
  });

  test('two repositories with the same folder name in one suite: a clear error, then distinct keys with --name', async () => {
    const a = twoTasks();
    const b = twoTasks({ 'NOTES.md': 'a fork\n' });
    const out = join(tmp(), 'suite');
    await mine({ repo: a.repo, out, limit: 1, cacheDir, sandbox });
    const clash = await mine({ repo: b.repo, out, limit: 1, cacheDir, sandbox }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(clash).toBeInstanceOf(InputError);
    expect((clash as InputError).format()).toMatch(/--name/);
    await mine({ repo: b.repo, out, limit: 1, cacheDir, sandbox, name: 'calc-b' });
    const suite = loadSuite(out);
    expect(suite.tasks.map((t) => [t.repo.name, t.repo.location]).sort()).toEqual([
      ['calc', a.repo],
      ['calc-b', b.repo],
    ]);
  });

  test('--until mines the history of another revision', async () => {
    const f = twoTasks();
    const out = join(tmp(), 'suite');
    const res = await mine({ repo: f.repo, out, limit: 5, cacheDir, sandbox, until: 'HEAD~1' });
    expect(res.tasks.map((t) => t.commit)).toEqual([f.gold]);
    await expect(mine({ repo: f.repo, out: join(tmp(), 'x'), limit: 5, cacheDir, sandbox, until: 'no-such-rev' })).rejects.toThrow(/--until|not found/);
  });
});

describe('eras: setup and test commands per range of history', () => {
  const runner = (dir: string) => `node --test --test-reporter=junit --test-reporter-destination="$BENCH_TEST_REPORT" '${dir}/**/*.js'`;

  /** calc, whose tests moved from test/ to spec/ after v1 (the runner's command changed with them). */
  function moved() {
    const f = calcFixture();
    git(f.repo, 'tag', 'v1', f.gold);
    git(f.repo, 'mv', 'test', 'spec');
    git(f.repo, 'commit', '-q', '-m', 'Move tests to spec/');
    const sub = commit(f.repo, 'Add sub', { 'src/math.js': SUB, 'spec/math.test.js': TEST2 });
    return { ...f, sub };
  }

  test("each commit is mined with its era's test command; without eras the older one cannot be", async () => {
    const f = moved();
    const plain = await mine({ repo: f.repo, out: join(tmp(), 'suite'), limit: 5, cacheDir, sandbox, testCommand: runner('spec') });
    expect(plain.tasks.map((t) => t.commit)).toEqual([f.sub]);

    const eras = join(tmp(), 'eras.yaml');
    writeFileSync(eras, `eras:\n  - until: v1\n    test_command: ${JSON.stringify(runner('test'))}\n`);
    const out = join(tmp(), 'suite');
    const res = await mine({ repo: f.repo, out, limit: 5, cacheDir, sandbox, testCommand: runner('spec'), eras });
    expect(res.tasks.map((t) => t.commit)).toEqual([f.sub, f.gold]);
    const suite = loadSuite(out);
    const byGold = new Map(suite.tasks.map((t) => [t.kind === 'pr' ? t.gold.to : '', t]));
    expect((byGold.get(f.gold) as { test: { command: string } }).test.command).toBe(runner('test'));
    expect((byGold.get(f.sub) as { test: { command: string } }).test.command).toBe(runner('spec'));
  });

  test('a bad eras file: exit 2 naming the file, the field and the fix', async () => {
    const f = moved();
    const eras = join(tmp(), 'eras.yaml');
    writeFileSync(eras, `eras:\n  - until: v9\n    setup: npm ci\n`);
    const res = await bench(['suite', 'mine', '--repo', f.repo, '--out', join(tmp(), 'suite'), '--eras', eras], { env: { BENCH_CACHE_DIR: tmp() } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${eras}: eras.0.until: revision "v9" not found in the repository\n  fix: give a commit, tag or branch`);
    writeFileSync(eras, `eras:\n  - setup: npm ci\n`);
    const noRange = await bench(['suite', 'mine', '--repo', f.repo, '--out', join(tmp(), 'suite'), '--eras', eras], { env: { BENCH_CACHE_DIR: tmp() } });
    expect(noRange.code).toBe(2);
    expect(noRange.stderr).toMatch(/an era needs a range/);
  });
});
