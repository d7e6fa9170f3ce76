// OS sandbox backends for commands (the agent's, the graded test runs, Codex's session).
//
// bubblewrap: a hermetic view of the host. The sandbox starts from an empty root and sees, read-only,
// only what commands need: the system folders (/usr, the /bin and /lib links, /etc without its secret
// files), the toolchains on PATH, the trial's base repository and what the suite names; then its
// worktree (writable only for write roles, its `.git` never), a private HOME and TMPDIR, a private /tmp.
// Home folders, other checkouts, the repository cache, the suite, the results and other trials are not
// there at all. All capabilities are dropped (bwrap run by root keeps them otherwise), a seccomp filter
// refuses ptrace, keyrings, new namespaces and terminal injection, no-new-privs makes setuid inert, and
// its own PID namespace (with bench's wrapper as PID 1, which nothing inside can kill) takes every
// process with it when the command ends. Without network the command runs in an empty network namespace
// whose kernel counters show every attempt to reach another host, even one whose error the command hid.
//
// none: commands run as they are, under a subreaper that kills whatever they leave behind; paths are
// enforced in the file tools only. The run manifest and the report say so.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerTarget } from '../exec/container.ts';
import { codexPackageRoot, onPath } from '../exec/locate.ts';
import { findReaper, killMarked, type Reaper } from '../exec/reaper.ts';
import { runProcess, type RunResult } from '../exec/run.ts';
import { seccompFilter, type SeccompProfile } from './seccomp.ts';
import type { SandboxMode } from './types.ts';

export interface SandboxSpec {
  mode: SandboxMode;
  network: boolean;
  /** The worktree: writable for write roles; its `.git` stays read-only. */
  workspace: string;
  /** Other writable folders (the trial's HOME and TMPDIR, a report folder, paths an approval granted). */
  writable: string[];
  /** Folders that must stay out of view even inside something revealed (the cache, the suite, results, other trials). */
  hidden: string[];
  /** Read-only folders besides the system view: the trial's base repository, the suite's read paths, approved reads. */
  reveal: string[];
  /** Folders shown read-only at another path: a workflow's skills under /tmp/bench-skills (inside the private /tmp). */
  views?: View[];
  cwd: string;
  /** What the seccomp filter allows: `nested` for a program that builds its own sandboxes (Codex). */
  seccomp?: SeccompProfile;
  /** The task's environment: the container backend runs the command in a container of this image. */
  container?: ContainerTarget;
}

/** A host folder (`source`) shown read-only at `target` inside the sandbox. */
export interface View {
  source: string;
  target: string;
}

/** What the sandbox saw a command try, beyond its output. */
export interface Observed {
  /** Packets the command tried to send to another host with no network (null: not observable here). */
  networkAttempts: number | null;
  /** Something inside wrote to bench's observation channel, or its wrapper did not report: the figure is not to be trusted. */
  tamper: string | null;
}

export interface SandboxedResult extends RunResult {
  observed: Observed;
}

export interface SandboxLimits {
  /** Largest file a command may write (RLIMIT_FSIZE). */
  fileBytes: number;
  /** Processes of the sandbox's user (RLIMIT_NPROC; the kernel does not apply it to root). */
  processes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = { fileBytes: 1 << 30, processes: 4096 };

export interface SandboxBackend {
  name: 'bwrap' | 'none' | 'container';
  /** Where the binary came from, or what is not protected. */
  detail: string;
  /** Runs `bash -c command` under this backend. */
  run(command: string, spec: SandboxSpec, opts: SandboxedRunOptions): Promise<SandboxedResult>;
  /** The folders a command under `spec` sees (everything, without an OS sandbox). */
  visible(spec: SandboxSpec): string[];
  /** Files in view that are masked because they hold secrets. */
  readonly masked: string[];
  /**
   * The argv that starts a long-lived program (an MCP server speaking on stdin/stdout) under this backend,
   * with its stderr appended to `stderrFile`. Whoever spawns it owns the process: killing it takes the
   * sandbox, and everything inside, with it.
   */
  launch(argv: string[], spec: SandboxSpec, files: { stderrFile: string; filterFile: string }): string[];
}

/** Runs "$@" with stderr appended to the file named first (bash stays out of the way: exec). */
export const STDERR_TO_FILE = 'exec 2>>"$1"; shift; exec "$@"';

export interface SandboxedRunOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  onSpawn?: (pid: number) => void;
  limits?: SandboxLimits;
}

