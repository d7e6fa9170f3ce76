// Monorepos as users have them, made in the test with real installs from the npm registry: npm workspaces
// (the runner hoisted to the root, one package's tests importing a sibling's built output) and a pnpm
// workspace (the runner in the package's own node_modules/.bin). `bench suite mine` with no flags scopes a
// change within one package to that package (its test script run in its folder, its folder as the
// allowed paths, test ids relative to the repository), `bench suite validate` accepts the tasks, and a
// change to the root is not scoped.
import { exec, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { mine } from '../../src/suite/mine.ts';
import { validateSuite } from '../../src/suite/validate.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { bench } from '../helpers/cli.ts';
import { commit, git, tmp, writeFiles } from '../helpers/fixtures.ts';
import { runReplay } from '../helpers/replay.ts';
import { SHIPPED } from '../helpers/workflows.ts';

const run = promisify(exec);
const sandbox = detectSandbox('auto') as SandboxBackend;
const cacheDir = process.env.BENCH_CACHE_DIR!;
const root = tmp('bench-monorepo-');
const caches = join(root, 'caches');
Object.assign(process.env, {
  npm_config_cache: join(caches, 'npm'),
  npm_config_store_dir: join(caches, 'pnpm-store'),
  COREPACK_HOME: join(caches, 'corepack'),
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_INTEGRITY_KEYS: '0',
  COREPACK_NPM_REGISTRY: execSync('npm config get registry', { encoding: 'utf8' }).trim().replace(/\/$/, ''),
});
const PNPM = 'pnpm@10.28.0';
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

async function makeRepo(name: string, base: Record<string, string>, lock: string): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, { '.gitignore': 'node_modules/\ndist/\n', ...base });
  for (let attempt = 1; ; attempt++) {
    const err = await run(lock, { cwd: dir, env: process.env, maxBuffer: 16 << 20 }).then(
      () => null,
      (e: { stderr?: string; stdout?: string }) => `${e.stdout ?? ''}${e.stderr ?? String(e)}`,
    );
    if (err === null) break;
    if (attempt === 2) throw new Error(`${lock}: ${err.slice(-3000)}`);
  }
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  for (const p of ['packages/core', 'packages/app', 'packages/a']) rmSync(join(dir, p, 'node_modules'), { recursive: true, force: true });
  commit(dir, 'Start', {});
  return dir;
}

const mochaTest = (imp: string, cases: string[]) =>
  `const assert = require('node:assert/strict');\nconst m = require('${imp}');\n\ndescribe('m', () => {\n${cases.map((c) => `  ${c}\n`).join('')}});\n`;

let npmRepo = '';
let pnpmRepo = '';

