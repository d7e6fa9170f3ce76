// Trial workspaces: a git worktree of the task's base commit, with the environment the setup command
// produced (run once per repo, lockfiles, command and runtime, then copied in: see env()), the diff
// the agent left, and removal that also happens after errors and on Ctrl-C. Every git command the
// harness runs on a worktree names its git dir, work tree, index and object store itself (git.ts): what
// the agent left in the worktree (its `.git`, config it wrote, hooks) is never consulted, and nothing the
// agent wrote is run.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { runProcess, runShell } from '../exec/run.ts';
import type { ResolvedRepo, TaskEnvironment } from '../suite/load.ts';
import { imageFor, runSetupInContainer, type EnvironmentImages } from './images.ts';
import { GitError, gitOut, runGit, type GitPlace } from './git.ts';
import { touchEntry } from './cacheAdmin.ts';
import { processStart, withLock } from './lock.ts';
import { git, RepoCache } from './repos.ts';

export class SetupError extends Error {
  readonly log: string;
  constructor(message: string, log: string) {
    super(message);
    this.name = 'SetupError';
    this.log = log;
  }
}

export interface WorkspaceSpec {
  repo: ResolvedRepo;
  base: string;
  setup: string | null;
  /** The task's container environment: its setup runs in a container of the image (when the manager has images). */
  environment?: TaskEnvironment | null;
}

export interface Workspace {
  dir: string;
  base: string;
  repo: ResolvedRepo;
  /** The base repository the worktree belongs to. */
  baseRepo: string;
  /** The worktree's admin folder inside the base repository: the git dir the harness names itself. */
  gitDir: string;
  /** A folder of the harness's for this worktree: the index and objects its own git commands write. */
  own: string;
  /**
   * Paths (relative) the setup command produced and that were copied in: never part of the diff or of any
   * figure. The agent's git excludes them through the worktree's config (see hideSetupPaths); the
   * harness applies this list itself, as the agent may be able to write that config.
   */
  setupPaths: string[];
}

export interface DiffStat {
  patch: string;
  files: string[];
  added: number;
  removed: number;
  /**
   * Why there is no patch to grade, when there is none: larger than a patch may be, or a worktree git
   * cannot read (the agent's doing). `patch` is empty and the trial is judged not resolved on that.
   */
  ungradable?: string;
}

/** The largest patch bench keeps and grades (a change above it is judged as not resolved). */
export const MAX_PATCH_BYTES = 64 << 20;

/**
 * What a built environment's record (`<env>.json`) holds. Only `layout` and `paths` are read back; the
 * rest is for people reading the cache: what the environment was keyed by, the commit it was built at,
 * what setup produced that is not carried into worktrees, and how long the setup took.
 */
interface EnvRecord {
  /** Records of older layouts (keyed by commit, carrying everything setup changed) are rebuilt. */
  layout: 3;
  command: string;
  /** The lockfiles (path: blob id) and runtime versions, or the commit when there is no lockfile. */
  keyedBy: EnvKey['inputs'];
  builtAt: string;
  paths: string[];
  leftOut: string[];
  durationMs: number;
}

export interface Env {
  dir: string;
  /** The dependency folders the setup command produced, relative to the checkout: what is carried into worktrees. */
  paths: string[];
}

/** What an environment is keyed by, and a short description of it for progress lines. */
export interface EnvKey {
  key: string;
  /** e.g. "pnpm-lock.yaml 1a2b3c4d" or "commit 0123abcd (no lockfile)". */
  label: string;
  inputs: { lockfiles: Record<string, string>; runtime: Record<string, string> } | { commit: string };
}

/** A setup command starting or finished (for progress output and counting installs). */
export type SetupEvent =
  { phase: 'start'; label: string; command: string } | { phase: 'done'; label: string; command: string; durationMs: number; ok: boolean };

export interface WorkspaceOptions {
  /**
   * Carry the environment into worktrees as hard links instead of copies. Only for the harness's own
   * runs of a repository's own code (mining, `bench suite validate`): a write through a hard link changes
   * the shared environment for every later worktree, so a worktree the agent (or its patch) writes to
   * must get copies.
   */
  linkEnv?: boolean;
  onSetup?: (e: SetupEvent) => void;
  /** The run's container images: a spec with an environment gets its setup run in its image. */
  images?: EnvironmentImages | null;
}

/**
 * Files whose content decides what an install produces, at any depth (monorepos): the lockfiles and
 * package-manager settings of npm, pnpm and yarn, and Python's requirements, lock and project files.
 */
