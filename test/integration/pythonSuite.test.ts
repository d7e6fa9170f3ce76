// The shipped Python suite, checked the way bench grades it but without bench's container backend: each
// task's base (with the hidden tests from gold) and gold run the suite's test command in the suite's
// image, and bench's JUnit parser must give exactly the ids the task lists. Needs podman and the base
// image from suites/python/env/base.sh (root); skipped where either is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseJUnit } from '../../src/grade/reports.ts';
import { containersReady } from '../helpers/containers.ts';
import { git, tmp } from '../helpers/fixtures.ts';

const SUITE = join(import.meta.dirname, '..', '..', 'suites', 'python');
const IMAGE = 'localhost/bench-test-python-suite:latest';

const podmanHas = (image: string) => spawnSync('podman', ['image', 'exists', image], { stdio: 'ignore' }).status === 0;
const ready = containersReady();

interface PrTask {
  id: string;
  base: string;
  gold: string;
  hidden_tests: string[];
  fail_to_pass: string[];
  pass_to_pass: string[];
}

const suite = parse(readFileSync(join(SUITE, 'suite.yaml'), 'utf8'));
const tasks: PrTask[] = readdirSync(join(SUITE, 'tasks')).map((f) => parse(readFileSync(join(SUITE, 'tasks', f), 'utf8')));

function runTests(dir: string): Map<string, string> {
  const report = join(dir, 'report.xml');
  // The command is the suite's own; the report path is bench's contract ($BENCH_TEST_REPORT).
  spawnSync(
    'podman',
    ['run', '--rm', '--network', 'none', '-v', `${dir}:${dir}`, '-w', dir, '-e', `BENCH_TEST_REPORT=${report}`, IMAGE, 'sh', '-c', suite.defaults.test.command],
    { stdio: 'ignore', timeout: 60_000 },
  );
  return parseJUnit(readFileSync(report, 'utf8'), dir).tests;
}

describe.skipIf(!ready)('suites/python in its container', () => {
  test('the suite names its Containerfile, which builds on the base image', () => {
    expect(suite.repos.verso.environment).toEqual({ containerfile: 'env/Containerfile' });
    execFileSync('podman', ['build', '-q', '-t', IMAGE, join(SUITE, 'env')], { stdio: 'ignore' });
    expect(podmanHas(IMAGE)).toBe(true);
  });

  test.each(tasks.map((t) => [t.id, t] as const))('%s: fail_to_pass fail at base, all listed ids pass at gold, no others', (_id, task) => {
    const src = tmp('bench-py-');
    git(src, 'clone', '-q', join(SUITE, '..', 'repos', 'verso.bundle'), 'repo');
    const repo = join(src, 'repo');
    const side = (name: string, rev: string) => {
      const dir = join(src, name);
      git(repo, 'worktree', 'add', '-q', '--detach', dir, rev);
      return dir;
    };
    const base = side('base', task.base);
    git(base, 'checkout', task.gold, '--', ...task.hidden_tests);
    const atBase = runTests(base);
    const atGold = runTests(side('gold', task.gold));

    for (const id of task.fail_to_pass) expect(atBase.get(id), `${id} at base`).not.toBe('pass');
    for (const id of task.pass_to_pass) expect(atBase.get(id), `${id} at base`).toBe('pass');
    expect([...atGold.keys()].sort()).toEqual([...task.fail_to_pass, ...task.pass_to_pass].sort());
    expect([...atGold.values()].every((s) => s === 'pass')).toBe(true);
    // The image keeps the worktree clean: no __pycache__ or .pytest_cache (both git-ignored, so looked for on disk).
    const written = readdirSync(join(src, 'gold'), { recursive: true, encoding: 'utf8' }).filter((p) => /(^|\/)(__pycache__|\.pytest_cache)$/.test(p));
    expect(written).toEqual([]);
  });
});