beforeAll(async () => {
  [npmRepo, pnpmRepo] = await Promise.all([
    // npm workspaces: mocha at the root (hoisted); @m/app's tests import @m/core, whose entry point is built.
    makeRepo(
      'npm-workspaces',
      {
        'package.json': json({
          name: 'm',
          private: true,
          workspaces: ['packages/*'],
          scripts: { test: 'npm test --workspaces' },
          devDependencies: { mocha: '^11.0.0' },
        }),
        'packages/core/package.json': json({ name: '@m/core', version: '1.0.0', main: 'dist/index.js', scripts: { build: 'node build.js', test: 'mocha' } }),
        'packages/core/build.js':
          "const fs = require('node:fs');\nfs.mkdirSync('dist', { recursive: true });\nfs.copyFileSync('src/index.js', 'dist/index.js');\n",
        'packages/core/src/index.js': 'exports.hello = (n) => `hello ${n}`;\n',
        'packages/core/test/core.test.js': mochaTest('../src/index.js', ["it('hello', () => assert.equal(m.hello('a'), 'hello a'));"]),
        'packages/app/package.json': json({ name: '@m/app', version: '1.0.0', scripts: { test: 'mocha' }, dependencies: { '@m/core': '1.0.0' } }),
        'packages/app/src/app.js': "const { hello } = require('@m/core');\nexports.greet = () => hello('app');\n",
        'packages/app/test/app.test.js': mochaTest('../src/app.js', ["it('greets', () => assert.equal(m.greet(), 'hello app'));"]),
      },
      'npm install --no-audit --no-fund',
    ),
    // pnpm workspace: vitest is packages/a's own dev dependency, in its own node_modules/.bin.
    makeRepo(
      'pnpm-workspace',
      {
        'package.json': json({ name: 'p', private: true, packageManager: PNPM, scripts: { test: 'pnpm -r test' } }),
        'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n',
        'packages/a/package.json': json({ name: 'a', version: '1.0.0', type: 'module', scripts: { test: 'vitest' }, devDependencies: { vitest: '^3.2.0' } }),
        'packages/a/src/a.js': 'export const one = () => 1;\n',
        'packages/a/test/a.test.js':
          "import { expect, test } from 'vitest';\nimport { one } from '../src/a.js';\n\ntest('one', () => expect(one()).toBe(1));\n",
      },
      `corepack ${PNPM} install --no-frozen-lockfile`,
    ),
  ]);
  commit(npmRepo, 'core: shout', {
    'packages/core/src/index.js': 'exports.hello = (n) => `hello ${n}`;\nexports.shout = (n) => exports.hello(n).toUpperCase();\n',
    'packages/core/test/core.test.js': mochaTest('../src/index.js', [
      "it('hello', () => assert.equal(m.hello('a'), 'hello a'));",
      "it('shout', () => assert.equal(m.shout('a'), 'HELLO A'));",
    ]),
  });
  commit(npmRepo, 'app: farewell', {
    'packages/app/src/app.js': "const { hello } = require('@m/core');\nexports.greet = () => hello('app');\nexports.bye = () => 'bye';\n",
    'packages/app/test/app.test.js': mochaTest('../src/app.js', [
      "it('greets', () => assert.equal(m.greet(), 'hello app'));",
      "it('byes', () => assert.equal(m.bye(), 'bye'));",
    ]),
  });
  // Both packages at once: not one package's task, and the root's `npm test --workspaces` runs each package's tests.
  commit(npmRepo, 'both: rename', {
    'packages/core/src/index.js': 'exports.hello = (n) => `hello ${n}`;\nexports.shout = (n) => exports.hello(n).toUpperCase();\nexports.hi = exports.hello;\n',
    'packages/core/test/hi.test.js': mochaTest('../src/index.js', ["it('hi', () => assert.equal(m.hi('a'), 'hello a'));"]),
    'packages/app/src/extra.js': 'exports.x = 1;\n',
    'packages/app/test/extra.test.js': mochaTest('../src/extra.js', ["it('x', () => assert.equal(m.x, 1));"]),
  });
  commit(pnpmRepo, 'a: two', {
    'packages/a/src/a.js': 'export const one = () => 1;\nexport const two = () => 2;\n',
    'packages/a/test/a.test.js':
      "import { expect, test } from 'vitest';\nimport { one, two } from '../src/a.js';\n\ntest('one', () => expect(one()).toBe(1));\ntest('two', () => expect(two()).toBe(2));\n",
  });
}, 300_000);

const taskFiles = (out: string) => loadSuite(out).tasks;

