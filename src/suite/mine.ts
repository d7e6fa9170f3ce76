// Mining pull-request tasks from a repository's history: commits (or merges, against their first parent)
// that change both source and tests, whose changed tests fail before the change and pass after it.
// Each becomes a task file with its fail_to_pass and pass_to_pass ids measured, for a person to review
// (the request comes from the issue the change closed, a model, the pull request or the commit
// message: requestWriter.ts).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { SandboxBackend } from '../control/sandbox.ts';
import { InputError } from '../errors.ts';
import { testRunWith, type GradeEnv } from '../grade/pr.ts';
import { sandboxedTestRunner } from '../grade/runner.ts';
import { git, goldPatch, RepoCache } from '../workspace/repos.ts';
import { WorkspaceManager } from '../workspace/workspace.ts';
import { detectProject, gitTree } from './detect.ts';
import { resolveRepo, type ResolvedRepo } from './load.ts';
import { requestComments, RequestWriter, type RequestOptions, type MinedRequest } from './requestWriter.ts';
import { TestSpec } from './schema.ts';

export const TEST_FILE = /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$|_test\.(go|py)$|(^|\/)test_[^/]+\.py$/;
export const DOC_FILE = /\.(md|markdown|rst|txt)$|^docs?\//i;

export interface MineOptions extends RequestOptions {
  repo: string;
  out: string;
  since?: string;
  limit: number;
  commit?: string;
  testCommand?: string;
  setup?: string | null;
  cacheDir: string;
  sandbox: SandboxBackend;
  onProgress?: (line: string) => void;
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
}

export function repoRef(spec: string, field = '--repo'): ResolvedRepo {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i.test(spec);
  if (!isUrl && !existsSync(spec))
    throw new InputError('repository not found', { field, file: spec, fix: 'give a git URL, a local repository path or a git bundle' });
  const ref = isUrl ? { url: spec } : spec.endsWith('.bundle') ? { bundle: spec } : { path: spec };
  return resolveRepo(
    ref,
    basename(spec)
      .replace(/\.(git|bundle)$/, '')
      .replace(/[^A-Za-z0-9._-]/g, '-'),
    process.cwd(),
  );
}

export const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48)
    .replace(/-$/, '');

/** How to run the project's tests with a per-test report at a commit (see detect.ts); explicit flags override. */
async function detect(mirror: string, sha: string, opts: MineOptions): Promise<{ test: TestSpec; setup: string | null } | string> {
  const found = await detectProject(await gitTree(mirror, sha));
  const setup = opts.setup !== undefined ? opts.setup : found.setup;
  if (opts.testCommand) return { test: TestSpec.parse({ command: opts.testCommand }), setup };
  if (!found.test) return found.problem ?? 'no way to run the tests with a per-test report was found; pass --test-command';
  return { test: found.test, setup };
}

