// The container backend's pieces that need no runtime: the seccomp profile, the run arguments, the
// variables, the FROM lines of a Containerfile, and where a suite says a task's environment is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { containerArgs } from '../../src/control/container.ts';
import type { SandboxSpec } from '../../src/control/sandbox.ts';
import { seccompProfileJson } from '../../src/control/seccomp.ts';
import { InputErrors } from '../../src/errors.ts';
import { envArgs, MountError, runArgs, type ContainerRuntime } from '../../src/exec/container.ts';
import { manifestDifferences } from '../../src/record/merge.ts';
import { RunManifest } from '../../src/record/schema.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { baseImages } from '../../src/workspace/images.ts';
import { calcFixture, tmp, writeFiles } from '../helpers/fixtures.ts';

const podman: ContainerRuntime = { name: 'podman', binary: '/usr/bin/podman', version: '4.3.1', oci: 'runc 1.1.5', podman: true };
const docker: ContainerRuntime = { name: 'docker', binary: '/usr/bin/docker', version: '28.2.2', oci: 'runc', podman: false };
const target = { image: 'sha256:abc', cpus: 1.5, memoryMb: 2048, pids: 512 };

describe('the seccomp profile for container runtimes', () => {
  test("refuses what bwrap's filter refuses, with the same errnos, on every ABI of the machine", () => {
    const p = JSON.parse(seccompProfileJson('agent', 'x64')!) as {
      defaultAction: string;
      architectures: string[];
      syscalls: Array<{ names: string[]; errnoRet: number; args?: unknown[] }>;
    };
    expect(p.defaultAction).toBe('SCMP_ACT_ALLOW');
    expect(p.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    const rule = (name: string) => p.syscalls.filter((s) => s.names.includes(name));
    expect(rule('ptrace')).toEqual([{ names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }]);
    expect(rule('clone3')[0]!.errnoRet).toBe(38); // ENOSYS: glibc falls back to clone, whose flags are checked
    // clone: one rule per namespace flag (CLONE_NEWNS … CLONE_NEWNET), fork and threads untouched
    const clone = rule('clone');
    expect(clone).toHaveLength(7);
    expect(clone.map((c) => (c.args as Array<{ value: number; valueTwo: number; op: string }>)[0])).toContainEqual({
      index: 0,
      value: 0x10000000,
      valueTwo: 0x10000000,
      op: 'SCMP_CMP_MASKED_EQ',
    });
    // ioctl: TIOCSTI and TIOCLINUX on the low 32 bits only
    expect(rule('ioctl').map((c) => (c.args as Array<{ valueTwo: number }>)[0]!.valueTwo)).toEqual([0x5412, 0x541c]);
    expect(JSON.parse(seccompProfileJson('agent', 'arm64')!).architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(seccompProfileJson('agent', 'riscv64')).toBeNull();
  });

  test('the nested profile (a program that builds its own sandboxes) keeps namespaces and mounts', () => {
    const names = (JSON.parse(seccompProfileJson('nested', 'x64')!) as { syscalls: Array<{ names: string[] }> }).syscalls.flatMap((s) => s.names);
    expect(names).toContain('ptrace');
    expect(names).not.toContain('unshare');
    expect(names).not.toContain('mount');
  });
});

describe('container run arguments', () => {
  const base = {
    name: 'bench-1',
    target,
    network: false,
    mounts: [],
    covers: [],
    workdir: '/w',
    seccompFile: '/s.json',
    timeoutS: 70,
    stdin: false,
    report: true,
  };

  test('Podman: no network, read-only image, no capabilities, the limits, the time limit, descriptor 3 passed in', () => {
    const a = runArgs(podman, base);
    const has = (...xs: string[]) => expect(a.join(' ')).toContain(xs.join(' '));
    has('--network', 'none');
    has('--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--security-opt', 'label=disable', '--security-opt', 'seccomp=/s.json');
    has('--label', `bench.owner=${process.pid}`);
    has('--tmpfs', '/tmp:rw,nosuid,nodev,mode=1777,size=1024m');
    has('--pids-limit', '512', '--memory', '2048m', '--memory-swap', '2048m', '--cpus', '1.5');
    has('--timeout', '70');
    has('--preserve-fds', '1');
    has('--pull', 'never');
    has('--workdir', '/w');
    expect(runArgs(podman, { ...base, report: false })).not.toContain('--preserve-fds');
    expect(runArgs(podman, { ...base, network: true })).not.toContain('--network');
  });

  test("Docker's CLI gets only what it knows: no --preserve-fds, --timeout or --read-only-tmpfs", () => {
    const a = runArgs(docker, base);
    for (const podmanOnly of ['--preserve-fds', '--timeout', '--read-only-tmpfs=false']) expect(a).not.toContain(podmanOnly);
    expect(a.join(' ')).toContain('--network none');
  });

  test("a path a runtime's -v cannot say is refused, not mangled", () => {
    expect(() => runArgs(podman, { ...base, mounts: [{ src: '/a:b', dst: '/a:b', ro: true }] })).toThrow(MountError);
  });

  test("a sandbox spec: the worktree writable for write roles only, its .git read-only, hidden folders inside a mount covered, /etc's secrets masked", () => {
    const root = tmp('bench-ct-args-');
    writeFiles(root, { 'ws/.git': 'gitdir: x\n', 'ws/a.txt': 'a', 'base/answers/gold.txt': 'g', 'elsewhere/x': 'x', 'home/.keep': '' });
    const spec: SandboxSpec = {
      mode: 'workspace-write',
      network: false,
      workspace: join(root, 'ws'),
      writable: [join(root, 'home')],
      hidden: [join(root, 'base', 'answers'), join(root, 'elsewhere')],
      reveal: [join(root, 'base')],
      cwd: join(root, 'ws'),
      container: target,
    };
    const empty = { dir: '/e', file: '/u' };
    const args = (s: SandboxSpec) => containerArgs(podman, s, { name: 'n', seccompFile: null, timeoutS: 10, stdin: false, report: false, empty }).join(' ');
    const a = args(spec);
    expect(a).toContain(`-v ${root}/ws:${root}/ws:nosuid,nodev `);
    expect(a).toContain(`-v ${root}/ws/.git:${root}/ws/.git:ro,nosuid,nodev`);
    expect(a).toContain(`-v ${root}/base:${root}/base:ro,nosuid,nodev`);
    expect(a).toContain(`-v ${root}/home:${root}/home:nosuid,nodev `);
    expect(a).toContain(`-v /e:${root}/base/answers:ro`);
    expect(a).not.toContain(`${root}/elsewhere`); // not inside anything mounted: simply not there
    expect(a).toContain('-v /u:/etc/shadow:ro');
    expect(a).toContain('-v /e:/etc/ssh:ro');
    expect(args({ ...spec, mode: 'read-only' })).toContain(`-v ${root}/ws:${root}/ws:ro,nosuid,nodev`);
    // one mount per destination (the runtime refuses two): the later wins, as under bwrap; .git stays read-only
    // even when an approval granted writing it
    const granted = args({ ...spec, reveal: [join(root, 'base'), join(root, 'home')], writable: [join(root, 'home'), join(root, 'ws', '.git')] });
    expect(granted.match(new RegExp(`:${root}/home[: ]`, 'g'))).toHaveLength(1);
    expect(granted).toContain(`-v ${root}/home:${root}/home:nosuid,nodev `);
    expect(granted.match(new RegExp(`:${root}/ws/.git[: ]`, 'g'))).toHaveLength(1);
    expect(granted).toContain(`-v ${root}/ws/.git:${root}/ws/.git:ro,`);
    // an approved read of a masked path shows it, as the later bind does under bwrap
    expect(args({ ...spec, reveal: [...spec.reveal, '/etc/ssh'] })).not.toContain('-v /e:/etc/ssh');
    expect(args({ ...spec, mode: 'danger-full-access' })).not.toContain('--network none');
    expect(() => args({ ...spec, container: undefined })).toThrow(/no environment/);
  });

  test("variables reach the container by name, their values never on the command line; those the runtime's client reads itself never reach the client", () => {
    const { args, env } = envArgs({
      PATH: '/host/bin',
      API_TOKEN: 'sekrit',
      HOME: '/trial/home',
      TMPDIR: '/trial/tmp',
      LD_PRELOAD: '/x/evil.so',
      CONTAINERS_CONF: '/x/c.conf',
      'BAD-NAME': 'x',
    });
    expect(args).toContain('API_TOKEN');
    expect(args.join(' ')).not.toContain('sekrit');
    expect(env.API_TOKEN).toBe('sekrit');
    for (const said of ['HOME=/trial/home', 'TMPDIR=/trial/tmp', 'LD_PRELOAD=/x/evil.so', 'CONTAINERS_CONF=/x/c.conf']) expect(args).toContain(said);
    expect(env.LD_PRELOAD).toBeUndefined();
    expect(env.TMPDIR).toBe(process.env.TMPDIR);
    expect(env.CONTAINERS_CONF).toBe(process.env.CONTAINERS_CONF);
    expect(args.join(' ')).not.toContain('PATH');
    expect(args.join(' ')).not.toContain('BAD-NAME');
  });
});

test('the images a Containerfile starts FROM: not scratch, not an earlier stage, not one named by an ARG', () => {
  const file = [
    '# syntax',
    'FROM node:22 AS build',
    'RUN true',
    'FROM --platform=linux/amd64 build',
    'FROM scratch',
    'from localhost/base:1 \\',
    '  AS final',
    'FROM $BASE',
  ].join('\n');
  expect(baseImages(file)).toEqual(['node:22', 'localhost/base:1']);
});

describe("where a suite gives a task's environment", () => {
  function problems(fn: () => unknown): string[] {
    try {
      fn();
    } catch (err) {
      if (err instanceof InputErrors) return err.errors.map((e) => e.format());
      throw err;
    }
    throw new Error('expected the suite to be rejected');
  }

  test('the task over its repository over the defaults; null on a task means the host', () => {
    const f = calcFixture();
    const suiteFile = join(f.suite, 'suite.yaml');
    writeFiles(f.suite, { 'env/Containerfile': 'FROM scratch\n' });
    const defaults = 'defaults:\n  setup: null\n  environment:\n    image: localhost/default:1\n';
    writeFileSync(suiteFile, `name: calc\nrepos:\n  calc:\n    path: ../calc\n${defaults}`);
    const loaded = () => loadSuite(f.suite).tasks[0]!.environment;
    expect(loaded()).toMatchObject({ kind: 'image', ref: 'localhost/default:1', declared: 'defaults.environment', cpus: 2, memoryMb: 4096, pids: 4096 });
    writeFileSync(suiteFile, `name: calc\nrepos:\n  calc:\n    path: ../calc\n    environment:\n      image: localhost/repo:1\n      pids: 64\n${defaults}`);
    expect(loaded()).toMatchObject({ kind: 'image', ref: 'localhost/repo:1', declared: 'repos.calc.environment', pids: 64 });
    const task = join(f.suite, 'tasks', 'fix-clamp.yaml');
    const taskYaml = readFileSync(task, 'utf8');
    writeFileSync(task, `${taskYaml}environment:\n  containerfile: env/Containerfile\n  memory_mb: 512\n`);
    expect(loaded()).toMatchObject({
      kind: 'containerfile',
      file: join(f.suite, 'env', 'Containerfile'),
      context: join(f.suite, 'env'),
      memoryMb: 512,
      declared: 'environment',
    });
    writeFileSync(task, `${taskYaml}environment: null\n`);
    expect(loaded()).toBeNull();
    writeFileSync(task, `${taskYaml}environment:\n  containerfile: env/Nope\n`);
    expect(problems(() => loadSuite(f.suite))).toEqual([expect.stringMatching(/fix-clamp\.yaml: environment\.containerfile: .*env\/Nope is not a file/)]);
    // a build context holding the suite (its task files, gold commits, hidden tests) or a repository source it names
    writeFiles(f.suite, { Containerfile: 'FROM scratch\nCOPY . /suite\n' });
    writeFileSync(task, `${taskYaml}environment:\n  containerfile: Containerfile\n`);
    expect(problems(() => loadSuite(f.suite))).toEqual([expect.stringMatching(/environment\.containerfile: the build context .* holds .*suite\.yaml/)]);
    writeFileSync(task, `${taskYaml}environment:\n  containerfile: env/Containerfile\n  context: ..\n`);
    expect(problems(() => loadSuite(f.suite))).toEqual([expect.stringMatching(/environment\.context: the build context .* holds/)]);
    writeFileSync(task, `${taskYaml}environment:\n  image: x\n  containerfile: y\n`);
    expect(problems(() => loadSuite(f.suite)).join('\n')).toMatch(/environment/);
  });
});

describe('runs on other toolchains are told apart', () => {
  const manifest = (environments: Array<{ declared: string; image_id: string }>) =>
    RunManifest.parse({
      schema: 1,
      run_id: 'r',
      created_at: '2026-01-01T00:00:00.000Z',
      harness: { version: '0.1.0', git_sha: null },
      node: process.version,
      platform: 'linux-x64',
      sandbox: { backend: environments.length ? 'container' : 'bwrap', detail: 'test' },
      environments: environments.map((e) => ({ ...e, ref: 'x', content_hash: null, built: false, build_ms: 0, tasks: [] })),
      suite: { name: 's', dir: '.', digest: 'sha256:0', tasks: 1 },
      workflows: [],
      engine: 'sdk',
      model: { backend: 'sim', name: 'sim', base_url: null, api: null, simulated: true, sim_profile: null },
      prices: {},
      seed: 0,
      repeat: 1,
      concurrency: 1,
      filters: { limit: null, tasks: [] },
      shard: null,
      trials_planned: 1,
      command: ['test'],
    });
  const envDiff = (a: RunManifest, b: RunManifest) => manifestDifferences(a, b).filter(([what]) => what === 'task environments');
  const A1 = { declared: 'repos.a.environment', image_id: `sha256:${'1'.repeat(64)}` };
  const A2 = { declared: 'repos.a.environment', image_id: `sha256:${'2'.repeat(64)}` };
  const B = { declared: 'repos.b.environment', image_id: `sha256:${'3'.repeat(64)}` };

  test('the same environment pinned to another image, or the host against containers, differs (resume refuses, merge and compare say so)', () => {
    expect(envDiff(manifest([A1]), manifest([A2]))).toEqual([
      ['task environments', `repos.a.environment=sha256:${'1'.repeat(12)}`, `repos.a.environment=sha256:${'2'.repeat(12)}`],
    ]);
    expect(envDiff(manifest([]), manifest([A1]))).toEqual([['task environments', 'the host', 'containers']]);
  });

  test('shards that used different environments of one suite (their own tasks) do not', () => {
    expect(envDiff(manifest([A1]), manifest([B]))).toEqual([]);
    expect(envDiff(manifest([A1, B]), manifest([A1]))).toEqual([]);
  });
});