const INSTALL_INPUTS = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'yarn.lock',
  '.yarnrc.yml',
  '.yarnrc',
  '.pnpmfile.cjs',
  '.npmrc',
  'poetry.lock',
  'uv.lock',
  'Pipfile.lock',
  'pyproject.toml',
]);
const isInstallInput = (name: string) => INSTALL_INPUTS.has(name) || /^requirements.*\.txt$/.test(name);
/** The install inputs that pin what gets installed; without one, the commit is the key. */
const LOCKFILE = /^(package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|yarn\.lock|poetry\.lock|uv\.lock|Pipfile\.lock|requirements.*\.txt)$/;

/** The line of a failed command's output that most likely says why (the last that looks like an error, else the last), shortened. */
export function errorLine(output: string): string | null {
  const lines = output
    .split('\n')
    // eslint-disable-next-line no-control-regex
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim())
    .filter(Boolean);
  // What package managers print after the error is advice ("A complete log of this run…"), not the error.
  const noise =
    /complete log of this run|No authorization header|^npm (error|ERR!)\s*$|^npm (error|ERR!) (code \S+|path \S+|command failed|command sh -c .*)$|^(npm (error|ERR!)\s+)?at /;
  const useful = lines.filter((l) => !noise.test(l));
  // npm names the lifecycle script that failed ("npm error command sh -c <script>"): said along with the error.
  const script = lines.map((l) => /^npm (?:error|ERR!) command sh -c (.+)$/.exec(l)?.[1]).findLast(Boolean);
  const line =
    useful.findLast((l) => /ERR_[A-Z0-9_]+|\b[A-Za-z]*Error\b:|\berror(:| code)|\b(404|ENOENT|EACCES|E404|ETARGET|ENOTFOUND)\b/.test(l)) ??
    useful.findLast((l) => /\b(error|failed|not found|No such)\b/i.test(l)) ??
    useful.at(-1);
  if (!line) return null;
  const said = script && !line.includes(script) ? `${line} (running ${script})` : line;
  return said.length > 240 ? `${said.slice(0, 237)}...` : said;
}

/** Names that mark a dependency folder or file (what an install produces, and all an environment shared by many commits may carry). */
// .bench-corepack: corepack's copy of yarn berry under Plug'n'Play, kept in the checkout so the sandboxed test run has it (detect.ts).
const DEPENDENCY_NAMES = new Set(['node_modules', '.pnp.cjs', '.pnp.js', '.pnp.loader.mjs', '.bench-corepack']);
const YARN_DEPENDENCIES = new Set(['cache', 'unplugged', 'install-state.gz']);

/** Whether a path (relative, in the env folder) is a dependency folder: node_modules, Yarn PnP files and folders, a virtualenv. */
function isDependency(envDir: string, rel: string): boolean {
  const name = basename(rel);
  if (DEPENDENCY_NAMES.has(name)) return true;
  if (basename(dirname(rel)) === '.yarn' && YARN_DEPENDENCIES.has(name)) return true;
  // A virtualenv, whatever it is called: python -m venv writes pyvenv.cfg at its top.
  return existsSync(join(envDir, rel, 'pyvenv.cfg'));
}

/**
 * Splits what setup changed into the dependency folders (carried into worktrees) and the rest (build
 * output, tracked files setup rewrote: left out, because the environment is shared by commits whose
 * files differ). Folders git reports whole (`.yarn/`, a new package's folder) are searched for dependency
 * folders; a folder with none inside is left out whole.
 */
function splitSetupOutput(envDir: string, changed: string[]): { carried: string[]; leftOut: string[] } {
  const carried: string[] = [];
  const leftOut: string[] = [];
  const visit = (rel: string): boolean => {
    if (isDependency(envDir, rel)) {
      carried.push(rel);
      return true;
    }
    const st = lstatSync(join(envDir, rel), { throwIfNoEntry: false });
    if (!st?.isDirectory()) return false;
    const found = readdirSync(join(envDir, rel))
      .map((name) => visit(join(rel, name)))
      .some(Boolean);
    if (!found) return false;
    for (const name of readdirSync(join(envDir, rel))) {
      const child = join(rel, name);
      if (!carried.some((c) => c === child || c.startsWith(`${child}${sep}`))) leftOut.push(child);
    }
    return true;
  };
  for (const rel of changed) {
    // A file inside a dependency folder the repository tracks (setup changed it): carried as itself.
    const parts = rel.split('/');
    if (parts.slice(0, -1).some((_, i) => isDependency(envDir, parts.slice(0, i + 1).join('/')))) carried.push(rel);
    else if (!visit(rel)) leftOut.push(rel);
  }
  return { carried: [...new Set(carried)].sort(), leftOut: [...new Set(leftOut)].sort() };
}

/** How many paths an env record lists as left out (the rest are counted, not named). */
const LEFT_OUT_LISTED = 200;

const SETUP_TIMEOUT_MS = 20 * 60_000;

/**
 * Adding and removing worktrees of one repository, one at a time: `git worktree add` reads every other
 * worktree's admin files, and fails ("failed to read worktrees/<name>/commondir") if it meets one that
 * a concurrent add is still writing. Across processes too (shards on one machine share the cache).
 */
