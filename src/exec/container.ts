// Container runtimes through their command lines: Podman and Docker (the same CLI where it matters).
// What a trial needs of one: whether it works here, an image's id, a build from a Containerfile, and
// removing a container by name (a run cut short leaves its container to the runtime's monitor, not to us).
import { execFile } from 'node:child_process';
import { onPath } from './locate.ts';
import { runProcess, type RunOptions, type RunResult } from './run.ts';

export type RuntimeName = 'podman' | 'docker';
export const RUNTIME_NAMES: readonly RuntimeName[] = ['podman', 'docker'];

export interface ContainerRuntime {
  name: RuntimeName;
  binary: string;
  /** The server's version ("4.3.1"). */
  version: string;
  /** The OCI runtime it starts containers with ("runc 1.1.5"), when it says. */
  oci: string | null;
  /**
   * Podman only: descriptors passed into the container (`--preserve-fds`, the sandbox's report channel) and a
   * kill after a time even if bench is gone (`--timeout`). Docker has neither.
   */
  podman: boolean;
}

/** A task's container environment as the sandbox needs it: the image (by id) and its resource limits. */
export interface ContainerTarget {
  /** The image id ("sha256:…"): what ran is exactly what was recorded. */
  image: string;
  cpus: number;
  memoryMb: number;
  pids: number;
}

/** The environment a runtime's CLI itself needs (where its configuration and sockets are): never the command's. */
export function runtimeEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = [
    'PATH',
    'HOME',
    'USER',
    'LOGNAME',
    'XDG_RUNTIME_DIR',
    'XDG_CONFIG_HOME',
    'XDG_DATA_HOME',
    'CONTAINERS_CONF',
    'CONTAINERS_STORAGE_CONF',
    'CONTAINER_HOST',
    'DOCKER_HOST',
    'DOCKER_CONFIG',
    'DOCKER_CONTEXT',
    'TMPDIR',
  ];
  const out: NodeJS.ProcessEnv = {};
  for (const k of keep) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

function capture(binary: string, args: string[], timeoutMs = 30_000): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { env: runtimeEnv(), timeout: timeoutMs, maxBuffer: 16 << 20, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ ok: !error, out: String(stdout).trim(), err: String(stderr).trim() }),
    );
  });
}

/** The first line of what a failed runtime command said (for a message). */
const said = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l) ?? '';

/**
 * The runtime to use: the one asked for, or (auto) Podman, then Docker, whichever answers. A client with
 * no server (Docker's CLI without a daemon) does not count.
 */
export async function detectRuntime(choice: 'auto' | RuntimeName = 'auto'): Promise<ContainerRuntime | { error: string }> {
  const tried: string[] = [];
  for (const name of choice === 'auto' ? RUNTIME_NAMES : [choice]) {
    const binary = onPath(name);
    if (!binary) {
      tried.push(`${name}: not installed`);
      continue;
    }
    if (name === 'podman') {
      const r = await capture(binary, ['info', '--format', '{{.Version.Version}}\t{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}']);
      if (!r.ok) {
        tried.push(`podman: ${said(r.err) || 'podman info failed'}`);
        continue;
      }
      const [version = '', oci = ''] = r.out.split('\t');
      // "runc runc version 1.1.5+ds1\ncommit: …" → "runc 1.1.5+ds1"
      const first = oci.split('\n')[0]!.trim();
      const m = /^(\S+)\s+(?:\S+\s+version\s+)?(\S+)/.exec(first);
      return { name, binary, version, oci: m ? `${m[1]} ${m[2]}` : first || null, podman: true };
    }
    const r = await capture(binary, ['version', '--format', '{{.Server.Version}}']);
    if (!r.ok || !r.out) {
      tried.push(`docker: ${said(r.err) || 'no Docker engine answers'}`);
      continue;
    }
    const info = await capture(binary, ['info', '--format', '{{.DefaultRuntime}}']);
    return { name, binary, version: r.out, oci: info.ok ? info.out || null : null, podman: false };
  }
  return { error: `no container runtime works here (${tried.join('; ')})` };
}

/** How a runtime is named in manifests and output. */
export const describeRuntime = (rt: ContainerRuntime) => `${rt.name} ${rt.version}${rt.oci ? ` (${rt.oci})` : ''}`;

