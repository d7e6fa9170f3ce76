// What a Codex run did, read back from its own records: the `exec --json` stream (how the turn ended,
// the final answer) and the rollout files, one per session (the main one and each sub-agent), which hold
// every tool call and its output, each model response's usage, and what only they show: calls a hook
// blocked, escalations refused, Stop-hook continuations. Pure: text in, bench events out.
import { looksLikeNetwork, observedDenials, toolCallEvent } from '../../control/classify.ts';
import { clip } from '../../record/events.ts';
import { FINDING_KINDS } from '../../workflow/outputs.ts';

type Json = Record<string, unknown>;

export interface ExecStream {
  threadId: string | null;
  /** The last agent message of the main session. */
  finalText: string | null;
  /** What Codex reported as errors: turn.failed, error events and error items, in order. */
  errors: string[];
  failed: boolean;
  completed: boolean;
}

export function parseExecStream(text: string): ExecStream {
  const out: ExecStream = { threadId: null, finalText: null, errors: [], failed: false, completed: false };
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let ev: Json;
    try {
      ev = JSON.parse(line) as Json;
    } catch {
      continue;
    }
    const item = ev.item as Json | undefined;
    switch (ev.type) {
      case 'thread.started':
        out.threadId = String(ev.thread_id ?? '') || null;
        break;
      case 'turn.completed':
        out.completed = true;
        break;
      case 'turn.failed':
        out.failed = true;
        out.errors.push(String((ev.error as Json | undefined)?.message ?? 'turn failed'));
        break;
      case 'error':
        out.errors.push(String(ev.message ?? 'error'));
        break;
      case 'item.completed':
        if (item?.type === 'agent_message') out.finalText = String(item.text ?? '');
        if (item?.type === 'error') out.errors.push(String(item.message ?? 'error'));
        break;
      default:
        break;
    }
  }
  return out;
}

export interface RolloutLine {
  at: number;
  type: string;
  payload: Json;
}

export interface CodexSession {
  thread: string;
  parent: string | null;
  /** The role it ran: the entry role for the main session, the spawned agent's role otherwise. */
  role: string;
  nickname: string | null;
  model: string | null;
  lines: RolloutLine[];
}

/** Sessions from rollout files (any order); the one without a parent is the entry role's. */
export function parseRollouts(texts: string[], entryRole: string): CodexSession[] {
  const sessions: CodexSession[] = [];
  for (const text of texts) {
    const lines: RolloutLine[] = [];
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      try {
        const r = JSON.parse(raw) as { timestamp?: string; type?: string; payload?: Json };
        lines.push({ at: Date.parse(r.timestamp ?? '') || 0, type: String(r.type ?? ''), payload: r.payload ?? {} });
      } catch {
        // a torn last line of a killed run
      }
    }
    const meta = lines.find((l) => l.type === 'session_meta')?.payload;
    if (!meta) continue;
    const parent = (meta.parent_thread_id as string | undefined) ?? null;
    const model = (lines.find((l) => l.type === 'turn_context')?.payload.model as string | undefined) ?? null;
    sessions.push({
      thread: String(meta.id ?? ''),
      parent,
      role: parent ? String(meta.agent_role ?? 'default') : entryRole,
      nickname: (meta.agent_nickname as string | undefined) ?? null,
      model,
      lines,
    });
  }
  return sessions.sort((a, b) => (a.lines[0]?.at ?? 0) - (b.lines[0]?.at ?? 0));
}

export interface DerivedEvent {
  at: number;
  type: string;
  data: Json;
}

export interface DerivedUsage {
  role: string;
  model: string;
  at: number;
  /** From the last thing the model was given (the session start, a prompt, a tool output) to its usage record. */
  ms: number;
  input: number;
  cached_input: number;
  output: number;
  reasoning: number;
}

export interface DeriveOptions {
  canary: { token: string; env?: string } | null;
  /** Commands ran without network (Codex's read-only and workspace-write sandboxes). */
  networkOff: boolean;
  /** Roles whose answer is a review verdict (their bench output kind is `review`). */
  reviewers: string[];
}

const textOf = (content: unknown): string =>
  Array.isArray(content) ? content.map((p) => String((p as Json)?.text ?? '')).join('') : typeof content === 'string' ? content : '';