export const unobserved: Observed = { networkAttempts: null, tamper: null };

/** What `none` does not protect, said wherever the backend is named. */
export const NONE_WARNING =
  'no OS sandbox: agent commands and graded test runs can read and write anything this user can (secrets, other checkouts, the answer key) and reach the network; only the file tools enforce paths. Figures from such a run do not hold against an untrusted agent.';

/** `none`: the command as it is, under a subreaper, with a marker in its environment for a last sweep. */
export function noSandbox(reaper: Reaper | null = findReaper(), detail = NONE_WARNING): SandboxBackend {
  return {
    name: 'none',
    detail: `${detail}${reaper ? ` (leftover processes: ${reaper.detail})` : ' (leftover processes: process group only)'}`,
    visible: () => ['/'],
    masked: [],
    async run(command, spec, opts) {
      const marker = `BENCH_RUN_MARK=${process.pid}-${Math.random().toString(36).slice(2)}`;
      const argv = ['bash', '-c', command];
      const res = await runProcess(reaper ? reaper.wrap(argv) : argv, {
        cwd: spec.cwd,
        env: { ...opts.env, BENCH_RUN_MARK: marker.slice('BENCH_RUN_MARK='.length) },
        timeoutMs: opts.timeoutMs,
        maxOutputBytes: opts.maxOutputBytes,
        signal: opts.signal,
        onSpawn: opts.onSpawn,
      });
      killMarked(marker);
      return { ...res, observed: unobserved };
    },
    launch: (argv, _spec, files) => ['bash', '-c', STDERR_TO_FILE, 'bench-launch', files.stderrFile, ...(reaper ? reaper.wrap(argv) : argv)],
  };
}

// ---------------------------------------------------------------------------------------------------
// The host view

/** Files in /etc that hold secrets (password hashes, host keys, private TLS keys, sudo rules). */
export const ETC_SECRETS = [
  'shadow',
  'shadow-',
  'gshadow',
  'gshadow-',
  'sudoers',
  'sudoers.d',
  'ssh',
  'ssl/private',
  'security/opasswd',
  'credstore',
  'credstore.encrypted',
];
/** Top-level system folders (or merged-/usr links) every command may see. */
export const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];
/** Interpreters and package managers whose real location (often below a home folder) must be in view. */
const TOOLS = [
  'node',
  'npm',
  'npx',
  'corepack',
  'pnpm',
  'yarn',
  'bun',
  'deno',
  'git',
  'python3',
  'python',
  'pip',
  'pip3',
  'uv',
  'go',
  'cargo',
  'rustc',
  'java',
];

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
const real = (p: string): string | null => {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
};
const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The folders, besides the system ones, that hold the toolchains on PATH: each PATH folder, the real
 * folder of each known tool (a /usr/local/bin/node link may lead below a home folder), and for a
 * `.../bin` its prefix's lib, libexec and share (where npm, Python's stdlib and git's helpers live).
 * Never a home folder itself, bench's own checkout, or anything holding a folder that must stay hidden.
 */
export function toolchainDirs(path: string, extra: string[] = []): string[] {
  const found = new Set<string>();
  const add = (d: string | null) => {
    if (!d || !isAbsolute(d) || !isDir(d)) return;
    const r = real(d);
    if (!r || r === '/' || SYSTEM.some((s) => inside(r, s))) return;
    if (inside(r, packageRoot) || /^\/(root|home\/[^/]+)$/.test(r)) return;
    found.add(r);
    if (r.endsWith(`${sep}bin`)) for (const sib of ['lib', 'libexec', 'share']) if (isDir(join(dirname(r), sib))) found.add(join(dirname(r), sib));
  };
  const dirs = path.split(':').filter((d) => isAbsolute(d));
  for (const d of dirs) add(d);
  for (const tool of TOOLS) {
    for (const d of dirs) {
      const p = join(d, tool);
      if (!existsSync(p)) continue;
      const r = real(p);
      if (r) add(dirname(r));
      break;
    }
  }
  for (const d of extra) add(d);
  add(dirname(process.execPath));
  const r = real(process.execPath);
  if (r) add(dirname(r));
  // A folder inside another one in the list is already in view.
  const all = [...found].sort();
  return all.filter((d) => !all.some((o) => o !== d && inside(d, o)));
}

