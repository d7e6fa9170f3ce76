// Grading a pull-request task, SWE-bench style, distrusting its input: the saved patch is applied to a
// fresh checkout of the base commit, the gold change's test files are put in place only now, the task's
// test command runs, and per-test results are read from its report. The exit code is cross-checked
// against the report, and a suite that did not run is told apart from a patch that broke it.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess, type RunResult } from '../exec/run.ts';
import type { PrTaskSpec } from '../suite/load.ts';
import type { WorkspaceManager, Workspace } from '../workspace/workspace.ts';
import { changedFiles, correctionLines as countCorrection } from './correction.ts';
import { parseJUnit, parseTap, ReportError, type TestResults } from './reports.ts';

export interface TestRunner {
  (cmd: string, opts: { cwd: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal; writable: string[] }): Promise<RunResult>;
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

/** Puts the gold version of the hidden test files into a checkout. */
export async function applyHiddenTests(ws: Workspace, task: Pick<PrTaskSpec, 'gold' | 'hidden_tests'>): Promise<string | null> {
  const res = await runProcess(['git', 'checkout', task.gold.to, '--', ...task.hidden_tests], { cwd: ws.dir });
  return res.exitCode === 0 ? null : `could not check out the hidden tests from ${task.gold.to}: ${res.output.trim()}`;
}

/** Runs the task's test command and reads per-test results from its report. */
export async function runSuite(task: Pick<PrTaskSpec, 'test'>, ws: Workspace, scratch: string, runTests: TestRunner, signal?: AbortSignal): Promise<SuiteRun> {
  const report = join(scratch, `report-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.xml`);
  rmSync(report, { force: true });
  const run = await runTests(task.test.command, {
    cwd: ws.dir,
    env: { BENCH_TEST_REPORT: report },
    timeoutMs: task.test.timeout_s * 1000,
    signal,
    writable: [scratch],
  });
  if (run.spawnError) return { results: null, problem: `the test command could not start: ${run.spawnError}`, run };
  if (run.timedOut) return { results: null, problem: `the test run timed out after ${task.test.timeout_s}s`, run };
  try {
    if (task.test.format === 'tap') return { results: parseTap(run.stdout), problem: null, run };
    if (!existsSync(report)) return { results: null, problem: 'the test command wrote no JUnit report to $BENCH_TEST_REPORT', run };
    const results = parseJUnit(readFileSync(report, 'utf8'), ws.dir);
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

type PrRunSpec = Pick<PrTaskSpec, 'repo' | 'base' | 'setup' | 'gold' | 'hidden_tests' | 'test'>;

/** One graded test run: a fresh checkout of the base, a patch, the hidden tests, the task's test command. */
export async function testRunWith(
  task: PrRunSpec,
  patch: string,
  env: GradeEnv,
  label = 'grade',
  inspect?: (ws: Workspace) => Promise<void>,
): Promise<SuiteRun | { infra: string }> {
  const ws = await env.workspaces.create({ repo: task.repo, base: task.base, setup: task.setup }, `${env.name}-${label}`, env.signal);
  try {
    const applyProblem = await env.workspaces.applyPatch(ws, patch);
    if (applyProblem) return { infra: `the patch does not apply to the base commit: ${applyProblem}` };
    await inspect?.(ws);
    const hidden = await applyHiddenTests(ws, task);
    if (hidden) return { infra: hidden };
    return await runSuite(task, ws, env.scratch, env.runTests, env.signal);
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
  const suite = await testRunWith(task, patch, env, 'grade', async (ws) => {
    correctionLines = await countCorrection(ws.dir, task.gold.to, await changedFiles(ws.dir, task.base, task.gold), task.hidden_tests);
  });
  if ('infra' in suite) return infra(suite.infra);
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
