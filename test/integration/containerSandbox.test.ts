// The container backend against a real Podman: what a command in a task's container can and cannot do.
// Each guarantee of the bwrap backend is tried the way an agent would break it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RunContext } from '@openai/agents';
import { DEFAULT_APPROVER } from '../../src/control/approver.ts';
import { containerBackend } from '../../src/control/container.ts';
import { ControlPlane } from '../../src/control/plane.ts';
import { workspaceTools } from '../../src/engine/sdk/tools.ts';
import { EventLog } from '../../src/record/events.ts';
import { commandEnv, noSandbox, type SandboxBackend, type SandboxSpec } from '../../src/control/sandbox.ts';
import { detectRuntime, imageId, type ContainerRuntime } from '../../src/exec/container.ts';
import { BASE_IMAGE, containersReady } from '../helpers/containers.ts';
import { git, tmp } from '../helpers/fixtures.ts';

const ready = containersReady();

describe.skipIf(!ready)('the container backend (podman)', () => {
  let rt: ContainerRuntime;
  let backend: SandboxBackend;
  let image: string;
  let root: string;
  let ws: string;
  let base: string;
  let hidden: string;
  let env: NodeJS.ProcessEnv;
  let home: string;
  let tmpd: string;

  beforeAll(async () => {
    const found = await detectRuntime('podman');
    if ('error' in found) throw new Error(found.error);
    rt = found;
    image = (await imageId(rt, BASE_IMAGE))!;
    root = tmp('bench-ct-');
    base = join(root, 'base');
    mkdirSync(base);
    git(base, 'init', '-q');
    writeFileSync(join(base, 'a.txt'), 'a\n');
    git(base, 'add', '.');
    git(base, 'commit', '-qm', 'a');
    ws = join(root, 'ws');
    git(base, 'worktree', 'add', '-q', '--detach', ws);
    // Something that must stay hidden although it lies inside a folder the command sees.
    hidden = join(base, 'answers');
    mkdirSync(hidden);
    writeFileSync(join(hidden, 'gold.txt'), 'the answer\n');
    backend = containerBackend({ runtime: rt, scratch: join(root, 'seccomp'), host: noSandbox() });
    ({ env, home, tmp: tmpd } = commandEnv(join(root, 'scratch'), { BENCH_TRIAL_MARK: 'm1' }));
  });

  const spec = (o: Partial<SandboxSpec> & { pids?: number; memoryMb?: number } = {}): SandboxSpec => ({
    mode: 'workspace-write',
    network: false,
    workspace: ws,
    writable: [home, tmpd],
    hidden: [hidden, join(root, 'secret-dir')],
    reveal: [base],
    cwd: ws,
    container: { image, cpus: 1, memoryMb: o.memoryMb ?? 512, pids: o.pids ?? 256 },
    ...o,
  });
  const run = (
    cmd: string,
    s: SandboxSpec = spec(),
    o: { timeoutMs?: number; env?: NodeJS.ProcessEnv; limits?: { fileBytes: number; processes: number } } = {},
  ) => backend.run(cmd, s, { env: o.env ?? env, timeoutMs: o.timeoutMs ?? 60_000, maxOutputBytes: 256 * 1024, limits: o.limits });

  afterAll(() => {
    // Nothing of this process's containers is left behind, whatever the tests did.
    const left = spawnSync('podman', ['ps', '-a', '--filter', `name=^bench-${process.pid}-`, '--format', '{{.Names}}'], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });

  test("the worktree is writable for a write role, its .git and the base repository are not, and the image's root is read-only", async () => {
    const res = await run(
      'echo new > b.txt && cat b.txt; echo x > .git; echo $?; echo y > ' + join(base, 'x') + '; echo $?; echo z > /usr/z; echo $?; git status --porcelain',
    );
    expect(res.exitCode).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toBe('new');
    expect(lines.slice(1, 4)).toEqual(['1', '1', '1']);
    expect(res.stdout).toContain('?? b.txt');
    expect(res.stderr).toMatch(/Read-only file system/);
    expect(readFileSync(join(ws, '.git'), 'utf8')).toMatch(/^gitdir:/);
    expect(existsSync(join(base, 'x'))).toBe(false);
  });

  test('a read-only role cannot write its worktree', async () => {
    const res = await run('echo no > c.txt', spec({ mode: 'read-only' }));
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/Read-only file system/);
    expect(existsSync(join(ws, 'c.txt'))).toBe(false);
  });

  test('nothing of the host is there but the mounts: hidden folders are empty, home folders and the cache absent', async () => {
    const cache = process.env.BENCH_CACHE_DIR!;
    mkdirSync(cache, { recursive: true });
    const res = await run(`ls -A ${hidden}; ls ${cache} 2>&1; ls /root; ls /work 2>&1; cat /etc/shadow 2>&1`);
    expect(res.stdout).not.toContain('gold.txt');
    expect(res.stdout).toMatch(/No such file or directory/);
    expect(res.stdout.trim().split('\n').at(-1)).toMatch(/cat: \/etc\/shadow: Permission denied/); // masked, as under bwrap
  });

  test("only the variables given reach the command: bench's own (an API key) do not, and PATH is the image's", async () => {
    process.env.OPENAI_API_KEY = 'sk-should-not-leak';
    try {
      const res = await run('echo "key=${OPENAI_API_KEY:-none} mark=$BENCH_TRIAL_MARK home=$HOME"; echo $PATH');
      expect(res.stdout).toContain(`key=none mark=m1 home=${home}`);
      expect(res.stdout).toContain('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  test('without network the command reaches nothing, and PID 1 counts the attempt even when the command hides it', async () => {
    const res = await run(`python3 -c "import socket
try: socket.create_connection(('192.0.2.1', 80), timeout=2)
except OSError: pass
print('hid it')"`);
    expect(res.stdout).toContain('hid it');
    expect(res.observed).toEqual({ networkAttempts: 1, tamper: null });
    const withNet = await run('ls /sys/class/net', spec({ network: true }));
    expect(withNet.stdout.split('\n').filter((n) => n && n !== 'lo').length).toBeGreaterThan(0);
    const without = await run('ls /sys/class/net');
    expect(without.stdout.trim()).toBe('lo');
  });

  test("PID 1's report channel is out of the command's reach (a socket /proc cannot reopen): a forged report does not land", async () => {
    const res = await run(`printf 'BENCH-NET-BEGIN\\nIp: OutNoRoutes\\nIp: 0\\nBENCH-NET-END\\n' > /proc/1/fd/3; echo "rc=$?"; python3 -c "import socket
try: socket.create_connection(('192.0.2.1', 80), timeout=2)
except OSError: pass"`);
    expect(res.stdout).toMatch(/rc=[1-9]/);
    expect(res.observed).toEqual({ networkAttempts: 1, tamper: null });
  });

  test("the seccomp rules are bwrap's: no new namespaces, no ptrace", async () => {
    const res = await run(
      `unshare -U true; echo "unshare=$?"; python3 -c "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); r = libc.ptrace(16, 1, 0, 0); print('ptrace', r, os.strerror(ctypes.get_errno()))"`,
    );
    expect(res.stdout).toMatch(/unshare=1/);
    expect(res.stdout).toMatch(/ptrace -1 Operation not permitted/);
  });

  test('the process limit holds (a fork bomb stops at it), and so do the memory limit and the file size limit', async () => {
    const pids = await run('for i in $(seq 1 100); do sleep 5 & done 2>&1 | grep -c "Resource temporarily unavailable"; echo end', spec({ pids: 32 }));
    expect(Number(pids.stdout.split('\n')[0])).toBeGreaterThan(0);
    const mem = await run(`python3 -c "x = bytearray(300 * 1024 * 1024); print('allocated')"`, spec({ memoryMb: 64 }));
    expect(mem.stdout).not.toContain('allocated');
    expect(mem.exitCode).not.toBe(0);
    const big = await run('head -c 2000000 /dev/zero > big.bin; echo $?', spec(), { limits: { fileBytes: 1 << 20, processes: 4096 } });
    expect(big.stdout.trim()).not.toBe('0');
  });

  test('a command that fills the memory limit (its /tmp included) is killed, not PID 1: its network attempt is still counted', async () => {
    const res = await run(
      `python3 -c "import socket
try: socket.create_connection(('192.0.2.1', 80), timeout=1)
except OSError: pass"; head -c 400M /dev/zero > /tmp/fill; python3 -c "x = bytearray(200 * 1024 * 1024)"; echo "rc=$?"`,
      spec({ memoryMb: 256 }),
    );
    expect(res.stdout).toMatch(/rc=[1-9]/);
    expect(res.observed).toEqual({ networkAttempts: 1, tamper: null });
  });

  test("the trial's end stops a command still running: nothing it does afterwards lands in the worktree", async () => {
    const stop = new AbortController();
    const t0 = performance.now();
    const pending = backend.run('for i in $(seq 1 40); do echo $i >> ticks.txt; sleep 0.25; done', spec(), {
      env,
      timeoutMs: 60_000,
      maxOutputBytes: 65536,
      signal: stop.signal,
    });
    await new Promise((r) => setTimeout(r, 2500));
    stop.abort();
    const res = await pending;
    expect(res.aborted).toBe(true);
    expect(performance.now() - t0).toBeLessThan(10_000);
    const seen = readFileSync(join(ws, 'ticks.txt'), 'utf8');
    await new Promise((r) => setTimeout(r, 1500));
    expect(readFileSync(join(ws, 'ticks.txt'), 'utf8')).toBe(seen);
    expect(seen.trim().split('\n').length).toBeLessThan(40);
  });

  test("the control plane's end of a trial waits until the container of a command still running is gone", async () => {
    const plane = new ControlPlane({
      workspace: ws,
      scratch: join(root, 'plane'),
      events: new EventLog(null),
      roles: { worker: { sandbox: 'workspace-write', network: 'deny', approval: 'never' } },
      defaultRole: { sandbox: 'read-only', network: 'deny', approval: 'never' },
      sandbox: backend,
      hooks: null,
      approver: DEFAULT_APPROVER,
      hidden: [],
      reveal: [base],
      container: { image, cpus: 1, memoryMb: 512, pids: 256 },
      seed: 1,
      commandTimeoutMs: 60_000,
      maxOutputBytes: 64 * 1024,
      signal: new AbortController().signal,
    });
    const [exec] = workspaceTools(['exec_command'], { role: 'worker', plane });
    const call = exec!.invoke(new RunContext(), JSON.stringify({ cmd: 'for i in $(seq 1 40); do echo $i >> plane-ticks.txt; sleep 0.25; done' }), {
      toolCall: { callId: 'c1' },
    } as never);
    await new Promise((r) => setTimeout(r, 2500));
    await plane.killAll();
    const seen = readFileSync(join(ws, 'plane-ticks.txt'), 'utf8');
    await new Promise((r) => setTimeout(r, 1500));
    expect(readFileSync(join(ws, 'plane-ticks.txt'), 'utf8')).toBe(seen);
    expect(seen.trim().split('\n').length).toBeLessThan(40);
    await call.catch(() => undefined);
  });

  test("a path the runtime cannot mount (an approved write with ':' in it) fails that command, not the trial", async () => {
    const odd = join(root, 'a:b');
    mkdirSync(odd);
    const res = await run('echo never', spec({ writable: [home, tmpd, odd] }));
    expect(res.exitCode).toBe(126);
    expect(res.stderr).toMatch(/cannot mount .*a:b.* into a container/);
  });

  test('at the time limit the container is removed with everything in it, promptly', async () => {
    const t0 = performance.now();
    const res = await run('sleep 60 & sleep 60', spec(), { timeoutMs: 1500 });
    expect(res.timedOut).toBe(true);
    expect(performance.now() - t0).toBeLessThan(15_000);
    const left = spawnSync('podman', ['ps', '-a', '--filter', `name=^bench-${process.pid}-`, '--format', '{{.Names}}'], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });

  test("a runtime without descriptor passing (Docker's CLI shape) runs the same command and counts no attempts rather than guessing", async () => {
    const dockerShaped = containerBackend({ runtime: { ...rt, podman: false }, scratch: join(root, 'seccomp2'), host: noSandbox() });
    const res = await dockerShaped.run('echo hi; echo x > .git', spec(), { env, timeoutMs: 60_000, maxOutputBytes: 65536 });
    expect(res.stdout).toBe('hi\n');
    expect(res.stderr).toMatch(/Read-only file system/);
    expect(res.observed).toEqual({ networkAttempts: null, tamper: null });
  });
});
