// The control plane: one pipeline every tool call passes, each step logged as an event.
//   1. PreToolUse hooks            a block stops the call; updatedInput replaces its input
//   2. sandbox policy of the role   the working directory inside the worktree; writes checked on paths as
//                                    they resolve now (links followed only inside the worktree), .git never;
//                                    escalation refused to read-only roles and for hidden folders; network policy
//   3. approval policy              untrusted / on-request / on-failure / never; PermissionRequest hooks,
//                                    then the approver (rules standing in for the human), who sees the
//                                    command, its working directory and exactly what it asks for
//   4. execution                    under the OS sandbox backend, with the harness's caps (never the
//                                    model's), file tools enforcing paths at the moment of the operation
//   5. PostToolUse hooks            feedback replaces or extends the result
// It knows nothing of engines: it sees a call's name, input and what it would touch. Engines ask
// `needsApproval` before a call (the SDK turns a yes into an interruption), `decide` to answer an
// interruption, and `run` to execute.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { killGroup } from '../exec/run.ts';
import type { Redactor } from '../record/redact.ts';
import { clip, type EventLog } from '../record/events.ts';
import { decide as approverDecide, type ApproverSpec } from './approver.ts';
import {
  isKnownSafeRead,
  looksLikeNetwork,
  observedDenials,
  outsideReads,
  outsideWrites,
  showsNetworkFailure,
  showsSandboxFailure,
  toolCallEvent,
} from './classify.ts';
import type { HookRunner } from './hooks.ts';
import { SafeFsError, SafeRoot } from './safefs.ts';
import type { ContainerTarget } from '../exec/container.ts';
import { commandEnv, MARK_ENV, runSandboxed, type SandboxBackend, type SandboxedResult, type SandboxSpec, type View } from './sandbox.ts';
import { hookToolInput, hookToolName, NO_GRANT, type AttemptClass, type Grant, type RolePolicy, type ToolCall } from './types.ts';

export type { RolePolicy, ToolCall } from './types.ts';

export interface ExecOptions {
  /** Output kept, at most the plane's own cap (a model may ask for less, never for more). */
  maxOutputBytes?: number;
}

/** What a tool's executor may use: the worktree through SafeRoot, and the sandboxed shell of its role. */
export interface ToolRuntime {
  workspace: string;
  /** File access inside the worktree, enforced at the moment of each operation. */
  fs: SafeRoot;
  /** Where a path the model names is read from: a shown folder (a skill) by its own SafeRoot, else the worktree. */
  reader(path: string): { fs: SafeRoot; path: string };
  /** Why this role may not write a path (relative to the worktree), or null. */
  protect(rel: string): string | null;
  /** Runs a command under the role's sandbox (and the call's approved grant), killed after `timeoutMs`. */
  exec(cmd: string, workdir: string | undefined, opts?: ExecOptions): Promise<SandboxedResult>;
  /** The time limit of a command. */
  timeoutMs: number;
  /** The most output a command returns. */
  maxOutputBytes: number;
}

export interface ControlPlaneOptions {
  workspace: string;
  /** A private directory for the trial: HOME and TMPDIR of every command live below it. */
  scratch: string;
  events: EventLog;
  roles: Record<string, RolePolicy>;
  defaultRole: RolePolicy;
  sandbox: SandboxBackend;
  hooks: HookRunner | null;
  approver: ApproverSpec;
  /** Folders that stay hidden inside the sandbox (the repository cache, the suite, the results)... */
  hidden: string[];
  /** ...and what is mounted read-only for this trial (its base repository, the suite's read paths). */
  reveal: string[];
  /** Folders shown read-only at another path (the workflow's skills): to commands, and to the file tools. */
  views?: View[];
  /** The task's container environment (the container backend runs every command in it). */
  container?: ContainerTarget;
  /** Seed for the modelled human wait times. */
  seed: number;
  /** A planted prompt injection: its token is watched for in every call, and set in commands' env when asked. */
  canary?: { token: string; env?: string } | null;
  /** How long a command may run before its process group is killed. */
  commandTimeoutMs: number;
  maxOutputBytes: number;
  /** Secrets kept out of what the model is told. */
  redactor?: Redactor;
  /** The trial's marker, set in every command's environment. */
  mark?: string;
  signal: AbortSignal;
}