/** Python's own prefix (pyenv and venvs keep the standard library there), asked once per run. */
function pythonPrefixes(path: string): string[] {
  const py = path
    .split(':')
    .map((d) => join(d, 'python3'))
    .find((p) => existsSync(p));
  if (!py) return [];
  const res = spawnSync(py, ['-c', 'import sys; print(sys.executable); print(sys.prefix); print(sys.base_prefix)'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  if (res.status !== 0) return [];
  const lines = res.stdout.split('\n').filter(Boolean);
  const out = lines.slice(1).map((p) => join(p, 'lib'));
  if (lines[0]) out.push(dirname(lines[0]));
  // pyenv's shims run `pyenv exec`: its root must be there too.
  for (const d of path.split(':')) if (d.endsWith(`${sep}shims`)) out.push(dirname(d));
  return out;
}

/** The system part of the view: read-only binds (links mirrored as links) and /etc's secrets masked. */
function systemArgs(): string[] {
  const args: string[] = [];
  for (const p of SYSTEM) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(p), p);
    else if (st.isDirectory()) args.push('--ro-bind', p, p);
  }
  for (const s of ETC_SECRETS) {
    const p = join('/etc', s);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) args.push('--tmpfs', p, '--remount-ro', p);
    else args.push('--ro-bind', '/dev/null', p);
  }
  // /etc/resolv.conf is often a link into /run: commands with network need what it points to.
  const resolv = real('/etc/resolv.conf');
  if (resolv && !inside(resolv, '/etc') && !inside(resolv, '/usr')) args.push('--ro-bind', resolv, resolv);
  return args;
}

// ---------------------------------------------------------------------------------------------------
// bubblewrap

/**
 * PID 1 of the sandbox: applies the limits, runs the command (without bench's descriptor 3), then
 * writes the network namespace's counters to descriptor 3. Nothing inside can kill PID 1 (the kernel
 * drops signals to a namespace's init it has no handler for), so the report comes unless the whole
 * sandbox is killed from outside.
 */
export const WRAPPER = [
  'ulimit -c 0',
  'ulimit -f "$1" 2>/dev/null',
  'ulimit -u "$2" 2>/dev/null',
  // Descriptors bench itself inherited (from whatever started it) must not reach the command.
  'for f in /proc/$$/fd/*; do n=${f##*/}; case $n in 0|1|2|3|4) ;; *) eval "exec $n>&-" 2>/dev/null ;; esac; done',
  // The command, first in line for the kernel's OOM killer (raising one's own score needs no privilege):
  // a command that fills the memory limit goes before PID 1, whose report would go with it.
  `bash -c 'echo 1000 >/proc/self/oom_score_adj 2>/dev/null; exec bash -c "$0"' "$4" 3>&- 4<&-`,
  'rc=$?',
  // Builtins only (no cat): reading the counters costs no process.
  'if [ "$3" = 1 ]; then IFS= read -r -d "" a </proc/self/net/snmp; IFS= read -r -d "" b </proc/self/net/snmp6; printf "BENCH-NET-BEGIN\\n%s%sBENCH-NET-END\\n" "$a" "$b" >&3 2>/dev/null; fi',
  'exit $rc',
].join('\n');

/** The most bench reads of the sandbox's report channel. */
export const REPORT_CAP = 64 * 1024;