test(
  'npm workspaces: each change is mined as its package’s task (hoisted runner, sibling built first) and validate accepts both',
  { timeout: 400_000 },
  async () => {
    const out = join(root, 'suite-npm');
    const log: string[] = [];
    const res = await mine({ repo: npmRepo, out, limit: 5, cacheDir, sandbox, onProgress: (l) => log.push(l) });
    expect(res.tasks.map((t) => t.id).sort(), JSON.stringify(res.rejected) + log.join('\n')).toHaveLength(2);
    expect(res.rejected.map((r) => r.reason)).toContainEqual(
      "the test script runs each workspace package's own tests (npm test --workspaces): bench runs one package's at a time (a change within one package is its task; see --package) (a monorepo: this change is not within one workspace package: packages/app, packages/core)",
    );
    const tasks = taskFiles(out);
    const app = tasks.find((t) => t.id.startsWith('app-farewell'))!;
    const core = tasks.find((t) => t.id.startsWith('core-shout'))!;
    if (app.kind !== 'pr' || core.kind !== 'pr') throw new Error('pr tasks expected');
    expect(app.test.cwd).toBe('packages/app');
    expect(core.test.cwd).toBe('packages/core');
    // The app's tests reach @m/core through dist/: core is built first, from the app's folder.
    expect(app.test.command).toContain('(cd ../core && npm run --silent build)');
    expect(core.test.command).not.toContain('build');
    expect(app.allowed_paths).toEqual(['packages/app/**']);
    expect(app.tags).toContain('package:packages/app');
    // Ids are relative to the repository, whatever folder the runner ran in.
    expect(app.fail_to_pass).toEqual(['packages/app/test/app.test.js > m > byes']);
    expect(app.pass_to_pass).toEqual(['packages/app/test/app.test.js > m > greets']);
    expect(core.fail_to_pass).toEqual(['packages/core/test/core.test.js > m > shout']);
    // The editor hint of each written file leads to bench's schema, wherever the suite is.
    for (const f of [join(out, 'suite.yaml'), ...res.tasks.map((t) => t.file)]) {
      const hint = /^# yaml-language-server: \$schema=(.+)$/m.exec(readFileSync(f, 'utf8'))![1]!;
      expect(existsSync(resolve(dirname(f), hint)), `${f}: ${hint}`).toBe(true);
    }
    // The install is the root's, once for both (same lockfile).
    expect(app.setup).toBe('npm ci --no-audit --no-fund --prefer-offline');
    expect(res.stats.installs).toBe(1);

    const valid = await validateSuite(loadSuite(out), { cacheDir, sandbox, runs: 1 });
    expect(valid.filter((v) => !v.valid)).toEqual([]);

    // Both replay: the sim runs the package's tests in its folder, and each trial is judged.
    const replayed = await runReplay(out, { workflows: [loadWorkflowDir(join(SHIPPED, 'broad'))], runId: 'npm-workspaces', cacheDir, sandbox });
    expect(replayed.records.map((r) => [r.status, r.error, typeof r.quality.resolved])).toEqual([
      ['ok', null, 'boolean'],
      ['ok', null, 'boolean'],
    ]);

    // Only one package's changes, with --package by name.
    const only = await mine({ repo: npmRepo, out: join(root, 'suite-npm-core'), limit: 5, cacheDir, sandbox, package: '@m/core' });
    expect(only.tasks.map((t) => t.id)).toEqual([core.id]);
    expect(only.rejected.find((r) => r.reason.startsWith('changes files outside packages/core'))).toBeTruthy();
  },
);

test('pnpm workspace: the package’s own vitest runs in its folder; the suite file holds the scoped test', { timeout: 300_000 }, async () => {
  const out = join(root, 'suite-pnpm');
  const res = await mine({ repo: pnpmRepo, out, limit: 1, cacheDir, sandbox });
  expect(res.rejected).toEqual([]);
  const suiteYaml = parse(readFileSync(join(out, 'suite.yaml'), 'utf8')) as { defaults: { test: { cwd: string; command: string } } };
  expect(suiteYaml.defaults.test.cwd).toBe('packages/a');
  expect(suiteYaml.defaults.test.command).toMatch(/^PATH="\$PWD\/node_modules\/\.bin:\$PWD\/\.\.\/\.\.\/node_modules\/\.bin:\$PATH" && vitest run /);
  const [task] = taskFiles(out);
  expect(task).toMatchObject({ fail_to_pass: ['packages/a/test/a.test.js > two'], pass_to_pass: ['packages/a/test/a.test.js > one'] });
  const valid = await validateSuite(loadSuite(out), { cacheDir, sandbox, runs: 1 });
  expect(valid.filter((v) => !v.valid)).toEqual([]);
});

test('bench suite detect lists the workspace packages and shows one with --package; an unknown package exits 2', async () => {
  const all = await bench(['suite', 'detect', npmRepo]);
  expect(all.stdout).toContain('workspaces       2 packages: packages/app (@m/app), packages/core (@m/core)');
  expect(all.stdout).toContain('a monorepo: bench suite mine scopes');
  const one = await bench(['suite', 'detect', npmRepo, '--package', 'packages/app']);
  expect(one.code).toBe(0);
  expect(one.stdout).toContain('package          packages/app');
  expect(one.stdout).toContain(`build step       packages/core's "build" before the tests`);
  expect(one.stdout).toContain('cwd: packages/app');
  const bad = await bench(['suite', 'detect', npmRepo, '--package', 'packages/nope']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--package: no package "packages\/nope".*\n.*fix: give a workspace package's folder or name: packages\/app, packages\/core/);
  const badMine = await bench(['suite', 'mine', '--repo', npmRepo, '--out', join(root, 'x'), '--package', 'nope']);
  expect(badMine.code).toBe(2);
  expect(badMine.stderr).toMatch(/--package: no package "nope"/);
});
