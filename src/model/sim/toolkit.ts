// The simulated model's toolkit, shared by every role it plays: reading the conversation (its own
// earlier calls carry their step in the call id), knowing which role it is asked to be, emitting tool
// calls and answers, and handing work to other roles (bench's agent tools or Codex's spawn_agent).
import type { Conversation, ReplyItem } from '../conversation.ts';
import type { SimOracle } from './oracle.ts';
import type { SimProfile } from './profile.ts';
import { draw } from './random.ts';

export type RoleKind = 'solo' | 'worker' | 'explorer' | 'reviewer' | 'coordinator';

/** Tools the harness and Codex offer for working in the repository (anything else is a delegate). */
const WORK_TOOLS = new Set(['exec_command', 'apply_patch', 'read_file', 'list_dir', 'grep_files', 'write_stdin', 'view_image', 'shell']);
const CODEX_MISC = new Set([
  'request_user_input',
  'get_goal',
  'create_goal',
  'update_goal',
  'web_search',
  'tool_search',
  'update_plan',
  // Codex's own tools for MCP resources: offered whenever a server is configured.
  'list_mcp_resources',
  'list_mcp_resource_templates',
  'read_mcp_resource',
]);
const CODEX_AGENT_TOOLS = new Set(['spawn_agent', 'send_input', 'wait_agent', 'close_agent', 'resume_agent']);

/**
 * A tool of an MCP server: a capability, not a role. bench offers it as mcp__<server>__<tool>; Codex may
 * group a server's tools in a namespace of that prefix instead.
 */
export const isMcpTool = (name: string, namespace?: string): boolean => name.startsWith('mcp__') || !!namespace?.startsWith('mcp__');

/** The name of an MCP tool the conversation offers whose own name (after the server) is `tool`, if any. */
export function mcpTool(ctx: { conv: Conversation }, tool: string): string | undefined {
  return ctx.conv.tools.find((t) => (t.name.startsWith('mcp__') && t.name.endsWith(`__${tool}`)) || (t.namespace?.startsWith('mcp__') && t.name === tool))
    ?.name;
}

/** Tools that hand work to another agent: anything the harness and Codex offer besides their own. */
export function delegateTools(conv: Conversation): Conversation['tools'] {
  return conv.tools.filter((t) => !WORK_TOOLS.has(t.name) && !CODEX_MISC.has(t.name) && !CODEX_AGENT_TOOLS.has(t.name) && !isMcpTool(t.name, t.namespace));
}

/** The roles Codex offers to spawn (listed in spawn_agent's agent_type parameter), by name with their descriptions. */
export function codexRoles(conv: Conversation): Array<{ name: string; description: string }> {
  const spawn = conv.tools.find((t) => t.name === 'spawn_agent');
  const props = (spawn?.parameters?.properties as Record<string, { description?: string }> | undefined) ?? {};
  const text = props.agent_type?.description ?? '';
  const list = text.slice(text.indexOf('Available roles:') + 1);
  return [...list.matchAll(/^([A-Za-z0-9_-]+): \{\n([\s\S]*?)\n\}/gm)].map((m) => ({ name: m[1]!, description: m[2]! })).filter((r) => r.name !== 'default');
}

/** A Codex session told to work through its roles: its instructions name at least two roles it can spawn. */
export function codexTeam(conv: Conversation): boolean {
  const text = conv.instructions.toLowerCase();
  return codexRoles(conv).filter((r) => new RegExp(`\\b${r.name.toLowerCase()}\\b`).test(text)).length >= 2;
}