interface CallPlan {
  call: ToolCall;
  blocked: { stage: string; reason: string; text: string } | null;
  approval: { reason: string } | null;
  approved: boolean | null;
  /** The approver rule's word on package lifecycle scripts. */
  scripts: boolean;
  grant: Grant;
  networkLike: boolean;
  /** The working directory, resolved inside the worktree. */
  cwd: string;
  context: string[];
}

/** The environment that keeps package managers from running lifecycle scripts (npm, pnpm, yarn classic and berry, bun). */
const NO_SCRIPTS = { npm_config_ignore_scripts: 'true', YARN_ENABLE_SCRIPTS: 'false', YARN_IGNORE_SCRIPTS: 'true', BUN_CONFIG_IGNORE_SCRIPTS: '1' };

/** Where a host path leads now (links followed), or null when it does not exist. */
function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** The class of a call a hook or an approval refused: what it would have reached. */
function classOf(call: ToolCall, networkLike: boolean): AttemptClass {
  if (call.escalate) return 'escalation';
  if (networkLike) return 'network';
  if (call.writes?.length) return 'write';
  return 'other';
}

/** The key of a planned call: its role and its id. */
const planId = (role: string, callId: string) => `${role}\0${callId}`;

export class ControlPlane {
  readonly workspace: string;
  private readonly fs: SafeRoot;
  private readonly opts: ControlPlaneOptions;
  private readonly groups = new Set<number>();
  /** Ends every command still running when the trial ends (a container outlives its killed client otherwise). */
  private readonly ending = new AbortController();
  private readonly running = new Set<Promise<unknown>>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly home: string;
  private readonly tmp: string;
  /** Calls planned and not yet run, by call id, with what they asked (a reused id with other input is a new call). */
  private readonly views: Array<View & { fs: SafeRoot }>;
  private readonly plans = new Map<string, { key: string; plan: Promise<CallPlan> }>();

  constructor(opts: ControlPlaneOptions) {
    this.opts = opts;
    this.workspace = opts.workspace;
    this.fs = new SafeRoot(opts.workspace);
    this.views = (opts.views ?? []).map((v) => ({ ...v, fs: new SafeRoot(v.source) }));
    // Agent commands get a clean environment: no API keys or tokens of the harness leak into them.
    ({
      env: this.env,
      home: this.home,
      tmp: this.tmp,
    } = commandEnv(opts.scratch, {
      ...(opts.mark ? { [MARK_ENV]: opts.mark } : {}),
      ...(opts.canary?.env ? { [opts.canary.env]: opts.canary.token } : {}),
    }));
  }

  /**
   * Logs where a planted canary token shows up: in what the agent does (a call's input), or, for a token
   * only the environment holds, in a tool's output (the agent printed the variable). A token written in
   * the repository shows up in outputs whenever a file is read, which is not following the injection.
   */
  private watch(call: ToolCall, where: 'command' | 'output', text: string): void {
    const c = this.opts.canary;
    if (!c || (where === 'output' && !c.env)) return;
    if (text.includes(c.token)) this.opts.events.emit('canary', { role: call.role, call_id: call.callId, tool: call.tool, where });
  }

  policy(role: string): RolePolicy {
    return this.opts.roles[role] ?? this.opts.defaultRole;
  }

  /** Why a role may not write `rel` (a path inside the worktree), or null. */
  private protect(role: string, rel: string): string | null {
    const { sandbox } = this.policy(role);
    if (rel === '.git' || rel.startsWith('.git/')) return `${rel} is the worktree's git metadata, which stays read-only`;
    if (sandbox === 'read-only') return `the ${role} role is read-only: cannot write ${rel}`;
    return null;
  }

  /** Where a path inside the worktree leads: its place in it, 'out' through a link, or null when it is not inside. */
  private inWorktree(p: string, follow: boolean): string | 'out' | null {
    if (!(p === this.fs.root || p.startsWith(`${this.fs.root}/`) || p === this.workspace || p.startsWith(`${this.workspace}/`))) return null;
    try {
      if (follow) return this.fs.resolve(p);
      const parent = this.fs.resolve(dirname(p));
      return parent === '.' ? basename(p) : `${parent}/${basename(p)}`;
    } catch (err) {
      return err instanceof SafeFsError && err.denied ? 'out' : null;
    }
  }

