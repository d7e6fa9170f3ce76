// What the repository cache holds and how it is kept in bounds: mirrors (repos/), base repositories
// (bases/), set-up environments (env/, each with its record) and package-manager caches (pm/), listed with
// their size and last use, and removed least recently used first by age and by a total size cap.
// What a running bench holds is never removed: an entry being built (its lock, lock.ts) or used since a
// live bench process started using the cache (its holder file, see registerHolder).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../exec/run.ts';
import { gitOut } from './git.ts';
import { processStart, withLock } from './lock.ts';

export type CacheKind = 'mirror' | 'base' | 'env' | 'pm';

export interface CacheEntry {
  kind: CacheKind;
  /** The folder (its record, for an environment, goes with it). */
  path: string;
  name: string;
  bytes: number;
  /** Last use, ms since the epoch. */
  lastUsed: number;
  /** Why it cannot be removed now (a running bench holds it), or null. */
  heldBy: string | null;
}

/** The default cap applied after a replay or a mine, in GB; BENCH_CACHE_MAX_GB overrides it (0: no cap). */
export const DEFAULT_MAX_GB = 20;

/** The cap in bytes from BENCH_CACHE_MAX_GB (default DEFAULT_MAX_GB), or null when it is 0 (no cap). */
export function cacheCap(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.BENCH_CACHE_MAX_GB;
  const gb = raw === undefined || raw === '' ? DEFAULT_MAX_GB : Number(raw);
  if (!Number.isFinite(gb) || gb < 0) return DEFAULT_MAX_GB * 1e9;
  return gb === 0 ? null : gb * 1e9;
}

/**
 * Says that this process uses the cache from now on: entries it uses (touchEntry) are held until it
 * exits. A holder file names the process (pid and start, told apart from a later process with the same pid);
 * its time is when the use began.
 */
export function registerHolder(root: string): void {
  const dir = join(root, 'holders');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, String(process.pid));
  const me = `${process.pid} ${processStart(process.pid)}`;
  if (existsSync(file) && readFileSync(file, 'utf8') === me) return;
  writeFileSync(file, me);
}

/** Marks a cache entry used now (its folder's time, or an environment's record). */
export function touchEntry(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    // gone meanwhile: nothing to mark
  }
}

/** When the earliest live bench process other than this one began using the cache (ms), or null when none does. */
function earliestHolder(root: string): number | null {
  const dir = join(root, 'holders');
  if (!existsSync(dir)) return null;
  let earliest: number | null = null;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    let owner: string;
    try {
      owner = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const [pid, start] = owner.trim().split(' ');
    if (Number(pid) === process.pid) continue;
    const now = Number(pid) ? processStart(Number(pid)) : null;
    const alive = now !== null && (start === undefined || now === '?' || start === 'null' || now === start);
    if (!alive) {
      rmSync(file, { force: true });
      continue;
    }
    const since = statSync(file).mtimeMs;
    earliest = earliest === null ? since : Math.min(earliest, since);
  }
  return earliest;
}

/** A folder's size on disk (du counts a hard-linked file once per call). */
async function sizeOf(path: string): Promise<number> {
  const res = await runProcess(['du', '-sk', path], { cwd: '/' });
  return (Number(res.stdout.split('\t')[0]) || 0) * 1024;
}

/** A lock on the entry held by a live process (being built), as lock.ts takes it. */
function lockHeld(path: string): boolean {
  try {
    const [pid, start] = readFileSync(`${path}.lock/pid`, 'utf8').trim().split(' ');
    const now = Number(pid) ? processStart(Number(pid)) : null;
    return now !== null && (start === undefined || now === '?' || now === start);
  } catch {
    return existsSync(`${path}.lock`);
  }
}

