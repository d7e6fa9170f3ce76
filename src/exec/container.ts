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
  const r = await capture(rt.binary, ['ps', '--all', '--filter', `label=${OWNER_LABEL}=${owner}`, '--format', '{{.Names}}']);
  return r.ok ? r.out.split('\n').filter(Boolean) : [];
}

/** A host path shown in a container at `dst` (the same path, for bench's own mounts). */
export interface Mount {
  src: string;
  dst: string;
  ro: boolean;
}

/** A path a runtime's `-v src:dst:opts` cannot say (a colon, a comma or a newline in it): refused, never mangled. */
export class MountError extends Error {}

function volume(rt: ContainerRuntime, m: Mount): string[] {
  for (const p of [m.src, m.dst])
    if (/[:\n,]/.test(p)) throw new MountError(`cannot mount ${JSON.stringify(p)} into a container: the path holds ':', ',' or a newline`);
  // Podman takes nosuid and nodev on a bind, as bwrap's binds are; Docker's -v knows only ro.
  const opts = [...(m.ro ? ['ro'] : []), ...(rt.podman ? ['nosuid', 'nodev'] : [])];
  return ['-v', `${m.src}:${m.dst}${opts.length ? `:${opts.join(',')}` : ''}`];
}

/**
 * Variables the runtime's client reads itself (its libraries, configuration, storage, proxies, temporary
 * folder): given to a container as `-e NAME=value`, never put in the client's own environment.
 */
const CLIENT_READS =
  /^(LD_|CONTAINERS?_|PODMAN_|BUILDAH_|STORAGE_|DOCKER_|XDG_|REGISTRY_|(HTTPS?|FTP|ALL|NO)_PROXY$|TMPDIR$|TMP$|TEMP$|HOME$|USER$|LOGNAME$|SHELL$)/i;

/**
 * The variables a container gets: by name (`-e NAME`, the value taken from the client's environment, so
 * it never appears on a command line), PATH left to the image. Those the client would read itself are said
 * on the command line instead (paths and marks, never secrets).
 */
export function envArgs(env: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  const out: NodeJS.ProcessEnv = runtimeEnv();
  const args: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k === 'PATH' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
    if (CLIENT_READS.test(k) || k in out) args.push('-e', `${k}=${v}`);
    else {
      out[k] = v;
      args.push('-e', k);
    }
  }
  return { args, env: out };
}

/** The label every container bench starts carries: the pid of the bench process that owns it. */
export const OWNER_LABEL = 'bench.owner';

/**
 * `run` up to the image: the image's root read-only with a private /tmp (sized below the memory limit);
 * no capabilities, no-new-privileges, a seccomp profile; CPU, memory (no swap beyond it) and process
 * limits; no network unless asked; nothing of the host but `mounts` (one per destination, the later one
 * winning), `covers` (an empty read-only folder over what must stay hidden inside a mount) and `masks` (an
 * unreadable file over a secret of the image's /etc). Podman also kills the container after `timeoutS`
 * even if bench is gone, and passes descriptor 3 in (`report`).
 */