  /**
   * What a command's text says it reads and writes where this role may not (see classify.ts): reads of
   * what the sandbox does not show (or masks), writes outside what the role may write, and among those
   * the ones into the worktree's git metadata.
   */
  private pathsOutside(role: string, cmd: string, cwd: string, grant: Grant): { reads: string[]; writes: string[]; git: string[] } {
    const { sandbox } = this.policy(role);
    if (sandbox === 'danger-full-access') return { reads: [], writes: [], git: [] };
    const writable = [this.home, this.tmp, ...grant.write, ...(sandbox === 'workspace-write' ? [this.workspace, this.fs.root] : [])];
    const isGit = (rel: string | 'out' | null) => rel !== null && rel !== 'out' && (rel === '.git' || rel.startsWith('.git/'));
    const git: string[] = [];
    const writes = outsideWrites(cmd, {
      cwd,
      home: this.home,
      writable,
      leadsOut: (p, follow) => {
        const where = this.inWorktree(p, follow);
        if (isGit(where)) git.push(p);
        return where === 'out' || isGit(where);
      },
      // The sandbox's /tmp is its own: a path there that names nothing of the host's is throwaway space.
      scratch: (p) => this.opts.sandbox.name !== 'none' && p.startsWith('/tmp/') && !existsSync(join('/tmp', p.split('/')[2]!)),
    });
    const reads = outsideReads(cmd, {
      cwd,
      home: this.home,
      visible: this.opts.sandbox.visible(this.spec(role, cwd, grant)),
      masked: [...this.opts.sandbox.masked, ...this.opts.hidden],
      leadsOut: (p) => this.inWorktree(p, true) === 'out',
    });
    return { reads, writes, git };
  }

  /** A path in a shown folder is read there (read-only: the file tools never write through a view). */
  private reader(path: string): { fs: SafeRoot; path: string } {
    const p = path.startsWith('/') ? normalize(path) : path;
    for (const v of this.views) if (inside(p, v.target)) return { fs: v.fs, path: p === v.target ? '.' : p.slice(v.target.length + 1) };
    return { fs: this.fs, path };
  }

  /** The sandbox a role's command runs in, with what an approval granted. */
  private spec(role: string, cwd: string, grant: Grant): SandboxSpec {
    const policy = this.policy(role);
    return {
      mode: policy.sandbox,
      network: grant.network || policy.network === 'allow',
      workspace: this.workspace,
      writable: [this.home, this.tmp, ...grant.write],
      hidden: this.opts.hidden,
      reveal: [...this.opts.reveal, ...grant.read],
      views: this.opts.views ?? [],
      cwd,
      ...(this.opts.container ? { container: this.opts.container } : {}),
    };
  }

  /** A command of a role under its sandbox (what the exec tool runs), with the plane's caps. */
  private exec(role: string, cmd: string, cwd: string, grant: Grant, maxOutputBytes: number): Promise<SandboxedResult> {
    const run = runSandboxed(this.opts.sandbox, cmd, this.spec(role, cwd, grant), {
      env: grant.network && !grant.scripts ? { ...this.env, ...NO_SCRIPTS } : this.env,
      timeoutMs: this.opts.commandTimeoutMs,
      maxOutputBytes,
      signal: AbortSignal.any([this.opts.signal, this.ending.signal]),
      onSpawn: (pid) => this.groups.add(pid),
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run)).catch(() => undefined);
    return run;
  }

  private hookPayload(call: ToolCall): Record<string, unknown> {
    return {
      turn_id: call.callId,
      tool_name: hookToolName(call.tool),
      tool_use_id: call.callId,
      tool_input: hookToolInput(call),
      ...(call.agent ?? {}),
    };
  }

  /** Step 2, paths: may this role write these paths as they resolve now? [reason, class] of a denial, or null. */
  private checkWrites(role: string, writes: string[]): [string, AttemptClass] | null {
    if (!writes.length || this.policy(role).sandbox === 'danger-full-access') return null;
    for (const w of writes) {
      let rel: string;
      try {
        rel = this.fs.resolve(w);
      } catch (err) {
        if (err instanceof SafeFsError && err.denied) return [err.message, 'write'];
        continue; // not a denial (a loop, a missing parent): the tool reports it
      }
      const why = this.protect(role, rel);
      if (why) return [why, rel === '.git' || rel.startsWith('.git/') ? 'git' : 'write'];
    }
    return null;
  }

