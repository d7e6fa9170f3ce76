// Trial workspaces: a git worktree of the task's base commit, with the environment the setup command
// produced (run once per repo, base and command, then copied in), the diff the agent left, and removal
// that also happens after errors and on Ctrl-C. Every git command the harness runs on a worktree names
// its git dir, work tree, index and object store itself (git.ts): what the agent left in the worktree
// (its `.git`, config it wrote, hooks) is never consulted, and nothing the agent wrote is run.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { runProcess, runShell } from '../exec/run.ts';
import type { ResolvedRepo } from '../suite/load.ts';
import { gitOut, runGit, type GitPlace } from './git.ts';
import { withLock } from './lock.ts';
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
  /** Paths (relative) the setup command produced and that were copied in; never part of the diff. */
  setupPaths: string[];
}

export interface DiffStat {
  patch: string;
  files: string[];
  added: number;
  removed: number;
  /** The change was larger than a patch may be: `patch` is empty and the trial is judged on that. */
  tooLarge?: boolean;
}

/** The largest patch bench keeps and grades (a change above it is judged as not resolved). */
export const MAX_PATCH_BYTES = 64 << 20;

/** What a built environment's record (`<env>.json`) holds; its command and duration are for people reading the cache. */
interface EnvRecord {
  /** Records of older layouts (whose paths could lose their first character) are rebuilt. */
  layout: 2;
  command: string;
  paths: string[];
  durationMs: number;
}

export interface Env {
  dir: string;
  /** What the setup command produced, relative to the checkout. */
  paths: string[];
}

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
  private readonly envs = new Map<string, Promise<Env>>();
  private readonly live = new Map<string, Workspace>();

  constructor(cache: RepoCache, workRoot: string) {
    this.cache = cache;
    this.workRoot = workRoot;
  }

  /** The environment for (repo, base, setup): built once, reused by every trial and later runs. */
  env(spec: WorkspaceSpec, signal?: AbortSignal): Promise<Env> {
    const cmdHash = createHash('sha256')
      .update(spec.setup ?? '')
      .digest('hex')
      .slice(0, 10);
    const key = `${spec.repo.key}-${spec.base.slice(0, 16)}-${cmdHash}`;
    let p = this.envs.get(key);
    if (!p) {
      p = this.buildEnv(spec, key, signal);
      this.envs.set(key, p);
      p.catch(() => this.envs.delete(key));
    }
    return p;
  }

  private async buildEnv(spec: WorkspaceSpec, key: string, signal?: AbortSignal): Promise<Env> {
    const dir = join(this.cache.root, 'env', key);
    const recordFile = `${dir}.json`;
    mkdirSync(dirname(dir), { recursive: true });
    return withLock(
      dir,
      async () => {
        if (existsSync(recordFile) && existsSync(dir)) {
          const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as Partial<EnvRecord>;
          if (rec.layout === 2 && Array.isArray(rec.paths)) return { dir, paths: rec.paths };
        }
        const baseRepo = await this.cache.baseRepo(spec.repo, spec.base);
        await this.dropWorktree(dir, baseRepo);
        const gitDir = await this.addWorktree(baseRepo, dir, spec.base, signal);
        let paths: string[] = [];
        let durationMs = 0;
        if (spec.setup) {
          const res = await runShell(spec.setup, { cwd: dir, timeoutMs: SETUP_TIMEOUT_MS, signal, maxOutputBytes: 256 * 1024 });
          durationMs = res.durationMs;
          if (res.exitCode !== 0) {
            const log = `$ ${spec.setup}\n${res.output}`;
            await this.dropWorktree(dir, baseRepo);
            const why = res.timedOut ? `timed out after ${SETUP_TIMEOUT_MS / 1000}s` : (res.spawnError ?? `exit ${res.exitCode ?? res.signal}`);
            throw new SetupError(`setup command failed (${why}): ${spec.setup}`, log);
          }
          paths = await changedPaths({ gitDir, workTree: dir });
        }
        writeFileSync(recordFile, JSON.stringify({ layout: 2, command: spec.setup ?? '', paths, durationMs } satisfies EnvRecord, null, 2));
        return { dir, paths };
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

  /** A fresh worktree at the base commit with the setup environment copied in. */
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
      for (const p of env.paths) {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        const res = await runProcess(['cp', '-a', '--reflink=auto', join(env.dir, p), join(dir, p)], { cwd: dir, signal });
        if (res.exitCode !== 0) throw new SetupError(`copying the set-up environment (${p}) failed`, res.output);
      }
    } catch (err) {
      await this.remove(ws);
      throw err;
    }
    return ws;
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

  /** The agent's change against the base commit, including new files, excluding the setup environment. */
  async diff(ws: Workspace, signal?: AbortSignal): Promise<DiffStat> {
    const place = this.place(ws);
    // The checkout's index knows which files are unchanged (by their stat data), so only changed ones are hashed.
    const checkoutIndex = join(ws.gitDir, 'index');
    if (existsSync(checkoutIndex)) copyFileSync(checkoutIndex, place.index!);
    else await gitOut(place, ['read-tree', ws.base], { signal });
    await gitOut(place, ['add', '-A'], { signal });
    // What setup produced stays out of the change, whether or not the repository ignores it.
    if (ws.setupPaths.length)
      await gitOut(place, ['--literal-pathspecs', 'reset', '-q', ws.base, '--pathspec-from-file=-', '--pathspec-file-nul'], {
        input: ws.setupPaths.join('\0'),
        signal,
      });
    const res = await runGit(place, ['diff', '--cached', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', ws.base, '--'], {
      maxOutputBytes: MAX_PATCH_BYTES,
      signal,
    });
    if (res.exitCode !== 0) throw new Error(`git diff failed: ${res.stderr.trim()}`);
    const numstat = await gitOut(place, ['diff', '--cached', '--numstat', '-z', '--no-renames', ws.base, '--'], { signal });
    let added = 0;
    let removed = 0;
    const files: string[] = [];
    for (const entry of numstat.split('\0').filter(Boolean)) {
      const [a, r, ...rest] = entry.split('\t');
      files.push(rest.join('\t'));
      added += Number(a) || 0;
      removed += Number(r) || 0;
    }
    if (res.omittedBytes) return { patch: '', files, added, removed, tooLarge: true };
    return { patch: res.stdout, files, added, removed };
  }

  /** Applies a saved patch (as `diff` produced it) to a workspace; returns git's complaint if it does not apply. */
  async applyPatch(ws: Workspace, patch: string): Promise<string | null> {
    if (!patch.trim()) return null;
    const res = await runGit({ gitDir: ws.gitDir, workTree: ws.dir, index: join(ws.own, 'index') }, ['apply', '--binary', '--whitespace=nowarn', '-'], {
      input: patch,
    });
    return res.exitCode === 0 ? null : res.output.trim() || `git apply exited ${res.exitCode}`;
  }

  /** Files of a workspace that differ from a commit of its base repository, and new files (not ignored). */
  async changedFiles(ws: Workspace, from: string): Promise<string[]> {
    const place = { gitDir: ws.gitDir, workTree: ws.dir, index: join(ws.own, 'index-changed') };
    if (existsSync(join(ws.gitDir, 'index'))) copyFileSync(join(ws.gitDir, 'index'), place.index);
    const names = async (args: string[]) => (await gitOut(place, args)).split('\0').filter(Boolean);
    const changed = await names(['diff', '--name-only', '-z', '--no-renames', from, '--']);
    const added = await names(['ls-files', '-z', '--others', '--exclude-standard']);
    return [...new Set([...changed, ...added])];
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
