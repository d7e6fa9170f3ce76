// How a repository installs and tests, read from its files at one commit: the package manager (from the
// lockfile and the `packageManager` field), the test runner behind the `test` script (following wrapper
// scripts), the flags that make that runner write a per-test report, and a build step when the tests
// import built output. Pure over a file reader, so it is tested on trees made in memory; `gitTree` reads a
// commit of a mirror. The commands it proposes never rewrite a tracked lockfile (frozen/immutable installs)
// and, at test time, need no network and no package manager download: binaries run from node_modules/.bin.
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { parse, stringify } from 'yaml';
import { InputError } from '../errors.ts';
import { git, RepoCache } from '../workspace/repos.ts';
import type { ResolvedRepo } from './load.ts';
import { TestSpec } from './schema.ts';

/** A repository's files at one commit. */
export interface RepoTree {
  /** Every tracked path. */
  files: string[];
  /** A tracked file's text, or null when absent. */
  read(path: string): Promise<string | null>;
}

/** Blob texts by object id: consecutive commits share most files, so mining reads each version once. */
export type BlobCache = Map<string, Promise<string | null>>;

/** A commit of a mirror as a tree; `blobs` is shared by the trees of one mining run. */
export function gitTree(mirror: string, sha: string, blobs: BlobCache = new Map()): Promise<RepoTree> {
  return git(mirror, ['ls-tree', '-r', '-z', sha], { maxOutputBytes: 64 << 20 }).then((out) => {
    const ids = new Map<string, string>();
    for (const entry of out.split('\0')) {
      // "<mode> blob <id>\t<path>"
      const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
      if (m) ids.set(m[2]!, m[1]!);
    }
    return {
      files: [...ids.keys()],
      read: (path: string) => {
        const id = ids.get(path);
        if (!id) return Promise.resolve(null);
        let p = blobs.get(id);
        if (!p) {
          p = git(mirror, ['cat-file', 'blob', id]).catch(() => null);
          blobs.set(id, p);
        }
        return p;
      },
    };
  });
}

export function memoryTree(files: Record<string, string>): RepoTree {
  return { files: Object.keys(files), read: async (p) => files[p] ?? null };
}

/** A folder of a tree as a tree of its own (paths relative to the folder). */
export function subTree(tree: RepoTree, dir: string): RepoTree {
  if (!dir) return tree;
  const prefix = `${dir}/`;
  return { files: tree.files.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)), read: (p) => tree.read(prefix + p) };
}

/**
 * The workspace packages a monorepo declares: the globs of package.json's `workspaces` (npm, yarn; an
 * array or `{ packages }`) or of pnpm-workspace.yaml's `packages`, `!` excluding, matched against the
 * folders holding a tracked package.json. Empty for a repository that is not a monorepo.
 */
export async function workspacePackages(tree: RepoTree): Promise<WorkspacePackage[]> {
  let globs: string[] = [];
  try {
    const root = JSON.parse((await tree.read('package.json')) ?? '{}') as PackageJson;
    globs = Array.isArray(root.workspaces) ? root.workspaces : (root.workspaces?.packages ?? []);
  } catch {
    // not JSON: detectProject says so
  }
  const pnpm = await tree.read('pnpm-workspace.yaml');
  if (pnpm !== null) {
    try {
      const doc = parse(pnpm) as { packages?: unknown } | null;
      if (Array.isArray(doc?.packages)) globs = [...globs, ...doc.packages.filter((g): g is string => typeof g === 'string')];
    } catch {
      // a broken pnpm-workspace.yaml: pnpm itself will say so at install
    }
  }
  const clean = (g: string) => g.replace(/^\.\//, '').replace(/\/+$/, '');
  const include = globs.filter((g) => !g.startsWith('!')).map(clean);
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => clean(g.slice(1)));
  if (!include.length) return [];
  const isIn = picomatch(include, { dot: false });
  const isOut = exclude.length ? picomatch(exclude) : () => false;
  const dirs = tree.files
    .filter((f) => f.endsWith('/package.json') && !f.split('/').includes('node_modules'))
    .map((f) => f.slice(0, -'/package.json'.length))
    .filter((d) => isIn(d) && !isOut(d))
    .sort();
  const out: WorkspacePackage[] = [];
  for (const dir of dirs) {
    let name: string | null = null;
    try {
      name = (JSON.parse((await tree.read(`${dir}/package.json`)) ?? '{}') as PackageJson).name ?? null;
    } catch {
      // named by its folder
    }
    out.push({ dir, name });
  }
  return out;
}

/**
 * The folder of the package `--package` names: a folder holding a package.json, or a workspace
 * package's name. Anything else is the user's mistake, said with the packages there are.
 */