export function runArgs(
  rt: ContainerRuntime,
  o: {
    name: string;
    target: ContainerTarget;
    network: boolean;
    mounts: Mount[];
    covers?: string[];
    masks?: string[];
    /** An empty folder and an empty mode-000 file of bench's, for covers and masks. */
    empty?: { dir: string; file: string };
    workdir: string;
    seccompFile: string | null;
    timeoutS: number;
    stdin: boolean;
    report: boolean;
  },
): string[] {
  const uid = process.getuid?.() ?? 0;
  // Podman (4 and later) hands the container bench's own stdin, stdout and stderr (passthrough): no relay
  // through its monitor, which can lose the output of a command that exits at once while its stdin is
  // still being copied in. Docker relays; nothing is logged either way.
  const passthrough = rt.podman && Number(rt.version.split('.')[0]) >= 4;
  const args = [
    rt.binary,
    'run',
    '--rm',
    '--name',
    o.name,
    '--label',
    `${OWNER_LABEL}=${process.pid}`,
    '--log-driver',
    passthrough ? 'passthrough' : 'none',
    '--pull',
    'never',
  ];
  if (o.stdin) args.push('-i');
  if (!o.network) args.push('--network', 'none');
  // Rootless Podman maps its root to bench's user; Docker's daemon runs as root, so bench's own uid keeps files bench's.
  args.push('--user', rt.podman || uid === 0 ? '0:0' : `${uid}:${process.getgid?.() ?? 0}`);
  args.push('--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges');
  // SELinux would refuse the binds (relabelling them would change the host's files): bwrap has no labels either.
  args.push('--security-opt', 'label=disable');
  if (o.seccompFile) args.push('--security-opt', `seccomp=${o.seccompFile}`);
  const t = o.target;
  args.push('--pids-limit', String(t.pids), '--memory', `${t.memoryMb}m`, '--memory-swap', `${t.memoryMb}m`, '--cpus', String(t.cpus));
  if (rt.podman) {
    args.push('--timeout', String(o.timeoutS));
    if (o.report) args.push('--preserve-fds', '1');
    // Podman mounts tmpfs of its own on /tmp, /var/tmp and /run of a read-only container unless told not to.
    args.push('--read-only-tmpfs=false');
  }
  // /tmp's pages count against the memory limit: a full /tmp must not starve PID 1 of its report.
  args.push('--tmpfs', `/tmp:rw,nosuid,nodev,mode=1777,size=${Math.max(16, Math.floor(t.memoryMb / 2))}m`);
  // One mount per destination (runtimes refuse two): the later one wins, as the later bind does under bwrap.
  const byDst = new Map<string, Mount>();
  for (const m of o.mounts) {
    byDst.delete(m.dst);
    byDst.set(m.dst, m);
  }
  for (const m of byDst.values()) args.push(...volume(rt, m));
  // An empty folder bound over it, not a tmpfs: runtimes mount binds in path order among themselves but
  // tmpfs before them, so a tmpfs inside a bound folder would end up under the bind. What a mount shows
  // at that very path (an approved read of it) stays shown, as under bwrap.
  const free = (p: string) => !byDst.has(p);
  if ((o.covers?.length || o.masks?.length) && !o.empty) throw new Error('covers and masks need an empty folder and file to bind');
  for (const h of (o.covers ?? []).filter(free)) args.push(...volume(rt, { src: o.empty!.dir, dst: h, ro: true }));
  for (const f of (o.masks ?? []).filter(free)) args.push(...volume(rt, { src: o.empty!.file, dst: f, ro: true }));
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
  if (opts.signal?.aborted) void stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    const res = await runProcess(argv, opts);
    // A removal that ran before the container existed found nothing: once more, now that the client is done.
    if (res.timedOut || res.aborted) await removeContainer(rt, name);
    return res;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', stop);
  }
}

/** Removes every container a bench process started that is still there (its own at the end of a run, or a dead one's). */
export async function removeContainersOf(rt: ContainerRuntime, owner: number): Promise<number> {
  const names = await containersOf(rt, String(owner));
  await Promise.all(names.map((n) => removeContainer(rt, n)));
  return names.length;
}

/** Owners (bench pids) of containers on this runtime whose process is gone. */
export async function deadOwners(rt: ContainerRuntime): Promise<number[]> {
  const r = await capture(rt.binary, ['ps', '--all', '--filter', `label=${OWNER_LABEL}`, '--format', `{{index .Labels "${OWNER_LABEL}"}}`]);
  if (!r.ok) return [];
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  return [
    ...new Set(
      r.out
        .split('\n')
        .map(Number)
        .filter((n) => Number.isInteger(n) && n > 0),
    ),
  ].filter((pid) => !alive(pid));
}