function worktrees<T>(baseRepo: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return withLock(`${baseRepo}.worktrees`, fn, signal);
}

/** The worktree's git dir, from the `.git` file `git worktree add` just wrote (before anything else ran in it). */
function adminDir(dir: string): string {
  const m = /^gitdir: (.+)$/m.exec(readFileSync(join(dir, '.git'), 'utf8'));
  if (!m) throw new Error(`${dir}/.git does not name a git dir`);
  return isAbsolute(m[1]!) ? m[1]! : resolve(dir, m[1]!);
}

/** Paths `git status` reports as new, ignored or changed: what a command produced in a checkout (porcelain -z, read exactly). */
async function changedPaths(place: GitPlace): Promise<string[]> {
  const fields = (await gitOut(place, ['status', '--porcelain=v1', '-z', '--ignored', '--untracked-files=normal'])).split('\0');
  const out: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!;
    if (entry.length < 4) continue;
    out.push(entry.slice(3).replace(/\/$/, ''));
    if (entry[0] === 'R' || entry[0] === 'C') i++; // the original path follows a rename or copy
  }
  return out.filter(Boolean);
}

/** A path as a gitignore pattern matching exactly it, from the top of the worktree (wildcards, `\\`, a leading `!`/`#` and trailing spaces escaped). */
export function excludePattern(path: string): string {
  return `/${path.replace(/[\\*?[!#]/g, '\\$&').replace(/ +$/, (sp) => sp.replace(/ /g, '\\ '))}`;
}

/** Whether a path (relative, as git lists it) is one of the setup paths or inside one. */
export function isSetupPath(setupPaths: string[], path: string): boolean {
  return setupPaths.some((p) => path === p || path.startsWith(`${p}/`));
}

/** The file (in the worktree's admin folder) that lists what setup carried in, for the agent's git. */
const SETUP_EXCLUDE = 'bench-setup-exclude';

/**
 * Hides what setup carried into a worktree from the agent's git (`git status`, `git add -A`, `git diff
 * --stat`), whether or not the repository ignores it: the worktree's own config (config.worktree, read
 * only by git in this worktree, which the base repo enables: repos.ts) names an excludes file listing
 * the carried paths. Not $GIT_COMMON_DIR/info/exclude: every worktree of the base repo shares it, and
 * trials with other setups run on the same base. Both files sit in the base repo, which the sandbox shows
 * read-only; the harness's own git never reads them (git.ts turns excludesFile off) and leaves the
 * setup paths out itself (readChange, changedFiles).
 */
async function hideSetupPaths(baseRepo: string, gitDir: string, paths: string[]): Promise<void> {
  if (!paths.length) return;
  const file = join(gitDir, SETUP_EXCLUDE);
  writeFileSync(
    file,
    `# What bench's setup carried into this worktree (not part of the change)\n${paths
      .filter((p) => !p.includes('\n'))
      .map(excludePattern)
      .join('\n')}\n`,
  );
  await gitOut({ gitDir: baseRepo }, ['config', '--file', join(gitDir, 'config.worktree'), 'core.excludesFile', file]);
}

/** The first line of a message, at most 300 characters. */
function clipLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

/** How long the harness's git may take on a worktree the agent left (a hang is the agent's doing). */
const WORKTREE_GIT_TIMEOUT_MS = 120_000;

/**
 * Removes from a worktree what cannot be part of a patch and would make git hang or reach elsewhere:
 * nested `.git` entries (git would read them as repositories: a FIFO as their HEAD blocks it, a gitfile
 * points it at any repository on the host), FIFOs, sockets and devices. `find` does not follow links.
 */
async function clearUnpatchable(dir: string, signal?: AbortSignal): Promise<void> {
  const res = await runProcess(
    [
      'find',
      dir,
      '-mindepth',
      '1',
      '(',
      '-path',
      join(dir, '.git'),
      '-prune',
      ')',
      '-o',
      '(',
      '(',
      '-name',
      '.git',
      '-o',
      '-type',
      'p',
      '-o',
      '-type',
      's',
      '-o',
      '-type',
      'b',
      '-o',
      '-type',
      'c',
      ')',
      '-print0',
      '-prune',
      ')',
    ],
    { cwd: dir, signal, timeoutMs: WORKTREE_GIT_TIMEOUT_MS, maxOutputBytes: 16 << 20 },
  );
  for (const p of res.stdout.split('\0').filter(Boolean)) rmSync(p, { recursive: true, force: true });
}

/**
 * `git add -A` without git's conversions: every file the worktree holds (tracked, or new and not
 * ignored) is hashed as its bytes are (`--no-filters`), a link as its target text, into a new index.
 * Slower (every file is hashed), so only used when `git add` refuses the worktree.
 */