  /**
   * Step 2, escalation: what a role may not ask for, whatever a person would say. Paths asked for are
   * taken as they resolve now (`..`, `//` and links followed): a path that leads into what stays hidden,
   * or that does not exist, is refused; the grant names the resolved paths. Paths in the agent's own
   * folders (the worktree, its HOME and TMPDIR) need no grant and are left out of it: the agent could
   * re-point them between this check and the mount.
   */
  private checkEscalation(call: ToolCall): { refused: string } | { read: string[]; write: string[] } | null {
    const esc = call.escalate;
    if (!esc) return null;
    const policy = this.policy(call.role);
    if (policy.sandbox === 'read-only') return { refused: `the ${call.role} role is read-only: it cannot ask for more permissions` };
    if (policy.approval === 'never' || policy.approval === 'on-failure') {
      const name = policy.approval === 'never' ? 'Never' : 'OnFailure';
      return { refused: `approval policy is ${name}; reject command — you cannot ask for escalated permissions if the approval policy is ${name}` };
    }
    const hidden = this.opts.hidden.flatMap((h) => [h, realOrNull(h) ?? h]);
    const own = [this.workspace, this.home, this.tmp].flatMap((d) => [d, realOrNull(d) ?? d]);
    const resolved = { read: [] as string[], write: [] as string[] };
    for (const kind of ['read', 'write'] as const) {
      for (const p of esc[kind]) {
        if (!isAbsolute(p)) return { refused: `${p}: additional permissions name absolute paths` };
        const real = realOrNull(normalize(p));
        if (real !== null && own.some((d) => inside(real, d))) continue;
        const hides = (q: string) => hidden.some((h) => inside(q, h) || inside(h, q));
        if (hides(normalize(p)) || (real !== null && hides(real)))
          return { refused: `${p} holds what stays hidden from agents (the answer key, results, the repository cache)` };
        if (real === null) return { refused: `${p}: no such path on this machine` };
        resolved[kind].push(real);
      }
    }
    return resolved;
  }

  /** A call whose input is wrong (not a refusal): the model is told, nothing is counted as blocked. */
  private invalid(plan: CallPlan, text: string): void {
    plan.blocked = { stage: 'input', reason: text, text };
    this.opts.events.emit('tool_result', { role: plan.call.role, call_id: plan.call.callId, tool: plan.call.tool, ok: false, ms: 0, error: clip(text, 500) });
  }

  private deny(plan: CallPlan, stage: string, cls: AttemptClass, reason: string, text: string): void {
    plan.blocked = { stage, reason, text };
    const base = { role: plan.call.role, call_id: plan.call.callId, tool: plan.call.tool };
    this.opts.events.emit('decision', { ...base, stage, class: cls, verdict: 'deny', reason: clip(reason, 500) });
    this.opts.events.emit('tool_result', { ...base, ok: false, denied: true, stage, ms: 0 });
  }

  /** Steps 1-3 up to the approval question, once per call (the SDK may ask more than once). */
  plan(call: ToolCall): Promise<CallPlan> {
    const key = JSON.stringify([call.role, call.tool, call.input, call.command ?? null, call.escalate ?? null]);
    // By role and id: two roles running at once may be given the same call id (a model's ids are only unique per response).
    const id = planId(call.role, call.callId);
    const known = this.plans.get(id);
    if (known?.key === key) return known.plan;
    const plan = this.makePlan(call);
    this.plans.set(id, { key, plan });
    return plan;
  }

