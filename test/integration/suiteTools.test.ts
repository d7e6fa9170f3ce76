import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { mine } from '../../src/suite/mine.ts';
import { validateSuite } from '../../src/suite/validate.ts';
import { bench } from '../helpers/cli.ts';
import { calcFixture, commit, tmp } from '../helpers/fixtures.ts';

const sandbox = detectSandbox('auto') as SandboxBackend;
const cacheDir = process.env.BENCH_CACHE_DIR!;

describe('bench suite validate', () => {
  test('a well-formed task is valid; wrong test ids and a fail-to-pass that already passes are named', async () => {
    const f = calcFixture();
    expect(await validateSuite(loadSuite(f.suite), { cacheDir, sandbox, runs: 1 })).toEqual([
      { id: 'fix-clamp', kind: 'pr', valid: true, problems: [], warnings: [] },
    ]);
    const file = join(f.suite, 'tasks', 'fix-clamp.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('fail_to_pass:\n', 'fail_to_pass:\n  - "test/math.test.js > add > adds"\n  - "test/math.test.js > clamp > renamed later"\n')
        .replace('pass_to_pass:\n', 'pass_to_pass:\n  - "test/math.test.js > nowhere"\n'),
    );
    const [v] = await validateSuite(loadSuite(f.suite), { cacheDir, sandbox, runs: 1 });
    expect(v!.valid).toBe(false);
    expect(v!.problems).toEqual(
      expect.arrayContaining([
        'fail_to_pass "test/math.test.js > add > adds" already passes on the base commit',
        'fail_to_pass "test/math.test.js > clamp > renamed later" does not exist in the gold run (renamed?)',
        expect.stringMatching(/^pass_to_pass "test\/math\.test\.js > nowhere" does not pass on both/),
      ]),
    );
  });

  test('K runs flag a flaky test', async () => {
    const flaky = [
      "import { test } from 'node:test';",
      "import { existsSync, rmSync, writeFileSync } from 'node:fs';",
      "import { join } from 'node:path';",
      "import { tmpdir } from 'node:os';",
      "const flag = join(tmpdir(), 'flip');",
      "test('flips', () => { if (existsSync(flag)) { rmSync(flag); throw new Error('flaky'); } writeFileSync(flag, ''); });",
      '',
    ].join('\n');
    const f = calcFixture({ pass_to_pass: ['test/math.test.js > add > adds', 'test/flaky.test.js > flips'] }, { 'test/flaky.test.js': flaky });
    const [v] = await validateSuite(loadSuite(f.suite), { cacheDir, sandbox, runs: 2 });
    expect(v!.problems).toEqual([expect.stringMatching(/^"test\/flaky\.test\.js > flips" is flaky over 2 runs/)]);
  });

  test('the CLI exits 0 when all are valid, 1 otherwise, and prints JSON on request', async () => {
    const f = calcFixture();
    const ok = await bench(['suite', 'validate', f.suite, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ tasks: [{ id: 'fix-clamp', valid: true, problems: [], warnings: [] }] });
    const file = join(f.suite, 'tasks', 'fix-clamp.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('fail_to_pass:\n', 'fail_to_pass:\n  - "test/math.test.js > add > adds"\n'));
    const bad = await bench(['suite', 'validate', f.suite]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID pr\s+fix-clamp\n\s+- fail_to_pass "test\/math\.test\.js > add > adds" already passes on the base commit/);
  });
});

describe('bench suite mine / import', () => {
  test('mines the fix from a repository made in the test, and validate accepts it', async () => {
    const f = calcFixture();
    commit(f.repo, 'Docs only', { 'README.md': '# calc\n\nMore words.\n' });
    const out = join(tmp(), 'mined');
    const res = await mine({ repo: f.repo, out, limit: 5, cacheDir, sandbox });
    expect(res.tasks.map((t) => [t.commit, t.failToPass, t.passToPass])).toEqual([[f.gold, 2, 1]]);
    expect(res.rejected.map((r) => r.reason)).toEqual(['changes no test files']);
    const suite = loadSuite(out);
    expect(suite.tasks[0]).toMatchObject({ kind: 'pr', base: f.base, gold: { to: f.gold }, hidden_tests: ['test/math.test.js'] });
    expect((await validateSuite(suite, { cacheDir, sandbox, runs: 1 })).every((v) => v.valid)).toBe(true);
  });

  test('mines the shipped durations repository into tasks validate accepts', async () => {
    const out = join(tmp(), 'mined-durations');
    const res = await mine({ repo: join(import.meta.dirname, '..', '..', 'suites', 'repos', 'durations.bundle'), out, limit: 3, cacheDir, sandbox });
    expect(res.tasks).toHaveLength(3);
    for (const t of res.tasks) expect(t.failToPass).toBeGreaterThan(0);
    const results = await validateSuite(loadSuite(out), { cacheDir, sandbox, runs: 1 });
    expect(results.filter((v) => !v.valid)).toEqual([]);
  });

  test('mines the shipped taskbox repository (tests that need npm ci) into tasks validate accepts', async () => {
    const out = join(tmp(), 'mined-taskbox');
    const res = await mine({ repo: join(import.meta.dirname, '..', '..', 'suites', 'repos', 'taskbox.bundle'), out, limit: 1, cacheDir, sandbox });
    expect(res.tasks).toHaveLength(1);
    expect(loadSuite(out).tasks[0]!.setup).toMatch(/^npm ci/);
    expect((await validateSuite(loadSuite(out), { cacheDir, sandbox, runs: 1 })).filter((v) => !v.valid)).toEqual([]);
  });

  test('import of a commit that does not qualify says why', async () => {
    const f = calcFixture();
    const docs = commit(f.repo, 'Docs only', { 'README.md': '# calc\n\nMore.\n' });
    const res = await bench(['suite', 'import', '--repo', f.repo, '--commit', docs, '--out', join(tmp(), 'one')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/does not make a task: changes no test files/);
  });
});