async function addRaw(place: GitPlace, dir: string, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<void> {
  const paths = (await gitOut(place, ['ls-files', '-z', '-c', '-o', '--exclude-standard'], opts)).split('\0').filter(Boolean);
  const files: string[] = [];
  const links: Array<{ path: string; text: string }> = [];
  const modes = new Map<string, string>();
  for (const p of [...new Set(paths)]) {
    const st = lstatSync(join(dir, p), { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) links.push({ path: p, text: readlinkSync(join(dir, p)) });
    else if (st?.isFile()) {
      files.push(p);
      modes.set(p, st.mode & 0o111 ? '100755' : '100644');
    }
  }
  const own = dirname(place.index!);
  links.forEach((l, i) => writeFileSync(join(own, `link-${i}`), l.text));
  const hashed = async (list: string[]) =>
    list.length ? (await gitOut(place, ['hash-object', '-w', '--no-filters', '--stdin-paths'], { ...opts, input: `${list.join('\n')}\n` })).split('\n') : [];
  // Paths with a newline cannot go through --stdin-paths: they are left out (git add would have refused them too).
  const plain = files.filter((f) => !f.includes('\n'));
  const fileShas = await hashed(plain);
  const linkShas = await hashed(links.map((_, i) => join(own, `link-${i}`)));
  const entries = [...plain.map((p, i) => `${modes.get(p)} ${fileShas[i]}\t${p}`), ...links.map((l, i) => `120000 ${linkShas[i]}\t${l.path}`)];
  rmSync(place.index!, { force: true });
  await gitOut(place, ['update-index', '--add', '-z', '--index-info'], { ...opts, input: entries.map((e) => `${e}\0`).join('') });
}

/**
 * The name of a run's work folder under the temp folder: `bench-<pid, 7 digits>-<12 digits of the run id's
 * hash>`. Always the same length (and digits only), so the worktree paths commands print (test output,
 * `pwd`) take the same tokens in every run: a run's figures do not depend on its pid or id.
 */
export function workRootName(pid: number, runId: string): string {
  const digits = (BigInt(`0x${createHash('sha256').update(runId).digest('hex').slice(0, 15)}`) % 10n ** 12n).toString().padStart(12, '0');
  return `bench-${String(pid).padStart(7, '0')}-${digits}`;
}

/** Who owns a run's work folder: this process, told apart from a later one that got the same pid. */
export function claimWorkRoot(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'owner'), `${process.pid} ${processStart(process.pid)}`);
}

/**
 * What runs killed outright (kill -9, the OOM killer, a lost session) left behind: their work folders
 * under `tmp` (`bench-<pid>-<run>`: worktrees, scratch) whose owner is gone, and the base repositories'
 * registrations of those worktrees. Folders of live processes are never touched. Returns the folders removed.
 */
export async function sweepDeadRuns(tmp: string, cache: RepoCache): Promise<string[]> {
  const removed: string[] = [];
  for (const name of readdirSync(tmp)) {
    const m = /^bench-(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    const dir = join(tmp, name);
    const start = processStart(Number(m[1]));
    let owner: string | null = null;
    try {
      owner = readFileSync(join(dir, 'owner'), 'utf8');
    } catch {
      // an older bench, or not yet written: the pid alone decides
    }
    // The owner file says `<pid> <start>`; the folder's name pads the pid, so compare numbers.
    const [ownerPid, ownerStart] = (owner ?? '').trim().split(' ');
    const sameProcess = Number(ownerPid) === Number(m[1]) && ownerStart === start;
    const alive = start !== null && (owner === null || start === '?' || sameProcess);
    // Only what is bench's: its owner file, or (an older bench) its worktree and scratch folders.
    const ours = owner !== null || existsSync(join(dir, 'wt')) || existsSync(join(dir, 'scratch'));
    if (alive || !ours || !lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    removeTree(dir);
    removed.push(dir);
  }
  if (removed.length) {
    const bases = join(cache.root, 'bases');
    for (const b of readdirSync(bases).filter((d) => d.endsWith('.git')))
      await worktrees(join(bases, b), () => gitOut({ gitDir: join(bases, b) }, ['worktree', 'prune']));
  }
  return removed;
}

/** Removes a tree the agent may have made hard to remove (folders without write or search permission). */
function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
    return;
  } catch {
    // make every folder (never through a link) writable and searchable, then try again
  }
  const open = (d: string) => {
    try {
      chmodSync(d, 0o700);
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) open(join(d, e.name));
    } catch {
      // gone meanwhile
    }
  };
  if (lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) open(dir);
  rmSync(dir, { recursive: true, force: true });
}