export function roleKindOf(conv: Conversation): RoleKind {
  // What it is asked to hand back says most; then whether it has others to delegate to; then its instructions.
  const props = new Set(Object.keys((conv.outputSchema?.properties as Record<string, unknown> | undefined) ?? {}));
  const delegating = delegateTools(conv).length > 0 || codexTeam(conv);
  if (props.has('priority') && props.has('labels')) return delegating ? 'coordinator' : 'solo';
  if (props.has('verdict')) return 'reviewer';
  if (props.has('files_modified')) return 'worker';
  if (props.has('relevant_files')) return 'explorer';
  if (delegating) return 'coordinator';
  const text = conv.instructions.toLowerCase();
  // "You are the worker" says more than a later mention of the reviewer.
  const self = /\byou are (?:the |a |an )?(?:[\w-]+ ){0,3}?(reviewer|explorer|investigator|worker|implementer)\b/.exec(text)?.[1];
  if (self) return self === 'reviewer' ? 'reviewer' : self === 'worker' || self === 'implementer' ? 'worker' : 'explorer';
  if (/\breview(er|ing)?\b/.test(text)) return 'reviewer';
  if (/\bexplor|\binvestigat|\bread-only\b/.test(text)) return 'explorer';
  if (/\bworker\b|\bimplement/.test(text)) return 'worker';
  return 'solo';
}

/** Hex digits of the hash that ends a call id, and the step read back from an id. */
const ID_HEX = 12;
const STEP_OF_ID = new RegExp(`^call_([a-z0-9_]+?)_[0-9a-f]{${ID_HEX}}$`);

export interface Step {
  callId: string;
  name: string;
  args: string;
  output?: string;
}

/** The model's own earlier calls in this conversation, by step name (encoded in the call id). */
export class Transcript {
  readonly steps = new Map<string, Step>();
  constructor(conv: Conversation) {
    const byId = new Map<string, Step>();
    for (const it of conv.items) {
      if (it.kind === 'call') {
        const step: Step = { callId: it.callId, name: it.name, args: it.args };
        byId.set(it.callId, step);
        const m = STEP_OF_ID.exec(it.callId);
        if (m) this.steps.set(m[1]!, step);
      } else if (it.kind === 'result') {
        const s = byId.get(it.callId);
        if (s) s.output = it.output;
      }
    }
  }
  has(step: string): boolean {
    return this.steps.has(step);
  }
  get(step: string): Step | undefined {
    return this.steps.get(step);
  }
}

/** An edit that applied: bench's apply_patch answers "Success...", Codex's the same after an exit-code header. */
export const succeeded = (output: string | undefined): boolean => output !== undefined && /(^|\nOutput:\n)Success\b/.test(output);
/** A command's exit code, from bench's ("Exit code: N") or Codex's ("Process exited with code N") tool output. */
export const exitCodeOf = (output: string | undefined): number | null => {
  const m = output ? /^(?:Exit code: |Process exited with code )(-?\d+)/m.exec(output) : null;
  return m ? Number(m[1]) : null;
};

export interface Decision {
  items: ReplyItem[];
}

export interface Ctx {
  conv: Conversation;
  oracle: SimOracle;
  profile: SimProfile;
  seed: number;
  tr: Transcript;
  role: RoleKind;
  /** Key prefix of this conversation's draws: the decisions a solo agent and a worker share are paired. */
  key: Array<string | number>;
  /** The first user message: what this agent was asked. */
  ask: string;
}

/**
 * A tool call. Its id names the step (the transcript reads it back) and is unique in the conversation:
 * it hashes what this conversation was asked and how many answers it has given, so the same step taken
 * in another conversation of the role (a second review round) or again in this one gets an id of its own.
 */
export function call(ctx: Ctx, step: string, name: string, args: unknown): Decision {
  const taken = new Set(ctx.conv.items.flatMap((it) => (it.kind === 'call' ? [it.callId] : [])));
  const turn = ctx.conv.items.filter((it) => it.kind === 'call' || (it.kind === 'message' && it.role === 'assistant')).length;
  let callId = '';
  for (let n = 0; !callId || taken.has(callId); n++) {
    const hash = Math.floor(draw(...ctx.key, ctx.role, 'id', step, ctx.ask, turn, n) * 2 ** 48);
    callId = `call_${step}_${hash.toString(16).padStart(ID_HEX, '0')}`;
  }
  const tool = ctx.conv.tools.find((t) => t.name === name);
  const freeform = tool?.freeform;
  const text = freeform && typeof args === 'object' && args && 'input' in args ? String((args as { input: string }).input) : JSON.stringify(args);
  return { items: [{ kind: 'call', callId, name, args: text, freeform, ...(tool?.namespace ? { namespace: tool.namespace } : {}) }] };
}