export async function mine(opts: MineOptions): Promise<{ tasks: MinedTask[]; rejected: Rejected[]; suiteFile: string }> {
  const requests = new RequestWriter(opts);
  const repo = repoRef(opts.repo);
  const cache = new RepoCache(opts.cacheDir);
  const mirror = await cache.mirror(repo);
  const outDir = resolve(opts.out);
  mkdirSync(join(outDir, 'tasks'), { recursive: true });

  let commits: Array<{ sha: string; parent: string; subject: string; body: string }>;
  if (opts.commit) {
    const sha = await cache.resolveCommit(repo, opts.commit);
    if (!sha) throw new InputError(`commit ${opts.commit} not found in ${opts.repo}`, { field: '--commit', fix: 'give a commit of that repository' });
    const [parents, subject, body] = (await git(mirror, ['show', '-s', '--format=%P%x00%s%x00%b', sha])).split('\0');
    commits = [{ sha, parent: parents!.split(' ')[0]!, subject: subject!, body: body!.trim() }];
  } else {
    const log = await git(mirror, ['log', '--first-parent', '--format=%H%x00%P%x00%s%x00%b%x1e', ...(opts.since ? [`--since=${opts.since}`] : []), 'HEAD']);
    commits = log
      .split('\x1e')
      .map((e) => e.trim())
      .filter(Boolean)
      .map((e) => {
        const [sha, parents, subject, body] = e.split('\0');
        return { sha: sha!, parent: parents!.split(' ')[0] ?? '', subject: subject!, body: (body ?? '').trim() };
      })
      .filter((c) => c.parent);
  }

  const root = join(tmpdir(), `bench-mine-${process.pid}`);
  mkdirSync(join(root, 'scratch', 'home'), { recursive: true });
  mkdirSync(join(root, 'scratch', 'tmp'), { recursive: true });
  const workspaces = new WorkspaceManager(cache, join(root, 'wt'));
  const tasks: MinedTask[] = [];
  const rejected: Rejected[] = [];
  let defaults: { test: TestSpec; setup: string | null } | null = null;
  try {
    for (const c of commits) {
      if (tasks.length >= opts.limit) break;
      const reject = (reason: string) => {
        rejected.push({ commit: c.sha, reason });
        opts.onProgress?.(`skip ${c.sha.slice(0, 8)} ${c.subject}: ${reason}`);
      };
      const changed = (await git(mirror, ['diff', '--name-only', '--no-renames', c.parent, c.sha])).split('\n').filter(Boolean);
      // Test files the commit adds or changes (a deleted one has nothing to apply at grading).
      const tests = (await git(mirror, ['diff', '--name-only', '--no-renames', '--diff-filter=d', c.parent, c.sha]))
        .split('\n')
        .filter((f) => f && TEST_FILE.test(f));
      const sources = changed.filter((f) => !TEST_FILE.test(f) && !DOC_FILE.test(f));
      if (!tests.length || !sources.length) {
        reject(!tests.length ? 'changes no test files' : 'changes no source files');
        continue;
      }
      const how = await detect(mirror, c.parent, opts);
      if (typeof how === 'string') {
        reject(how);
        continue;
      }
      defaults ??= how;
      const spec = { repo, base: c.parent, setup: how.setup, gold: { from: c.parent, to: c.sha }, hidden_tests: tests, test: how.test };
      const isolation = { hidden: [], reveal: [] };
      const env: GradeEnv = {
        workspaces,
        scratch: join(root, 'scratch'),
        runTests: sandboxedTestRunner(join(root, 'scratch'), opts.sandbox, isolation),
        name: `mine-${c.sha.slice(0, 8)}`,
      };
      let before;
      let after;
      try {
        // Before: the parent with the commit's test files; after: the whole commit.
        before = await testRunWith(spec, '', env, 'before');
        const sourcePatch = await goldPatch(cache, spec, tests);
        after = await testRunWith(spec, sourcePatch, env, 'after');
      } catch (err) {
        reject(`could not run: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      if (!('results' in before) || !('results' in after)) {
        const why = (r: typeof before) => ('infra' in r ? r.infra : 'unappliable' in r ? r.unappliable : '');
        reject(why(before) || why(after));
        continue;
      }
      if (!after.results) {
        reject(`the tests produce no results after the change (${after.problem})`);
        continue;
      }
      // TAP ids need not name their file (ava: "math › adds"): there, any test the source change turns from
      // failing to passing counts (both runs have the same test files).
      const inChanged = (id: string) => how.test.format === 'tap' || tests.some((t) => id === t || id.startsWith(`${t} > `));
      const f2p = [...after.results.tests].filter(([id, s]) => s === 'pass' && inChanged(id) && before.results?.tests.get(id) !== 'pass').map(([id]) => id);
      const p2p = [...after.results.tests].filter(([id, s]) => s === 'pass' && before.results?.tests.get(id) === 'pass').map(([id]) => id);
      if (!f2p.length) {
        reject('no changed test fails before the change and passes after it');
        continue;
      }
      const id = `${slugify(c.subject) || 'change'}-${c.sha.slice(0, 7)}`;
      const file = join(outDir, 'tasks', `${id}.yaml`);
      const dirs = [...new Set(changed.map((f) => (f.includes('/') ? `${f.split('/')[0]}/**` : f)))].sort();
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
        ...(how.test.command !== defaults.test.command ? { test: how.test } : {}),
        tags: ['mined', req.tag],
      };
      writeFileSync(
        file,
        `# yaml-language-server: $schema=../../schemas/task.schema.json\n# Mined by bench from ${opts.repo} ${c.sha}; ${req.source === 'commit' ? 'edit' : 'review'} the request before use.\n${requestComments(req).join('\n')}\n${stringify(task, { lineWidth: 0 })}`,
      );
      tasks.push({ id, commit: c.sha, file, failToPass: f2p.length, passToPass: p2p.length, request: req });
      opts.onProgress?.(`task ${id}: ${f2p.length} fail-to-pass, ${p2p.length} pass-to-pass; request from ${req.origin}`);
      if (req.leaks.length) opts.onProgress?.(`warning: the request of ${id} names the solution: ${req.leaks.join(', ')}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  const suiteFile = join(outDir, 'suite.yaml');
  if (!existsSync(suiteFile) && defaults) {
    const rel = relative(outDir, repo.location);
    // Relative when the suite sits near the repository; absolute when it would climb out to the root.
    const location = repo.kind === 'url' || isAbsolute(rel) || rel.split('/').filter((s) => s === '..').length > 2 ? repo.location : rel;
    writeFileSync(
      suiteFile,
      `# yaml-language-server: $schema=../schemas/suite.schema.json\n${stringify(
        {
          name: basename(outDir).replace(/[^A-Za-z0-9._-]/g, '-'),
          description: `Tasks mined from ${opts.repo}`,
          repos: { [repo.name]: { [repo.kind]: location } },
          defaults: { setup: defaults.setup, test: defaults.test },
        },
        { lineWidth: 0 },
      )}`,
    );
  } else if (existsSync(suiteFile) && !readFileSync(suiteFile, 'utf8').includes(`${repo.name}:`)) {
    opts.onProgress?.(`note: ${suiteFile} does not declare a repo named "${repo.name}": add it under repos:`);
  }
  return { tasks, rejected, suiteFile };
}
