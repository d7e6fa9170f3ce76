// What runs killed outright leave is swept by the next run; what live runs own never is, whoever sweeps.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { processStart, withLock } from '../../src/workspace/lock.ts';
import { RepoCache } from '../../src/workspace/repos.ts';
import { sweepDeadRuns, workRootName } from '../../src/workspace/workspace.ts';
import { tmp } from '../helpers/fixtures.ts';

const WORKSPACE = join(import.meta.dirname, '..', '..', 'src', 'workspace', 'workspace.ts');

/** Another bench process: claims its work folder under `root`, says so, then lives until killed. */
async function otherRun(root: string, runId: string) {
  const code = `const m = await import(${JSON.stringify(WORKSPACE)});
const fs = await import('node:fs');
const dir = ${JSON.stringify(root)} + '/' + m.workRootName(process.pid, ${JSON.stringify(runId)});
m.claimWorkRoot(dir);
fs.mkdirSync(dir + '/wt/t1', { recursive: true });
process.stdout.write(dir + '\\n');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
    child.once('exit', (c) => reject(new Error(`exited ${c}`)));
  });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { dir, pid: child.pid!, kill: async () => (child.kill('SIGKILL'), await gone) };
}

describe('sweeping dead runs', () => {
  test("a live run's folder survives another run's sweep; once it is killed -9 the next sweep removes it", async () => {
    const root = tmp('bench-sweep-');
    const cache = new RepoCache(tmp('bench-sweep-cache-'));
    const live = await otherRun(root, 'shard-1');
    try {
      expect(live.dir.endsWith(workRootName(live.pid, 'shard-1'))).toBe(true);
      expect(readFileSync(join(live.dir, 'owner'), 'utf8')).toMatch(new RegExp(`^${live.pid} \\d+$`));
      expect(await sweepDeadRuns(root, cache)).toEqual([]);
      expect(existsSync(join(live.dir, 'wt', 't1'))).toBe(true);
    } finally {
      await live.kill();
    }
    expect(await sweepDeadRuns(root, cache)).toEqual([live.dir]);
    expect(existsSync(live.dir)).toBe(false);
  });

  test('a folder whose pid now belongs to another process (its owner file names another start) is swept; folders not bench made are left', async () => {
    const root = tmp('bench-sweep-');
    const cache = new RepoCache(tmp('bench-sweep-cache-'));
    // This test's own parent is alive, but did not start at tick 1: the folder is a dead run's whose pid was reused.
    const reused = join(root, workRootName(process.ppid, 'old'));
    mkdirSync(join(reused, 'wt'), { recursive: true });
    writeFileSync(join(reused, 'owner'), `${process.ppid} 1`);
    // Named like a work folder, but nothing of bench's in it: not ours to remove.
    const foreign = join(root, workRootName(9_999_999, 'x'));
    mkdirSync(join(foreign, 'data'), { recursive: true });
    expect(await sweepDeadRuns(root, cache)).toEqual([reused]);
    expect(existsSync(foreign)).toBe(true);
  });
});

describe('the cross-process lock', () => {
  test('a live holder is waited for; a holder whose pid the kernel gave to another process is taken over', async () => {
    const path = join(tmp('bench-lock-'), 'base.git.worktrees');
    mkdirSync(`${path}.lock`);
    writeFileSync(`${path}.lock/pid`, `${process.ppid} ${processStart(process.ppid)}`);
    const waiting = withLock(path, async () => 'ran', AbortSignal.timeout(400));
    await expect(waiting).rejects.toThrow(/abort|timeout/i);
    writeFileSync(`${path}.lock/pid`, `${process.ppid} 1`);
    expect(await withLock(path, async () => 'ran')).toBe('ran');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
