import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runShell } from '../../src/exec/run.ts';
import { gradePr, type TestRunner } from '../../src/grade/pr.ts';
import { loadSuite, type PrTaskSpec } from '../../src/suite/load.ts';
import { RepoCache } from '../../src/workspace/repos.ts';
import { WorkspaceManager } from '../../src/workspace/workspace.ts';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { sandboxedTestRunner } from '../../src/grade/runner.ts';
import { EventLog } from '../../src/record/events.ts';
import { CALC_BASE_FILES, CALC_GOLD_FILES, calcFixture, git, tmp } from '../helpers/fixtures.ts';

const hasBwrap = !('error' in detectSandbox('bwrap'));

const runTests: TestRunner = async (cmd, o) => ({
  ...(await runShell(cmd, { cwd: o.workdir ?? o.cwd, env: { ...process.env, ...o.env }, timeoutMs: o.timeoutMs })),
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

  test('a test command with a cwd runs in that folder, and report paths stay relative to the checkout', async () => {
    const { task, env, goldPatch } = setup();
    const t: PrTaskSpec = {
      ...task,
      test: {
        ...task.test,
        cwd: 'src',
        command: `test -f math.js && node --test --test-reporter=junit --test-reporter-destination="$BENCH_TEST_REPORT" ../test/math.test.js`,
      },
    };
    const g = await gradePr(t, goldPatch, env);
    expect(g).toMatchObject({ status: 'ok', resolved: true, fail_to_pass: { passed: 2, total: 2 }, pass_to_pass: { passed: 1, total: 1 } });
  });

  describe('hostile changes end in a verdict', () => {
    /** The agent's worktree as `change` leaves it, saved as bench saves it. */
    async function patchOf(env: ReturnType<typeof setup>['env'], task: PrTaskSpec, change: (dir: string) => void): Promise<string> {
      const ws = await env.workspaces.create({ repo: task.repo, base: task.base, setup: null }, `agent-${Math.random().toString(36).slice(2, 8)}`);
      change(ws.dir);
      const d = await env.workspaces.diff(ws);
      await env.workspaces.remove(ws);
      return d.patch;
    }

    test('links to folders outside, a link where the hidden test goes, a FIFO: graded, and the hidden test is the gold one', async () => {
      const { task, env } = setup();
      const patch = await patchOf(env, task, (dir) => {
        writeFileSync(join(dir, 'src/math.js'), CALC_GOLD_FILES['src/math.js']!);
        symlinkSync('/', join(dir, 'rootlink'));
        symlinkSync('/etc', join(dir, 'src', 'etc'));
        rmSync(join(dir, 'test/math.test.js'));
        symlinkSync('/etc/passwd', join(dir, 'test/math.test.js'));
        execFileSync('mkfifo', [join(dir, 'pipe')]);
      });
      expect(patch).toContain('rootlink');
      const g = await gradePr(task, patch, env);
      expect(g).toMatchObject({ status: 'ok', resolved: true, fail_to_pass: { passed: 2, total: 2 } });
      expect(g.correctionLines).not.toBeNull();
    });

    test('a change that turns the test folder into a link out of the checkout is judged: the tests do not run there', async () => {
      const { task, env } = setup();
      const t: PrTaskSpec = {
        ...task,
        test: {
          ...task.test,
          cwd: 'src',
          command: `touch ran-here; node --test --test-reporter=junit --test-reporter-destination="$BENCH_TEST_REPORT" ../test/math.test.js`,
        },
      };
      const outside = tmp();
      writeFileSync(join(outside, 'math.js'), CALC_GOLD_FILES['src/math.js']!);
      const patch = await patchOf(env, t, (dir) => {
        rmSync(join(dir, 'src'), { recursive: true });
        symlinkSync(outside, join(dir, 'src'));
      });
      expect(patch).toContain('new file mode 120000');
      const g = await gradePr(t, patch, env);
      expect(g).toMatchObject({ status: 'ok', resolved: false });
      expect(g.note).toMatch(/the test folder src cannot be used/);
      // The command never ran in the folder the link leads to.
      expect(existsSync(join(outside, 'ran-here'))).toBe(false);
    });

    test('a change that points the test folder at a folder of its own inside the checkout gains nothing: the hidden tests still judge the code', async () => {
      const { task, env } = setup();
      const t: PrTaskSpec = {
        ...task,
        test: { ...task.test, cwd: 'src', command: `node --test --test-reporter=junit --test-reporter-destination="$BENCH_TEST_REPORT" ../test/math.test.js` },
      };
      // The agent's own folder: the unfixed code, and a test file of its own beside it that always passes.
      const patch = await patchOf(env, t, (dir) => {
        mkdirSync(join(dir, 'mine'));
        writeFileSync(join(dir, 'mine/math.js'), CALC_BASE_FILES['src/math.js']!);
        writeFileSync(join(dir, 'mine/fake.test.js'), "require('node:test').test('passes', () => {});\n");
        rmSync(join(dir, 'src'), { recursive: true });
        symlinkSync('mine', join(dir, 'src'));
      });
      const g = await gradePr(t, patch, env);
      // The run happens in mine/ (a link inside is followed); the hidden tests run on what the link leads to, and fail.
      expect(g).toMatchObject({ status: 'ok', resolved: false, fail_to_pass: { passed: 0, total: 2 } });
    });

    test('a change that cannot be applied to a clean checkout is judged not resolved, not an infrastructure error', async () => {
      const { task, env } = setup();
      const bogus = 'diff --git a/src/missing.js b/src/missing.js\n--- a/src/missing.js\n+++ b/src/missing.js\n@@ -1 +1 @@\n-a\n+b\n';
      const g = await gradePr(task, bogus, env);
      expect(g).toMatchObject({ status: 'ok', resolved: false, regression: true });
      expect(g.note).toMatch(/cannot be applied to a clean checkout/);
    });

    test.skipIf(!hasBwrap)('what the graded run tries (the network, writes outside) is recorded as control events of stage grade', async () => {
      const { task, env, goldPatch } = setup();
      const sandbox = detectSandbox('bwrap') as SandboxBackend;
      const events = new EventLog(null);
      const scratch = tmp();
      const outside = join(tmp(), 'outside.txt');
      const runTests = sandboxedTestRunner(scratch, sandbox, { hidden: [], reveal: [] }, events);
      const sneaky = [
        '',
        ';import("node:fs").then((fs) => { try { fs.writeFileSync(' + JSON.stringify(outside) + ', "x"); } catch {} });',
        ';try { fetch(["http:", "", "198.51.100.7", ""].join("/")).catch(() => {}); } catch {}',
        ';await new Promise((r) => setTimeout(r, 200));',
        '',
      ].join('\n');
      const patch = await patchOf(env, task, (dir) => writeFileSync(join(dir, 'src/math.js'), CALC_GOLD_FILES['src/math.js']! + sneaky));
      const g = await gradePr(task, patch, { ...env, runTests });
      expect(g.status).toBe('ok');
      expect(g.resolved).toBe(true);
      expect(existsSync(outside)).toBe(false);
      const network = events.of('network');
      expect(network.length).toBeGreaterThan(0);
      expect(network.every((e) => e.stage === 'grade' && e.role === 'grader')).toBe(true);
      // The untouched base's run (when one is needed) is the project's own: nothing of it is recorded.
      expect(goldPatch).not.toContain('fetch');
    });
  });
});
