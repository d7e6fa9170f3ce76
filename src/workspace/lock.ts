// A cross-process lock on a path (mkdir is atomic), so two bench processes sharing a cache (two shards
// on one machine) never build the same mirror or environment at once. A lock whose owner died is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function ownerAlive(lockDir: string): boolean {
  try {
    const pid = Number(readFileSync(`${lockDir}/pid`, 'utf8'));
    if (!pid) return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
      writeFileSync(`${lockDir}/pid`, String(process.pid));
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
