// Grading a pull-request task, SWE-bench style, distrusting its input: the saved patch is applied to a
// fresh checkout of the base commit, the gold change's test files are put in place only now, the task's
// test command runs, and per-test results are read from its report. The exit code is cross-checked
// against the report, and a suite that did not run is told apart from a patch that broke it.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { SafeFsError, SafeRoot } from '../control/safefs.ts';
import type { Observed } from '../control/sandbox.ts';
import type { RunResult } from '../exec/run.ts';
import type { PrTaskSpec } from '../suite/load.ts';
import { gitFiles } from '../workspace/git.ts';
import type { WorkspaceManager, Workspace } from '../workspace/workspace.ts';
import { changedFiles, correctionLines as countCorrection } from './correction.ts';
import { parseJestJson, parseJUnit, parseTap, ReportError, type TestResults } from './reports.ts';

export interface TestRunner {
  (
    cmd: string,
    opts: {
      /** The checkout (the sandbox's workspace). */
      cwd: string;
      /** Where inside it the command runs (default: the checkout). */
      workdir?: string;
      env: Record<string, string>;
      timeoutMs: number;
      signal?: AbortSignal;
      writable: string[];
      label?: string;
    },
  ): Promise<RunResult & { observed: Observed }>;
}

export interface PrGrade {
  status: 'ok' | 'infra_error';
  /** Lines between the agent's change and the gold one (source files; hidden tests excluded). */
  correctionLines: number | null;
  /** ms the graded test run took (0 when it did not run). */
  testMs: number;
  resolved: boolean | null;
  fail_to_pass: { passed: number; total: number };
  pass_to_pass: { passed: number; total: number };
  failing: string[];
  regression: boolean | null;
  note: string | null;
  log: string;
}

interface SuiteRun {
  results: TestResults | null;
  problem: string | null;
  run: RunResult;
}

/** The largest test report read (a report is the grader's input, and the code under test can write it). */
const MAX_REPORT_BYTES = 32 << 20;

/**
 * Puts the gold version of the hidden test files into a checkout, exactly at their paths: whatever the
 * agent's patch left there (a link, a file where a folder belongs) is replaced, never followed. The gold
 * files come from the mirror: the base repository the checkout belongs to does not hold them.
 */
export async function applyHiddenTests(ws: Workspace, mirror: string, task: Pick<PrTaskSpec, 'gold' | 'hidden_tests'>): Promise<string | null> {
  const fs = new SafeRoot(ws.dir);
  const files = await gitFiles(mirror, task.gold.to, task.hidden_tests, { modes: true });
  for (const path of task.hidden_tests) {
    const file = files.get(path);
    if (!file) return `the hidden test ${path} does not exist at ${task.gold.to}`;
    fs.put(path, file.data, file.mode === '100755' ? 0o755 : 0o644);
  }
  return null;
}

