// The container backend: a task's commands run in a container of its environment's image instead of
// on the host's toolchain, with the same guarantees as bubblewrap (control/sandbox.ts):
// - nothing of the host but what the trial needs: the worktree at its own path (writable only for write
//   roles, its `.git` never), the trial's base repository and the suite's read paths read-only, the
//   trial's private HOME and TMPDIR; the image's own root file system read-only; a private /tmp;
// - no capabilities, no-new-privileges, and the same seccomp rules as bwrap's filter (as an OCI profile);
// - no network unless the role has it (`--network none`: an empty namespace whose counters PID 1 reports,
//   as under bwrap; Podman passes the report channel in with --preserve-fds, Docker cannot, so its runs
//   count no attempts);
// - CPU, memory and process limits from the environment, file size and output caps as under bwrap, and a
//   time limit the runtime enforces even if bench is gone (Podman's --timeout).
// bench's wrapper is PID 1: nothing inside can kill it, and every process goes when it exits.
// Long-lived plugin programs (MCP servers) are the workflow's, not the task's: they stay on the host
// backend. Hooks the workflow marks run in the container (hookArgv).
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describeRuntime, envArgs, MountError, runArgs, runContainer, type ContainerRuntime, type Mount } from '../exec/container.ts';
import type { RunResult } from '../exec/run.ts';
import { seccompProfileJson, type SeccompProfile } from './seccomp.ts';
import {
  DEFAULT_LIMITS,
  ETC_SECRETS,
  observedFrom,
  REPORT_CAP,
  SYSTEM,
  unobserved,
  WRAPPER,
  type SandboxBackend,
  type SandboxLimits,
  type SandboxSpec,
} from './sandbox.ts';

export interface ContainerBackendOptions {
  runtime: ContainerRuntime;
  /** Where the backend keeps its seccomp profiles (the run's scratch folder). */
  scratch: string;
  /** What launches long-lived programs (MCP servers): the host backend. */
  host: SandboxBackend;
  limits?: SandboxLimits;
}

/** Which of /etc's secrets are folders (the rest are files): masked with an empty folder, the files with an unreadable one. */
const ETC_SECRET_DIRS = new Set(['sudoers.d', 'ssh', 'ssl/private', 'credstore', 'credstore.encrypted']);

/**
 * What a command sees of the image besides the mounts, as bwrap's view has it: the system folders, /proc,
 * /dev and a private /tmp, and (unlike bwrap) the runtime's read-only /sys, which the runtime needs for the
 * container's cgroups. The image's /var, /opt or /root are there but, like the host's under bwrap, counted
 * as outside the view when a command names them.
 */
const IMAGE_VIEW = [...SYSTEM, '/proc', '/dev', '/sys', '/tmp'];

/**
 * An empty folder and an empty file no one may read (mode 000: root without capabilities cannot either), to
 * bind over what must stay hidden: a read of a masked secret fails with "Permission denied", as under bwrap.
 */
function emptyPlaces(scratch: string): { dir: string; file: string } {
  const dir = join(scratch, 'empty');
  const file = join(scratch, 'unreadable');
  mkdirSync(dir, { recursive: true, mode: 0o555 });
  if (!existsSync(file)) writeFileSync(file, '', { mode: 0o000 });
  return { dir, file };
}

/** A command that did not start because bench refused its sandbox: exit 126, the reason on stderr. */
export const refused = (why: string): RunResult => ({
  exitCode: 126,
  signal: null,
  stdout: '',
  stderr: `bench: ${why}\n`,
  output: `bench: ${why}\n`,
  timedOut: false,
  aborted: false,
  durationMs: 0,
  omittedBytes: 0,
  fds: [],
});

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);

/**
 * The `run` arguments for a command under `spec`, up to and including the image: mounts, network, limits,
 * security options. `name` names the container (to remove it if the run is cut short).
 */
export function containerArgs(
  rt: ContainerRuntime,
  spec: SandboxSpec,
  o: { name: string; seccompFile: string | null; timeoutS: number; stdin: boolean; report: boolean; empty: { dir: string; file: string } },
): string[] {
  const target = spec.container;
  if (!target) throw new Error('the container backend was given a command with no environment');
  const full = spec.mode === 'danger-full-access';
  const mounts: Mount[] = [];
  for (const r of spec.reveal) if (existsSync(r)) mounts.push({ src: r, dst: r, ro: true });
  for (const v of spec.views ?? []) if (existsSync(v.source) && v.target.startsWith('/tmp/')) mounts.push({ src: v.source, dst: v.target, ro: true });
  mounts.push({ src: spec.workspace, dst: spec.workspace, ro: spec.mode === 'read-only' });
  for (const w of spec.writable) if (existsSync(w)) mounts.push({ src: w, dst: w, ro: false });
  // The worktree's git metadata (a pointer file, or a folder) is never the agent's to change.
  const dotGit = join(spec.workspace, '.git');
  try {
    const st = lstatSync(dotGit);
    if (st.isFile() || st.isDirectory()) mounts.push({ src: dotGit, dst: dotGit, ro: true });
  } catch {
    // not a git checkout
  }
  // What must stay hidden but lies inside a mounted folder is covered with an empty read-only folder; the
  // image's own /etc secrets are masked as the host's are under bwrap.
  const covers = [
    ...spec.hidden.filter((h) => existsSync(h) && mounts.some((m) => inside(h, m.src) && h !== m.src)),
    ...[...ETC_SECRET_DIRS].map((s) => join('/etc', s)),
  ];
  const masks = ETC_SECRETS.filter((s) => !ETC_SECRET_DIRS.has(s)).map((s) => join('/etc', s));
  return runArgs(rt, { ...o, target, network: spec.network || full, mounts, covers, masks, workdir: spec.cwd });
}

