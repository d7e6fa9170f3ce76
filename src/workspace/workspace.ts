// Trial workspaces: a git worktree of the task's base commit, with the environment the setup command
// produced (run once per repo, base and command, then copied in), the diff the agent left, and removal
// that also happens after errors and on Ctrl-C.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runProcess, runShell } from '../exec/run.ts';
import type { ResolvedRepo } from '../suite/load.ts';
import { withLock } from './lock.ts';
import { git, gitAt, RepoCache } from './repos.ts';

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
  /** Paths (relative) the setup command produced and that were copied in; never part of the diff. */
  setupPaths: string[];
}

export interface DiffStat {
  patch: string;
  files: string[];
  added: number;
  removed: number;
}

/** What a built environment's record (`<env>.json`) holds; its command and duration are for people reading the cache. */
interface EnvRecord {
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

/** Paths `git status` reports as new, ignored or changed: what a command produced in a checkout. */
async function changedPaths(dir: string): Promise<string[]> {
  const out = await gitAt(dir).raw(['status', '--porcelain=v1', '-z', '--ignored', '--untracked-files=normal']);
  return out
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(3).replace(/\/$/, ''))
    .filter(Boolean);
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
          const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as EnvRecord;
          return { dir, paths: rec.paths };
        }
        const baseRepo = await this.cache.baseRepo(spec.repo, spec.base);
        rmSync(dir, { recursive: true, force: true });
        await worktrees(baseRepo, async () => {
          await gitAt(baseRepo).raw(['worktree', 'prune']);
          await gitAt(baseRepo).raw(['worktree', 'add', '--detach', '--force', dir, spec.base]);
        });
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
          paths = await changedPaths(dir);
        }
        writeFileSync(recordFile, JSON.stringify({ command: spec.setup ?? '', paths, durationMs } satisfies EnvRecord, null, 2));
        return { dir, paths };
      },
      signal,
    );
  }

  /** A fresh worktree at the base commit with the setup environment copied in. */
  async create(spec: WorkspaceSpec, name: string, signal?: AbortSignal): Promise<Workspace> {
    const env = await this.env(spec, signal);
    const baseRepo = await this.cache.baseRepo(spec.repo, spec.base);
    const dir = join(this.workRoot, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    await worktrees(baseRepo, () => gitAt(baseRepo, signal).raw(['worktree', 'add', '--detach', '--force', dir, spec.base]), signal);
    const ws: Workspace = { dir, base: spec.base, repo: spec.repo, setupPaths: env.paths };
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

  /** The agent's change against the base commit, including new files, excluding the setup environment. */
  async diff(ws: Workspace): Promise<DiffStat> {
    await git(ws.dir, ['add', '-A']);
    // What setup produced stays out of the change, whether or not the repository ignores it.
    if (ws.setupPaths.length) await git(ws.dir, ['reset', '-q', ws.base, '--', ...ws.setupPaths]);
    const patch = await git(ws.dir, ['diff', '--cached', '--binary', '--no-color', '--no-ext-diff', ws.base, '--']);
    const numstat = await git(ws.dir, ['diff', '--cached', '--numstat', '-z', '--no-renames', ws.base, '--']);
    let added = 0;
    let removed = 0;
    const files: string[] = [];
    for (const entry of numstat.split('\0').filter(Boolean)) {
      const [a, r, ...rest] = entry.split('\t');
      files.push(rest.join('\t'));
      added += Number(a) || 0;
      removed += Number(r) || 0;
    }
    return { patch, files, added, removed };
  }

  /** Applies a saved patch (as `diff` produced it) to a workspace; returns git's complaint if it does not apply. */
  async applyPatch(ws: Workspace, patch: string): Promise<string | null> {
    if (!patch.trim()) return null;
    const res = await runProcess(['git', 'apply', '--binary', '--whitespace=nowarn', '-'], { cwd: ws.dir, input: patch });
    return res.exitCode === 0 ? null : res.output.trim() || `git apply exited ${res.exitCode}`;
  }

  async remove(ws: Workspace): Promise<void> {
    this.live.delete(ws.dir);
    await this.dropWorktree(ws.dir, await this.cache.baseRepo(ws.repo, ws.base));
  }

  private async dropWorktree(dir: string, baseRepo: string): Promise<void> {
    await worktrees(baseRepo, async () => {
      if (existsSync(dir)) await runProcess(['git', 'worktree', 'remove', '--force', '--force', dir], { cwd: dir }); // failure: plain removal below
      rmSync(dir, { recursive: true, force: true });
    });
  }

  /** Live worktrees right now (for tests and for cleanup on exit). */
  liveDirs(): string[] {
    return [...this.live.keys()];
  }

  /** Last-resort cleanup when the process must exit now (second Ctrl-C): synchronous. */
  removeAllSync(): void {
    for (const dir of this.live.keys()) rmSync(dir, { recursive: true, force: true });
    this.live.clear();
  }
}