export class WorkspaceManager {
  readonly cache: RepoCache;
  readonly workRoot: string;
  private readonly opts: WorkspaceOptions;
  private readonly envs = new Map<string, Promise<Env>>();
  private readonly keys = new Map<string, Promise<EnvKey>>();
  private readonly versions = new Map<string, Promise<string>>();
  private readonly live = new Map<string, Workspace>();

  constructor(cache: RepoCache, workRoot: string, opts: WorkspaceOptions = {}) {
    this.cache = cache;
    this.workRoot = workRoot;
    this.opts = opts;
  }

  /**
   * The environment for a spec: built once per key (see envKey) and reused by every commit, trial and
   * later run with the same key. Without a setup command there is none to build.
   */
  async env(spec: WorkspaceSpec, signal?: AbortSignal): Promise<Env> {
    if (!spec.setup) return { dir: '', paths: [] };
    const key = await this.envKey(spec, signal);
    let p = this.envs.get(key.key);
    if (!p) {
      p = this.buildEnv(spec, key, signal);
      this.envs.set(key.key, p);
      p.catch(() => this.envs.delete(key.key));
    }
    return p;
  }

  /**
   * What determines the environment of a spec: the install inputs at the base commit (lockfiles and
   * package-manager settings at any depth, by blob id: git's content hash), the setup command, and the
   * runtime versions (node; the package manager when package.json pins one; python when there are Python
   * inputs). Every commit with the same lockfiles shares one environment. Without any lockfile the
   * commit itself is the key, as nothing else says what an install of it produces.
   */
  envKey(spec: WorkspaceSpec, signal?: AbortSignal): Promise<EnvKey> {
    const memo = `${spec.repo.key}\0${spec.base}\0${spec.setup ?? ''}\0${imageFor(this.opts.images, spec.environment ?? null)?.image ?? ''}`;
    let p = this.keys.get(memo);
    if (!p) {
      p = this.computeKey(spec, signal);
      this.keys.set(memo, p);
      p.catch(() => this.keys.delete(memo));
    }
    return p;
  }

  private async computeKey(spec: WorkspaceSpec, signal?: AbortSignal): Promise<EnvKey> {
    const mirror = await this.cache.mirror(spec.repo);
    const lockfiles: Record<string, string> = {};
    for (const entry of (await git(mirror, ['ls-tree', '-r', '-z', '--full-tree', spec.base], { signal, maxOutputBytes: 256 << 20 })).split('\0')) {
      const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
      if (m && isInstallInput(basename(m[2]!))) lockfiles[m[2]!] = m[1]!;
    }
    const cmdHash = createHash('sha256')
      .update(spec.setup ?? '')
      .update(imageFor(this.opts.images, spec.environment ?? null)?.image ?? '')
      .digest('hex')
      .slice(0, 10);
    const paths = Object.keys(lockfiles).sort();
    // Settings files alone (.npmrc, pyproject.toml, pnpm-workspace.yaml) do not pin what gets installed: the package.json files do.
    if (!paths.some((f) => LOCKFILE.test(basename(f))))
      return {
        key: `${spec.repo.key}-${spec.base.slice(0, 16)}-${cmdHash}`,
        label: `commit ${spec.base.slice(0, 8)} (no lockfile)`,
        inputs: { commit: spec.base },
      };
    // In a container the image is the runtime: its id pins every version in it.
    const image = imageFor(this.opts.images, spec.environment ?? null);
    const runtime: Record<string, string> = image ? { image: image.image } : { node: await this.version('node --version', signal) };
    const pinned = await this.pinnedPackageManager(mirror, spec.base, signal);
    if (pinned) runtime.packageManager = pinned;
    if (!image && paths.some((f) => /\.(txt|toml)$|poetry\.lock$|uv\.lock$|Pipfile\.lock$/.test(f)))
      runtime.python = await this.version('python3 --version', signal);
    const digest = createHash('sha256')
      .update(JSON.stringify({ lockfiles: paths.map((f) => [f, lockfiles[f]]), setup: spec.setup ?? '', runtime }))
      .digest('hex');
    const main = paths.find((f) => !f.includes('/') && /lock|shrinkwrap/.test(f)) ?? paths[0]!;
    const label = `${main} ${lockfiles[main]!.slice(0, 8)}${paths.length > 1 ? ` (+${paths.length - 1} more)` : ''}${pinned ? `, ${pinned}` : ''}`;
    return { key: `${spec.repo.key}-lock-${digest.slice(0, 16)}`, label, inputs: { lockfiles, runtime } };
  }

  /** `packageManager` of the root package.json at a commit ("pnpm@10.28.0"), if it pins one. */
  private async pinnedPackageManager(mirror: string, base: string, signal?: AbortSignal): Promise<string | null> {
    try {
      const pkg = JSON.parse(await git(mirror, ['show', `${base}:package.json`], { signal })) as { packageManager?: unknown };
      return typeof pkg.packageManager === 'string' ? pkg.packageManager : null;
    } catch {
      return null;
    }
  }