export async function packageFolder(tree: RepoTree, given: string, field = '--package'): Promise<string> {
  const dir = given.replace(/^\.\//, '').replace(/\/+$/, '');
  const packages = await workspacePackages(tree);
  const byName = packages.find((p) => p.name === given);
  if (byName) return byName.dir;
  if (dir && !dir.split('/').some((s) => s === '..' || s === '.' || s === '') && !given.startsWith('/') && tree.files.includes(`${dir}/package.json`))
    return dir;
  throw new InputError(`no package ${JSON.stringify(given)} in this repository`, {
    field,
    fix: packages.length
      ? `give a workspace package's folder or name: ${packages.map((p) => p.dir).join(', ')}`
      : 'give a folder (relative to the repository root) that holds a package.json',
  });
}

/** The workspace package a path belongs to (the deepest whose folder holds it), or null for the root's own files. */
export function packageOf(packages: WorkspacePackage[], path: string): WorkspacePackage | null {
  let best: WorkspacePackage | null = null;
  for (const p of packages) if (path.startsWith(`${p.dir}/`) && (!best || p.dir.length > best.dir.length)) best = p;
  return best;
}

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'yarn-berry' | 'pip';
export type RunnerName = 'vitest' | 'jest' | 'mocha' | 'node:test' | 'ava' | 'tap' | 'pytest';

export interface Detection {
  language: 'node' | 'python' | null;
  packageManager: {
    name: PackageManagerName;
    /** The pinned version (`packageManager` field), or null when none is pinned. */
    version: string | null;
    lockfile: string | null;
    /** The install command (also in `setup`). */
    install: string;
    /** yarn berry only: how node_modules is laid out. */
    linker?: 'pnp' | 'node-modules' | 'pnpm';
  } | null;
  runner: {
    name: RunnerName;
    /** Scripts and wrapper binaries followed from the `test` script to the runner, e.g. ["test", "ts-scripts"]. */
    chain: string[];
    /** The project's own arguments kept (test paths, config). */
    args: string[];
  } | null;
  /** The package.json script run before the tests because they import built output, or null. */
  build: string | null;
  /** Workspace packages built before the tests (their `build` scripts), because the tests reach their built entry points. */
  siblingBuilds?: string[];
  /** The task fields: the setup command, and the test command with its report format. */
  setup: string | null;
  test: TestSpec | null;
  /** What was decided and why, in words. */
  notes: string[];
  /** Why no test command could be proposed (null when `test` is set). */
  problem: string | null;
  /** The workspace package detected (its folder, relative to the root), or null for the repository's root. */
  package?: string | null;
  /** A monorepo's workspace packages (folder and name), from the root's package.json or pnpm-workspace.yaml. */
  workspaces?: WorkspacePackage[];
}

export interface WorkspacePackage {
  /** Folder relative to the repository root, e.g. packages/core. */
  dir: string;
  name: string | null;
}

interface PackageJson {
  name?: string;
  workspaces?: string[] | { packages?: string[] };
  main?: string;
  module?: string;
  exports?: unknown;
  packageManager?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const RUNNERS: RunnerName[] = ['vitest', 'jest', 'mocha', 'ava', 'tap'];
/** Binaries that are steps around the tests, never the runner: linters, type checks, formatters, size checks. */
const NOT_TESTS = new Set([
  'eslint',
  'prettier',
  'tsc',
  'tsd',
  'biome',
  'xo',
  'standard',
  'oxlint',
  'size-limit',
  'attw',
  'publint',
  'dtslint',
  'markdownlint',
  'stylelint',
  'tslint',
  'knip',
  'depcheck',
  'rimraf',
  'echo',
  'true',
  'cd',
]);
/** Script names that are such steps. */
const NOT_TEST_SCRIPT = /^(pre|post)?(lint|format|typecheck|type-check|types|tsc|size|check-types|prettier|eslint|fmt|clean|build)([:-].*)?$/;
/** Coverage tools that wrap a command: `c8 node --test`, `nyc mocha`. */
const COVERAGE = new Set(['c8', 'nyc', 'istanbul']);

/** Words of one shell command, quotes removed (enough for package.json scripts; no expansions). */
function words(cmd: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(cmd); m; m = re.exec(cmd)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** `a && b || c; d` -> its commands (operators inside quotes are rare in test scripts and ignored). */
const commands = (script: string) =>
  script
    .split(/&&|\|\||;|\|/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Drops `FOO=bar`, `cross-env FOO=bar`, `env FOO=bar`, `npx`, `pnpm exec`, `yarn exec`, `npm exec --`. */
function bare(w: string[]): string[] {
  let i = 0;
  for (;;) {
    if (w[i] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[i]!)) i++;
    else if (w[i] === 'cross-env' || w[i] === 'env' || w[i] === 'dotenv') i++;
    else if (w[i] === 'npx' || w[i] === 'pnpx') {
      i++;
      while (w[i]?.startsWith('-')) i++;
    } else if ((w[i] === 'pnpm' || w[i] === 'yarn' || w[i] === 'npm') && w[i + 1] === 'exec') {
      i += 2;
      if (w[i] === '--') i++;
    } else if (w[i] && COVERAGE.has(w[i]!)) {
      i++;
      if (w[i] === 'cover') i++; // istanbul cover <cmd>
      while (w[i]?.startsWith('-')) i += w[i]!.includes('=') || !w[i + 1] || w[i + 1]!.startsWith('-') ? 1 : 2;
    } else break;
  }
  return w.slice(i);
}

interface Found {
  runner: RunnerName;
  args: string[];
  chain: string[];
}

interface Walk {
  /** Every runner invocation met, in order. */
  found: Found[];
  /** Binaries that were neither a known runner nor a known non-test step (e.g. ts-scripts). */
  unknown: Array<{ bin: string; chain: string[] }>;
  dropped: string[];
  /** Commands that run each workspace package's own script (turbo, nx, lerna, pnpm -r, npm --workspaces). */
  perPackage: string[];
}

/** Monorepo task runners: they run a script in every workspace package, not a test runner. */
const TASK_RUNNERS = new Set(['turbo', 'nx', 'lerna', 'ultra', 'wsrun', 'moon']);

/** Whether a command runs a script across a monorepo's packages. */
function perPackageCommand(w: string[]): boolean {
  const [pm, ...rest] = w;
  if (TASK_RUNNERS.has(pm!)) return true;
  if (pm === 'npm') return rest.some((a) => a === '--workspaces' || a === '-ws' || a.startsWith('--workspace') || a === '-w');
  if (pm === 'pnpm') return rest.some((a) => a === '-r' || a === '--recursive' || a.startsWith('--filter') || a === '-F');
  if (pm === 'yarn') return rest[0] === 'workspaces';
  return false;
}

/** The script a command runs, when it runs one of package.json's scripts. */
function scriptOf(w: string[], scripts: Record<string, string>): string | null {
  const [pm, a, b] = w;
  if (pm === 'npm') {
    if (a === 'test' || a === 't') return 'test';
    if ((a === 'run' || a === 'run-script') && b) return b;
    return null;
  }
  if (pm === 'pnpm' || pm === 'yarn' || pm === 'bun') {
    if (a === 'run' && b) return b;
    if (a && !a.startsWith('-') && a in scripts) return a;
    if (a === 'test') return 'test';
  }
  return null;
}

function walk(script: string, scripts: Record<string, string>, chain: string[], acc: Walk): void {
  for (const cmd of commands(script)) {
    const w = bare(words(cmd));
    if (!w.length) continue;
    if (perPackageCommand(w)) {
      acc.perPackage.push(w.slice(0, 3).join(' '));
      continue;
    }
    const sub = scriptOf(w, scripts);
    if (sub !== null) {
      if (chain.includes(sub) || !(sub in scripts)) continue;
      if (NOT_TEST_SCRIPT.test(sub)) {
        acc.dropped.push(sub);
        continue;
      }
      walk(scripts[sub]!, scripts, [...chain, sub], acc);
      continue;
    }
    // node_modules/.bin/mocha, node_modules/mocha/bin/_mocha -> mocha
    const bin = w[0]!.replace(/^(\.\/)?node_modules\/(\.bin\/|[^/]+\/bin\/)/, '').replace(/\.js$/, '');
    // `--` only separates a wrapper's options from the runner's (istanbul cover _mocha -- -R spec).
    const rest = w.slice(1).filter((a) => a !== '--');
    if (bin === 'node' && rest.some((a) => a === '--test')) acc.found.push({ runner: 'node:test', args: rest, chain });
    else if (bin === '_mocha' || bin === 'mocha') acc.found.push({ runner: 'mocha', args: rest, chain });
    else if (bin === 'vitest' && /^(typecheck|bench|list)$/.test(rest[0] ?? '')) acc.dropped.push(`vitest ${rest[0]}`);
    else if ((RUNNERS as string[]).includes(bin)) acc.found.push({ runner: bin as RunnerName, args: rest, chain });
    else if (bin === 'pytest' || (/^python[\d.]*$/.test(bin) && rest[0] === '-m' && rest[1] === 'pytest'))
      acc.found.push({ runner: 'pytest', args: bin === 'pytest' ? rest : rest.slice(2), chain });
    else if (bin === 'run-s' || bin === 'npm-run-all') {
      for (const name of rest.filter((a) => !a.startsWith('-')))
        if (name in scripts && !chain.includes(name) && !NOT_TEST_SCRIPT.test(name)) walk(scripts[name]!, scripts, [...chain, name], acc);
    } else if (NOT_TESTS.has(bin) || bin === 'node' || bin === 'tsx' || bin === 'ts-node') acc.dropped.push(bin);
    else acc.unknown.push({ bin, chain });
  }
}

/** Removes the runner arguments bench replaces or that make no sense for a graded run. */
function keepArgs(runner: RunnerName, args: string[]): { args: string[]; dropped: string[] } {
  const drop: Record<RunnerName, RegExp> = {
    // `--typecheck` too: type errors are whole-file failures, not per-test results, and tsc is slow.
    vitest: /^--(watch|coverage|ui|reporter|outputFile|typecheck|silent|passWithNoTests|run)\b|^-w$/,
    jest: /^--(watch|watchAll|coverage|ci|json|outputFile|reporters?|silent|passWithNoTests|runInBand)\b|^-[wi]$/,
    mocha: /^--(watch|reporter|reporter-options?|R)\b|^-[wR]$/,
    'node:test': /^--(test-reporter|test-reporter-destination|watch|experimental-test-coverage)\b/,
    ava: /^--(watch|tap|verbose)\b|^-[wv]$/,
    tap: /^--(reporter|coverage-report|R)\b|^-R|^--(no-)?coverage$/,
    pytest: /^--(junitxml|junit-xml|cov)\b/,
  };
  const takesValue = /^(--reporter|--outputFile|--reporters|--outputfile|-R|--reporter-options?|--test-reporter|--test-reporter-destination|--junitxml|--cov)$/;
  const kept: string[] = [];
  const dropped: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (runner === 'vitest' && /^(run|watch|dev)$/.test(a) && i === 0) continue;
    if (drop[runner].test(a)) {
      dropped.push(a);
      if (takesValue.test(a) && args[i + 1] && !args[i + 1]!.startsWith('-')) dropped.push(args[++i]!);
      continue;
    }
    kept.push(a);
  }
  return { args: kept, dropped };
}

const quote = (a: string) => (/^[\w./:@=,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** The test command for a runner: its binary, the project's kept arguments, and the report flags. */
function runnerCommand(
  runner: RunnerName,
  args: string[],
  bin: (name: string) => string,
  deps: Record<string, string> = {},
): { command: string; format: TestSpec['format'] } {
  const kept = args.map(quote).join(' ');
  const withArgs = (s: string) => (kept ? `${s} ${kept}` : s);
  switch (runner) {
    case 'vitest':
      return { command: `${withArgs(`${bin('vitest')} run`)} --reporter=junit --outputFile="$BENCH_TEST_REPORT"`, format: 'junit' };
    case 'jest':
      return { command: `${withArgs(bin('jest'))} --ci --json --outputFile="$BENCH_TEST_REPORT"`, format: 'jest-json' };
    case 'mocha':
      return { command: `${withArgs(bin('mocha'))} --reporter xunit --reporter-option output="$BENCH_TEST_REPORT"`, format: 'junit' };
    case 'node:test': {
      const rest = args.filter((a) => a !== '--test');
      return {
        command: `node --test --test-reporter=junit --test-reporter-destination="$BENCH_TEST_REPORT"${rest.length ? ` ${rest.map(quote).join(' ')}` : ''}`,
        format: 'junit',
      };
    }
    case 'ava':
      return { command: `${withArgs(bin('ava'))} --tap`, format: 'tap' };
    case 'tap': {
      // tap checks coverage by default and exits 1 below 100% (or with none): a failure no test shows, so
      // the run would not be trusted. tap 18 and later spell the switch --disable-coverage, older --no-coverage.
      const major = Number(/\d+/.exec(deps.tap ?? '')?.[0] ?? 99);
      return { command: `${withArgs(bin('tap'))} --reporter=tap ${major >= 18 ? '--disable-coverage' : '--no-coverage'}`, format: 'tap' };
    }
    case 'pytest':
      // xunit1 names each case's file, which the ids start with.
      return {
        command: `${withArgs('.venv/bin/python -m pytest -p no:cacheprovider')} -o junit_family=xunit1 --junitxml="$BENCH_TEST_REPORT"`,
        format: 'junit',
      };
  }
}

const TEST_FILE = /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$/;
const CODE = /\.[cm]?[jt]sx?$/;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Where package.json's entry points lead (`main`, `module`, `exports`), as checkout-relative paths. */
function entryPoints(pkg: PackageJson): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) visit(x);
  };
  visit(pkg.main);
  visit(pkg.module);
  visit(pkg.exports);
  return out.filter((p) => !p.includes('*')).map((p) => p.replace(/^\.\//, ''));
}

const normalize = (p: string) => {
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (s === '..') parts.pop();
    else if (s && s !== '.') parts.push(s);
  }
  return parts.join('/');
};

/** Whether a path of the tree is build output: in a dist/, build/, lib/... folder that is not tracked, and not a tracked file. */
function builtPath(tree: RepoTree): (path: string) => boolean {
  const tracked = new Set(tree.files);
  const dirs = new Set(
    tree.files.flatMap((f) =>
      f
        .split('/')
        .slice(0, -1)
        .map((_, i, a) => a.slice(0, i + 1).join('/')),
    ),
  );
  return (path: string) => {
    const p = normalize(path);
    if (tracked.has(p) || ['.js', '.ts', '.mjs', '.cjs', '/index.js', '/index.ts'].some((e) => tracked.has(p + e))) return false;
    const top = p.split('/')[0]!;
    return /^(dist|build|lib|out|es|esm|cjs)$/.test(top) && !dirs.has(top);
  };
}

/** Whether every entry point of a package leads into its build output. */
const entriesBuilt = (tree: RepoTree, pkg: PackageJson) => {
  const entries = entryPoints(pkg);
  const built = builtPath(tree);
  return entries.length > 0 && entries.every((e) => built(e));
};

/**
 * Whether the tests import built output: a relative import into a folder that is not tracked (dist/,
 * build/, lib/ made by the build), or the package by its own name while its entry points lead into
 * such a folder. Returns the first such import, for the note.
 */
async function importsBuiltOutput(tree: RepoTree, pkg: PackageJson): Promise<string | null> {
  const untracked = builtPath(tree);
  const ownBuilt = entriesBuilt(tree, pkg);
  const tests = tree.files.filter((f) => TEST_FILE.test(f) && CODE.test(f) && !f.includes('node_modules/')).slice(0, 60);
  for (const file of tests) {
    const text = await tree.read(file);
    if (!text) continue;
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) {
        const target = normalize(`${file.split('/').slice(0, -1).join('/')}/${spec}`);
        if (untracked(target)) return `${file} imports ${spec}`;
      } else if (pkg.name && (spec === pkg.name || spec.startsWith(`${pkg.name}/`)) && ownBuilt) return `${file} imports ${spec}, whose entry points are built`;
    }
  }
  return null;
}