export function say(text: string): Decision {
  return { items: [{ kind: 'message', text }] };
}

export function hasTool(ctx: Ctx, name: string): boolean {
  return ctx.conv.tools.some((t) => t.name === name);
}

export const EXEC_HEADER =
  /^(?:Chunk ID: .*\n)?(?:Wall time: .*\n)?(?:Exit code: |Process exited with code )(-?\d+)\n(?:Wall time: .*\n)?(?:Original token count: .*\n)?Output:\n/;

/** The current text of a file from a read_file result or a `cat` through exec_command (null when the read failed). */
export function contentOf(output: string | undefined): string | null {
  if (output === undefined || /^(Error|Denied|Command blocked|Not approved)\b/.test(output)) return null;
  const exec = EXEC_HEADER.exec(output);
  if (exec) return exec[1] === '0' ? output.slice(exec[0].length) : null;
  return output;
}

/** A value for a JSON Schema built from known facts, filling what is required with plain defaults. */
export function fillSchema(schema: Record<string, unknown>, facts: Record<string, unknown>): unknown {
  const type = schema.type;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    const props = (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {};
    for (const [k, sub] of Object.entries(props)) {
      if (k in facts) {
        const v = facts[k];
        out[k] =
          Array.isArray(v) && sub.items && typeof v[0] === 'object'
            ? v.map((x) => fillSchema(sub.items as Record<string, unknown>, x as Record<string, unknown>))
            : v;
        if (Array.isArray(sub.enum) && !sub.enum.includes(v)) out[k] = sub.enum[0];
      } else out[k] = fillSchema(sub, {});
    }
    return out;
  }
  if (type === 'array') return [];
  if (type === 'string') return '';
  if (type === 'number' || type === 'integer') return 0;
  if (type === 'boolean') return false;
  if (Array.isArray(type)) return type.includes('null') ? null : fillSchema({ type: type[0] }, facts);
  if (Array.isArray(schema.anyOf)) return fillSchema(schema.anyOf[0] as Record<string, unknown>, facts);
  return null;
}

export function answer(ctx: Ctx, facts: Record<string, unknown>, text: string): Decision {
  return say(ctx.conv.outputSchema ? JSON.stringify(fillSchema(ctx.conv.outputSchema, facts)) : text);
}

export interface Delegate {
  name: string;
  /** bench's agents-as-tools, or Codex's spawn_agent / wait_agent / close_agent. */
  via: 'tool' | 'codex';
}

/** What a description says a role does, per step of the work: each phrase found adds one to the role's fit. */
const STEP_PHRASES: Record<'explorer' | 'worker' | 'reviewer', { says: RegExp[]; not?: RegExp }> = {
  explorer: { says: [/explor/, /investigat/, /research/, /finds? (where|the files|the code)/, /locat/, /plan/] },
  worker: {
    says: [/implement/, /edits?|editing/, /writ(e|es|ing)/, /makes? the change/, /changes? the code/, /fix(es)?/],
    not: /read-only|never edits?|cannot edit|does not edit/,
  },
  reviewer: { says: [/review/, /verdict/, /verif/, /audit/, /checks? (it|the|against)/] },
};

/** How well a description fits a step: phrases that say the step, 0 when it says it cannot do it. */
function fit(step: keyof typeof STEP_PHRASES, description: string): number {
  const d = description.toLowerCase();
  const { says, not } = STEP_PHRASES[step];
  return not?.test(d) ? 0 : says.filter((r) => r.test(d)).length;
}

