// The seccomp filters for real: handed to bubblewrap through `--seccomp 3`, with real processes
// checking that everyday commands still work and the blocked syscalls fail with an errno.
import { spawn, spawnSync } from 'node:child_process';
import type { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { seccompFilter, type SeccompProfile } from '../../src/control/seccomp.ts';

const BWRAP = ['--die-with-parent', '--unshare-pid', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `bash -c script` under bwrap, with the profile's filter on fd 3 (or no filter, as the baseline). */
function inBwrap(profile: SeccompProfile | null, script: string): Promise<Outcome> {
  const filter = profile ? seccompFilter(profile) : null;
  if (profile && !filter) throw new Error(`no seccomp filter for ${process.arch}`);
  const args = [...BWRAP, ...(filter ? ['--seccomp', '3'] : []), '--', 'bash', '-c', script];
  const child = spawn('bwrap', args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const fd3 = child.stdio[3] as Writable;
  // bwrap may exit before reading everything (a bad filter): that must surface as its exit status, not an EPIPE crash.
  fd3.on('error', () => {});
  fd3.end(filter ?? undefined);
  let stdout = '';
  let stderr = '';
  // Both are pipes by the stdio option; the spawn overload with a 4-entry stdio array cannot say so.
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function succeeds(script: string): boolean {
  return spawnSync('bwrap', [...BWRAP, '--', 'bash', '-c', script], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

const onPath = (cmd: string): boolean => spawnSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function unavailable(): string | null {
  if (process.platform !== 'linux') return 'seccomp is Linux only';
  if (!seccompFilter('agent')) return `bench has no syscall table for ${process.arch}`;
  const probe = spawnSync('bwrap', [...BWRAP, '--', 'true'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) return `bubblewrap (bwrap) is not installed: ${probe.error.message}`;
  if (probe.status !== 0) return `bwrap cannot create namespaces here: ${probe.stderr.trim()}`;
  return null;
}

const skipReason = unavailable();
const title = skipReason ? `seccomp under bubblewrap (skipped: ${skipReason})` : 'seccomp under bubblewrap';
// Optional assertions depend on the machine; decided once, where bwrap is known to work.
const canUnshareUser = !skipReason && onPath('unshare') && succeeds('unshare -U true');
const canNestBwrap = !skipReason && succeeds(`bwrap ${BWRAP.join(' ')} -- true`);
const hasStrace = !skipReason && onPath('strace');

describe.skipIf(skipReason !== null)(title, () => {
  test.each<SeccompProfile>(['agent', 'nested'])('%s: ordinary commands, child processes and background jobs work', async (profile) => {
    const node = JSON.stringify(process.execPath);
    const script = ['echo hello', `${node} -e "require('child_process').execSync('true'); console.log('node ok')"`, 'sleep 0.1 & wait $! && echo waited'].join(
      ' && ',
    );
    const r = await inBwrap(profile, script);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['hello', 'node ok', 'waited']);
  });

  test.skipIf(!canUnshareUser)('new user namespaces: refused in agent, allowed in nested', async () => {
    const agent = await inBwrap('agent', 'unshare -U true');
    expect(agent.code).not.toBe(0);
    expect(agent.stderr).toMatch(/Operation not permitted/);
    expect(await inBwrap('nested', 'unshare -U true')).toMatchObject({ code: 0 });
  });

  test.skipIf(!canNestBwrap)('nested lets a process build its own bubblewrap sandbox; agent does not', async () => {
    const inner = `bwrap ${BWRAP.join(' ')} -- echo inner`;
    const nested = await inBwrap('nested', inner);
    expect(nested, nested.stderr).toMatchObject({ code: 0, stdout: 'inner\n' });
    expect((await inBwrap('agent', inner)).code).not.toBe(0);
  });

  test.skipIf(!hasStrace).each<SeccompProfile>(['agent', 'nested'])('%s: ptrace fails with EPERM (strace)', async (profile) => {
    expect((await inBwrap(null, 'strace -f true')).code).toBe(0);
    const r = await inBwrap(profile, 'strace -f true');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/PTRACE_\w+.*Operation not permitted/);
  });
});