export function containerBackend(opts: ContainerBackendOptions): SandboxBackend {
  const rt = opts.runtime;
  const profiles = new Map<SeccompProfile, string | null>();
  const profileFile = (p: SeccompProfile): string | null => {
    if (!profiles.has(p)) {
      const json = seccompProfileJson(p);
      let file: string | null = null;
      if (json) {
        mkdirSync(opts.scratch, { recursive: true });
        file = join(opts.scratch, `seccomp-${p}.json`);
        writeFileSync(file, json);
      }
      profiles.set(p, file);
    }
    return profiles.get(p)!;
  };
  return {
    name: 'container',
    detail: `${describeRuntime(rt)} (${rt.binary}): the task's image, no capabilities, seccomp, resource limits`,
    // The image's system folders and what is mounted of the host (never a home folder: the image's /root is empty of the host's).
    visible: (spec) => [...IMAGE_VIEW, ...spec.reveal, spec.workspace, ...spec.writable, ...(spec.views ?? []).map((v) => v.target)],
    masked: ETC_SECRETS.map((s) => join('/etc', s)),
    async run(command, spec, run) {
      const limits = run.limits ?? opts.limits ?? DEFAULT_LIMITS;
      const observe = rt.podman && !spec.network && spec.mode !== 'danger-full-access';
      const name = `bench-${process.pid}-${randomBytes(6).toString('hex')}`;
      const timeoutS = Math.ceil(run.timeoutMs / 1000) + 10;
      const { args: envFlags, env } = envArgs(run.env);
      let argv: string[];
      try {
        argv = containerArgs(rt, spec, {
          name,
          seccompFile: profileFile(spec.seccomp ?? 'agent'),
          timeoutS,
          stdin: false,
          report: observe,
          empty: emptyPlaces(opts.scratch),
        });
      } catch (err) {
        // A path the runtime cannot mount (an approved one with ':' in it) fails this command, not the trial.
        if (err instanceof MountError) return { ...refused(err.message), observed: unobserved };
        throw err;
      }
      argv.push(...envFlags, '--entrypoint', 'bash', spec.container!.image);
      argv.push('-c', WRAPPER, 'bench-sandbox', String(Math.ceil(limits.fileBytes / 1024)), String(limits.processes), observe ? '1' : '0', command);
      const res = await runContainer(rt, argv, name, {
        cwd: spec.cwd,
        env,
        timeoutMs: run.timeoutMs,
        maxOutputBytes: run.maxOutputBytes,
        signal: run.signal,
        onSpawn: run.onSpawn,
        fds: observe ? [{ collect: REPORT_CAP }] : [],
      });
      return { ...res, observed: observedFrom(res, observe) };
    },
    launch: (argv, spec, files) => opts.host.launch(argv, spec, files),
  };
}

/**
 * The argv that runs a trusted program (a hook the workflow marks) in the task's container, stdin open for
 * its payload, with bash (every environment has it): the worktree writable, the plugin's folder read-only,
 * no network, the same resource limits; the runtime's default seccomp profile (hooks are trusted code).
 */
export function containerHookArgv(
  rt: ContainerRuntime,
  target: NonNullable<SandboxSpec['container']>,
  o: { workspace: string; reveal: string[]; writable: string[]; hidden: string[]; env: NodeJS.ProcessEnv; timeoutS: number; command: string; scratch: string },
): { argv: string[]; env: NodeJS.ProcessEnv; name: string } {
  const name = `bench-hook-${process.pid}-${randomBytes(6).toString('hex')}`;
  const spec: SandboxSpec = {
    mode: 'workspace-write',
    network: false,
    workspace: o.workspace,
    writable: o.writable,
    hidden: o.hidden,
    reveal: o.reveal,
    cwd: o.workspace,
    container: target,
  };
  // HOME is the host's path, not in the image: a hook that keeps things in HOME gets the private /tmp.
  const { args: envFlags, env } = envArgs({ ...o.env, HOME: '/tmp' });
  const argv = containerArgs(rt, spec, { name, seccompFile: null, timeoutS: o.timeoutS, stdin: true, report: false, empty: emptyPlaces(o.scratch) });
  argv.push(...envFlags, '--entrypoint', 'bash', target.image, '-c', o.command);
  return { argv, env, name };
}