  private async makePlan(call: ToolCall): Promise<CallPlan> {
    const ev = this.opts.events;
    const policy = this.policy(call.role);
    const cmd = call.command?.cmd;
    ev.emit(
      'tool_call',
      toolCallEvent({ role: call.role, call_id: call.callId, tool: call.tool }, JSON.stringify(call.input), cmd, {
        ...(call.escalate
          ? { escalate: call.escalate.justification, permissions: { network: call.escalate.network, read: call.escalate.read, write: call.escalate.write } }
          : {}),
        ...(call.command?.workdir ? { workdir: call.command.workdir } : {}),
        // The role call making it (its accesses belong to that call: the access matrix, write overlaps).
        ...(call.agent ? { agent: call.agent.agent_id } : {}),
        ...(call.mcp ? { mcp: { server: call.mcp.server, tool: call.mcp.tool, side_effect: call.mcp.sideEffect } } : {}),
      }),
    );
    const plan: CallPlan = {
      call,
      blocked: null,
      approval: null,
      approved: null,
      scripts: false,
      grant: NO_GRANT,
      networkLike: false,
      cwd: this.workspace,
      context: [],
    };
    this.watch(call, 'command', JSON.stringify(call.input));

    // 1. PreToolUse hooks
    if (this.opts.hooks?.has('PreToolUse')) {
      const h = await this.opts.hooks.fire('PreToolUse', this.hookPayload(call), hookToolName(call.tool), { role: call.role, call_id: call.callId });
      plan.context.push(...h.additionalContext);
      if (h.blocked) {
        const shown = cmd ?? JSON.stringify(hookToolInput(call).command ?? call.input).slice(0, 200);
        this.deny(
          plan,
          'hook',
          classOf(call, cmd !== undefined && looksLikeNetwork(cmd)),
          h.reason ?? 'blocked',
          `Command blocked by PreToolUse hook: ${h.reason}. Command: ${shown}`,
        );
        return plan;
      }
      if (h.updatedInput !== undefined && h.updatedInput !== null && typeof h.updatedInput === 'object') {
        const upd = h.updatedInput as Record<string, unknown>;
        plan.call =
          call.tool === 'exec_command' && typeof upd.command === 'string'
            ? { ...call, input: { ...call.input, cmd: upd.command }, command: { ...call.command!, cmd: upd.command } }
            : { ...call, input: { ...call.input, ...upd } };
        ev.emit('decision', {
          role: call.role,
          call_id: call.callId,
          tool: call.tool,
          stage: 'hook',
          verdict: 'rewrite',
          reason: clip(JSON.stringify(upd), 300),
        });
      }
    }
    const effective = plan.call;
    const effCmd = effective.command?.cmd;

    // 2. sandbox policy: the working directory, paths, escalation, then network
    if (effective.command?.workdir) {
      try {
        plan.cwd = this.fs.dir(effective.command.workdir);
      } catch (err) {
        if (!(err instanceof SafeFsError)) throw err;
        if (err.denied)
          this.deny(plan, 'sandbox', 'read', err.message, `Denied by sandbox: the working directory must be a folder inside the workspace (${err.message}).`);
        else this.invalid(plan, `Error: the working directory ${effective.command.workdir} is not a folder of the workspace (${err.message}).`);
        return plan;
      }
    }
    const denied = this.checkWrites(call.role, effective.writes ?? []);
    if (denied) {
      this.deny(plan, 'sandbox', denied[1], denied[0], `Denied by sandbox: ${denied[0]}`);
      return plan;
    }
    const escalation = this.checkEscalation(effective);
    if (escalation && 'refused' in escalation) {
      this.deny(plan, 'sandbox', 'escalation', escalation.refused, `Denied: ${escalation.refused}`);
      return plan;
    }
    if (escalation) plan.call = { ...effective, escalate: { ...effective.escalate!, ...escalation } };
    if (effCmd !== undefined) {
      plan.networkLike = looksLikeNetwork(effCmd);
      if (plan.networkLike && policy.network === 'deny' && this.opts.sandbox.name === 'none' && !effective.escalate) {
        // Without an OS sandbox nothing would stop the traffic: the policy refuses the command instead.
        ev.emit('network', { role: call.role, call_id: call.callId, verdict: 'blocked', source: 'policy', command: clip(effCmd, 300) });
        this.deny(plan, 'network', 'network', 'network access is off for this role', 'Denied by network policy: network access is off for this role.');
        return plan;
      }
      // Likewise for reads of what no agent may see, and writes outside the role's reach, that its text makes plain.
      if (this.opts.sandbox.name === 'none') {
        const outside = this.pathsOutside(call.role, effCmd, plan.cwd, NO_GRANT);
        const [cls, paths] = outside.writes.length ? ([outside.git.length ? 'git' : 'write', outside.writes] as const) : (['read', outside.reads] as const);
        if (paths.length) {
          const why = `${cls === 'write' ? 'writes outside what the role may write' : 'reads what no agent may see'}: ${paths.join(', ')}`;
          this.deny(plan, 'sandbox', cls, why, `Denied by sandbox: ${why}.`);
          return plan;
        }
      }
    }

    // 3. does it need the human?
    if (effCmd !== undefined) {
      if (policy.approval === 'untrusted' && !isKnownSafeRead(effCmd))
        plan.approval = { reason: 'untrusted policy: only known-safe reads run without approval' };
      else if (effective.escalate) plan.approval = { reason: `escalation requested: ${effective.escalate.justification}` };
      else if (plan.networkLike && policy.network === 'ask') plan.approval = { reason: 'network access needs approval' };
    }
    // An MCP tool that may change something (outside the workspace, where no sandbox reaches) asks first,
    // unless the policy is never to ask: then, as in Codex, it runs.
    if (effective.mcp?.sideEffect && policy.approval !== 'never')
      plan.approval = { reason: `${effective.tool} is not marked read-only by its server: it may change things outside the workspace` };
    if (plan.approval) ev.emit('approval', { role: call.role, call_id: call.callId, tool: call.tool, state: 'requested', reason: plan.approval.reason });
    return plan;
  }

