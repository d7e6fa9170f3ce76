// Mining pull-request tasks from a repository's history: commits (or merges, against their first parent)
// that change both source and tests, and make some test (any the run reports) fail before the change and
// pass after it.
// Each becomes a task file with its fail_to_pass and pass_to_pass ids measured, for a person to review
// (the request comes from the issue the change closed, a model, the pull request or the commit
// message: requestWriter.ts).
// Fast on real repositories: the setup environment is shared by every commit with the same lockfiles
// (workspace.ts) and hard-linked into the worktrees; a candidate first runs only its changed test files
// before the change, then the full suite after it, and only one that still qualifies the full run before; up to
// `jobs` candidates are examined at once, and tasks are written in history order whatever finishes first.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { SandboxBackend } from '../control/sandbox.ts';
import { InputError } from '../errors.ts';
import { testRunWith, type GradeEnv } from '../grade/pr.ts';
import type { TestResults } from '../grade/reports.ts';
import { sandboxedTestRunner } from '../grade/runner.ts';
import { shellQuote } from '../exec/run.ts';
import { git, goldPatch, RepoCache } from '../workspace/repos.ts';
import { SetupError, WorkspaceManager, type SetupEvent } from '../workspace/workspace.ts';
import { detectProject, gitTree, packageFolder, packageOf, workspacePackages, type BlobCache, type Detection } from './detect.ts';
import { checkRepoKey, ensureSuiteFile, writeAtomic, firstParentLog, oneCommit, type HistoryCommit, schemaComment } from './mineShared.ts';
import { loadEras } from './eras.ts';
import { resolveRepo, type ResolvedRepo } from './load.ts';
import { requestComments, RequestWriter, type RequestOptions, type MinedRequest } from './requestWriter.ts';
import { requestDigest } from './requests.ts';
import { outputTail, type SkipCause } from './mineSkips.ts';
import { TestSpec } from './schema.ts';

export const TEST_FILE = /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$|_test\.(go|py)$|(^|\/)test_[^/]+\.py$/;
export const DOC_FILE = /\.(md|markdown|rst|txt)$|^docs?\//i;

export interface MineOptions extends RequestOptions {
  repo: string;
  out: string;
  since?: string;
  /** Mine the commits reachable from this revision instead of HEAD's. */
  until?: string;
  /** A YAML file of eras: setup and test commands per range of history (eras.ts); they override --setup/--test-command. */
  eras?: string;
  /** The repository's key in the suite (default: derived, see repoName). */
  name?: string;
  limit: number;
  commit?: string;
  testCommand?: string;
  setup?: string | null;
  /** Mine only changes within this workspace package (folder or name) of a monorepo, scoped to it. */
  package?: string;
  cacheDir: string;
  sandbox: SandboxBackend;
  /**
   * Candidates examined at once (test runs and installs in parallel). Default 2: on a 2-core machine,
   * 10 tasks of unjs/ufo took 2:00 with 2 and 2:14 with 1 (one test run leaves a core idle part of the time).
   */
  jobs?: number;
  /** Notes for the person mining (what to fix in the suite); what is being examined comes as events. */
  onProgress?: (line: string) => void;
  onEvent?: (e: MineEvent) => void;
}

/** What mining is doing, for progress output: `index` is the commit's place (0-based) among `total` listed. */
export type MineEvent =
  | { type: 'listed'; total: number; limit: number; jobs: number }
  | { type: 'step'; index: number; total: number; sha: string; what: string }
  | { type: 'setup'; setup: SetupEvent }
  | { type: 'done'; index: number; total: number; sha: string; subject: string; task: MinedTask | null; reason: string | null; ran: boolean; tasks: number };

/** What a mining run did, for the closing summary and for measuring it. */
export interface MineStats {
  /** Commits looked at, and how many of them got as far as an install or a test run. */
  examined: number;
  ran: number;
  /** Setup commands run (dependency installs), and their total time. */
  installs: number;
  installMs: number;
  wallMs: number;
}

export interface MinedTask {
  id: string;
  commit: string;
  file: string;
  failToPass: number;
  passToPass: number;
  request: Pick<MinedRequest, 'source' | 'origin' | 'leaks' | 'modelError'>;
}