/** Everything the cache at `root` holds, least recently used first. */
export async function listCache(root: string): Promise<CacheEntry[]> {
  const since = earliestHolder(root);
  const entries: CacheEntry[] = [];
  const add = async (kind: CacheKind, path: string, name: string, usedFrom: string) => {
    const used = statSync(usedFrom).mtimeMs;
    const heldBy = lockHeld(path) ? 'being built by a running bench' : since !== null && used >= since - 1000 ? 'used by a running bench' : null;
    entries.push({ kind, path, name, bytes: await sizeOf(path), lastUsed: used, heldBy });
  };
  const folders = (sub: string, keep: (n: string) => boolean) =>
    existsSync(join(root, sub)) ? readdirSync(join(root, sub)).filter((n) => keep(n) && statSync(join(root, sub, n)).isDirectory()) : [];
  const repoDir = (n: string) => n.endsWith('.git') && !n.includes('.tmp-');
  for (const n of folders('repos', repoDir)) await add('mirror', join(root, 'repos', n), n.replace(/\.git$/, ''), join(root, 'repos', n));
  for (const n of folders('bases', repoDir)) await add('base', join(root, 'bases', n), n.replace(/\.git$/, ''), join(root, 'bases', n));
  for (const n of folders('env', (x) => !x.endsWith('.lock'))) {
    const record = join(root, 'env', `${n}.json`);
    await add('env', join(root, 'env', n), n, existsSync(record) ? record : join(root, 'env', n));
  }
  for (const n of folders('pm', () => true)) await add('pm', join(root, 'pm', n), n, join(root, 'pm', n));
  return entries.sort((a, b) => a.lastUsed - b.lastUsed);
}

export interface PruneOptions {
  /** Remove what was last used more than this many days ago. */
  olderThanDays?: number;
  /** Then remove, least recently used first, until the cache is at most this size. */
  maxBytes?: number;
  dryRun?: boolean;
}

export interface PruneResult {
  removed: CacheEntry[];
  kept: CacheEntry[];
  /** Entries that would have gone but a running bench holds. */
  held: CacheEntry[];
  bytesAfter: number;
}

/** Removes entries by age, then least recently used first down to the size cap; never one a running bench holds. */
export async function pruneCache(root: string, opts: PruneOptions, now = Date.now()): Promise<PruneResult> {
  const entries = await listCache(root);
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  const removed: CacheEntry[] = [];
  const held: CacheEntry[] = [];
  const cutoff = opts.olderThanDays === undefined ? null : now - opts.olderThanDays * 86_400_000;
  for (const e of entries) {
    const old = cutoff !== null && e.lastUsed < cutoff;
    const over = opts.maxBytes !== undefined && total > opts.maxBytes;
    if (!old && !over) continue;
    if (e.heldBy) {
      held.push(e);
      continue;
    }
    if (!opts.dryRun && !(await removeEntry(e))) {
      held.push({ ...e, heldBy: 'being built by a running bench' });
      continue;
    }
    removed.push(e);
    total -= e.bytes;
  }
  // Base repositories whose environment worktrees went forget them.
  if (!opts.dryRun && removed.some((e) => e.kind === 'env'))
    for (const e of entries.filter((x) => x.kind === 'base' && !removed.includes(x))) await gitOut({ gitDir: e.path }, ['worktree', 'prune']).catch(() => '');
  return { removed, kept: entries.filter((e) => !removed.includes(e)), held, bytesAfter: total };
}

/** Removes one entry under its lock (so no bench builds it meanwhile); false when a live process holds the lock. */
async function removeEntry(e: CacheEntry): Promise<boolean> {
  if (lockHeld(e.path)) return false;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 2000);
  try {
    await withLock(
      e.path,
      async () => {
        rmSync(e.path, { recursive: true, force: true });
        if (e.kind === 'env') rmSync(`${e.path}.json`, { force: true });
      },
      abort.signal,
    );
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** After a replay or a mine: prunes the cache down to its cap (see cacheCap), least recently used first; returns a line to print, or null. */
export async function applyCacheCap(root: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const cap = cacheCap(env);
  if (cap === null || !existsSync(root)) return null;
  const res = await pruneCache(root, { maxBytes: cap });
  if (!res.removed.length) return null;
  const freed = res.removed.reduce((n, e) => n + e.bytes, 0);
  return `cache: removed ${res.removed.length} least recently used entr${res.removed.length === 1 ? 'y' : 'ies'} (${formatBytes(freed)}) to stay under ${formatBytes(cap)} (BENCH_CACHE_MAX_GB)`;
}

export function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}