  /** A runtime's version as the setup command's shell finds it (once per manager); "none" when it is not there. */
  private version(command: string, signal?: AbortSignal): Promise<string> {
    let p = this.versions.get(command);
    if (!p) {
      p = runShell(command, { cwd: this.cache.root, signal, timeoutMs: 30_000 }).then((r) => (r.exitCode === 0 ? r.output.trim() : 'none'));
      this.versions.set(command, p);
    }
    return p;
  }

  /**
   * Package-manager caches under bench's cache folder, shared by every environment: the second install of
   * a slightly different lockfile finds most packages there. They override what the environment says (npm
   * sets npm_config_cache for every script it runs, `npx bench` included), as where a cache lives changes
   * no install's result. Yarn's cache
   * folder is only moved for Yarn classic: under Yarn berry a project's cacheFolder is its `.yarn/cache`
   * (zero-installs, carried with the environment), and its shared cache is the global folder.
   */
  private setupEnv(): NodeJS.ProcessEnv {
    const pm = join(this.cache.root, 'pm');
    return {
      ...process.env,
      npm_config_cache: join(pm, 'npm'),
      npm_config_store_dir: join(pm, 'pnpm-store'),
      YARN_GLOBAL_FOLDER: join(pm, 'yarn-berry'),
      PIP_CACHE_DIR: join(pm, 'pip'),
      UV_CACHE_DIR: join(pm, 'uv'),
    };
  }

  private async buildEnv(spec: WorkspaceSpec, key: EnvKey, signal?: AbortSignal): Promise<Env> {
    const dir = join(this.cache.root, 'env', key.key);
    const recordFile = `${dir}.json`;
    mkdirSync(dirname(dir), { recursive: true });
    return withLock(
      dir,
      async () => {
        if (existsSync(recordFile) && existsSync(dir)) {
          const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as Partial<EnvRecord>;
          if (rec.layout === 3 && Array.isArray(rec.paths)) {
            touchEntry(recordFile);
            return { dir, paths: rec.paths };
          }
        }
        const setup = spec.setup ?? '';
        const baseRepo = await this.cache.baseRepo(spec.repo, spec.base);
        await this.dropWorktree(dir, baseRepo);
        const gitDir = await this.addWorktree(baseRepo, dir, spec.base, signal);
        const env = this.setupEnv();
        // Yarn classic (no .yarnrc.yml) keeps its cache where YARN_CACHE_FOLDER says; berry reads it as the project's cacheFolder.
        if ('lockfiles' in key.inputs && !Object.keys(key.inputs.lockfiles).some((f) => basename(f) === '.yarnrc.yml'))
          env.YARN_CACHE_FOLDER = join(this.cache.root, 'pm', 'yarn');
        this.opts.onSetup?.({ phase: 'start', label: key.label, command: setup });
        const image = imageFor(this.opts.images, spec.environment ?? null);
        const res = image
          ? await runSetupInContainer(this.opts.images!.runtime, image, {
              command: setup,
              dir,
              baseRepo,
              pm: join(this.cache.root, 'pm'),
              env,
              signal,
              timeoutMs: SETUP_TIMEOUT_MS,
            })
          : await runShell(setup, { cwd: dir, env, timeoutMs: SETUP_TIMEOUT_MS, signal, maxOutputBytes: 256 * 1024 });
        this.opts.onSetup?.({ phase: 'done', label: key.label, command: setup, durationMs: res.durationMs, ok: res.exitCode === 0 });
        if (res.exitCode !== 0) {
          const log = `$ ${setup}\n${res.output}`;
          await this.dropWorktree(dir, baseRepo);
          const why = res.timedOut ? `timed out after ${SETUP_TIMEOUT_MS / 1000}s` : (res.spawnError ?? `exit ${res.exitCode ?? res.signal}`);
          const said = errorLine(res.output);
          throw new SetupError(`setup command failed (${why}): ${setup}${said ? ` (it said: ${said})` : ''}`, log);
        }
        const { carried, leftOut } = splitSetupOutput(dir, await changedPaths({ gitDir, workTree: dir }));
        const record: EnvRecord = {
          layout: 3,
          command: setup,
          keyedBy: key.inputs,
          builtAt: spec.base,
          paths: carried,
          leftOut: leftOut.length > LEFT_OUT_LISTED ? [...leftOut.slice(0, LEFT_OUT_LISTED), `(${leftOut.length - LEFT_OUT_LISTED} more)`] : leftOut,
          durationMs: Math.round(res.durationMs),
        };
        writeFileSync(recordFile, JSON.stringify(record, null, 2));
        return { dir, paths: carried };
      },
      signal,
    );
  }