export interface Rejected {
  commit: string;
  reason: string;
  /** What kind of reason, for the closing summary (see mineSkips.ts); docs mining gives none. */
  cause?: SkipCause;
}

/** A repository's key in a suite: letters, digits, dot, dash and underscore. */
const REPO_NAME = /^[A-Za-z0-9._-]+$/;

/** The name a URL or path ends in, without .git/.bundle ("" when it ends in nothing but those). */
const lastName = (s: string) =>
  (
    s
      .replace(/[/\\]+$/, '')
      .split(/[/:\\]/)
      .at(-1) ?? ''
  )
    .replace(/\.(git|bundle)$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '-');

/**
 * A stable key for a repository given as a path, a bundle or a URL: the name of its origin remote, else the
 * folder of its work tree (`--repo .`, `--repo calc/.git`), else its own folder's name. Never "", "." or the
 * "repo" of a bare mirror when its remote says better.
 */
export function repoName(spec: string): string {
  const named = (s: string) => {
    const n = lastName(s);
    return n && !/^\.+$/.test(n) ? n : '';
  };
  if (/^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i.test(spec) || spec.endsWith('.bundle')) return named(spec) || 'repo';
  const at = resolve(spec);
  const ask = (...args: string[]) => {
    try {
      return execFileSync('git', ['-C', at, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const top = ask('rev-parse', '--show-toplevel');
  return named(ask('config', '--get', 'remote.origin.url')) || named(top) || named(basename(at) === '.git' ? dirname(at) : at) || 'repo';
}

export function repoRef(spec: string, field = '--repo', name?: string): ResolvedRepo {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i.test(spec);
  if (!isUrl && !existsSync(spec))
    throw new InputError('repository not found', { field, file: spec, fix: 'give a git URL, a local repository path or a git bundle' });
  if (name !== undefined && !REPO_NAME.test(name))
    throw new InputError(`"${name}" cannot be a repository key`, { field: '--name', fix: 'use letters, digits, ".", "-" and "_" only' });
  const ref = isUrl ? { url: spec } : spec.endsWith('.bundle') ? { bundle: spec } : { path: spec };
  return resolveRepo(ref, name ?? repoName(spec), process.cwd());
}

export const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48)
    .replace(/-$/, '');

/** Lockfiles at the root change with a package's dependencies: they do not make a change the root's. */
const ROOT_LOCKFILE = /^(package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|yarn\.lock)$/;

interface How {
  test: TestSpec;
  setup: string | null;
  /** The workspace package the task is scoped to (its folder), or '' for the whole repository. */
  package: string;
}

/**
 * How to run the project's tests with a per-test report at a commit (see detect.ts); explicit flags
 * override. In a monorepo, a change whose code lies in one workspace package is that package's task
 * (its test script, run in its folder) when the package's tests can be run; otherwise the root's.
 */
async function detect(mirror: string, sha: string, opts: MineOptions, code: string[], blobs: BlobCache): Promise<How | string> {
  const tree = await gitTree(mirror, sha, blobs);
  const packages = await workspacePackages(tree);
  let at = '';
  if (opts.package) {
    try {
      at = await packageFolder(tree, opts.package);
    } catch (err) {
      if (err instanceof InputError) return `--package ${opts.package} does not exist at this commit`;
      throw err;
    }
    const outside = code.filter((f) => !f.startsWith(`${at}/`) && !ROOT_LOCKFILE.test(f));
    if (outside.length) return `changes files outside ${at} (${outside.slice(0, 3).join(', ')}${outside.length > 3 ? ', ...' : ''})`;
  } else if (packages.length) {
    const owners = new Set(code.filter((f) => !ROOT_LOCKFILE.test(f)).map((f) => packageOf(packages, f)?.dir ?? ''));
    if (owners.size === 1 && !owners.has('')) at = [...owners][0]!;
  }
  const setupOf = (found: Detection) => (opts.setup !== undefined ? opts.setup : found.setup);
  if (opts.testCommand) {
    const found = await detectProject(tree, at);
    return { test: TestSpec.parse({ command: opts.testCommand, ...(at ? { cwd: at } : {}) }), setup: setupOf(found), package: at };
  }
  let found = await detectProject(tree, at);
  if (!found.test && at && !opts.package) {
    // The package's own tests cannot be run: the root's test script may run them all.
    const rootFound = await detectProject(tree);
    if (rootFound.test) {
      found = rootFound;
      at = '';
    } else return `${found.problem} (workspace package ${at}); at the root: ${rootFound.problem}`;
  }
  if (!found.test) {
    const problem = found.problem ?? 'no way to run the tests with a per-test report was found; pass --test-command';
    if (packages.length && !at) {
      const owners = [...new Set(code.map((f) => packageOf(packages, f)?.dir ?? '(root)'))];
      return `${problem} (a monorepo: this change is not within one workspace package: ${owners.slice(0, 4).join(', ')})`;
    }
    return problem;
  }
  return { test: found.test, setup: setupOf(found), package: at };
}

export interface MineResult {
  tasks: MinedTask[];
  rejected: Rejected[];
  suiteFile: string;
  stats: MineStats;
  /** Commits of the listed history already mined into the suite by an earlier run (they count towards the limit). */
  resumed: number;
  /** The signal that stopped the run early (what was mined is written; the scratch folder is gone). */
  interrupted?: NodeJS.Signals;
}

export async function mine(opts: MineOptions): Promise<MineResult> {
  const requests = new RequestWriter(opts);
  const repo = repoRef(opts.repo, '--repo', opts.name);
  const outDir = resolve(opts.out);
  checkRepoKey(outDir, repo);
  const cache = new RepoCache(opts.cacheDir);
  const mirror = await cache.mirror(repo);
  const eraOf = opts.eras ? await loadEras(opts.eras, mirror) : null;
  mkdirSync(join(outDir, 'tasks'), { recursive: true });

  let commits: HistoryCommit[];
  if (opts.commit) {
    const sha = await cache.resolveCommit(repo, opts.commit);
    if (!sha) throw new InputError(`commit ${opts.commit} not found in ${opts.repo}`, { field: '--commit', fix: 'give a commit of that repository' });
    commits = [await oneCommit(mirror, sha)];
  } else {
    const until = opts.until ? await cache.resolveCommit(repo, opts.until) : 'HEAD';
    if (!until)
      throw new InputError(`revision ${opts.until} not found in ${opts.repo}`, { field: '--until', fix: 'give a commit, branch or tag of that repository' });
    commits = (await firstParentLog(mirror, { since: opts.since, rev: until })).filter((c) => c.parent);
  }
  // A run resumes where an earlier one (interrupted, or with a lower limit) stopped: commits already in
  // the suite are not examined again, and count towards the limit. Only an import re-mines its commit,
  // and only over a task file nobody edited since.
  const mined = minedCommits(join(outDir, 'tasks'), repo.name);
  const already = (sha: string) => mined.find((m) => sha.startsWith(m.gold));
  let resumed = 0;
  if (!opts.commit) {
    resumed = commits.filter((c) => already(c.sha)).length;
    commits = commits.filter((c) => !already(c.sha));
  }
  const limit = opts.limit - resumed;
  // A package that is not there at the newest commit looked at is a typo, said before any work.
  if (opts.package && commits.length) await packageFolder(await gitTree(mirror, commits[0]!.sha), opts.package);

  const root = join(tmpdir(), `bench-mine-${process.pid}`);
  // Ctrl-C or a timeout's SIGTERM stops the run between tasks: what was mined stays (the suite file is
  // valid after each task), running tests are stopped and the scratch folder goes. A second signal
  // does not wait.
  const stop = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) {
      rmSync(root, { recursive: true, force: true });
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    }
    interrupted = sig;
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  mkdirSync(join(root, 'scratch', 'home'), { recursive: true });
  mkdirSync(join(root, 'scratch', 'tmp'), { recursive: true });
  const started = performance.now();
  const stats: MineStats = { examined: 0, ran: 0, installs: 0, installMs: 0, wallMs: 0 };
  const jobs = Math.max(1, opts.jobs ?? 2);
  const total = commits.length;
  // Only the repository's own code runs while mining (its history, never an agent's change): hard links are safe.
  const workspaces = new WorkspaceManager(cache, join(root, 'wt'), {
    linkEnv: true,
    onSetup: (e) => {
      if (e.phase === 'done') {
        stats.installs++;
        stats.installMs += e.durationMs;
      }
      opts.onEvent?.({ type: 'setup', setup: e });
    },
  });
  const tasks: MinedTask[] = [];
  const rejected: Rejected[] = [];
  let defaults: { test: TestSpec; setup: string | null } | null = null;
  // Candidates beyond the limit that were already under way are stopped once it is reached (by `stop`).
  const slots = ordered(jobs);
  const failedSetups = new Map<string, string>();
  const blobs: BlobCache = new Map();
  // How long runs of the changed test files alone and full runs take here: the quick run is skipped once
  // it is not a fraction of a full one (the changed files are the slow part of the suite), as it then
  // costs about what it could save.
  const timing = {
    quick: [] as number[],
    full: [] as number[],
    quickPays(): boolean {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return !this.quick.length || !this.full.length || mean(this.quick) < mean(this.full) / 2;
    },
  };
  const examine = async (c: (typeof commits)[number], index: number): Promise<Examined> => {
    slots.enter(index);
    try {
      return await examineEntered(c, index);
    } finally {
      slots.leave(index);
    }
  };
  const examineEntered = async (c: (typeof commits)[number], index: number): Promise<Examined> => {
    const step = (what: string) => opts.onEvent?.({ type: 'step', index, total, sha: c.sha, what });
    const changed = (await git(mirror, ['diff', '--name-only', '--no-renames', c.parent, c.sha])).split('\n').filter(Boolean);
    // Test files the commit adds or changes (a deleted one has nothing to apply at grading).
    const tests = (await git(mirror, ['diff', '--name-only', '--no-renames', '--diff-filter=d', c.parent, c.sha]))
      .split('\n')
      .filter((f) => f && TEST_FILE.test(f));
    const sources = changed.filter((f) => !TEST_FILE.test(f) && !DOC_FILE.test(f));
    if (!tests.length) return { reason: 'changes no test files', cause: 'no-tests', ran: false };
    if (!sources.length) return { reason: 'changes no source files', cause: 'no-sources', ran: false };
    const how = await detect(mirror, c.parent, eraOf ? { ...opts, ...(await eraOf(c)) } : opts, [...sources, ...tests], blobs);
    if (typeof how === 'string') return { reason: how, cause: 'no-runner', ran: false };
    const spec = { repo, base: c.parent, setup: how.setup, gold: { from: c.parent, to: c.sha }, hidden_tests: tests, test: how.test };
    const isolation = { hidden: [], reveal: [] };
    const env: GradeEnv = {
      workspaces,
      scratch: join(root, 'scratch'),
      runTests: sandboxedTestRunner(join(root, 'scratch'), opts.sandbox, isolation),
      name: `mine-${c.sha.slice(0, 8)}`,
      signal: stop.signal,
    };
    const release = await slots.acquire(index);
    try {
      if (stop.signal.aborted) return { reason: 'not needed: the limit was reached', cause: 'limit', ran: false };
      const key = await workspaces.envKey(spec, stop.signal);
      // An install that failed fails again for every commit with the same lockfiles: said once, not re-run.
      const failed = failedSetups.get(key.key);
      if (failed) return { reason: failed, cause: 'setup', ran: false };
      step(`environment for ${key.label}`);
      try {
        await workspaces.env(spec, stop.signal);
      } catch (err) {
        if (err instanceof SetupError) failedSetups.set(key.key, `could not run: ${err.message} (as for ${c.sha.slice(0, 8)}, same environment key)`);
        throw err;
      }
      const sourcePatch = await goldPatch(cache, spec, tests);
      const inChanged = changedTest(tests, how.test.format);
      // Fail-to-pass tests are any the run reports (changed test data can flip an unchanged spec's tests):
      // the shortcuts below look at the changed files' tests only, so they decide only when every changed
      // test file runs tests of its own. TAP ids need not name their file: there every test counts as changed.
      const allOwnTests = (r: TestResults | null) =>
        how.test.format === 'tap' || (!!r && tests.every((t) => [...r.tests.keys()].some((id) => changedTest([t], how.test.format)(id))));
      // The changed test files alone first, before the change: most commits that do not make a task (a
      // refactor, a lint pass, tests for what already worked) have every changed test passing there, and
      // are told apart in a fraction of a full run. Only results decide: a command that cannot take file
      // arguments (no report, no tests) goes on to the full runs.
      // File arguments are relative to where the tests run (a package's folder in a monorepo).
      const args = tests.map((t) => shellQuote(how.package ? posix.relative(how.package, t) : t));
      const quick = { ...spec, test: { ...how.test, command: `${how.test.command} ${args.join(' ')}` } };
      let early: Array<[string, string]> = [];
      let quickResults: TestResults | null = null;
      if (timing.quickPays()) {
        step(`tests before, changed files only (${tests.length})`);
        const quickBefore = await testRunWith(quick, '', env, 'quick-before');
        if ('run' in quickBefore) timing.quick.push(quickBefore.run.durationMs);
        quickResults = 'results' in quickBefore ? quickBefore.results : null;
        early = quickResults ? [...quickResults.tests].filter(([id]) => inChanged(id)) : [];
        if (early.length && early.every(([, st]) => st === 'pass') && allOwnTests(quickResults))
          return { reason: 'no changed test fails before the change (changed test files run alone)', cause: 'no-f2p', ran: true };
      }
      // After: the whole commit; before: the parent with the commit's test files, only when a changed test
      // passes after the change that did not before (the pass-to-pass tests come from it).
      step('tests after, all');
      const after = await testRunWith(spec, sourcePatch, env, 'after');
      if ('run' in after) timing.full.push(after.run.durationMs);
      // No report: the test command's own output says why (a runner it tried to download offline, a crash).
      if ('results' in after && !after.results)
        return { reason: `the tests produce no results after the change (${after.problem})${outputTail(after.run)}`, cause: 'no-results', ran: true };
      const quickFailed = (id: string) => !early.length || quickResults?.tests.get(id) !== 'pass';
      if (
        'results' in after &&
        after.results &&
        allOwnTests(after.results) &&
        ![...after.results.tests].some(([id, st]) => st === 'pass' && inChanged(id) && quickFailed(id))
      )
        return { reason: 'no test fails before the change and passes after it', cause: 'no-f2p', ran: true };
      step('tests before, all');
      const before = await testRunWith(spec, '', env, 'before');
      return { changed, sources, tests, how, spec, before, after, ran: true };
    } catch (err) {
      return { reason: `could not run: ${err instanceof Error ? err.message : String(err)}`, cause: err instanceof SetupError ? 'setup' : 'error', ran: true };
    } finally {
      release();
    }
  };
  // Candidates are examined a few ahead of the one being recorded (at most `jobs` running tests at once, in history order).
  const ahead = new Map<number, Promise<Examined>>();
  const examined = (i: number): Promise<Examined> => {
    for (let j = i; j < Math.min(total, i + jobs * 4); j++) if (!ahead.has(j)) ahead.set(j, examine(commits[j]!, j));
    const p = ahead.get(i)!;
    ahead.delete(i);
    return p;
  };
  opts.onEvent?.({ type: 'listed', total, limit, jobs });
  let suiteFile = join(outDir, 'suite.yaml');
  try {
    for (const [index, c] of commits.entries()) {
      if (tasks.length >= limit || stop.signal.aborted) break;
      const ex = await examined(index);
      // A candidate the interrupt stopped is not a finding: nothing is said about it.
      if (stop.signal.aborted && 'reason' in ex) break;
      stats.examined++;
      if (ex.ran) stats.ran++;
      const reject = (reason: string, cause: SkipCause) => {
        rejected.push({ commit: c.sha, reason, cause });
        opts.onEvent?.({ type: 'done', index, total, sha: c.sha, subject: c.subject, task: null, reason, ran: ex.ran, tasks: tasks.length });
      };
      if ('reason' in ex) {
        reject(ex.reason, ex.cause);
        continue;
      }
      const { changed, sources, tests, how, spec, before, after } = ex;
      defaults ??= how;
      if (!('results' in before) || !('results' in after)) {
        const why = (r: typeof before) => ('infra' in r ? r.infra : 'unappliable' in r ? r.unappliable : '');
        reject(why(before) || why(after), 'error');
        continue;
      }
      if (!after.results) {
        reject(`the tests produce no results after the change (${after.problem})${outputTail(after.run)}`, 'no-results');
        continue;
      }
      // Any test that fails (or is missing) before and passes after; when the run before reports nothing
      // (the changed tests crash it), only the changed files' tests, which that can be blamed on.
      const blamable = before.results ? () => true : changedTest(tests, how.test.format);
      const f2p = [...after.results.tests].filter(([id, s]) => s === 'pass' && blamable(id) && before.results?.tests.get(id) !== 'pass').map(([id]) => id);
      const p2p = [...after.results.tests].filter(([id, s]) => s === 'pass' && before.results?.tests.get(id) === 'pass').map(([id]) => id);
      if (!f2p.length) {
        reject('no test fails before the change and passes after it', 'no-f2p');
        continue;
      }
      // The same commit in another repository of the suite (a fork) keeps its own task file.
      const plainId = `${slugify(c.subject) || 'change'}-${c.sha.slice(0, 7)}`;
      const id = (taskRepo(join(outDir, 'tasks', `${plainId}.yaml`)) ?? repo.name) === repo.name ? plainId : `${repo.name}-${plainId}`;
      const file = join(outDir, 'tasks', `${id}.yaml`);
      if (editedSinceMined(file)) {
        reject(`${file} was edited since it was mined: kept as it is (delete it to mine the commit again)`, 'edited');
        continue;
      }
      // A package's task may touch its folder (and what else the change touched, e.g. the root lockfile).
      const inPackage = (f: string) => how.package && f.startsWith(`${how.package}/`);
      const dirs = [
        ...new Set([
          ...(how.package ? [`${how.package}/**`] : []),
          ...changed.filter((f) => !inPackage(f)).map((f) => (f.includes('/') ? `${f.split('/')[0]}/**` : f)),
        ]),
      ].sort();
      const req = await requests.write({ mirror, commit: c, parent: c.parent, sources, tests, failToPass: f2p });
      const task = {
        id,
        kind: 'pr',
        title: req.title,
        repo: repo.name,
        base: c.parent,
        gold: c.sha,
        request: req.request,
        hidden_tests: spec.hidden_tests,
        fail_to_pass: f2p,
        pass_to_pass: p2p,
        allowed_paths: dirs,
        ...(how.setup !== defaults.setup ? { setup: how.setup } : {}),
        ...(JSON.stringify(how.test) !== JSON.stringify(defaults.test) ? { test: how.test } : {}),
        tags: ['mined', req.tag, ...(how.package ? [`package:${how.package}`] : [])],
        // Provenance, where the agent never looks (it is given the title and the request only).
        source: { commit: c.sha, mined_at: new Date().toISOString(), request: req.source, request_sha256: requestDigest(req.request) },
      };
      // The suite file first: after each task the suite loads.
      suiteFile = ensureSuiteFile(outDir, repo, opts.repo, { setup: defaults.setup, test: defaults.test }, opts.onProgress);
      writeAtomic(
        file,
        withMinedHash(
          `${schemaComment(file, 'task')}\n# Mined by bench from ${opts.repo} ${c.sha}; ${req.source === 'commit' ? 'edit' : 'review'} the request before use.\n${requestComments(req).join('\n')}\n${stringify(task, { lineWidth: 0 })}`,
        ),
      );
      const mined = { id, commit: c.sha, file, failToPass: f2p.length, passToPass: p2p.length, request: req };
      tasks.push(mined);
      opts.onEvent?.({ type: 'done', index, total, sha: c.sha, subject: c.subject, task: mined, reason: null, ran: true, tasks: tasks.length });
      if (req.source !== 'commit') opts.onProgress?.(`  request of ${id} from ${req.origin}`);
      if (req.leaks.length) opts.onProgress?.(`warning: the request of ${id} names the solution: ${req.leaks.join(', ')}`);
    }
  } finally {
    // What is still under way (candidates beyond the limit) stops, and has stopped, before its folders go.
    stop.abort();
    await Promise.allSettled(ahead.values());
    rmSync(root, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  stats.wallMs = Math.round(performance.now() - started);
  return { tasks, rejected, suiteFile, stats, resumed, ...(interrupted ? { interrupted } : {}) };
}

/** The line a mined task file ends its header with: the hash of what mining wrote, to tell an edited file. */
const MINED_HASH = /^# mined-sha256: ([0-9a-f]{64})\n/m;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function withMinedHash(text: string): string {
  const at = text.indexOf('\n') + 1;
  return `${text.slice(0, at)}# mined-sha256: ${sha256(text)}\n${text.slice(at)}`;
}

/** A task file that is there and is not what mining wrote (edited by a person, or written by hand). */
function editedSinceMined(file: string): boolean {
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const m = MINED_HASH.exec(text);
  return !m || sha256(text.replace(MINED_HASH, '')) !== m[1];
}

/** The repository a task file names, when it is there and parses. */
function taskRepo(file: string): string | null {
  try {
    const t = parse(readFileSync(file, 'utf8')) as { repo?: unknown } | null;
    return typeof t?.repo === 'string' ? t.repo : null;
  } catch {
    return null;
  }
}

/** The commits the suite's task files already hold for this repository (their gold), from the files that parse. */
function minedCommits(tasksDir: string, repoName: string): Array<{ gold: string; file: string }> {
  if (!existsSync(tasksDir)) return [];
  const found: Array<{ gold: string; file: string }> = [];
  for (const f of readdirSync(tasksDir).filter((n) => /\.ya?ml$/.test(n))) {
    try {
      const t = parse(readFileSync(join(tasksDir, f), 'utf8')) as { repo?: unknown; gold?: unknown } | null;
      const gold = typeof t?.gold === 'string' ? t.gold : typeof (t?.gold as { to?: unknown })?.to === 'string' ? (t!.gold as { to: string }).to : null;
      if (t?.repo === repoName && gold && /^[0-9a-f]{7,40}$/.test(gold)) found.push({ gold, file: f });
    } catch {
      // a file a person broke is validate's to report, not mining's
    }
  }
  return found;
}

type SuiteRunResult = Awaited<ReturnType<typeof testRunWith>>;

/**
 * Whether a test id is one of the commit's changed test files'. TAP ids need not name their file (ava:
 * "math › adds"): there, any test counts (both runs have the same test files, and the quick run only those).
 */
function changedTest(tests: string[], format: TestSpec['format']): (id: string) => boolean {
  return (id) => format === 'tap' || tests.some((t) => id === t || id.startsWith(`${t} > `));
}

/** A candidate after its test runs, or why it does not make a task; `ran` says whether any test or install ran for it. */
type Examined =
  | { reason: string; cause: SkipCause; ran: boolean }
  | {
      changed: string[];
      sources: string[];
      tests: string[];
      how: How;
      spec: { hidden_tests: string[] };
      before: SuiteRunResult;
      after: SuiteRunResult;
      ran: true;
    };

/**
 * At most `n` holders at once, handed out in index order: every candidate enters when its examination
 * starts, and a slot goes to a waiting one only when no lower index is still on its way (its cheap
 * checks still running), so candidates run in history order whatever order those checks finish in.
 * One that returns before it needs a slot leaves.
 */
function ordered(n: number): { enter: (index: number) => void; leave: (index: number) => void; acquire: (index: number) => Promise<() => void> } {
  let free = n;
  const entered = new Set<number>();
  const waiting = new Map<number, () => void>();
  const next = () => {
    while (free > 0 && entered.size) {
      const first = Math.min(...entered);
      const go = waiting.get(first);
      if (!go) return;
      free--;
      entered.delete(first);
      waiting.delete(first);
      go();
    }
  };
  return {
    enter: (index) => entered.add(index),
    leave: (index) => {
      entered.delete(index);
      next();
    },
    acquire: (index) =>
      new Promise((resolve) => {
        let released = false;
        waiting.set(index, () =>
          resolve(() => {
            if (released) return;
            released = true;
            free++;
            next();
          }),
        );
        next();
      }),
  };
}
