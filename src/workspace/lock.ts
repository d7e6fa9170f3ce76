// A cross-process lock on a path (mkdir is atomic), so two bench processes sharing a cache (two shards
// on one machine) never build the same mirror or environment at once. A lock whose owner died is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** When process `pid` started (clock ticks since boot, from /proc), or null when there is no such process. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    if (process.platform === 'linux') return null;
    try {
      process.kill(pid, 0);
      return '?'; // alive, start unknown (no /proc)
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? '?' : null;
    }
  }
}

/** The lock's holder is alive: the same pid, started at the same time (a pid the kernel gave out again is not). */
function ownerAlive(lockDir: string): boolean {
  let owner: string;
  try {
    owner = readFileSync(`${lockDir}/pid`, 'utf8');
  } catch {
    return false;
  }
  const [pid, start] = owner.trim().split(' ');
  const now = Number(pid) ? processStart(Number(pid)) : null;
  return now !== null && (start === undefined || now === '?' || now === start);
}

// Serialises holders inside this process too (a same-pid owner looks alive to the check above).
const inProcess = new Map<string, Promise<unknown>>();

export async function withLock<T>(path: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const prev = inProcess.get(path) ?? Promise.resolve();
  const run = prev.catch(() => {}).then(() => acquireAndRun(path, fn, signal));
  inProcess.set(path, run);
  try {
    return await run;
  } finally {
    if (inProcess.get(path) === run) inProcess.delete(path);
  }
}

async function acquireAndRun<T>(path: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const lockDir = `${path}.lock`;
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    signal?.throwIfAborted();
    try {
      mkdirSync(lockDir);
      writeFileSync(`${lockDir}/pid`, `${process.pid} ${processStart(process.pid)}`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock dir without a pid file may be a holder between mkdir and write: give it a moment.
      if (!ownerAlive(lockDir)) {
        await sleep(50);
        if (!ownerAlive(lockDir)) rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      await sleep(wait);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