/** Packets the kernel found no route for (IPv4 Ip:OutNoRoutes + IPv6 Ip6OutNoRoutes): attempts to reach another host. */
export function parseNetReport(text: string): Observed {
  const blocks = [...text.matchAll(/BENCH-NET-BEGIN\n([\s\S]*?)BENCH-NET-END\n?/g)];
  const rest = text.replace(/BENCH-NET-BEGIN\n[\s\S]*?BENCH-NET-END\n?/g, '');
  if (!blocks.length)
    return { networkAttempts: null, tamper: text.trim() ? 'the sandbox report was garbled' : 'the sandbox did not report its network counters' };
  let attempts = 0;
  for (const [, body] of blocks) {
    let n = 0;
    const lines = body!.split('\n');
    for (let i = 0; i + 1 < lines.length; i++) {
      if (!lines[i]!.startsWith('Ip: ') || !lines[i + 1]!.startsWith('Ip: ')) continue;
      const names = lines[i]!.split(/\s+/);
      const values = lines[i + 1]!.split(/\s+/);
      const k = names.indexOf('OutNoRoutes');
      if (k > 0) n += Number(values[k]) || 0;
      break;
    }
    const v6 = /^Ip6OutNoRoutes\s+(\d+)/m.exec(body!);
    if (v6) n += Number(v6[1]);
    // Several blocks means something inside wrote one too: the highest count is the real one at least.
    attempts = Math.max(attempts, n);
  }
  const tamper = blocks.length > 1 || rest.trim() ? 'something inside the sandbox wrote to its report channel' : null;
  return { networkAttempts: attempts, tamper };
}

/** What PID 1 reported on the channel (descriptor 3), read with the same suspicion whichever backend carried it. */
export function observedFrom(res: RunResult, observe: boolean): Observed {
  if (!observe) return unobserved;
  const report = res.fds[0] ?? '';
  const observed = parseNetReport(report);
  // PID 1's report is a few kilobytes: a channel filled to the cap was written to by something else.
  if (Buffer.byteLength(report) >= REPORT_CAP) observed.tamper = 'the sandbox report channel was flooded';
  // A sandbox killed from outside (time limit, Ctrl-C) has no report to give: that is not tampering.
  if (observed.networkAttempts === null && (res.timedOut || res.aborted)) observed.tamper = null;
  return observed;
}

export interface BwrapOptions {
  /** Folders holding toolchains (from PATH), computed once per run. */
  toolchains: string[];
  limits?: SandboxLimits;
}

/**
 * /proc entries a process running as uid 0 could use against the host even without capabilities: the
 * sysctls (`kernel/core_pattern` runs a program as root on the host at the next crash), the sysrq trigger,
 * and kernel state Docker masks too. Bound read-only, or masked, over the sandbox's own /proc.
 */
const PROC_READ_ONLY = ['/proc/sys', '/proc/sysrq-trigger', '/proc/bus', '/proc/fs', '/proc/irq'];
const PROC_MASKED_FILES = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/latency_stats', '/proc/kallsyms'];
const PROC_MASKED_DIRS = ['/proc/acpi', '/proc/scsi', '/proc/asound'];

function procArgs(): string[] {
  const args = ['--proc', '/proc'];
  for (const p of PROC_READ_ONLY) if (existsSync(p)) args.push('--ro-bind', p, p);
  for (const p of PROC_MASKED_FILES) if (existsSync(p)) args.push('--ro-bind', '/dev/null', p);
  for (const p of PROC_MASKED_DIRS) if (existsSync(p)) args.push('--tmpfs', p);
  return args;
}

