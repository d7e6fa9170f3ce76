// Repositories as users have them, made in the test: one per package manager and test runner (npm+jest
// with a build step, pnpm+vitest, yarn classic+mocha, yarn berry (Plug'n'Play)+ava, npm without a
// lockfile+tap, node:test with no dependencies, pytest), with real installs from the npm registry. For each:
// `bench suite detect` finds how it installs and tests, `bench suite mine` (no --setup, no
// --test-command) makes a task of the commit that adds a feature and its test, and `bench suite validate`
// accepts it.
import { exec, execSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { detectAt } from '../../src/suite/detect.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { mine, repoRef } from '../../src/suite/mine.ts';
import { validateSuite } from '../../src/suite/validate.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { bench } from '../helpers/cli.ts';
import { commit, git, tmp, writeFiles } from '../helpers/fixtures.ts';
import { runReplay } from '../helpers/replay.ts';
import { SHIPPED } from '../helpers/workflows.ts';

const run = promisify(exec);
const sandbox = detectSandbox('auto') as SandboxBackend;
const cacheDir = process.env.BENCH_CACHE_DIR!;
const root = tmp('bench-projects-');

// One download cache for every install in this file (npm, pnpm's store, yarn classic and berry,
// corepack's copies of pnpm and yarn): each package is fetched once per test run.
const caches = join(root, 'caches');
Object.assign(process.env, {
  npm_config_cache: join(caches, 'npm'),
  npm_config_store_dir: join(caches, 'pnpm-store'),
  YARN_CACHE_FOLDER: join(caches, 'yarn'),
  YARN_GLOBAL_FOLDER: join(caches, 'yarn-berry'),
  COREPACK_HOME: join(caches, 'corepack'),
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  // The registry this runs against may be a mirror that serves no signatures, and repo.yarnpkg.com may be
  // out of reach: corepack then takes yarn 2+ from the npm registry, unsigned.
  COREPACK_INTEGRITY_KEYS: '0',
  COREPACK_NPM_REGISTRY: execSync('npm config get registry', { encoding: 'utf8' }).trim().replace(/\/$/, ''),
  YARN_ENABLE_TELEMETRY: '0',
});

const PNPM = 'pnpm@10.28.0';
const YARN1 = 'yarn@1.22.22';
const YARN4 = 'yarn@4.12.0';

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
const GREET = 'export function hello(name) {\n  return `hello ${name}`;\n}\n';
const SHOUT = `${GREET}\nexport function shout(name) {\n  return hello(name).toUpperCase() + '!';\n}\n`;

interface Project {
  name: string;
  pm: string;
  runner: string;
  base: Record<string, string>;
  feature: Record<string, string>;
  /** Run in the checkout before the base commit: makes the lockfile (and fills the download cache). */
  lock?: string;
  build?: boolean;
}

const esm = (deps: Record<string, string>, test: string, extra: Record<string, unknown> = {}) =>
  json({ name: 'greet', version: '1.0.0', private: true, type: 'module', scripts: { test }, devDependencies: deps, ...extra });

const PROJECTS: Project[] = [
  {
    name: 'npm-jest',
    pm: 'npm',
    runner: 'jest',
    build: true,
    // The tests import the built copy (dist/, not tracked): the test command builds first.
    base: {
      'package.json': json({
        name: 'greet',
        version: '1.0.0',
        private: true,
        main: 'dist/greet.js',
        scripts: { build: 'node build.js', test: 'npm run build && jest' },
        devDependencies: { jest: '^30.0.0' },
      }),
      'build.js': "const fs = require('node:fs');\nfs.mkdirSync('dist', { recursive: true });\nfs.copyFileSync('src/greet.js', 'dist/greet.js');\n",
      'src/greet.js': 'exports.hello = (name) => `hello ${name}`;\n',
      'test/greet.test.js':
        "const { hello } = require('../dist/greet.js');\n\ndescribe('greet', () => {\n  test('hello', () => expect(hello('a')).toBe('hello a'));\n});\n",
    },
    feature: {
      'src/greet.js': "exports.hello = (name) => `hello ${name}`;\nexports.shout = (name) => exports.hello(name).toUpperCase() + '!';\n",
      'test/greet.test.js':
        "const { hello, shout } = require('../dist/greet.js');\n\ndescribe('greet', () => {\n  test('hello', () => expect(hello('a')).toBe('hello a'));\n  test('shout', () => expect(shout('a')).toBe('HELLO A!'));\n});\n",
    },
    lock: 'npm install --no-audit --no-fund',
  },
  {
    name: 'pnpm-vitest',
    pm: 'pnpm',
    runner: 'vitest',
    base: {
      'package.json': esm({ vitest: '^3.2.0' }, 'pnpm lint && vitest run --typecheck', { packageManager: PNPM }),
      'src/greet.js': GREET,
      'test/greet.test.js':
        "import { expect, test } from 'vitest';\nimport { hello } from '../src/greet.js';\n\ntest('hello', () => expect(hello('a')).toBe('hello a'));\n",
    },
    feature: {
      'src/greet.js': SHOUT,
      'test/greet.test.js':
        "import { expect, test } from 'vitest';\nimport { hello, shout } from '../src/greet.js';\n\ntest('hello', () => expect(hello('a')).toBe('hello a'));\ntest('shout', () => expect(shout('a')).toBe('HELLO A!'));\n",
    },
    lock: `corepack ${PNPM} install --no-frozen-lockfile`,
  },
  {
    // A namespace import: mocha stops the whole run, writing no report, when a file fails to load (a named
    // import of an export the base does not have yet), and validate needs the base's results.
    name: 'yarn1-mocha',
    pm: 'yarn',
    runner: 'mocha',
    base: {
      'package.json': esm({ mocha: '^11.0.0' }, 'yarn run spec', { packageManager: YARN1, scripts: { test: 'yarn run spec', spec: 'mocha' } }),
      'src/greet.js': GREET,
      'test/greet.test.js':
        "import assert from 'node:assert/strict';\nimport * as greet from '../src/greet.js';\n\ndescribe('greet', () => {\n  it('hello', () => assert.equal(greet.hello('a'), 'hello a'));\n});\n",
    },
    feature: {
      'src/greet.js': SHOUT,
      'test/greet.test.js':
        "import assert from 'node:assert/strict';\nimport * as greet from '../src/greet.js';\n\ndescribe('greet', () => {\n  it('hello', () => assert.equal(greet.hello('a'), 'hello a'));\n  it('shout', () => assert.equal(greet.shout('a'), 'HELLO A!'));\n});\n",
    },
    lock: `corepack ${YARN1} install --non-interactive`,
  },
  {
    name: 'berry-ava',
    pm: 'yarn-berry',
    runner: 'ava',
    base: {
      'package.json': esm({ ava: '^6.0.0' }, 'ava', { packageManager: YARN4 }),
      '.gitignore': 'node_modules/\n.yarn/\n.pnp.*\n.bench-corepack/\n',
      'src/greet.js': GREET,
      'test/greet.test.js': "import test from 'ava';\nimport { hello } from '../src/greet.js';\n\ntest('hello', (t) => t.is(hello('a'), 'hello a'));\n",
    },
    feature: {
      'src/greet.js': SHOUT,
      'test/greet.test.js':
        "import test from 'ava';\nimport { hello, shout } from '../src/greet.js';\n\ntest('hello', (t) => t.is(hello('a'), 'hello a'));\ntest('shout', (t) => t.is(shout('a'), 'HELLO A!'));\n",
    },
    lock: `corepack ${YARN4} install --no-immutable`,
  },
  {
    name: 'npm-tap',
    pm: 'npm',
    runner: 'tap',
    base: {
      'package.json': esm({ tap: '^21.0.0' }, 'tap'),
      'src/greet.js': GREET,
      'test/greet.test.js': "import t from 'tap';\nimport { hello } from '../src/greet.js';\n\nt.test('hello', async (t) => t.equal(hello('a'), 'hello a'));\n",
    },
    feature: {
      'src/greet.js': SHOUT,
      'test/greet.test.js':
        "import t from 'tap';\nimport { hello, shout } from '../src/greet.js';\n\nt.test('hello', async (t) => t.equal(hello('a'), 'hello a'));\nt.test('shout', async (t) => t.equal(shout('a'), 'HELLO A!'));\n",
    },
    // No lockfile is committed: this only fills the download cache.
    lock: 'npm install --no-package-lock --no-audit --no-fund',
  },
  {
    name: 'node-test',
    pm: 'npm',
    runner: 'node:test',
    base: {
      'package.json': esm({}, 'node --test'),
      'src/greet.js': GREET,
      'test/greet.test.js':
        "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { hello } from '../src/greet.js';\n\ntest('hello', () => assert.equal(hello('a'), 'hello a'));\n",
    },
    feature: {
      'src/greet.js': SHOUT,
      'test/greet.test.js':
        "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { hello, shout } from '../src/greet.js';\n\ntest('hello', () => assert.equal(hello('a'), 'hello a'));\ntest('shout', () => assert.equal(shout('a'), 'HELLO A!'));\n",
    },
  },
  {
    name: 'pytest',
    pm: 'pip',
    runner: 'pytest',
    base: {
      'pyproject.toml':
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "greet"\nversion = "1.0.0"\n\n[tool.setuptools]\npackages = ["greet"]\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
      'greet/__init__.py': 'def hello(name):\n    return f"hello {name}"\n',
      'tests/test_greet.py': 'from greet import hello\n\n\ndef test_hello():\n    assert hello("a") == "hello a"\n',
    },
    feature: {
      'greet/__init__.py': 'def hello(name):\n    return f"hello {name}"\n\n\ndef shout(name):\n    return hello(name).upper() + "!"\n',
      'tests/test_greet.py':
        'from greet import hello, shout\n\n\ndef test_hello():\n    assert hello("a") == "hello a"\n\n\ndef test_shout():\n    assert shout("a") == "HELLO A!"\n',
    },
  },
];

const repos = new Map<string, string>();

/** A repository: the base (with its lockfile, when the package manager makes one) and the feature commit. */
async function makeRepo(p: Project): Promise<string> {
  const dir = join(root, p.name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, { '.gitignore': 'node_modules/\ndist/\n.venv/\n__pycache__/\n*.egg-info/\n', ...p.base });
  if (p.lock) {
    // Once more on failure: installs side by side on a busy network sometimes time out (yarn 4 then dies of it).
    for (let attempt = 1; ; attempt++) {
      const err = await run(p.lock, { cwd: dir, env: process.env, maxBuffer: 16 << 20 }).then(
        () => null,
        (e: { stderr?: string; stdout?: string }) => `${e.stdout ?? ''}${e.stderr ?? String(e)}`,
      );
      if (err === null) break;
      if (attempt === 2) throw new Error(`${p.lock}: ${err.slice(-3000)}`);
    }
    for (const made of ['node_modules', '.yarn', '.pnp.cjs', '.pnp.loader.mjs']) rmSync(join(dir, made), { recursive: true, force: true });
  }
  commit(dir, 'Greet by name', {});
  commit(dir, 'Add shout', p.feature);
  return dir;
}

beforeAll(async () => {
  // The installs that make the lockfiles run side by side: they are mostly waiting on the network.
  const made = await Promise.all(PROJECTS.map(async (p) => [p.name, await makeRepo(p)] as const));
  for (const [name, dir] of made) repos.set(name, dir);
}, 300_000);

describe.each(PROJECTS)('$name', (p) => {
  test(`detects ${p.pm} and ${p.runner}, mines the feature with no flags, and validate accepts the task`, { timeout: 300_000 }, async () => {
    const repo = repos.get(p.name)!;
    const d = await detectAt(repoRef(repo), 'HEAD~1', cacheDir);
    expect(d.packageManager?.name, d.problem ?? '').toBe(p.pm);
    expect(d.runner?.name).toBe(p.runner);
    expect(d.build).toBe(p.build ? 'build' : null);

    const out = join(root, `suite-${p.name}`);
    const log: string[] = [];
    const res = await mine({ repo, out, limit: 1, cacheDir, sandbox, onProgress: (l) => log.push(l) });
    expect(res.rejected, log.join('\n')).toEqual([]);
    // The new test fails before the change (and, where a missing named import breaks the whole file, so does
    // the old one): at least one fail-to-pass.
    expect(res.tasks).toHaveLength(1);
    expect(res.tasks[0]!.failToPass).toBeGreaterThan(0);
    const suite = loadSuite(out);
    expect(suite.tasks[0]).toMatchObject({ setup: d.setup, test: d.test });

    const valid = await validateSuite(suite, { cacheDir, sandbox, runs: 1 });
    expect(valid.filter((v) => !v.valid)).toEqual([]);

    // And it replays: the sim works in the trial's sandboxed worktree and the trial is judged.
    const replayed = await runReplay(out, { workflows: [loadWorkflowDir(join(SHIPPED, 'broad'))], runId: p.name, cacheDir, sandbox });
    expect(replayed.records.map((r) => [r.status, r.error, typeof r.quality.resolved])).toEqual([['ok', null, 'boolean']]);
  });
});

test('bench suite detect prints the task fields, --json the whole detection, and exits 2 on a commit that is not there', async () => {
  const repo = repos.get('pnpm-vitest')!;
  const text = await bench(['suite', 'detect', repo]);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain(`setup: corepack ${PNPM} install --frozen-lockfile`);
  expect(text.stdout).toContain('command: node_modules/.bin/vitest run --reporter=junit --outputFile="$BENCH_TEST_REPORT"');
  const j = await bench(['suite', 'detect', repo, '--json', '--commit', 'HEAD~1']);
  expect(JSON.parse(j.stdout)).toMatchObject({ packageManager: { name: 'pnpm', version: '10.28.0', lockfile: 'pnpm-lock.yaml' }, runner: { name: 'vitest' } });
  const bad = await bench(['suite', 'detect', repo, '--commit', 'f00d']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--commit: commit f00d not found/);
});