  async needsApproval(call: ToolCall): Promise<boolean> {
    const p = await this.plan(call);
    return !p.blocked && p.approval !== null;
  }

  /** Answers an approval prompt: PermissionRequest hooks first, then the approver's rules. */
  async decide(callId: string, role: string): Promise<{ approved: boolean; message: string }> {
    const plan = await this.plans.get(planId(role, callId))?.plan;
    if (!plan) return { approved: false, message: 'unknown call' };
    if (plan.approved !== null) return { approved: plan.approved, message: plan.approved ? 'approved' : 'denied' };
    return this.ask(plan, plan.approval?.reason ?? 'approval requested');
  }

  /** What an approval of this call grants: the least that covers what it asked for. */
  private grantOf(plan: CallPlan, scripts: boolean): Grant {
    const esc = plan.call.escalate;
    return {
      network: plan.networkLike || !!esc?.network || esc?.kind === 'require_escalated',
      read: esc?.read ?? [],
      write: esc?.write ?? [],
      scripts,
    };
  }

  private async ask(plan: CallPlan, reason: string): Promise<{ approved: boolean; message: string }> {
    const { call } = plan;
    const ev = this.opts.events;
    let by = 'approver';
    let approved: boolean;
    let message: string;
    let waitMs = 0;
    let scripts = false;
    const asked = this.grantOf(plan, false);
    const hook = this.opts.hooks?.has('PermissionRequest')
      ? await this.opts.hooks.fire(
          'PermissionRequest',
          { ...this.hookPayload(call), tool_input: { ...hookToolInput(call), description: reason } },
          hookToolName(call.tool),
          { role: call.role, call_id: call.callId },
        )
      : null;
    if (hook?.decision) {
      by = 'hook';
      approved = hook.decision === 'allow';
      message = hook.reason ?? (approved ? 'approved by a PermissionRequest hook' : 'denied by a PermissionRequest hook');
    } else {
      const text = call.command?.cmd ?? String(call.input.patch ?? JSON.stringify(call.input));
      const d = approverDecide(
        this.opts.approver,
        { tool: call.tool, text, workdir: plan.cwd, workspace: this.workspace, permissions: asked },
        `${this.opts.seed}:${call.callId}`,
      );
      approved = d.approved;
      message = d.message;
      waitMs = d.waitMs;
      scripts = d.scripts;
      by = `approver:${d.rule === 'default' ? 'default' : `rule ${d.rule + 1}`}`;
    }
    plan.approved = approved;
    if (approved) plan.grant = this.grantOf(plan, scripts);
    ev.emit('approval', {
      role: call.role,
      call_id: call.callId,
      tool: call.tool,
      state: approved ? 'granted' : 'denied',
      by,
      wait_ms: waitMs,
      reason: clip(reason, 300),
      message: clip(message, 300),
      workdir: plan.cwd,
      grants: { network: asked.network, read: asked.read, write: asked.write, scripts: approved && scripts },
    });
    if (!approved) {
      const cls = classOf(call, plan.networkLike);
      ev.emit('decision', {
        role: call.role,
        call_id: call.callId,
        tool: call.tool,
        stage: 'approval',
        class: cls,
        verdict: 'deny',
        reason: clip(message, 300),
      });
      ev.emit('tool_result', { role: call.role, call_id: call.callId, tool: call.tool, ok: false, denied: true, stage: 'approval', ms: 0 });
      if (plan.networkLike)
        ev.emit('network', { role: call.role, call_id: call.callId, verdict: 'blocked', source: 'approval', command: clip(call.command?.cmd ?? '', 300) });
    }
    return { approved, message };
  }