export function bwrapArgs(binary: string, spec: SandboxSpec, toolchains: string[], system: string[]): string[] {
  const args = [binary, '--die-with-parent', '--new-session', '--unshare-pid', '--as-pid-1', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
  args.push('--cap-drop', 'ALL');
  // A process that builds its own sandboxes (Codex) must map uid 0 into a new user namespace when bench
  // runs as root, which Linux allows only with CAP_SETFCAP; nothing else is kept.
  if (spec.seccomp === 'nested' && process.getuid?.() === 0) args.push('--cap-add', 'CAP_SETFCAP');
  const full = spec.mode === 'danger-full-access';
  if (!spec.network && !full) args.push('--unshare-net');
  const viewed: string[] = [];
  if (full) {
    // The workflow gave this role the whole machine to see and the network; it still writes only its
    // worktree and its own folders: a role that could write the host could replace what bench runs.
    args.push('--ro-bind', '/', '/', '--dev', '/dev', ...procArgs(), '--tmpfs', '/tmp');
    viewed.push('/');
  } else {
    args.push(...system, ...procArgs(), '--dev', '/dev', '--tmpfs', '/tmp');
    viewed.push(...SYSTEM);
    for (const d of toolchains) {
      args.push('--ro-bind', d, d);
      viewed.push(d);
    }
  }
  // What must stay hidden but lies inside something in view is covered with an empty folder; the binds
  // below may need to make their mount points in it, so it is made read-only only after them.
  const covers = spec.hidden.filter((h) => existsSync(h) && viewed.some((v) => inside(h, v)));
  for (const h of covers) args.push('--tmpfs', h);
  const binds: Array<[flag: string, src: string, dst: string]> = [];
  for (const r of spec.reveal) if (existsSync(r)) binds.push(['--ro-bind', r, r]);
  for (const v of spec.views ?? []) if (existsSync(v.source) && v.target.startsWith('/tmp/')) binds.push(['--ro-bind', v.source, v.target]);
  binds.push([spec.mode === 'read-only' ? '--ro-bind' : '--bind', spec.workspace, spec.workspace]);
  for (const w of spec.writable) if (existsSync(w)) binds.push(['--bind', w, w]);
  // The worktree's git metadata (a pointer file, or a folder) is never the agent's to change.
  const dotGit = join(spec.workspace, '.git');
  try {
    const st = lstatSync(dotGit);
    if (st.isFile() || st.isDirectory()) binds.push(['--ro-bind', dotGit, dotGit]);
  } catch {
    // not a git checkout
  }
  for (const b of binds) args.push(...b);
  // What must stay hidden inside a folder bound above (a suite's read path holding a results folder) is
  // covered after the bind, or the bind would show it again; binds inside the cover are made once more.
  const late: string[] = [];
  for (const [, src, dst] of binds) for (const h of spec.hidden) if (h !== src && inside(h, src) && existsSync(h)) late.push(join(dst, relative(src, h)));
  for (const c of [...new Set(late)]) {
    args.push('--tmpfs', c);
    for (const b of binds) if (b[2] !== c && inside(b[2], c)) args.push(...b);
  }
  for (const h of [...covers, ...new Set(late)]) args.push('--remount-ro', h);
  if (!full) args.push('--remount-ro', '/');
  args.push('--chdir', spec.cwd);
  return args;
}

export function bwrapBackend(binary: string, detail: string, opts: BwrapOptions): SandboxBackend {
  const system = systemArgs();
  const systemRoots = SYSTEM.filter((p) => existsSync(p));
  return {
    name: 'bwrap',
    detail,
    visible: (spec) =>
      spec.mode === 'danger-full-access'
        ? ['/']
        : [...systemRoots, '/proc', '/dev', '/tmp', ...opts.toolchains, ...spec.reveal, spec.workspace, ...spec.writable],
    masked: ETC_SECRETS.map((s) => join('/etc', s)),
    async run(command, spec, run) {
      const limits = run.limits ?? opts.limits ?? DEFAULT_LIMITS;
      const observe = !spec.network && spec.mode !== 'danger-full-access';
      const filter = seccompFilter(spec.seccomp ?? 'agent');
      const argv = bwrapArgs(binary, spec, opts.toolchains, system);
      if (filter) argv.push('--seccomp', '4');
      argv.push(
        '--',
        'bash',
        '-c',
        WRAPPER,
        'bench-sandbox',
        String(Math.ceil(limits.fileBytes / 1024)),
        String(limits.processes),
        observe ? '1' : '0',
        command,
      );
      const res = await runProcess(argv, {
        cwd: spec.cwd,
        env: run.env,
        timeoutMs: run.timeoutMs,
        maxOutputBytes: run.maxOutputBytes,
        signal: run.signal,
        onSpawn: run.onSpawn,
        fds: [{ collect: REPORT_CAP }, filter ? { feed: filter } : { feed: Buffer.alloc(0) }],
      });
      return { ...res, observed: observedFrom(res, observe) };
    },
    launch(command, spec, files) {
      // The same view and seccomp filter as a command; the filter reaches bwrap on fd 4, opened by bash from a file.
      const filter = seccompFilter(spec.seccomp ?? 'agent');
      const argv = bwrapArgs(binary, spec, opts.toolchains, system);
      if (filter) {
        writeFileSync(files.filterFile, filter);
        argv.push('--seccomp', '4');
      }
      argv.push('--', ...command);
      const script = filter ? `exec 4<"$2"; ${STDERR_TO_FILE.replace('shift;', 'shift 2;')}` : STDERR_TO_FILE;
      return ['bash', '-c', script, 'bench-launch', files.stderrFile, ...(filter ? [files.filterFile] : []), ...argv];
    },
  };
}

function works(binary: string): boolean {
  try {
    execFileSync(
      binary,
      ['--die-with-parent', '--unshare-pid', '--unshare-net', '--cap-drop', 'ALL', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--', 'true'],
      {
        stdio: 'ignore',
        timeout: 10_000,
      },
    );
    return true;
  } catch {
    return false;
  }
}

/** The bwrap Codex ships with its Linux builds, when @openai/codex is installed. */
function codexBwrap(): string | null {
  const root = codexPackageRoot();
  if (!root) return null;
  const candidates: string[] = [];
  for (const base of [join(root, 'vendor'), join(root, '..', `codex-${process.platform}-${process.arch}`, 'vendor')]) {
    if (!existsSync(base)) continue;
    for (const triple of readdirNames(base)) candidates.push(join(base, triple, 'codex-resources', 'bwrap'), join(base, triple, 'codex', 'bwrap'));
  }
  return candidates.find((p) => existsSync(p)) ?? null;
}

function readdirNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export type SandboxChoice = 'auto' | 'bwrap' | 'none';

/** The backend to use: bwrap on PATH, else the one inside @openai/codex, else none (or an error if bwrap was asked for). */
export function detectSandbox(choice: SandboxChoice = 'auto', opts: { readPaths?: string[]; limits?: SandboxLimits } = {}): SandboxBackend | { error: string } {
  if (choice === 'none') return noSandbox(findReaper(), `${NONE_WARNING} (--sandbox none)`);
  const candidates: Array<[string | null, string]> = [
    [onPath('bwrap'), 'bubblewrap from PATH'],
    [codexBwrap(), 'bubblewrap bundled with @openai/codex'],
  ];
  const path = process.env.PATH ?? '';
  for (const [bin, detail] of candidates) {
    if (!bin || !works(bin)) continue;
    const toolchains = toolchainDirs(path, [...pythonPrefixes(path), ...(opts.readPaths ?? [])]);
    return bwrapBackend(bin, `${detail} (${bin}): hermetic view, no capabilities, seccomp`, { toolchains, limits: opts.limits });
  }
  if (choice === 'bwrap') return { error: 'bubblewrap (bwrap) is not installed or cannot create namespaces here' };
  return noSandbox();
}

/** One command under a backend: what agent commands, graded test runs and Codex sessions go through. */
export function runSandboxed(backend: SandboxBackend, command: string, spec: SandboxSpec, opts: SandboxedRunOptions): Promise<SandboxedResult> {
  return backend.run(command, spec, opts);
}

export interface CommandEnv {
  env: NodeJS.ProcessEnv;
  /** The private HOME and TMPDIR below the scratch folder (created; commands need them writable). */
  home: string;
  tmp: string;
}

/** The variable every command of a trial carries (a random value per trial): what outlives the trial is found by it. */
export const MARK_ENV = 'BENCH_TRIAL_MARK';

/**
 * The clean environment every command bench runs for an agent or a grader gets: PATH and a private
 * HOME/TMPDIR below the trial's scratch folder, nothing of the harness's own (no API keys or tokens).
 */
export function commandEnv(scratch: string, extra: NodeJS.ProcessEnv = {}): CommandEnv {
  const home = join(scratch, 'home');
  const tmp = join(scratch, 'tmp');
  for (const d of [home, tmp]) mkdirSync(d, { recursive: true });
  return { env: { PATH: process.env.PATH, HOME: home, TMPDIR: tmp, LANG: 'C.UTF-8', TERM: 'dumb', NO_COLOR: '1', CI: '1', ...extra }, home, tmp };
}