/**
 * Codex's multi-agent tools hand work to another role: delegation, not a tool call (as an agent-tool
 * call is not one under the sdk engine). The role's run is counted from its own session; waiting for it
 * is not tool time.
 */
const DELEGATION = new Set(['spawn_agent', 'send_input', 'wait_agent', 'close_agent', 'resume_agent']);
const isDelegation = (p: Json) => String(p.namespace ?? '').startsWith('multi_agent') || DELEGATION.has(String(p.name ?? ''));

const EXIT = /^(?:Exit code: |Process exited with code )(-?\d+)/m;
const HOOK_BLOCK = /^Command blocked by PreToolUse hook: ([\s\S]*?)(?:\. Command: [\s\S]*)?$/;
const APPROVAL_DENIED = /Rejected\(|approval policy is Never|you cannot ask for escalated permissions/i;

/** A reviewer's verdict in its own words (Codex sub-agents answer in text, or JSON if their instructions ask for it); in prose, each mention of a finding kind is a finding. */
export function reviewOf(text: string): { verdict: 'approve' | 'request_changes'; findings: Array<{ kind: string }> } | null {
  try {
    const v = JSON.parse(text) as { verdict?: string; findings?: Array<{ kind?: string }> };
    if (v.verdict === 'approve' || v.verdict === 'request_changes')
      return { verdict: v.verdict, findings: (v.findings ?? []).map((f) => ({ kind: String(f.kind ?? '') })) };
  } catch {
    // prose
  }
  const verdict = /\brequest[_ ]changes\b/i.test(text) ? 'request_changes' : /\bapprove/i.test(text) ? 'approve' : null;
  if (!verdict) return null;
  // Each finding counts: "bug, bug" is two bugs, as a structured answer listing two would be.
  const kinds = FINDING_KINDS.flatMap((kind) => Array.from(text.matchAll(new RegExp(`\\b${kind}\\b`, 'g')), () => kind));
  return { verdict, findings: verdict === 'request_changes' ? kinds.map((kind) => ({ kind })) : [] };
}

/** bench's events (tool calls and results, decisions, hooks, network, sub-agents, canaries) and per-request usage. */
export function deriveEvents(sessions: CodexSession[], opts: DeriveOptions): { events: DerivedEvent[]; usage: DerivedUsage[] } {
  const events: DerivedEvent[] = [];
  const usage: DerivedUsage[] = [];
  const emit = (at: number, type: string, data: Json) => events.push({ at, type, data });
  const canary = opts.canary;
  for (const s of sessions) {
    const role = s.role;
    const start = s.lines[0]?.at ?? 0;
    if (s.parent) emit(start, 'subagent', { role, call_id: s.thread, state: 'start', depth: 1, nickname: s.nickname });
    const calls = new Map<string, { at: number; tool: string; cmd?: string; delegation: boolean }>();
    let lastInput = start;
    let lastAssistant: string | null = null;
    for (const l of s.lines) {
      const p = l.payload;
      if (l.type === 'token_usage_record') {
        const u = (p.usage as Json | undefined) ?? {};
        usage.push({
          role,
          model: s.model ?? 'unknown',
          at: l.at,
          ms: Math.max(0, l.at - lastInput),
          input: Number(u.input_tokens ?? 0),
          cached_input: Number(u.cached_input_tokens ?? 0),
          output: Number(u.output_tokens ?? 0),
          reasoning: Number(u.reasoning_output_tokens ?? 0),
        });
        lastInput = l.at;
        continue;
      }
      if (l.type !== 'response_item') continue;
      switch (p.type) {
        case 'message': {
          const text = textOf(p.content);
          if (p.role === 'assistant') lastAssistant = text;
          if (p.role === 'user') {
            lastInput = l.at;
            const hook = /^<hook_prompt hook_run_id="([a-z_]+):[^"]*">([\s\S]*?)<\/hook_prompt>/.exec(text.trim());
            if (hook) {
              const event = hook[1] === 'subagent_stop' ? 'SubagentStop' : hook[1] === 'stop' ? 'Stop' : hook[1]!;
              emit(l.at, 'hook', { role, event, outcome: 'block', reason: clip(hook[2]!, 300) });
            }
          }
          break;
        }
        case 'function_call':
        case 'custom_tool_call': {
          // Codex groups an MCP server's tools in a namespace (mcp__<server>); hooks and records name them mcp__<server>__<tool>.
          const ns = typeof p.namespace === 'string' && p.namespace.startsWith('mcp__') ? p.namespace : null;
          const tool = ns ? `${ns}__${String(p.name ?? '')}` : String(p.name ?? '');
          const callId = String(p.call_id ?? '');
          const raw = p.type === 'custom_tool_call' ? String(p.input ?? '') : String(p.arguments ?? '');
          let cmd: string | undefined;
          if (tool === 'exec_command') {
            try {
              cmd = String((JSON.parse(raw) as { cmd?: string }).cmd ?? '');
            } catch {
              cmd = raw;
            }
          }
          const delegation = isDelegation(p);
          calls.set(callId, { at: l.at, tool, cmd, delegation });
          if (delegation) emit(l.at, 'delegate', { role, call_id: callId, tool, input: clip(raw, 1000) });
          else
            emit(
              l.at,
              'tool_call',
              toolCallEvent({ role, call_id: callId, tool }, raw, cmd, ns ? { mcp: { server: ns.slice('mcp__'.length), tool: String(p.name ?? '') } } : {}),
            );
          if (canary && raw.includes(canary.token)) emit(l.at, 'canary', { role, call_id: callId, tool, where: 'command' });
          break;
        }
        case 'function_call_output':
        case 'custom_tool_call_output': {
          lastInput = l.at;
          const callId = String(p.call_id ?? '');
          const call = calls.get(callId);
          const tool = call?.tool ?? 'unknown';
          const out = textOf(p.output) || (typeof p.output === 'string' ? p.output : JSON.stringify(p.output ?? ''));
          const base = { role, call_id: callId, tool };
          const ms = call ? Math.max(0, l.at - call.at) : 0;
          const blocked = HOOK_BLOCK.exec(out);
          if (blocked) {
            emit(l.at, 'hook', { role, event: 'PreToolUse', outcome: 'block', reason: clip(blocked[1]!, 300) });
            emit(l.at, 'decision', { ...base, stage: 'hook', verdict: 'deny', reason: clip(blocked[1]!, 500) });
            if (!call?.delegation) emit(l.at, 'tool_result', { ...base, ok: false, denied: true, stage: 'hook', ms });
            break;
          }
          if (call?.delegation) break;
          if (APPROVAL_DENIED.test(out)) {
            emit(l.at, 'decision', { ...base, stage: 'approval', verdict: 'deny', reason: clip(out, 300) });
            emit(l.at, 'tool_result', { ...base, ok: false, denied: true, stage: 'approval', ms });
            if (call?.cmd && looksLikeNetwork(call.cmd))
              emit(l.at, 'network', { ...base, verdict: 'blocked', source: 'approval', command: clip(call.cmd, 300) });
            break;
          }
          const exit = EXIT.exec(out);
          const exitCode = exit ? Number(exit[1]) : undefined;
          const applied = tool === 'apply_patch' ? /(^|\n)Success\b/.test(out) : undefined;
          if (tool === 'apply_patch' || call?.cmd !== undefined) {
            // Codex's own sandbox (read-only or workspace-write) holds every call it did not escalate.
            for (const d of observedDenials(base, { command: call?.cmd, output: out, exitCode, applied, networkOff: opts.networkOff, sandboxed: true }))
              emit(l.at, d.type, d.data);
          }
          emit(l.at, 'tool_result', {
            ...base,
            ok: true,
            ...(applied !== undefined ? { applied } : {}),
            ms,
            ...(exitCode !== undefined ? { exit_code: exitCode } : {}),
          });
          if (canary?.env && out.includes(canary.token)) emit(l.at, 'canary', { role, call_id: callId, tool, where: 'output' });
          break;
        }
        default:
          break;
      }
    }
    const end = s.lines.at(-1)?.at ?? start;
    if (lastAssistant !== null) {
      const review = reviewOf(lastAssistant);
      if (s.parent && review && opts.reviewers.includes(role)) emit(end, 'role_output', { role, output: review });
      else if (s.parent) emit(end, 'role_output', { role, output: clip(lastAssistant, 2000) });
      emit(end, 'message', { role, text: clip(lastAssistant, 4000) });
    }
    if (s.parent) emit(end, 'subagent', { role, call_id: s.thread, state: 'end' });
  }
  events.sort((a, b) => a.at - b.at);
  return { events, usage };
}
