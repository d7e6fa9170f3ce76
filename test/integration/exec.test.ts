import { describe, expect, test } from 'vitest';
import { runShell } from '../../src/exec/run.ts';
import { tmp } from '../helpers/fixtures.ts';

/** Running (a zombie waiting to be reaped by init counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('runShell', () => {
  test('returns exit code and interleaved output', async () => {
    const r = await runShell('echo out; echo err >&2; exit 3', { cwd: tmp() });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.output).toContain('out');
  });

  test('kills a command at its timeout, with everything it started', async () => {
    const dir = tmp();
    const t0 = Date.now();
    const r = await runShell('sleep 30 & echo $! > child.pid; sleep 30', { cwd: dir, timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    const child = Number(require('node:fs').readFileSync(`${dir}/child.pid`, 'utf8'));
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(child)).toBe(false);
  });

  test('background jobs left behind when a command exits are killed with its group', async () => {
    const dir = tmp();
    const r = await runShell('(sleep 30 & echo $! > bg.pid); echo started', { cwd: dir });
    expect(r.exitCode).toBe(0);
    const bg = Number(require('node:fs').readFileSync(`${dir}/bg.pid`, 'utf8'));
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(bg)).toBe(false);
  });

  test('an abort signal stops the command', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await runShell('sleep 30', { cwd: tmp(), signal: ac.signal });
    expect(r.aborted).toBe(true);
  });

  test('caps output, keeping head and tail', async () => {
    const r = await runShell('seq 1 100000', { cwd: tmp(), maxOutputBytes: 1000 });
    expect(r.stdout.startsWith('1\n2\n')).toBe(true);
    expect(r.stdout.trimEnd().endsWith('100000')).toBe(true);
    expect(r.stdout).toMatch(/bytes omitted/);
    expect(r.omittedBytes).toBeGreaterThan(500_000);
  });

  test('a missing program is a spawn error, not a crash', async () => {
    const r = await require('../../src/exec/run.ts').runProcess(['definitely-not-a-program-xyz'], { cwd: tmp() });
    expect(r.spawnError).toMatch(/ENOENT/);
  });
});