  /** `git worktree add` from the base repository (one at a time per repository); returns the worktree's git dir. */
  private async addWorktree(baseRepo: string, dir: string, base: string, signal?: AbortSignal): Promise<string> {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    await worktrees(baseRepo, () => gitOut({ gitDir: baseRepo }, ['worktree', 'add', '--detach', '--force', dir, base], { signal }), signal);
    return adminDir(dir);
  }

  /** A fresh worktree at the base commit with the setup environment's dependency folders copied (or, for the harness's own runs, linked) in. */
  async create(spec: WorkspaceSpec, name: string, signal?: AbortSignal): Promise<Workspace> {
    const env = await this.env(spec, signal);
    const baseRepo = await this.cache.baseRepo(spec.repo, spec.base);
    const dir = join(this.workRoot, name);
    const gitDir = await this.addWorktree(baseRepo, dir, spec.base, signal);
    const own = join(dirname(this.workRoot), `${this.workRoot.split('/').at(-1)}-git`, name);
    rmSync(own, { recursive: true, force: true });
    mkdirSync(join(own, 'objects'), { recursive: true });
    const ws: Workspace = { dir, base: spec.base, repo: spec.repo, baseRepo, gitDir, own, setupPaths: env.paths };
    this.live.set(dir, ws);
    try {
      await this.carry(env, dir, signal);
      await hideSetupPaths(baseRepo, gitDir, env.paths);
    } catch (err) {
      await this.remove(ws);
      throw err;
    }
    return ws;
  }

  /**
   * Puts the environment's dependency folders into a worktree: one `cp` per destination folder. Copies
   * (reflinks where the filesystem has them) unless the manager links; either way, absolute links that
   * point into the environment folder are re-pointed at the worktree's own copy, so nothing written
   * through the worktree's files reaches the shared environment.
   */
  private async carry(env: Env, dir: string, signal?: AbortSignal): Promise<void> {
    if (!env.paths.length) return;
    const byFolder = new Map<string, string[]>();
    for (const p of env.paths) byFolder.set(dirname(p), [...(byFolder.get(dirname(p)) ?? []), p]);
    const mode = this.opts.linkEnv ? ['-al', '--remove-destination'] : ['-a', '--reflink=auto'];
    for (const [folder, paths] of byFolder) {
      mkdirSync(join(dir, folder), { recursive: true });
      const res = await runProcess(['cp', ...mode, ...paths.map((p) => join(env.dir, p)), `${join(dir, folder)}/`], { cwd: dir, signal });
      if (res.exitCode !== 0) throw new SetupError(`copying the set-up environment (${paths.join(', ')}) failed`, res.output);
    }
    const found = await runProcess(['find', ...env.paths.map((p) => join(dir, p)), '-type', 'l', '-lname', `${env.dir}/*`, '-print0'], {
      cwd: dir,
      signal,
      maxOutputBytes: 64 << 20,
    });
    for (const link of found.stdout.split('\0').filter(Boolean)) {
      const target = join(dir, relative(env.dir, readlinkSync(link)));
      unlinkSync(link);
      symlinkSync(relative(dirname(link), target) || '.', link);
    }
  }

  /** How the harness's git sees a worktree: its own index (a copy of the checkout's), its own object store. */
  private place(ws: Workspace): GitPlace {
    return {
      gitDir: ws.gitDir,
      workTree: ws.dir,
      index: join(ws.own, 'index'),
      objects: { dir: join(ws.own, 'objects'), alternates: [join(ws.baseRepo, 'objects')] },
    };
  }

  /**
   * The agent's change against the base commit, including new files, excluding the setup environment.
   * The worktree is the agent's: what would make git hang or fail on it is cleared first (nested `.git`
   * entries, FIFOs, sockets, devices: none of them can be part of a patch), attributes that make `git add`
   * fail fall back to hashing the files as they are, and a change too large for a patch is said to be.
   * When git cannot read the worktree even so, the change is `ungradable` (throws only when aborted).
   */
  async diff(ws: Workspace, signal?: AbortSignal): Promise<DiffStat> {
    try {
      return await this.readChange(ws, signal);
    } catch (err) {
      if (signal?.aborted || !(err instanceof GitError)) throw err;
      return { patch: '', files: [], added: 0, removed: 0, ungradable: `git could not read the worktree the agent left (${clipLine(err.message)})` };
    }
  }