/**
 * The workspace packages a package depends on (directly or through each other) whose entry points are
 * build output and that have a build script: what must be built before its tests run, dependencies first.
 */
async function builtSiblings(tree: RepoTree, workspaces: WorkspacePackage[], pkg: PackageJson): Promise<WorkspacePackage[]> {
  const byName = new Map(workspaces.filter((w) => w.name).map((w) => [w.name!, w]));
  const out: WorkspacePackage[] = [];
  const seen = new Set<string>();
  const visit = async (p: PackageJson) => {
    for (const dep of Object.keys({ ...p.dependencies, ...p.devDependencies })) {
      const sib = byName.get(dep);
      if (!sib || seen.has(sib.dir)) continue;
      seen.add(sib.dir);
      let sp: PackageJson;
      try {
        sp = JSON.parse((await tree.read(`${sib.dir}/package.json`)) ?? '{}') as PackageJson;
      } catch {
        continue;
      }
      await visit(sp);
      if (sp.scripts?.build && entriesBuilt(subTree(tree, sib.dir), sp)) out.push(sib);
    }
  };
  if (pkg.name) seen.add(byName.get(pkg.name)?.dir ?? '');
  await visit(pkg);
  return out;
}

interface Pm {
  name: PackageManagerName;
  version: string | null;
  lockfile: string | null;
  linker?: 'pnp' | 'node-modules' | 'pnpm';
  yarnPath?: string;
}

