// A Codex-compatible hook runner. Each matching command handler runs (concurrently with the others)
// with the event's JSON payload on stdin; exit 2 or a JSON decision blocks, denies or continues as the
// event defines. A hook that exits non-zero otherwise, times out, or prints invalid JSON is a hook
// failure: counted and logged, and the call proceeds, as Codex does.
import { z } from 'zod';
import { runProcess, type RunResult } from '../exec/run.ts';
import { clip, type EventLog } from '../record/events.ts';

export const HOOK_EVENTS = [
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'PreCompact',
  'PostCompact',
  'SessionStart',
  'SessionEnd',
  'UserPromptSubmit',
  'SubagentStart',
  'SubagentStop',
  'Stop',
  'Interrupt',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface HookHandlerSpec {
  command: string;
  timeoutS: number;
  statusMessage?: string;
  async: boolean;
  /** Codex's trust key: `<source>:<event_snake>:<group>:<handler>`. */
  key: string;
  /** Codex's trust hash of the normalised handler: `sha256:<hex>`. */
  hash: string;
}

export interface HookGroupSpec {
  event: HookEvent;
  matcher?: string;
  handlers: HookHandlerSpec[];
  /** Where it was declared (for messages). */
  source: string;
}

export interface HookOutcome {
  /** Blocked (PreToolUse, UserPromptSubmit), denied (PermissionRequest), or continue (Stop, SubagentStop). */
  blocked: boolean;
  reason: string | null;
  /** PermissionRequest: an explicit answer. */
  decision: 'allow' | 'deny' | null;
  /** PreToolUse: the input to run instead. */
  updatedInput: unknown;
  additionalContext: string[];
  runs: number;
  failures: number;
}

/** Matchers are regexes; none, "" and "*" match everything; tool events also let Edit/Write match apply_patch. */
export function matches(group: HookGroupSpec, value: string | undefined): boolean {
  if (!group.matcher || group.matcher === '*' || value === undefined) return true;
  let re: RegExp;
  try {
    re = new RegExp(group.matcher);
  } catch {
    return false; // Codex skips a group whose matcher does not compile
  }
  if (re.test(value)) return true;
  return value === 'apply_patch' && (re.test('Edit') || re.test('Write'));
}

const common = {
  continue: z.boolean().optional(),
  stopReason: z.string().nullable().optional(),
  suppressOutput: z.boolean().optional(),
  systemMessage: z.string().nullable().optional(),
};

const PreToolUseOut = z.strictObject({
  ...common,
  decision: z.enum(['approve', 'block']).nullable().optional(),
  reason: z.string().nullable().optional(),
  hookSpecificOutput: z
    .strictObject({
      hookEventName: z.literal('PreToolUse'),
      permissionDecision: z.enum(['allow', 'deny', 'ask']).nullable().optional(),
      permissionDecisionReason: z.string().nullable().optional(),
      updatedInput: z.unknown().optional(),
      additionalContext: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
});

const PermissionRequestOut = z.strictObject({
  ...common,
  hookSpecificOutput: z
    .strictObject({
      hookEventName: z.literal('PermissionRequest'),
      decision: z.strictObject({
        behavior: z.enum(['allow', 'deny']),
        message: z.string().nullable().optional(),
        updatedInput: z.unknown().optional(),
        updatedPermissions: z.unknown().optional(),
        interrupt: z.boolean().optional(),
      }),
    })
    .nullable()
    .optional(),
});

const ContextOut = (event: string) =>
  z.strictObject({
    ...common,
    decision: z.enum(['block']).nullable().optional(),
    reason: z.string().nullable().optional(),
    hookSpecificOutput: z
      .strictObject({ hookEventName: z.literal(event), additionalContext: z.string().nullable().optional(), updatedMCPToolOutput: z.unknown().optional() })
      .nullable()
      .optional(),
  });

interface HandlerResult {
  failure: string | null;
  blocked: boolean;
  reason: string | null;
  decision: 'allow' | 'deny' | null;
  updatedInput?: unknown;
  context: string | null;
}

/** What one handler's exit code and stdout mean for an event. */
export function interpret(event: HookEvent, exitCode: number | null, stdout: string, stderr: string): HandlerResult {
  const none: HandlerResult = { failure: null, blocked: false, reason: null, decision: null, context: null };
  if (exitCode === 2) {
    const reason = stderr.trim();
    if (!reason) return { ...none, failure: 'exit 2 without a reason on stderr' };
    if (event === 'PermissionRequest') return { ...none, blocked: true, decision: 'deny', reason };
    if (['PreToolUse', 'UserPromptSubmit', 'PostToolUse', 'Stop', 'SubagentStop'].includes(event)) return { ...none, blocked: true, reason };
    return none;
  }
  if (exitCode !== 0) return { ...none, failure: `exit ${exitCode}` };
  if (!stdout.trim()) return none;
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { ...none, failure: `invalid JSON on stdout: ${clip(stdout.trim(), 120)}` };
  }
  switch (event) {
    case 'PreToolUse': {
      const p = PreToolUseOut.safeParse(json);
      if (!p.success) return { ...none, failure: `invalid PreToolUse output: ${p.error.issues[0]?.message}` };
      const o = p.data;
      const h = o.hookSpecificOutput;
      // Fields Codex 0.169 rejects (the hook is marked failed, the tool still runs).
      if (
        o.continue === false ||
        o.stopReason ||
        o.suppressOutput ||
        o.decision === 'approve' ||
        h?.permissionDecision === 'ask' ||
        (h?.permissionDecision === 'allow' && h.updatedInput === undefined)
      ) {
        return { ...none, failure: 'unsupported PreToolUse output (ask, approve, allow without updatedInput, continue:false, stopReason or suppressOutput)' };
      }
      if (h?.permissionDecision === 'deny' || o.decision === 'block')
        return {
          ...none,
          blocked: true,
          reason: h?.permissionDecisionReason ?? o.reason ?? 'blocked by a PreToolUse hook',
          context: h?.additionalContext ?? null,
        };
      return { ...none, updatedInput: h?.updatedInput, context: h?.additionalContext ?? null };
    }
    case 'PermissionRequest': {
      const p = PermissionRequestOut.safeParse(json);
      if (!p.success) return { ...none, failure: `invalid PermissionRequest output: ${p.error.issues[0]?.message}` };
      const d = p.data.hookSpecificOutput?.decision;
      if (!d) return none;
      if (d.updatedInput !== undefined || d.updatedPermissions !== undefined || d.interrupt) {
        return {
          ...none,
          failure: 'PermissionRequest output with updatedInput, updatedPermissions or interrupt (fails closed)',
          blocked: true,
          decision: 'deny',
          reason: 'permission hook answered with unsupported fields',
        };
      }
      return { ...none, decision: d.behavior, blocked: d.behavior === 'deny', reason: d.message ?? null };
    }
    case 'PostToolUse':
    case 'UserPromptSubmit':
    case 'Stop':
    case 'SubagentStop':
    case 'SessionStart':
    case 'SubagentStart': {
      const p = ContextOut(event).safeParse(json);
      if (!p.success) return { ...none, failure: `invalid ${event} output: ${p.error.issues[0]?.message}` };
      const o = p.data;
      if (o.decision === 'block') {
        if (!o.reason) return { ...none, failure: `${event} decision "block" needs a reason` };
        return { ...none, blocked: true, reason: o.reason, context: o.hookSpecificOutput?.additionalContext ?? null };
      }
      return { ...none, context: o.hookSpecificOutput?.additionalContext ?? null };
    }
    default:
      return none;
  }
}

export interface HookRunnerOptions {
  groups: HookGroupSpec[];
  events: EventLog;
  cwd: string;
  sessionId: string;
  /** The session's model: every payload's `model` unless the event names the sub-agent's own. */
  model: string;
  /** Codex's permission_mode of the session (bench answers approvals itself: "default"). */
  permissionMode?: string;
  /** Environment of hook commands (PLUGIN_ROOT, PLUGIN_DATA, ...), on top of hookBaseEnv(). */
  env: Record<string, string>;
  /** Variables of the harness's environment the workflow lets its hooks see (`[bench] hook_env`). */
  passEnv?: string[];
  signal?: AbortSignal;
  /** Runs a hook's argv under a subreaper that stops it, and all it started, if bench dies (exec/reaper.ts). */
  wrap?: (argv: string[]) => string[];
  /** Handlers of these events run in the task's container instead (the workflow's `hooks_in_environment`). */
  inEnvironment?: {
    events: ReadonlySet<HookEvent>;
    run: (command: string, o: { env: NodeJS.ProcessEnv; input: string; timeoutMs: number; signal?: AbortSignal }) => Promise<RunResult>;
  };
}

/** What every hook gets of the harness's environment: enough to run a program as the user, no secrets. */
const HOOK_BASE_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TERM', 'TMPDIR', 'TZ'];

export function hookBaseEnv(pass: string[] = [], env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of [...HOOK_BASE_ENV, ...pass]) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

export class HookRunner {
  private readonly opts: HookRunnerOptions;

  constructor(opts: HookRunnerOptions) {
    this.opts = opts;
  }

  has(event: HookEvent): boolean {
    return this.opts.groups.some((g) => g.event === event);
  }

  /**
   * Fires an event: every matching handler runs, concurrently; the results combine (any deny wins).
   * The payload holds the event's own fields; the common ones (session_id, cwd, model, permission_mode) are added.
   */
  async fire(event: HookEvent, payload: Record<string, unknown>, matchValue?: string, meta: Record<string, unknown> = {}): Promise<HookOutcome> {
    const out: HookOutcome = { blocked: false, reason: null, decision: null, updatedInput: undefined, additionalContext: [], runs: 0, failures: 0 };
    const handlers = this.opts.groups.filter((g) => g.event === event && matches(g, matchValue)).flatMap((g) => g.handlers);
    if (!handlers.length) return out;
    const body = JSON.stringify({
      session_id: this.opts.sessionId,
      transcript_path: null,
      cwd: this.opts.cwd,
      hook_event_name: event,
      model: this.opts.model,
      permission_mode: this.opts.permissionMode ?? 'default',
      ...payload,
    });
    const results = await Promise.all(
      handlers.map(async (h) => {
        const command = h.command.replace(/\$\{(PLUGIN_ROOT|CLAUDE_PLUGIN_ROOT|PLUGIN_DATA|CLAUDE_PLUGIN_DATA)\}/g, (_, k: string) => this.opts.env[k] ?? '');
        const shell = process.env.SHELL || '/bin/sh';
        const argv = [shell, '-lc', command];
        const env = { ...hookBaseEnv(this.opts.passEnv), ...this.opts.env };
        const inContainer = this.opts.inEnvironment?.events.has(event) ? this.opts.inEnvironment : null;
        const res = inContainer
          ? await inContainer.run(command, { env, input: body, timeoutMs: h.timeoutS * 1000, signal: this.opts.signal })
          : await runProcess(this.opts.wrap ? this.opts.wrap(argv) : argv, {
              cwd: this.opts.cwd,
              env,
              input: body,
              timeoutMs: h.timeoutS * 1000,
              signal: this.opts.signal,
              maxOutputBytes: 256 * 1024,
            });
        const r: HandlerResult = res.timedOut
          ? { failure: `timed out after ${h.timeoutS}s`, blocked: false, reason: null, decision: null, context: null }
          : res.spawnError
            ? { failure: `could not start: ${res.spawnError}`, blocked: false, reason: null, decision: null, context: null }
            : interpret(event, res.exitCode, res.stdout, res.stderr);
        this.opts.events.emit('hook', {
          ...meta,
          event,
          key: h.key,
          command: clip(h.command, 200),
          ms: Math.round(res.durationMs),
          exit_code: res.exitCode,
          ...(inContainer ? { in_environment: true } : {}),
          outcome: r.failure ? 'failure' : (r.decision ?? (r.blocked ? 'block' : 'ok')),
          ...(r.reason ? { reason: clip(r.reason, 500) } : {}),
          ...(r.failure ? { failure: r.failure, stderr: clip(res.stderr.trim(), 500) } : {}),
        });
        return r;
      }),
    );
    // What hooks say reaches the model (a block's reason, added context): never a secret.
    const told = (t: string | null) => (t === null ? null : this.opts.events.redactor.text(t));
    for (const r of results) {
      out.runs++;
      if (r.failure) out.failures++;
      if (r.context) out.additionalContext.push(told(r.context)!);
      if (r.updatedInput !== undefined && out.updatedInput === undefined) out.updatedInput = r.updatedInput;
      if (r.blocked) {
        out.blocked = true;
        out.reason = out.reason ? `${out.reason}; ${told(r.reason)}` : told(r.reason);
      }
      if (r.decision === 'deny') out.decision = 'deny';
      else if (r.decision === 'allow' && out.decision !== 'deny') out.decision = 'allow';
    }
    return out;
  }
}