  private async readChange(ws: Workspace, signal?: AbortSignal): Promise<DiffStat> {
    const place = this.place(ws);
    const opts = { signal, timeoutMs: WORKTREE_GIT_TIMEOUT_MS };
    await clearUnpatchable(ws.dir, signal);
    // The checkout's index knows which files are unchanged (by their stat data), so only changed ones are hashed.
    const checkoutIndex = join(ws.gitDir, 'index');
    if (existsSync(checkoutIndex)) copyFileSync(checkoutIndex, place.index!);
    else await gitOut(place, ['read-tree', ws.base], opts);
    // What setup carried in is not even hashed (a node_modules the repository does not ignore is 10,000s of files).
    const added = await runGit(place, ['add', '-A', '--pathspec-from-file=-', '--pathspec-file-nul'], {
      ...opts,
      input: ['.', ...ws.setupPaths.map((p) => `:(exclude,literal)${p}`)].join('\0'),
    });
    if (added.exitCode !== 0) {
      if (added.timedOut) throw new GitError(`git add took longer than ${WORKTREE_GIT_TIMEOUT_MS / 1000}s on the worktree`, added.stderr);
      // e.g. a .gitattributes asking for a working-tree encoding the files do not have: take them as they are.
      await addRaw(place, ws.dir, opts);
    }
    // What setup produced stays out of the change, whether or not the repository ignores it (and a file of it the repository tracks).
    if (ws.setupPaths.length)
      await gitOut(place, ['--literal-pathspecs', 'reset', '-q', ws.base, '--pathspec-from-file=-', '--pathspec-file-nul'], {
        ...opts,
        input: ws.setupPaths.join('\0'),
      });
    const res = await runGit(place, ['diff', '--cached', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', ws.base, '--'], {
      ...opts,
      maxOutputBytes: MAX_PATCH_BYTES,
    });
    if (res.exitCode !== 0) throw new GitError(`git diff failed: ${res.stderr.trim()}`, res.stderr);
    const stat = await runGit(place, ['diff', '--cached', '--numstat', '-z', '--no-renames', ws.base, '--'], { ...opts, maxOutputBytes: MAX_PATCH_BYTES });
    if (stat.exitCode !== 0) throw new GitError(`git diff --numstat failed: ${stat.stderr.trim()}`, stat.stderr);
    if (res.omittedBytes || stat.omittedBytes)
      return { patch: '', files: [], added: 0, removed: 0, ungradable: `the change is larger than a patch bench grades (${MAX_PATCH_BYTES >> 20} MiB)` };
    let plus = 0;
    let minus = 0;
    const files: string[] = [];
    for (const entry of stat.stdout.split('\0').filter(Boolean)) {
      const [a, r, ...rest] = entry.split('\t');
      files.push(rest.join('\t'));
      plus += Number(a) || 0;
      minus += Number(r) || 0;
    }
    return { patch: res.stdout, files, added: plus, removed: minus };
  }

  /** Applies a saved patch (as `diff` produced it) to a workspace; returns git's complaint if it does not apply. */
  async applyPatch(ws: Workspace, patch: string): Promise<string | null> {
    if (!patch.trim()) return null;
    const res = await runGit({ gitDir: ws.gitDir, workTree: ws.dir, index: join(ws.own, 'index') }, ['apply', '--binary', '--whitespace=nowarn', '-'], {
      input: patch,
    });
    return res.exitCode === 0 ? null : res.output.trim() || `git apply exited ${res.exitCode}`;
  }

  /** Files of a workspace that differ from a commit of its base repository, and new files (not ignored); never what setup carried in. */
  async changedFiles(ws: Workspace, from: string): Promise<string[]> {
    const place = { gitDir: ws.gitDir, workTree: ws.dir, index: join(ws.own, 'index-changed') };
    if (existsSync(join(ws.gitDir, 'index'))) copyFileSync(join(ws.gitDir, 'index'), place.index);
    const names = async (args: string[]) => (await gitOut(place, args)).split('\0').filter(Boolean);
    const changed = await names(['diff', '--name-only', '-z', '--no-renames', from, '--']);
    // Setup's folders are not even listed (a node_modules the repository does not ignore is 10,000s of files).
    const added = await names(['ls-files', '-z', '--others', '--exclude-standard', '--', '.', ...ws.setupPaths.map((p) => `:(exclude,literal)${p}`)]);
    return [...new Set([...changed, ...added])].filter((f) => !isSetupPath(ws.setupPaths, f));
  }

  async remove(ws: Workspace): Promise<void> {
    this.live.delete(ws.dir);
    await this.dropWorktree(ws.dir, ws.baseRepo);
    removeTree(ws.own);
  }

  /** The worktree goes (removed as a plain tree: no git command runs in it), then git forgets it. */
  private async dropWorktree(dir: string, baseRepo: string): Promise<void> {
    await worktrees(baseRepo, async () => {
      removeTree(dir);
      await gitOut({ gitDir: baseRepo }, ['worktree', 'prune']);
    });
  }

  /** Live worktrees right now (for tests and for cleanup on exit). */
  liveDirs(): string[] {
    return [...this.live.keys()];
  }

  /** Last-resort cleanup when the process must exit now (second Ctrl-C): synchronous. */
  removeAllSync(): void {
    for (const ws of this.live.values()) {
      removeTree(ws.dir);
      removeTree(ws.own);
    }
    this.live.clear();
  }
}