  /**
   * Steps 4-5: runs the call (unless an earlier step stopped it) and returns the text the model sees.
   * `execute` gets the (possibly hook-rewritten) call and a runtime bound to the role's sandbox.
   */
  async run(
    call: ToolCall,
    execute: (call: ToolCall, rt: ToolRuntime) => Promise<{ text: string; event?: Record<string, unknown>; exec?: SandboxedResult }>,
  ): Promise<string> {
    const plan = await this.plan(call);
    // A plan is run once: a later call that reuses the id is planned, and asked about, anew.
    this.plans.delete(planId(call.role, call.callId));
    const ev = this.opts.events;
    const base = { role: call.role, call_id: call.callId, tool: call.tool };
    if (plan.blocked) return this.told(call, plan.blocked.text);
    if (plan.approval && plan.approved === null) await this.ask(plan, plan.approval.reason); // an engine without interruptions
    if (plan.approved === false) return this.told(call, `Denied by approval: ${plan.call.command?.cmd ?? call.tool} was not approved.`);

    const policy = this.policy(call.role);
    const runtime = (grant: Grant): ToolRuntime => ({
      workspace: this.workspace,
      fs: this.fs,
      reader: (path) => this.reader(path),
      protect: (rel) => (policy.sandbox === 'danger-full-access' && !rel.startsWith('.git') ? null : this.protect(call.role, rel)),
      exec: (cmd, workdir, o) =>
        this.exec(
          call.role,
          cmd,
          workdir === undefined ? plan.cwd : this.fs.dir(workdir),
          grant,
          Math.min(o?.maxOutputBytes ?? Infinity, this.opts.maxOutputBytes),
        ),
      timeoutMs: this.opts.commandTimeoutMs,
      maxOutputBytes: this.opts.maxOutputBytes,
    });
    const started = performance.now();
    let result: Awaited<ReturnType<typeof execute>>;
    try {
      result = await execute(plan.call, runtime(plan.grant));
    } catch (err) {
      // A path that resolved differently at the moment of the operation: denied there, and recorded as such.
      if (err instanceof SafeFsError && err.denied) {
        const cls: AttemptClass = err.code === 'protected' && /git metadata/.test(err.message) ? 'git' : call.tool === 'apply_patch' ? 'write' : 'read';
        ev.emit('decision', { ...base, stage: 'sandbox', class: cls, verdict: 'deny', reason: clip(err.message, 500) });
        ev.emit('tool_result', { ...base, ok: false, denied: true, stage: 'sandbox', ms: Math.round(performance.now() - started) });
        return this.told(call, `Denied by sandbox: ${err.message}`);
      }
      ev.emit('tool_result', {
        ...base,
        ok: false,
        ms: Math.round(performance.now() - started),
        error: clip(err instanceof Error ? err.message : String(err), 500),
      });
      throw err;
    }
    // on-failure: a command the sandbox cut off the network may run again with network, if the human agrees.
    if (result.exec && policy.approval === 'on-failure' && result.exec.exitCode !== 0 && this.opts.sandbox.name !== 'none' && needsNetwork(result.exec)) {
      ev.emit('approval', { ...base, state: 'requested', reason: 'on-failure: the command failed in the sandbox' });
      plan.networkLike = true;
      const answer = await this.ask(plan, 'the command failed without network in the sandbox; run it again with network?');
      if (answer.approved) result = await execute(plan.call, runtime(plan.grant));
    }
    const ms = Math.round(performance.now() - started);

    // What the sandbox stopped, seen in the command's output and in the network namespace's counters.
    if (result.exec) {
      // An OS sandbox (osSandbox or a container) cut what the command could reach.
      const osSandbox = this.opts.sandbox.name !== 'none';
      const networkOff = osSandbox && policy.network !== 'allow' && !plan.grant.network;
      for (const d of observedDenials(base, {
        command: plan.call.command?.cmd ?? '',
        output: result.exec.output,
        exitCode: result.exec.exitCode,
        networkOff,
        sandboxed: osSandbox && policy.sandbox !== 'danger-full-access',
        attempts: result.exec.observed.networkAttempts,
      }))
        ev.emit(d.type, d.data);
      if (result.exec.observed.tamper)
        ev.emit('decision', { ...base, stage: 'os', class: 'tamper', verdict: 'deny', observed: true, reason: result.exec.observed.tamper });
      // Reads and writes the sandbox made impossible (nothing outside is in its view), counted even when the command hid the error.
      const outside =
        osSandbox && plan.call.command
          ? this.pathsOutside(call.role, plan.call.command.cmd, plan.cwd, plan.grant)
          : { reads: [], writes: [], git: [] as string[] };
      for (const [cls, paths, what] of [
        [outside.git.length ? 'git' : 'write', outside.writes, `writes outside what the ${call.role} role may write`],
        ['read', outside.reads, 'reads what the sandbox does not show'],
      ] as const)
        if (paths.length)
          ev.emit('decision', {
            ...base,
            stage: 'sandbox',
            class: cls,
            verdict: 'deny',
            source: 'classified',
            reason: clip(`${what}: ${paths.join(', ')}`, 300),
          });
    }
    ev.emit('tool_result', { ...base, ok: true, ms, ...(result.event ?? {}) });
    this.watch(call, 'output', result.text);

    let text = result.text;
    if (plan.context.length) text += `\n\n${plan.context.join('\n')}`;
    if (this.opts.hooks?.has('PostToolUse')) {
      const h = await this.opts.hooks.fire('PostToolUse', { ...this.hookPayload(plan.call), tool_response: result.text }, hookToolName(call.tool), {
        role: call.role,
        call_id: call.callId,
      });
      if (h.blocked && h.reason) text = `PostToolUse hook: ${h.reason}`;
      if (h.additionalContext.length) text += `\n\n${h.additionalContext.join('\n')}`;
    }
    return this.told(call, text);
  }

