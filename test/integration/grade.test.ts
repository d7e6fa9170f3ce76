import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runShell } from '../../src/exec/run.ts';
import { gradePr, type TestRunner } from '../../src/grade/pr.ts';
import { loadSuite, type PrTaskSpec } from '../../src/suite/load.ts';
import { RepoCache } from '../../src/workspace/repos.ts';
import { WorkspaceManager } from '../../src/workspace/workspace.ts';
import { calcFixture, git, tmp } from '../helpers/fixtures.ts';

const runTests: TestRunner = async (cmd, o) => ({
  ...(await runShell(cmd, { cwd: o.cwd, env: { ...process.env, ...o.env }, timeoutMs: o.timeoutMs })),
  observed: { networkAttempts: null, tamper: null },
});

function setup() {
  const f = calcFixture();
  const task = loadSuite(f.suite).tasks[0] as PrTaskSpec;
  const workspaces = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'));
  const env = { workspaces, scratch: tmp(), runTests, name: 'g' };
  const goldPatch = git(f.repo, 'diff', f.base, f.gold, '--', 'src') + '\n';
  return { f, task, env, goldPatch };
}

describe('pr grader', () => {
  test('the gold source change resolves the task (hidden tests applied only at grading)', async () => {
    const { task, env, goldPatch } = setup();
    const g = await gradePr(task, goldPatch, env);
    expect(g).toMatchObject({
      status: 'ok',
      resolved: true,
      regression: false,
      fail_to_pass: { passed: 2, total: 2 },
      pass_to_pass: { passed: 1, total: 1 },
      failing: [],
    });
    expect(env.workspaces.liveDirs()).toEqual([]);
  });

  test('an empty patch leaves the fail-to-pass tests failing', async () => {
    const { task, env } = setup();
    const g = await gradePr(task, '', env);
    expect(g).toMatchObject({ status: 'ok', resolved: false, regression: false, fail_to_pass: { passed: 0, total: 2 }, pass_to_pass: { passed: 1, total: 1 } });
    expect(g.failing).toEqual(task.fail_to_pass);
  });

  test('a patch that breaks loading of the code is unresolved and a regression', async () => {
    const { task, env, goldPatch } = setup();
    const broken = goldPatch.replace('+  return Math.min(Math.max(x, lo), hi);', '+  return Math.min(Math.max(x, lo), hi;');
    const g = await gradePr(task, broken, env);
    expect(g.status).toBe('ok');
    expect(g.resolved).toBe(false);
    expect(g.regression).toBe(true);
  });

  test('a suite that does not run even without the patch is an infrastructure error', async () => {
    const { task, env, goldPatch } = setup();
    const t: PrTaskSpec = { ...task, test: { ...task.test, command: 'definitely-missing-test-runner --junit "$BENCH_TEST_REPORT"' } };
    const g = await gradePr(t, goldPatch, env);
    expect(g.status).toBe('infra_error');
    expect(g.note).toMatch(/does not run even without the patch/);
  });

  test('an exit code that contradicts the report is not trusted', async () => {
    const { task, env, goldPatch } = setup();
    const t: PrTaskSpec = { ...task, test: { ...task.test, command: `${task.test.command}; exit 3` } };
    const g = await gradePr(t, goldPatch, env);
    expect(g.resolved).toBe(false);
    expect(g.note).toMatch(/exited 3 but its report shows no failing test/);
  });

  test('a test run that hangs is cut at its timeout and graded unresolved', async () => {
    const { task, env, goldPatch } = setup();
    const t: PrTaskSpec = { ...task, test: { ...task.test, command: 'sleep 30', timeout_s: 0.5 } };
    const g = await gradePr(t, goldPatch, env);
    expect(g).toMatchObject({ status: 'ok', resolved: false });
    expect(g.note).toMatch(/timed out/);
  });
});
