// OS sandbox backends for commands. bubblewrap (bwrap): the whole filesystem read-only, the worktree
// writable only for write roles, a private HOME/TMPDIR, no network unless allowed, its own PID
// namespace (nothing it starts outlives it) and --die-with-parent. Where no bwrap works, the explicit
// `none` backend runs commands as they are: paths are then enforced in the file tools only, and the
// run manifest and report say so.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { codexPackageRoot, onPath } from '../exec/locate.ts';
import { runProcess, type RunResult } from '../exec/run.ts';
import type { SandboxMode } from './types.ts';

export interface SandboxSpec {
  mode: SandboxMode;
  network: boolean;
  /** The worktree: writable for write roles. */
  workspace: string;
  /** Other writable folders (the trial's HOME and TMPDIR, a report folder). */
  writable: string[];
  /** Folders made empty inside the sandbox (the repository cache, the results folder)... */
  hidden: string[];
  /** ...and folders inside them mounted back read-only (the trial's base repo, the mirror's objects). */
  reveal: string[];
  cwd: string;
}

export interface SandboxBackend {
  name: 'bwrap' | 'none';
  /** Where the binary came from, or why there is no sandbox. */
  detail: string;
  /** argv running `bash -c command` under this backend. */
  wrap(command: string, spec: SandboxSpec): string[];
}

export const noSandbox: SandboxBackend = {
  name: 'none',
  detail: 'no OS sandbox: paths are enforced in the file tools only; commands can write anywhere and reach the network',
  wrap: (command) => ['bash', '-c', command],
};

export function bwrapBackend(binary: string, detail: string): SandboxBackend {
  return {
    name: 'bwrap',
    detail,
    wrap(command, spec) {
      const args = [binary, '--die-with-parent', '--new-session', '--unshare-pid', '--unshare-ipc', '--unshare-uts'];
      if (!spec.network && spec.mode !== 'danger-full-access') args.push('--unshare-net');
      if (spec.mode === 'danger-full-access') args.push('--bind', '/', '/');
      else args.push('--ro-bind', '/', '/');
      args.push('--dev', '/dev', '--proc', '/proc');
      for (const h of spec.hidden) if (existsSync(h)) args.push('--tmpfs', h);
      for (const r of spec.reveal) if (existsSync(r)) args.push('--ro-bind', r, r);
      // The worktree is mounted after the hidden folders (it may live inside one): writable for write roles.
      if (spec.mode !== 'danger-full-access') args.push(spec.mode === 'workspace-write' ? '--bind' : '--ro-bind', spec.workspace, spec.workspace);
      for (const w of spec.writable) if (existsSync(w)) args.push('--bind', w, w);
      args.push('--chdir', spec.cwd, '--', 'bash', '-c', command);
      return args;
    },
  };
}

function works(binary: string): boolean {
  try {
    execFileSync(binary, ['--die-with-parent', '--unshare-pid', '--unshare-net', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--', 'true'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

/** The bwrap Codex ships with its Linux builds, when @openai/codex is installed. */
function codexBwrap(): string | null {
  const root = codexPackageRoot();
  const vendor = root ? join(root, 'vendor') : null;
  for (const triple of vendor && existsSync(vendor) ? readdirSync(vendor) : []) {
    for (const p of [join(vendor!, triple, 'codex-resources', 'bwrap'), join(vendor!, triple, 'codex', 'bwrap')]) if (existsSync(p)) return p;
  }
  return null;
}

export type SandboxChoice = 'auto' | 'bwrap' | 'none';

/** The backend to use: bwrap on PATH, else the one inside @openai/codex, else none (or an error if bwrap was asked for). */
export function detectSandbox(choice: SandboxChoice = 'auto'): SandboxBackend | { error: string } {
  if (choice === 'none') return { ...noSandbox, detail: 'no OS sandbox (--sandbox none): paths are enforced in the file tools only' };
  const candidates: Array<[string | null, string]> = [
    [onPath('bwrap'), 'bubblewrap from PATH'],
    [codexBwrap(), 'bubblewrap bundled with @openai/codex'],
  ];
  for (const [bin, detail] of candidates) if (bin && works(bin)) return bwrapBackend(bin, `${detail} (${bin})`);
  if (choice === 'bwrap') return { error: 'bubblewrap (bwrap) is not installed or cannot create namespaces here' };
  return noSandbox;
}

export interface SandboxedRunOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  onSpawn?: (pid: number) => void;
}

/** One command under a backend: what agent commands and graded test runs both go through. */
export function runSandboxed(backend: SandboxBackend, command: string, spec: SandboxSpec, opts: SandboxedRunOptions): Promise<RunResult> {
  return runProcess(backend.wrap(command, spec), { cwd: spec.cwd, ...opts });
}

export interface CommandEnv {
  env: NodeJS.ProcessEnv;
  /** The private HOME and TMPDIR below the scratch folder (created; commands need them writable). */
  home: string;
  tmp: string;
}

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