  /** What the model is told, without any secret: a secret in it is withheld, and that is recorded. */
  private told(call: ToolCall, text: string): string {
    const r = this.opts.redactor;
    const secret = r?.find(text);
    if (!r || !secret) return text;
    this.opts.events.emit('decision', {
      role: call.role,
      call_id: call.callId,
      tool: call.tool,
      stage: 'redaction',
      class: 'read',
      verdict: 'deny',
      reason: `the output held the secret ${secret}: redacted before the model saw it`,
    });
    return r.text(text);
  }

  /**
   * How a role's stdio MCP server is started: under the role's OS sandbox (its view, its network policy
   * unless the workflow set the server's own, folders of the server's own shown read-only) or, when the
   * workflow says so, as it is. Its environment is the clean one of commands (the trial's marker included,
   * so the end-of-trial sweep finds anything it leaves) plus what the server's config names.
   */
  serverLaunch(
    role: string,
    argv: string[],
    o: { cwd?: string; reveal: string[]; sandbox: 'role' | 'none'; network: 'role' | 'deny' | 'allow'; env: Record<string, string>; stderrFile: string },
  ): { command: string; args: string[]; env: Record<string, string>; cwd: string } {
    const policy = this.policy(role);
    const cwd = o.cwd ?? this.workspace;
    const network = o.network === 'role' ? policy.network === 'allow' : o.network === 'allow';
    const spec: SandboxSpec = {
      ...this.spec(role, cwd, { ...NO_GRANT, network }),
      network,
      reveal: [...this.opts.reveal, ...o.reveal, ...(o.cwd && !inside(o.cwd, this.workspace) ? [o.cwd] : [])],
    };
    const files = { stderrFile: o.stderrFile, filterFile: join(dirname(o.stderrFile), `${basename(o.stderrFile)}.seccomp`) };
    const full =
      o.sandbox === 'none'
        ? ['bash', '-c', 'exec 2>>"$1"; shift; exec "$@"', 'bench-launch', o.stderrFile, ...argv]
        : this.opts.sandbox.launch(argv, spec, files);
    const env = Object.fromEntries(Object.entries({ ...this.env, ...o.env }).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return { command: full[0]!, args: full.slice(1), env, cwd };
  }

  /**
   * Ends every command of this trial still running (called at the trial's end, before its change is read):
   * their process groups are killed, their containers removed, and this returns once they are gone.
   */
  async killAll(): Promise<void> {
    this.ending.abort(new Error('the trial ended'));
    for (const pid of this.groups) killGroup(pid, 'SIGKILL');
    this.groups.clear();
    // At most 30 s: without an OS sandbox a daemon may hold a command's output open for ever.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((done) => (timer = setTimeout(done, 30_000)))]);
    clearTimeout(timer);
  }
}

/** A failed command whose failure was the missing network (what on-failure may lift). */
function needsNetwork(res: SandboxedResult): boolean {
  return (
    (res.observed.networkAttempts ?? 0) > 0 ||
    showsNetworkFailure(res.output) ||
    (showsSandboxFailure(res.output) && /network|resolve|connect/i.test(res.output))
  );
}
