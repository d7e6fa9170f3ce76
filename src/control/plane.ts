// The control plane: one pipeline every tool call passes, each step logged as an event.
//   1. PreToolUse hooks            (added with the roles workflow)
//   2. sandbox policy of the role   paths resolved before checking; read-only roles write nothing
//   3. approval policy              (added with the roles workflow)
//   4. execution under the sandbox backend, with timeouts, output caps, process-group kill
//   5. PostToolUse hooks           (added with the roles workflow)
// It knows nothing of engines: it sees a call's name, input and what it would touch.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { killGroup, runShell, type RunResult } from '../exec/run.ts';
import { clip, type EventLog } from '../record/events.ts';
import { isTestCommand } from './classify.ts';
import { resolveIn, type ResolvedPath } from './paths.ts';

export type SandboxMode = 'read-only' | 'workspace-write' | 'danger-full-access';

export interface RolePolicy {
  sandbox: SandboxMode;
}

export interface ToolCall {
  callId: string;
  role: string;
  /** The harness tool (exec_command, apply_patch, read_file, ...). */
  tool: string;
  input: Record<string, unknown>;
  /** Paths the call writes, as the agent named them (resolved here before checking). */
  writes?: string[];
  /** A shell command the call runs. */
  command?: { cmd: string; workdir?: string };
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; stage: string; reason: string };

export interface ExecOptions {
  timeoutMs?: number;
  maxOutputBytes?: number;
}

/** What a tool's executor may use: resolved paths and the sandboxed shell. */
export interface ToolRuntime {
  workspace: string;
  resolve(p: string): ResolvedPath;
  exec(cmd: string, workdir: string | undefined, opts?: ExecOptions): Promise<RunResult>;
}

export interface ControlPlaneOptions {
  workspace: string;
  /** A private directory for the trial: HOME and TMPDIR of every command live below it. */
  scratch: string;
  events: EventLog;
  roles: Record<string, RolePolicy>;
  defaultRole: RolePolicy;
  commandTimeoutMs: number;
  maxOutputBytes: number;
  signal: AbortSignal;
}

export class ControlPlane implements ToolRuntime {
  readonly workspace: string;
  private readonly opts: ControlPlaneOptions;
  private readonly groups = new Set<number>();
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: ControlPlaneOptions) {
    this.opts = opts;
    this.workspace = opts.workspace;
    const home = join(opts.scratch, 'home');
    const tmp = join(opts.scratch, 'tmp');
    mkdirSync(home, { recursive: true });
    mkdirSync(tmp, { recursive: true });
    // Agent commands get a clean environment: no API keys or tokens of the harness leak into them.
    this.env = {
      PATH: process.env.PATH,
      HOME: home,
      TMPDIR: tmp,
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      NO_COLOR: '1',
      CI: '1',
    };
  }

  policy(role: string): RolePolicy {
    return this.opts.roles[role] ?? this.opts.defaultRole;
  }

  resolve(p: string): ResolvedPath {
    return resolveIn(this.workspace, p);
  }

  async exec(cmd: string, workdir: string | undefined, opts: ExecOptions = {}): Promise<RunResult> {
    const cwd = workdir ? this.resolve(workdir).real : this.workspace;
    return runShell(cmd, {
      cwd,
      env: this.env,
      timeoutMs: opts.timeoutMs ?? this.opts.commandTimeoutMs,
      maxOutputBytes: opts.maxOutputBytes ?? this.opts.maxOutputBytes,
      signal: this.opts.signal,
      onSpawn: (pid) => this.groups.add(pid),
    });
  }

  /** Step 2: may this role write these paths? Returns the reason for a denial. */
  private checkWrites(role: string, writes: string[]): string | null {
    const { sandbox } = this.policy(role);
    if (!writes.length || sandbox === 'danger-full-access') return null;
    if (sandbox === 'read-only') return `the ${role} role is read-only: cannot write ${writes.join(', ')}`;
    for (const w of writes) {
      const r = this.resolve(w);
      if (r.rel === null) return `${w} resolves to ${r.real}, outside the workspace`;
      if (r.rel === '.git' || r.rel.startsWith('.git/')) return `${w} is inside .git, which stays read-only`;
    }
    return null;
  }

  /** Runs one tool call through the pipeline. `execute` runs only if every step allows it. */
  async run<T>(call: ToolCall, execute: (rt: ToolRuntime) => Promise<T>, describe: (v: T) => Record<string, unknown> = () => ({})): Promise<Outcome<T>> {
    const ev = this.opts.events;
    const base = { role: call.role, call_id: call.callId, tool: call.tool };
    ev.emit('tool_call', {
      ...base,
      input: clip(JSON.stringify(call.input), 1000),
      ...(call.command ? { command: call.command.cmd, test: isTestCommand(call.command.cmd) } : {}),
    });
    const denied = this.checkWrites(call.role, call.writes ?? []);
    if (denied) {
      ev.emit('decision', { ...base, stage: 'sandbox', verdict: 'deny', reason: denied });
      ev.emit('tool_result', { ...base, ok: false, denied: true, ms: 0 });
      return { ok: false, stage: 'sandbox', reason: denied };
    }
    const started = performance.now();
    try {
      const value = await execute(this);
      ev.emit('tool_result', { ...base, ok: true, ms: Math.round(performance.now() - started), ...describe(value) });
      return { ok: true, value };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ev.emit('tool_result', { ...base, ok: false, ms: Math.round(performance.now() - started), error: clip(message, 500) });
      throw err;
    }
  }

  /** Kills every process group a command of this trial started (called at the trial's end). */
  killAll(): void {
    for (const pid of this.groups) killGroup(pid, 'SIGKILL');
    this.groups.clear();
  }
}