/** Runs the task's test command and reads per-test results from its report. */
export async function runSuite(
  task: Pick<PrTaskSpec, 'test'>,
  ws: Workspace,
  scratch: string,
  runTests: TestRunner,
  signal?: AbortSignal,
  label = 'grade',
): Promise<SuiteRun> {
  // An unguessable name: the code under test runs in the test process and could otherwise find the report to rewrite.
  const report = join(scratch, `report-${randomBytes(12).toString('hex')}.xml`);
  rmSync(report, { force: true });
  // A package folder is looked up now, in the checkout as the patch left it: links inside it are
  // followed, none out of it; one the change removed or turned into a file fails this run.
  const at = task.test.cwd ?? '';
  let workdir = ws.dir;
  if (at) {
    try {
      workdir = new SafeRoot(ws.dir).dir(at);
    } catch (err) {
      if (!(err instanceof SafeFsError)) throw err;
      const problem = `the test folder ${at} cannot be used: ${err.message}`;
      const run: RunResult = {
        exitCode: null,
        signal: null,
        stdout: '',
        stderr: '',
        output: problem,
        timedOut: false,
        aborted: false,
        durationMs: 0,
        omittedBytes: 0,
        fds: [],
      };
      return { results: null, problem, run };
      throw err;
    }
  }
  const run = await runTests(task.test.command, {
    cwd: ws.dir,
    workdir,
    env: { BENCH_TEST_REPORT: report },
    timeoutMs: task.test.timeout_s * 1000,
    signal,
    writable: [scratch],
    label,
  });
  if (run.spawnError) return { results: null, problem: `the test command could not start: ${run.spawnError}`, run };
  if (run.timedOut) return { results: null, problem: `the test run timed out after ${task.test.timeout_s}s`, run };
  try {
    if (task.test.format === 'tap') return { results: parseTap(run.stdout), problem: null, run };
    let xml: string | null;
    try {
      xml = new SafeRoot(dirname(report)).readText(basename(report), MAX_REPORT_BYTES);
    } catch (err) {
      if (err instanceof SafeFsError) return { results: null, problem: `the test report cannot be read: ${err.message}`, run };
      throw err;
    }
    if (xml === null)
      return {
        results: null,
        problem: `the test command wrote no ${task.test.format === 'jest-json' ? 'jest JSON' : 'JUnit'} report to $BENCH_TEST_REPORT`,
        run,
      };
    // Report paths relative to where the tests ran (the folder a link led to, if one did).
    const ranIn = relative(ws.dir, workdir).split(sep).join('/');
    const results = task.test.format === 'jest-json' ? parseJestJson(xml, ws.dir, ranIn) : parseJUnit(xml, ws.dir, ranIn);
    rmSync(report, { force: true });
    if (!results.tests.size) return { results: null, problem: 'the test report lists no tests', run };
    return { results, problem: null, run };
  } catch (err) {
    if (err instanceof ReportError) return { results: null, problem: err.message, run };
    throw err;
  }
}

function tally(ids: string[], results: TestResults): { passed: number; total: number; failing: string[] } {
  const failing = ids.filter((id) => results.tests.get(id) !== 'pass');
  return { passed: ids.length - failing.length, total: ids.length, failing };
}

export interface GradeEnv {
  workspaces: WorkspaceManager;
  scratch: string;
  runTests: TestRunner;
  name: string;
  signal?: AbortSignal;
}

type PrRunSpec = Pick<PrTaskSpec, 'repo' | 'base' | 'setup' | 'gold' | 'hidden_tests' | 'test'> & Partial<Pick<PrTaskSpec, 'environment'>>;

/** One graded test run: a fresh checkout of the base, a patch, the hidden tests, the task's test command. */
export async function testRunWith(
  task: PrRunSpec,
  patch: string,
  env: GradeEnv,
  label = 'grade',
  inspect?: (ws: Workspace, mirror: string) => Promise<void>,
): Promise<SuiteRun | { infra: string } | { unappliable: string }> {
  const ws = await env.workspaces.create(
    { repo: task.repo, base: task.base, setup: task.setup, environment: task.environment },
    `${env.name}-${label}`,
    env.signal,
  );
  try {
    // The saved patch is the agent's change as git saw it: if it does not apply to a clean checkout, the
    // agent made it so (links where folders were, files git cannot recreate). That is judged, not an error.
    const applyProblem = await env.workspaces.applyPatch(ws, patch);
    if (applyProblem) return { unappliable: `the change cannot be applied to a clean checkout of the base commit: ${applyProblem}` };
    const mirror = await env.workspaces.cache.mirror(task.repo);
    await inspect?.(ws, mirror);
    const hidden = await applyHiddenTests(ws, mirror, task);
    if (hidden) return { infra: hidden };
    return await runSuite(task, ws, env.scratch, env.runTests, env.signal, label);
  } finally {
    await env.workspaces.remove(ws);
  }
}