/** An image's id ("sha256:…") as the runtime has it locally, or null when it has no such image. */
export async function imageId(rt: ContainerRuntime, ref: string): Promise<string | null> {
  const r = await capture(rt.binary, ['image', 'inspect', '--format', '{{.Id}}', '--', ref]);
  if (!r.ok || !r.out) return null;
  const id = r.out.split('\n')[0]!.trim();
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

/** Builds `file` with `context` as the build context and tags it; the output (capped) says why when it fails. */
export function buildImage(
  rt: ContainerRuntime,
  o: { file: string; context: string; tag: string; labels: Record<string, string>; signal?: AbortSignal; timeoutMs: number },
): Promise<RunResult> {
  const labels = Object.entries(o.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  // Podman can be told never to pull a FROM image; Docker's build pulls one it lacks.
  return runProcess([rt.binary, 'build', ...(rt.podman ? ['--pull=never'] : []), '-f', o.file, '-t', o.tag, ...labels, '--', o.context], {
    cwd: o.context,
    env: runtimeEnv(),
    signal: o.signal,
    timeoutMs: o.timeoutMs,
    maxOutputBytes: 256 * 1024,
  });
}

/** Removes a container whatever its state (a run cut short: its monitor outlives the client we killed). */
export async function removeContainer(rt: ContainerRuntime, name: string): Promise<void> {
  await capture(rt.binary, rt.podman ? ['rm', '--force', '--time', '0', name] : ['rm', '--force', name], 30_000);
}

/** Names of the containers a bench process started (label `bench.owner`), running or not. */
export async function containersOf(rt: ContainerRuntime, owner: string): Promise<string[]> {
  const r = await capture(rt.binary, ['ps', '--all', '--filter', `label=bench.owner=${owner}`, '--format', '{{.Names}}']);
  return r.ok ? r.out.split('\n').filter(Boolean) : [];
}

/** A host path shown in a container at `dst` (the same path, for bench's own mounts). */
export interface Mount {
  src: string;
  dst: string;
  ro: boolean;
}

/** `-v` takes `src:dst:opts`: a path with a colon, a comma or a newline cannot be said there (bench's own paths never have one). */
function volume(m: Mount): string[] {
  for (const p of [m.src, m.dst])
    if (/[:\n,]/.test(p)) throw new Error(`cannot mount ${JSON.stringify(p)} into a container: the path holds ':', ',' or a newline`);
  return ['-v', `${m.src}:${m.dst}${m.ro ? ':ro' : ''}`];
}

/**
 * The variables a container gets: named with -e (the value comes from the runtime client's own environment,
 * never the command line), PATH left to the image. Those the client itself needs with another value
 * (HOME, TMPDIR) are said on the command line: paths, never secrets.
 */
export function envArgs(env: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  const own = runtimeEnv();
  const out: NodeJS.ProcessEnv = { ...own };
  const args: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k === 'PATH' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
    if (k in own && own[k] !== v) args.push('-e', `${k}=${v}`);
    else {
      out[k] = v;
      args.push('-e', k);
    }
  }
  return { args, env: out };
}

/**
 * `run` up to the image: the image's root read-only with private /tmp, /var/tmp and /run; no capabilities,
 * no-new-privileges, a seccomp profile; CPU, memory (no swap beyond it) and process limits; no network
 * unless asked; nothing of the host but `mounts` (and `covers`, an empty read-only folder over what must
 * stay hidden inside a mount). Podman also kills the container after `timeoutS` even if bench is gone, and passes
 * descriptor 3 in (`report`).
 */
export function runArgs(
  rt: ContainerRuntime,
  o: {
    name: string;
    target: ContainerTarget;
    network: boolean;
    mounts: Mount[];
    /** Folders inside a mount covered by `empty` (an empty folder of bench's), read-only. */
    covers: string[];
    empty?: string;
    workdir: string;
    seccompFile: string | null;
    timeoutS: number;
    stdin: boolean;
    report: boolean;
  },
): string[] {
  const uid = process.getuid?.() ?? 0;
  const args = [rt.binary, 'run', '--rm', '--name', o.name, '--label', 'bench=1', '--log-driver', 'none', '--pull', 'never'];
  if (o.stdin) args.push('-i');
  if (!o.network) args.push('--network', 'none');
  // Rootless Podman maps its root to bench's user; Docker's daemon runs as root, so bench's own uid keeps files bench's.
  args.push('--user', rt.podman || uid === 0 ? '0:0' : `${uid}:${process.getgid?.() ?? 0}`);
  args.push('--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges');
  if (o.seccompFile) args.push('--security-opt', `seccomp=${o.seccompFile}`);
  const t = o.target;
  args.push('--pids-limit', String(t.pids), '--memory', `${t.memoryMb}m`, '--memory-swap', `${t.memoryMb}m`, '--cpus', String(t.cpus));
  if (rt.podman) {
    args.push('--timeout', String(o.timeoutS));
    if (o.report) args.push('--preserve-fds', '1');
    // Podman mounts tmpfs of its own on /tmp, /var/tmp and /run of a read-only container unless told not to.
    args.push('--read-only-tmpfs=false');
  }
  args.push('--tmpfs', '/tmp:rw,nosuid,nodev,mode=1777', '--tmpfs', '/var/tmp:rw,nosuid,nodev,mode=1777', '--tmpfs', '/run:rw,nosuid,nodev,mode=755');
  for (const m of o.mounts) args.push(...volume(m));
  // An empty folder bound over it, not a tmpfs: runtimes mount binds in path order among themselves but
  // tmpfs before them, so a tmpfs inside a bound folder would end up under the bind.
  if (o.covers.length && !o.empty) throw new Error('covers need an empty folder to bind');
  for (const h of o.covers) args.push(...volume({ src: o.empty!, dst: h, ro: true }));
  args.push('--workdir', o.workdir);
  return args;
}

/**
 * Runs a container client (`argv` from runArgs, the container named `name`). The client's output is held
 * by the runtime's monitor until the container is gone, so at the time limit or on abort the container
 * itself is removed, which ends the client too.
 */
export async function runContainer(rt: ContainerRuntime, argv: string[], name: string, opts: RunOptions & { timeoutMs: number }): Promise<RunResult> {
  let removing: Promise<void> | null = null;
  const stop = () => (removing ??= removeContainer(rt, name));
  const timer = setTimeout(stop, opts.timeoutMs);
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    const res = await runProcess(argv, opts);
    if (res.timedOut || res.aborted) await stop();
    return res;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', stop);
  }
}