async function packageManager(tree: RepoTree, pkg: PackageJson, notes: string[]): Promise<Pm> {
  const has = (f: string) => tree.files.includes(f);
  // "pnpm@10.28.0+sha512.abc" -> pnpm, 10.28.0
  const pinned = /^(npm|pnpm|yarn)@(\d[^+\s]*)/.exec(pkg.packageManager ?? '');
  const pinnedName = pinned?.[1];
  const version = pinned?.[2] ?? null;
  if (pkg.packageManager && !pinned) notes.push(`packageManager "${pkg.packageManager}" is not npm, pnpm or yarn with a version: ignored`);
  const yarnrc = await tree.read('.yarnrc.yml');
  const berryLinker = () => {
    const l = /^nodeLinker:\s*["']?([\w-]+)/m.exec(yarnrc ?? '')?.[1];
    return l === 'node-modules' || l === 'pnpm' ? l : 'pnp';
  };
  const yarnPath = /^yarnPath:\s*["']?([^"'\s]+)/m.exec(yarnrc ?? '')?.[1];
  const berry = async (lockfile: string | null): Promise<Pm> => ({
    name: 'yarn-berry',
    version: pinnedName === 'yarn' ? version : null,
    lockfile,
    linker: berryLinker(),
    ...(yarnPath && has(yarnPath) ? { yarnPath } : {}),
  });
  if (has('pnpm-lock.yaml')) return { name: 'pnpm', version: pinnedName === 'pnpm' ? version : null, lockfile: 'pnpm-lock.yaml' };
  if (has('yarn.lock')) {
    const lock = (await tree.read('yarn.lock')) ?? '';
    // Berry's lockfile is YAML with a __metadata block; classic's has "# yarn lockfile v1".
    if (/^__metadata:/m.test(lock) || yarnrc !== null || (pinnedName === 'yarn' && !version!.startsWith('1.'))) return berry('yarn.lock');
    return { name: 'yarn', version: pinnedName === 'yarn' ? version : null, lockfile: 'yarn.lock' };
  }
  for (const f of ['package-lock.json', 'npm-shrinkwrap.json']) if (has(f)) return { name: 'npm', version: pinnedName === 'npm' ? version : null, lockfile: f };
  // No lockfile: the packageManager field decides, else npm.
  if (pinnedName === 'pnpm') return { name: 'pnpm', version, lockfile: null };
  if (pinnedName === 'yarn') return version!.startsWith('1.') ? { name: 'yarn', version, lockfile: null } : berry(null);
  return { name: 'npm', version: pinnedName === 'npm' ? version : null, lockfile: null };
}

/**
 * yarn berry runs under the sandbox at test time only with Plug'n'Play (no node_modules/.bin): then its
 * package cache must sit in the checkout (the paths in .pnp.cjs are relative, and a global cache is out of
 * the sandbox's view), and, without a yarnPath, corepack's copy of yarn too.
 */
function berryEnv(pm: Pm, root = '$PWD'): string {
  if (pm.name !== 'yarn-berry' || pm.linker !== 'pnp') return '';
  // YARN_CACHE_FOLDER too: a value from the user's environment (yarn classic reads the same name) would win.
  const cache = `YARN_ENABLE_GLOBAL_CACHE=false YARN_CACHE_FOLDER="${root}/.yarn/cache"`;
  return pm.yarnPath ? `${cache} ` : `${cache} COREPACK_HOME="${root}/.bench-corepack" `;
}

/**
 * corepack's copy of yarn is a CommonJS file: inside a project whose package.json says "type": "module"
 * node would load it as ESM and fail, so its folder gets a package.json of its own first.
 */
function corepackHome(pm: Pm): string {
  return pm.name === 'yarn-berry' && pm.linker === 'pnp' && !pm.yarnPath
    ? `mkdir -p .bench-corepack && echo '{"type":"commonjs"}' > .bench-corepack/package.json && `
    : '';
}

/** The package manager's own command: through corepack for pnpm and yarn, at the pinned version when there is one. */
function pmCommand(pm: Pm, root = ''): string {
  if (pm.name === 'npm' || pm.name === 'pip') return 'npm';
  if (pm.name === 'yarn-berry' && pm.yarnPath) return `node ${root ? `"${root}"/` : ''}${quote(pm.yarnPath)}`;
  const tool = pm.name === 'pnpm' ? 'pnpm' : 'yarn';
  const v = pm.version ?? (pm.name === 'yarn' ? '1' : pm.name === 'yarn-berry' ? '4' : '10');
  return `corepack ${tool}@${v}`;
}

function installCommand(pm: Pm, notes: string[]): string {
  const cmd = pmCommand(pm);
  if (cmd.startsWith('corepack '))
    notes.push(
      `corepack downloads ${cmd.split(' ')[1]} and checks its registry signature: behind a registry mirror that serves none, set COREPACK_INTEGRITY_KEYS=0 (and COREPACK_NPM_REGISTRY for yarn 2+ when repo.yarnpkg.com is out of reach)`,
    );
  switch (pm.name) {
    case 'npm':
      if (pm.lockfile) {
        notes.push(`npm ci installs exactly ${pm.lockfile} and never rewrites it`);
        return 'npm ci --no-audit --no-fund --prefer-offline';
      }
      notes.push('no lockfile: npm install --no-package-lock resolves the ranges in package.json today and writes no lockfile');
      return 'npm install --no-package-lock --no-audit --no-fund --prefer-offline';
    case 'pnpm':
      notes.push(
        pm.lockfile
          ? '--frozen-lockfile: pnpm installs the lockfile as it is and fails rather than rewrite it'
          : 'no lockfile: pnpm resolves package.json today',
      );
      return `${cmd} install ${pm.lockfile ? '--frozen-lockfile' : '--lockfile=false'}`;
    case 'yarn':
      notes.push(pm.lockfile ? '--frozen-lockfile: yarn classic fails rather than rewrite yarn.lock' : 'no lockfile: --no-lockfile writes none');
      return `${cmd} install ${pm.lockfile ? '--frozen-lockfile' : '--no-lockfile'} --non-interactive`;
    case 'yarn-berry':
      notes.push(`--immutable: yarn fails rather than rewrite yarn.lock; nodeLinker ${pm.linker}`);
      // Without a yarnPath, yarn runs through corepack; at test time there is no network, so corepack's
      // copy of yarn is kept inside the checkout (COREPACK_HOME) where the sandboxed test run finds it.
      return `${corepackHome(pm)}${berryEnv(pm)}${cmd} install ${pm.lockfile ? '--immutable' : '--no-immutable'}`;
    case 'pip':
      return '';
  }
}

async function detectPython(tree: RepoTree, notes: string[]): Promise<Detection | null> {
  const has = (f: string) => tree.files.includes(f);
  const project = has('pyproject.toml') || has('setup.py') || has('setup.cfg') || has('requirements.txt');
  const pyTests = tree.files.some((f) => /(^|\/)(test_[^/]+|[^/]+_test)\.py$/.test(f));
  if (!project && !pyTests) return null;
  const pyproject = (await tree.read('pyproject.toml')) ?? '';
  const ini = (await tree.read('pytest.ini')) ?? (await tree.read('tox.ini')) ?? '';
  const usesPytest = /pytest/.test(pyproject + ini + ((await tree.read('requirements.txt')) ?? '') + ((await tree.read('setup.cfg')) ?? '')) || pyTests;
  const steps = ['python3 -m venv --system-site-packages .venv'];
  // --system-site-packages: what the system already has (pytest, packages there is no index to fetch from)
  // satisfies the requirements.
  for (const req of ['requirements.txt', 'requirements-dev.txt', 'requirements-test.txt'].filter(has))
    steps.push(`.venv/bin/python -m pip install -q -r ${req}`);
  // The project itself is not installed: an install (editable or not) points at, or copies, this setup's
  // checkout, so the tests of a trial would import the base commit's code instead of the trial's. A .pth
  // file with paths relative to site-packages puts the checkout (and its src/) on sys.path wherever the
  // environment is copied to.
  steps.push(
    `.venv/bin/python -c 'import os, site; d = site.getsitepackages()[0]; open(os.path.join(d, "bench-checkout.pth"), "w").write(os.path.relpath(".", d) + "\\n" + os.path.relpath("src", d) + "\\n")'`,
  );
  notes.push(
    `python: a virtualenv in .venv that sees the system packages${steps.length > 2 ? ', with the requirements installed' : ''}; the checkout (and src/) on its path, the project not installed`,
  );
  if (!usesPytest) {
    return {
      language: 'python',
      packageManager: { name: 'pip', version: null, lockfile: has('requirements.txt') ? 'requirements.txt' : null, install: steps.join(' && ') },
      runner: null,
      build: null,
      setup: steps.join(' && '),
      test: null,
      notes,
      problem: 'a Python project, but no sign of pytest (pytest.ini, [tool.pytest] in pyproject.toml, test_*.py files)',
    };
  }
  const { command, format } = runnerCommand('pytest', [], (b) => b);
  return {
    language: 'python',
    packageManager: { name: 'pip', version: null, lockfile: has('requirements.txt') ? 'requirements.txt' : null, install: steps.join(' && ') },
    runner: { name: 'pytest', chain: [], args: [] },
    build: null,
    setup: steps.join(' && '),
    test: TestSpec.parse({ command, format }),
    notes,
    problem: null,
  };
}

/** Nothing to install or test with, and why. */
function undetected(language: Detection['language'], notes: string[], problem: string): Detection {
  return { language, packageManager: null, runner: null, build: null, setup: null, test: null, notes, problem };
}

/**
 * What builds and tests the repository at this tree: its root, or with `at` one workspace package of a
 * monorepo (installed from the root, as its package manager does, and tested in its own folder).
 */
export async function detectProject(tree: RepoTree, at = ''): Promise<Detection> {
  const notes: string[] = [];
  const workspaces = await workspacePackages(tree);
  const scope = { package: at || null, ...(workspaces.length ? { workspaces } : {}) };
  const text = await tree.read('package.json');
  if (text === null && !at) {
    const py = await detectPython(tree, notes);
    if (py) return py;
    return undetected(null, notes, 'no package.json and no Python project (pyproject.toml, setup.py, requirements.txt, test_*.py) at the root');
  }
  const readPkg = async (dir: string): Promise<PackageJson | string> => {
    const file = dir ? `${dir}/package.json` : 'package.json';
    const t = await tree.read(file);
    if (t === null) return `${file} does not exist`;
    try {
      return JSON.parse(t) as PackageJson;
    } catch (err) {
      return `${file} is not valid JSON: ${(err as Error).message}`;
    }
  };
  const root = text === null ? {} : await readPkg('');
  if (typeof root === 'string') return { ...undetected('node', notes, root), ...scope };
  const pkg = at ? await readPkg(at) : root;
  if (typeof pkg === 'string') return { ...undetected('node', notes, `${pkg}: not a package folder`), ...scope };
  const scripts = pkg.scripts ?? {};
  // A package's runner may be a dependency of the root only (hoisted tooling).
  const deps = { ...(at ? { ...root.dependencies, ...root.devDependencies } : {}), ...pkg.dependencies, ...pkg.devDependencies };
  // The root installs every package of a monorepo, with the package manager and lockfile the root names.
  const pm = await packageManager(tree, root, notes);
  const install = installCommand(pm, notes);
  // A project with nothing to install needs no setup.
  const setup = Object.keys({ ...deps, ...root.dependencies, ...root.devDependencies }).length || pm.lockfile || at ? install : null;
  if (!setup) notes.push('no dependencies: no setup');
  const packageManagerOut = { name: pm.name, version: pm.version, lockfile: pm.lockfile, install, ...(pm.linker ? { linker: pm.linker } : {}) };
  const base: Omit<Detection, 'runner' | 'test' | 'problem'> = { language: 'node', packageManager: packageManagerOut, setup, build: null, notes, ...scope };
  const own = subTree(tree, at);
  if (at)
    notes.push(
      `workspace package ${at}${pkg.name ? ` (${pkg.name})` : ''}: installed from the root, tested in its folder with its own test script; binaries from its node_modules/.bin, then the root's (hoisted)`,
    );

  // A package without a test script of its own is tested from the root (a runner config there, projects).
  if (at && !scripts.test) return { ...base, runner: null, test: null, problem: `${at} has no test script of its own: its tests run from the root` };
  const acc: Walk = { found: [], unknown: [], dropped: [], perPackage: [] };
  if (scripts.test) walk(scripts.test, scripts, ['test'], acc);
  // Several runs (`vitest --run typecheck && vitest run`): the one that selects no subset runs them all.
  let found = acc.found.find((f) => !keepArgs(f.runner, f.args).args.some((a) => !a.startsWith('-'))) ?? acc.found[0] ?? null;
  if (acc.found.length > 1)
    notes.push(`the test script runs the tests ${acc.found.length} times: bench runs one, ${found!.runner} ${found!.args.join(' ')}`.trimEnd());
  if (acc.dropped.length) notes.push(`not part of the graded run: ${[...new Set(acc.dropped)].join(', ')}`);
  if (!found && acc.perPackage.length)
    return {
      ...base,
      runner: null,
      test: null,
      problem: `the test script runs each workspace package's own tests (${acc.perPackage[0]}): bench runs one package's at a time (a change within one package is its task; see --package)`,
    };
  if (!found) {
    // A wrapper bench does not know (ts-scripts, kcd-scripts, ...) runs one of the project's runners.
    // The runner, or a package only its users have (@vitest/coverage-v8, ts-jest, @types/mocha): a wrapper
    // may bring the runner itself as its own dependency.
    const runner =
      RUNNERS.find((r) => r in deps) ??
      RUNNERS.find((r) => Object.keys(deps).some((d) => d.startsWith(`@${r}/`) || d === `@types/${r}` || d === `ts-${r}` || d === `babel-${r}`));
    if (runner && (acc.unknown.length || !scripts.test)) {
      const via = acc.unknown[0];
      found = { runner, args: [], chain: via ? [...via.chain, via.bin] : [] };
      notes.push(
        via
          ? `${via.bin} is a wrapper bench does not know: it runs ${runner}, the runner among the dependencies`
          : `no test script: ${runner} from the dependencies`,
      );
    }
  }
  if (!found) {
    return {
      ...base,
      runner: null,
      test: null,
      problem: `no test runner bench knows (vitest, jest, mocha, node --test, ava, tap) behind the test script ${JSON.stringify(scripts.test ?? null)}${
        acc.unknown.length ? ` (unknown: ${acc.unknown.map((u) => u.bin).join(', ')})` : ''
      }; pass --test-command`,
    };
  }
  const kept = keepArgs(found.runner, found.args);
  const { dropped } = kept;
  let args = kept.args;
  if (dropped.length) notes.push(`${found.runner} arguments replaced or dropped: ${dropped.join(' ')}`);
  if (found.runner === 'node:test') {
    // Node 21 and later read `node --test test/` as a file named test/, not the folder's files: a folder
    // becomes the glob of the files node ran in it before.
    const dirs = new Set(
      own.files.flatMap((f) =>
        f
          .split('/')
          .slice(0, -1)
          .map((_, i, a) => a.slice(0, i + 1).join('/')),
      ),
    );
    args = args.map((a) => {
      const d = a.replace(/^\.\//, '').replace(/\/+$/, '');
      return !a.startsWith('-') && dirs.has(d) ? `${d}/**/*.{js,mjs,cjs}` : a;
    });
    if (args.some((a, i) => a !== kept.args[i]))
      notes.push('node --test: test folders given as globs of their .js/.mjs/.cjs files (Node 21+ takes a folder for a file)');
  }
  const pnp = pm.name === 'yarn-berry' && pm.linker === 'pnp';
  // In a package's folder the root is some levels up; the command runs there.
  const up = at
    ? at
        .split('/')
        .map(() => '..')
        .join('/')
    : '';
  const rootRef = at ? `$PWD/${up}` : '$PWD';
  const pmRun = pnp ? `${berryEnv(pm, rootRef)}${pm.yarnPath ? '' : 'COREPACK_ENABLE_NETWORK=0 '}${pmCommand(pm, at ? rootRef : '')}` : null;
  // Under Plug'n'Play there is no node_modules/.bin: yarn itself resolves the runner. In a workspace
  // package, a binary sits in its own node_modules/.bin (pnpm) or the root's (npm and yarn hoist it).
  const bin = (name: string) => (pmRun ? `${pmRun} ${name}` : at ? name : `node_modules/.bin/${name}`);
  const cmd = runnerCommand(found.runner, args, bin, deps);

  let build: string | null = null;
  const builds: string[] = [];
  const built = await importsBuiltOutput(own, pkg);
  const runBuild = pmRun ? `${pmRun} run build` : 'npm run --silent build';
  if (built) {
    if (scripts.build) {
      build = 'build';
      // npm runs the script offline with node_modules/.bin on PATH, whatever installed it; pnp needs yarn.
      builds.push(runBuild);
      notes.push(`build before testing: ${built}`);
      if (!pmRun && /\b(pnpm|yarn)\b/.test(scripts.build))
        notes.push(
          'the build script calls pnpm or yarn, which the sandboxed test run cannot download: if it fails, pass a --test-command that builds without them',
        );
    } else notes.push(`${built}, but there is no build script: the tests may fail until it is built`);
  }
  // Sibling packages the tests reach through their built entry points are built first, dependencies first.
  if (at) {
    const siblings = await builtSiblings(tree, workspaces, pkg);
    builds.unshift(...siblings.map((sib) => `(cd ${quote(posix.relative(at, sib.dir))} && ${runBuild})`));
    for (const sib of siblings) notes.push(`build workspace package ${sib.dir} first: the tests reach ${sib.name} through its built entry points`);
    if (siblings.length) base.siblingBuilds = siblings.map((x) => x.dir);
  }
  if (builds.length) cmd.command = `${builds.join(' && ')} && ${cmd.command}`;
  if (at && !pmRun) cmd.command = `PATH="$PWD/node_modules/.bin:${rootRef}/node_modules/.bin:$PATH" && ${cmd.command}`;
  if (found.runner === 'node:test' && found.args.some((a) => /^--(import|require|loader|experimental)/.test(a)))
    notes.push('node --test keeps the project arguments (loaders and test paths)');
  return { ...base, build, runner: { name: found.runner, chain: found.chain, args }, test: TestSpec.parse(at ? { ...cmd, cwd: at } : cmd), problem: null };
}

/** The task fields a detection proposes, as they would appear in a suite's defaults. */
export function taskFields(d: Detection): { setup: string | null; test: TestSpec } | null {
  return d.test ? { setup: d.setup, test: d.test } : null;
}

/** Detection at a commit (default: the repository's HEAD) of a repository as `bench suite mine` reads it. */
export async function detectAt(repo: ResolvedRepo, rev: string | undefined, cacheDir: string, at = ''): Promise<Detection & { commit: string }> {
  const cache = new RepoCache(cacheDir);
  const mirror = await cache.mirror(repo);
  const commit = await cache.resolveCommit(repo, rev ?? 'HEAD');
  if (!commit)
    throw new InputError(rev ? `commit ${rev} not found in ${repo.location}` : `${repo.location} has no commits`, {
      field: '--commit',
      fix: rev ? 'give a commit (sha, branch or tag) of that repository' : 'commit something first',
    });
  const tree = await gitTree(mirror, commit);
  return { ...(await detectProject(tree, at && (await packageFolder(tree, at)))), commit };
}

/** What `bench suite detect` prints: what was found, then the task fields as YAML. */
export function formatDetection(d: Detection & { commit: string }, repo: string): string {
  const pm = d.packageManager;
  const r = d.runner;
  const lines = [
    `repository       ${repo} at ${d.commit}`,
    ...(d.package ? [`package          ${d.package}`] : []),
    ...(d.workspaces?.length
      ? [
          `workspaces       ${d.workspaces.length} packages: ${d.workspaces
            .slice(0, 8)
            .map((w) => (w.name && w.name !== w.dir ? `${w.dir} (${w.name})` : w.dir))
            .join(', ')}${d.workspaces.length > 8 ? `, … (--json lists all)` : ''}`,
        ]
      : []),
    `language         ${d.language ?? 'unknown'}`,
    `package manager  ${
      pm ? `${pm.name}${pm.version ? ` ${pm.version}` : ''}${pm.linker ? ` (nodeLinker ${pm.linker})` : ''}, lockfile ${pm.lockfile ?? 'none'}` : 'none'
    }`,
    `install          ${pm?.install || 'nothing'}`,
    `runner           ${r ? `${r.name}${r.chain.length ? ` (via ${r.chain.join(' -> ')})` : ''}${r.args.length ? `, arguments kept: ${r.args.join(' ')}` : ''}` : 'none found'}`,
    `build step       ${
      [...(d.siblingBuilds ?? []).map((dir) => `${dir}'s "build"`), ...(d.build ? [`npm script "${d.build}"`] : [])].join(', then ') +
        (d.build || d.siblingBuilds?.length ? ' before the tests' : '') || 'none'
    }`,
    ...(d.notes.length ? ['notes', ...d.notes.map((n) => `  - ${n}`)] : []),
  ];
  const fields = taskFields(d);
  if (d.workspaces?.length && !d.package)
    lines.push(
      '',
      'a monorepo: bench suite mine scopes a commit that changes one package to that package (its tests, its folder);',
      'see one package with --package <folder>',
    );
  if (!fields) lines.push(`no test command: ${d.problem}`);
  else lines.push('', '# task fields (suite defaults) bench suite mine would use:', stringify(fields, { lineWidth: 0 }).trimEnd());
  return `${lines.join('\n')}\n`;
}