export async function gradePr(task: PrTaskSpec, patch: string, env: GradeEnv): Promise<PrGrade> {
  const empty = { passed: 0, total: 0 };
  const infra = (note: string, log = ''): PrGrade => ({
    status: 'infra_error',
    correctionLines: null,
    testMs: 0,
    resolved: null,
    fail_to_pass: empty,
    pass_to_pass: empty,
    failing: [],
    regression: null,
    note,
    log,
  });
  let correctionLines: number | null = null;
  const suite = await testRunWith(task, patch, env, 'grade', async (ws, mirror) => {
    correctionLines = await countCorrection(ws, mirror, task.gold.to, await changedFiles(env.workspaces, ws, mirror, task.base, task.gold), task.hidden_tests);
  });
  if ('infra' in suite) return infra(suite.infra);
  if ('unappliable' in suite)
    return {
      ...infra(suite.unappliable, ''),
      status: 'ok',
      resolved: false,
      fail_to_pass: { passed: 0, total: task.fail_to_pass.length },
      pass_to_pass: { passed: 0, total: task.pass_to_pass.length },
      failing: [...task.fail_to_pass, ...task.pass_to_pass],
      regression: task.pass_to_pass.length > 0,
    };
  const testMs = Math.round(suite.run.durationMs);
  let log = `$ ${task.test.command}\n(exit ${suite.run.exitCode ?? suite.run.signal}, ${(suite.run.durationMs / 1000).toFixed(1)}s)\n${suite.run.output}`;
  if (suite.results) {
    const status = (id: string) => suite.results!.tests.get(id) ?? 'missing';
    log += `\nfail_to_pass:\n${task.fail_to_pass.map((id) => `  ${status(id).padEnd(7)} ${id}`).join('\n')}\npass_to_pass:\n${task.pass_to_pass.map((id) => `  ${status(id).padEnd(7)} ${id}`).join('\n')}\n`;
  }
  const f2pIds = task.fail_to_pass;
  const p2pIds = task.pass_to_pass;
  const unresolved = (note: string | null, regression: boolean | null): PrGrade => ({
    status: 'ok',
    correctionLines,
    testMs,
    resolved: false,
    fail_to_pass: { passed: 0, total: f2pIds.length },
    pass_to_pass: { passed: 0, total: p2pIds.length },
    failing: [...f2pIds, ...p2pIds],
    regression,
    note,
    log,
  });

  if (!suite.results) {
    if (suite.run.timedOut) return unresolved(suite.problem, null);
    // Did the suite not run at all here, or did the patch break it? Run it once on the untouched base.
    const pristine = await testRunWith(task, '', env, 'pristine');
    if ('infra' in pristine) return infra(pristine.infra, log);
    if ('unappliable' in pristine) return infra(pristine.unappliable, log);
    if (!pristine.results) return infra(`the test suite does not run even without the patch: ${pristine.problem}`, log);
    return unresolved(`the patch broke the test run: ${suite.problem}`, p2pIds.length > 0);
  }

  const f2p = tally(f2pIds, suite.results);
  const p2p = tally(p2pIds, suite.results);
  const failedInReport = [...suite.results.tests.values()].some((s) => s === 'fail');
  let note: string | null = null;
  let trusted = true;
  if (suite.run.exitCode !== 0 && !failedInReport) {
    trusted = false;
    note = `the test command exited ${suite.run.exitCode ?? suite.run.signal} but its report shows no failing test: results not trusted`;
  }
  const resolved = trusted && f2p.failing.length === 0 && p2p.failing.length === 0;
  return {
    status: 'ok',
    correctionLines,
    testMs,
    resolved,
    fail_to_pass: { passed: trusted ? f2p.passed : 0, total: f2p.total },
    pass_to_pass: { passed: trusted ? p2p.passed : 0, total: p2p.total },
    failing: trusted ? [...f2p.failing, ...p2p.failing] : [...f2pIds, ...p2pIds],
    regression: trusted ? p2p.failing.length > 0 : null,
    note,
    log,
  };
}