export interface Team {
  explorer?: Delegate;
  worker?: Delegate;
  reviewer?: Delegate;
  /** Every role that fits implementing best (more than one when descriptions tie): a coordinator told to work in parallel asks them all. */
  workers: Delegate[];
}

/**
 * The roles a coordinator hands each step to: its agent tools (bench), or the roles Codex can spawn.
 * As a model routes by description, the role whose description says the step best gets it; when
 * descriptions tie (vague or overlapping ones), a draw of the seed picks among them, so overlapping
 * descriptions mis-route now and then, silently, as they do with a real model. Only when no description
 * speaks of a step do the names decide.
 */
export function teamOf(ctx: Ctx): Team {
  const tools = delegateTools(ctx.conv);
  const codex = !tools.length && hasTool(ctx, 'spawn_agent');
  const candidates = codex ? codexRoles(ctx.conv) : tools;
  const via = codex ? 'codex' : 'tool';
  const best = (step: keyof typeof STEP_PHRASES): Array<{ name: string }> => {
    const scored = candidates.map((t) => ({ t, n: fit(step, t.description) }));
    const top = Math.max(0, ...scored.map((x) => x.n));
    return top > 0 ? scored.filter((x) => x.n === top).map((x) => x.t) : [];
  };
  const byName = (name: RegExp) => candidates.find((t) => name.test(t.name.toLowerCase()));
  const pick = (step: keyof typeof STEP_PHRASES, name: RegExp): Delegate | undefined => {
    const tied = best(step);
    const found = tied.length ? tied[Math.floor(draw(...ctx.key, 'route', step) * tied.length)]! : byName(name);
    return found && { name: found.name, via };
  };
  const worker = pick('worker', /work|implement|coder|engineer|dev/);
  const tiedWorkers = best('worker');
  return {
    explorer: pick('explorer', /explor|scout|research/),
    worker,
    reviewer: pick('reviewer', /review|critic|check/),
    workers: tiedWorkers.length ? tiedWorkers.map((t) => ({ name: t.name, via })) : worker ? [worker] : [],
  };
}

/**
 * Asks a role and, once it has answered, hands back its answer. Through bench an agent is a tool: one
 * call. Through Codex it is spawned, waited for (again while the wait times out) and closed, so it does
 * not hold one of the session's threads.
 */
export function delegate(ctx: Ctx, step: string, to: Delegate, input: string): { next: Decision } | { output: string } {
  const { tr } = ctx;
  if (to.via === 'tool') return tr.has(step) ? { output: tr.get(step)!.output ?? '' } : { next: call(ctx, step, to.name, { input }) };
  const spawned = tr.get(step);
  if (!spawned) return { next: call(ctx, step, 'spawn_agent', { agent_type: to.name, message: input }) };
  let id: string | undefined;
  try {
    id = (JSON.parse(spawned.output ?? '') as { agent_id?: string }).agent_id;
  } catch {
    // not spawned (a thread limit, an unknown role): its message is the answer
  }
  if (!id) return { output: spawned.output ?? '' };
  let answer: string | null = null;
  for (let k = 1; k <= 5 && answer === null; k++) {
    const wait = tr.get(`${step}_wait${k}`);
    if (!wait) return { next: call(ctx, `${step}_wait${k}`, 'wait_agent', { targets: [id], timeout_ms: 3_600_000 }) };
    try {
      const states = (JSON.parse(wait.output ?? '') as { status?: Record<string, Record<string, unknown>> }).status?.[id] ?? {};
      const [state, message] = Object.entries(states)[0] ?? [];
      if (state) answer = typeof message === 'string' ? message : `the ${to.name} ended ${state}`;
    } catch {
      answer = wait.output ?? '';
    }
  }
  if (!tr.has(`${step}_close`)) return { next: call(ctx, `${step}_close`, 'close_agent', { target: id }) };
  return { output: answer ?? `the ${to.name} did not answer` };
}
