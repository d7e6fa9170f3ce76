// The sdk engine: builds @openai/agents agents from a workflow and runs the task through them.
//   single       one agent does everything
//   description  the entry role (orchestrator) gets the other roles as tools (agent.asTool()); the
//                model chooses by their descriptions; max_depth bounds nesting, max_threads parallel calls
//   graph        explicit edges, run in code (e.g. explorer -> worker -> reviewer -> worker on rejection)
// Session hooks fire around it: SessionStart, UserPromptSubmit, SubagentStart/Stop around role calls,
// Stop at the end (a block continues the entry agent with the hook's reason, a bounded number of times).
import { randomBytes } from 'node:crypto';
import { Agent, MaxTurnsExceededError, Runner, type FunctionTool } from '@openai/agents';
import { clip } from '../../record/events.ts';
import type { Role, Workflow } from '../../workflow/types.ts';
import type { EngineInput, EngineResult } from '../types.ts';
import { runWithApprovals } from './approvals.ts';
import { workspaceTools } from './tools.ts';
import { traceRouter } from './tracing.ts';

const COMMAND_TIMEOUT_MS = 10 * 60_000;
const MAX_STOP_CONTINUATIONS = 2;

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Errors from talking to the model service (after the client's own retries) are infrastructure. */
function isModelServiceError(err: unknown): boolean {
  const name = (err as { constructor?: { name?: string } })?.constructor?.name ?? '';
  return /APIError|APIConnection|RateLimit|InternalServer|Timeout/.test(name) || /ECONNREFUSED|ECONNRESET|socket hang up/.test(String((err as Error)?.message));
}

function asText(out: unknown): string | null {
  return out === undefined || out === null ? null : typeof out === 'string' ? out : JSON.stringify(out);
}

function parsed(out: unknown): Record<string, unknown> | null {
  if (out && typeof out === 'object') return out as Record<string, unknown>;
  if (typeof out === 'string') {
    try {
      const v = JSON.parse(out);
      return v && typeof v === 'object' ? v : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** A role's instructions, with the skills it may use listed for it to read when relevant. */
function instructionsOf(role: Role): string {
  if (!role.skills.length) return role.instructions;
  const list = role.skills.map((s) => `- ${s.name}: ${s.description} (read ${s.path})`).join('\n');
  return `${role.instructions}\n\nSkills you can use (read the SKILL.md file before relying on one):\n${list}`;
}

class Session {
  readonly input: EngineInput;
  readonly wf: Workflow;
  readonly runner: Runner;
  private active = 0;
  private readonly started = new Set<string>();
  /** Final outputs of role runs, in order (the last review decides acceptance). */
  readonly outputs: Array<{ role: string; output: Record<string, unknown> | null; text: string | null }> = [];

  constructor(input: EngineInput, runner: Runner) {
    this.input = input;
    this.wf = input.workflow;
    this.runner = runner;
  }

  role(name: string): Role {
    const r = this.wf.roles.find((x) => x.name === name);
    if (!r) throw new Error(`workflow ${this.wf.name} has no role ${name}`);
    return r;
  }

  /** The agent for a role at a nesting depth: its tools, and the roles it may call while depth allows. */
  agent(role: Role, depth: number): Agent<any, any> {
    const { model } = this.input.modelFor(role);
    const tools: FunctionTool<any, any, any>[] = workspaceTools(role.tools, { role: role.name, plane: this.input.plane, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    if (this.wf.routing === 'description' && depth < this.wf.limits.maxDepth) {
      for (const other of this.wf.roles) if (other.name !== this.wf.entry && other.name !== role.name) tools.push(this.roleTool(other, depth + 1));
    }
    return new Agent({
      name: role.name,
      instructions: instructionsOf(role),
      handoffDescription: role.description,
      model,
      modelSettings: role.reasoningEffort ? { reasoning: { effort: role.reasoningEffort as 'low' } } : {},
      tools,
      ...(this.outputOf(role) ? { outputType: { type: 'json_schema' as const, strict: true, ...this.outputOf(role)! } as never } : {}),
    });
  }

  /** The answer a role must give: the task's (triage) for the entry role, else the role's own output schema. */
  private outputOf(role: Role): { name: string; schema: Record<string, unknown> } | null {
    if (role.name === this.wf.entry && this.input.answerSchema) return this.input.answerSchema;
    return role.output ? { name: role.output.kind, schema: role.output.schema } : null;
  }

  private agentId(role: string, callId: string): string {
    return `${role}-${callId}`;
  }

  /** A role as a tool of its caller (agent.asTool), with thread limits and SubagentStart/Stop hooks. */
  private roleTool(role: Role, depth: number): FunctionTool<any, any, any> {
    const hooks = this.input.hooks;
    const ev = this.input.events;
    const tool = this.agent(role, depth).asTool({
      toolName: role.name.replace(/[^A-Za-z0-9_-]/g, '_'),
      toolDescription: role.description,
      runOptions: { maxTurns: this.wf.limits.maxTurns },
      customOutputExtractor: async (result) => {
        const out = result.finalOutput;
        const text = asText(out);
        this.outputs.push({ role: role.name, output: parsed(out), text });
        ev.emit('role_output', { role: role.name, output: parsed(out) ?? clip(text ?? '', 2000) });
        let reply = text ?? '';
        if (hooks?.has('SubagentStop')) {
          const callId = result.agentToolInvocation?.toolCallId ?? '';
          const h = await hooks.fire(
            'SubagentStop',
            {
              model: role.model ?? '',
              permission_mode: 'default',
              turn_id: callId,
              agent_id: this.agentId(role.name, callId),
              agent_type: role.name,
              agent_transcript_path: null,
              last_assistant_message: text,
              stop_hook_active: false,
            },
            role.name,
            { role: role.name },
          );
          if (h.blocked && h.reason) reply += `\n\nSubagentStop hook: ${h.reason}`;
        }
        return reply;
      },
    });
    const inner = tool.invoke.bind(tool);
    tool.invoke = async (ctx, rawInput, details) => {
      const callId = details?.toolCall?.callId ?? '';
      const first = !this.started.has(callId);
      if (first) {
        if (this.active >= this.wf.limits.maxThreads) {
          ev.emit('subagent', { role: role.name, call_id: callId, state: 'refused', reason: `max_threads = ${this.wf.limits.maxThreads}` });
          return `Error: agent thread limit reached (max_threads = ${this.wf.limits.maxThreads}); wait for a running role to finish.`;
        }
        this.started.add(callId);
        ev.emit('subagent', { role: role.name, call_id: callId, state: 'start', depth, input: clip(String(rawInput), 1000) });
        if (hooks?.has('SubagentStart'))
          await hooks.fire(
            'SubagentStart',
            { model: role.model ?? '', permission_mode: 'default', turn_id: callId, agent_id: this.agentId(role.name, callId), agent_type: role.name },
            role.name,
            { role: role.name },
          );
      }
      this.active++;
      try {
        return await inner(ctx, rawInput, details);
      } finally {
        this.active--;
        ev.emit('subagent', { role: role.name, call_id: callId, state: 'end' });
      }
    };
    return tool as FunctionTool<any, any, any>;
  }

  /** Runs an agent to completion, answering approvals, and continuing while a Stop hook blocks. */
  async runEntry(agent: Agent<any, any>, prompt: string): Promise<unknown> {
    const opts = { maxTurns: this.wf.limits.maxTurns, signal: this.input.signal };
    let result = await runWithApprovals(this.runner, agent, prompt, opts, this.input.plane);
    const hooks = this.input.hooks;
    for (let n = 0; hooks?.has('Stop') && n <= MAX_STOP_CONTINUATIONS; n++) {
      const h = await hooks.fire(
        'Stop',
        { model: '', permission_mode: 'default', turn_id: `stop-${n}`, last_assistant_message: asText(result.finalOutput), stop_hook_active: n > 0 },
        undefined,
        { role: agent.name },
      );
      if (!h.blocked || !h.reason || n === MAX_STOP_CONTINUATIONS) break;
      this.input.events.emit('continue', { role: agent.name, reason: clip(h.reason, 500) });
      result = await runWithApprovals(this.runner, agent, [...result.history, { role: 'user', content: h.reason }], opts, this.input.plane);
    }
    return result.finalOutput;
  }

  /** Graph routing: node after node along the edges whose condition the node's output meets. */
  async runGraph(prompt: string): Promise<unknown> {
    const graph = this.wf.graph!;
    const visits = new Map<string, number>();
    const hooks = this.input.hooks;
    const ev = this.input.events;
    let node: string | undefined = graph.start;
    let last: unknown = null;
    while (node) {
      const n = (visits.get(node) ?? 0) + 1;
      if (n > this.wf.limits.maxRounds) {
        ev.emit('graph', { role: node, state: 'bounded', reason: `max_rounds = ${this.wf.limits.maxRounds}` });
        break;
      }
      visits.set(node, n);
      const role = this.role(node);
      const context = this.outputs.map((o) => `${o.role} reported:\n${o.text ?? ''}`).join('\n\n');
      const input = context ? `${prompt}\n\n---\nWhat the other roles reported so far:\n\n${context}` : prompt;
      const callId = `graph-${node}-${n}`;
      ev.emit('subagent', { role: node, call_id: callId, state: 'start', depth: 1 });
      if (hooks?.has('SubagentStart'))
        await hooks.fire(
          'SubagentStart',
          { model: role.model ?? '', permission_mode: 'default', turn_id: callId, agent_id: this.agentId(node, callId), agent_type: node },
          node,
          { role: node },
        );
      const result = await runWithApprovals(
        this.runner,
        this.agent(role, 1),
        input,
        { maxTurns: this.wf.limits.maxTurns, signal: this.input.signal },
        this.input.plane,
      );
      last = result.finalOutput;
      const out = parsed(last);
      this.outputs.push({ role: node, output: out, text: asText(last) });
      ev.emit('role_output', { role: node, output: out ?? clip(asText(last) ?? '', 2000) });
      if (hooks?.has('SubagentStop'))
        await hooks.fire(
          'SubagentStop',
          {
            model: role.model ?? '',
            permission_mode: 'default',
            turn_id: callId,
            agent_id: this.agentId(node, callId),
            agent_type: node,
            agent_transcript_path: null,
            last_assistant_message: asText(last),
            stop_hook_active: false,
          },
          node,
          { role: node },
        );
      ev.emit('subagent', { role: node, call_id: callId, state: 'end' });
      const verdict = out?.verdict;
      const edge = graph.edges.find(
        (e) =>
          e.from === node &&
          (e.when === 'always' || (e.when === 'approved' && verdict === 'approve') || (e.when === 'changes_requested' && verdict === 'request_changes')),
      );
      node = edge?.to;
    }
    return last;
  }

  /** Done means: the last review approved; without a review, the entry (or last role) said it is done. */
  accepted(final: unknown): boolean {
    const review = [...this.outputs].reverse().find((o) => o.output && 'verdict' in o.output);
    if (review) return review.output!.verdict === 'approve';
    const out = parsed(final);
    if (out && 'status' in out) return out.status === 'done';
    const text = asText(final);
    return text !== null && text.trim() !== '';
  }
}

export async function runSdkEngine(input: EngineInput): Promise<EngineResult> {
  const { workflow, events, hooks } = input;
  const traceId = `trace_${randomBytes(16).toString('hex')}`;
  const unregister = traceRouter().register(traceId, events);
  const runner = new Runner({ workflowName: `bench ${workflow.name}`, traceId, groupId: input.trialId, traceIncludeSensitiveData: false });
  const session = new Session(input, runner);
  const entry = session.role(workflow.entry);
  events.emit('agent', { role: entry.name, state: 'start', routing: workflow.routing });
  try {
    let prompt = input.prompt;
    if (hooks?.has('SessionStart')) {
      const h = await hooks.fire('SessionStart', { model: entry.model ?? '', permission_mode: 'default', source: 'startup' }, 'startup', { role: entry.name });
      if (h.additionalContext.length) prompt += `\n\n${h.additionalContext.join('\n')}`;
    }
    if (hooks?.has('UserPromptSubmit')) {
      const h = await hooks.fire('UserPromptSubmit', { model: entry.model ?? '', permission_mode: 'default', turn_id: 'prompt', prompt }, undefined, {
        role: entry.name,
      });
      if (h.blocked) {
        events.emit('message', { role: entry.name, text: '' });
        return { stop: 'completed', finalText: null, accepted: false, error: `the prompt was blocked by a UserPromptSubmit hook: ${h.reason}` };
      }
      if (h.additionalContext.length) prompt += `\n\n${h.additionalContext.join('\n')}`;
    }
    const final = workflow.routing === 'graph' ? await session.runGraph(prompt) : await session.runEntry(session.agent(entry, 0), prompt);
    const finalText = asText(final);
    events.emit('message', {
      role: workflow.routing === 'graph' ? (session.outputs.at(-1)?.role ?? entry.name) : entry.name,
      text: clip(finalText ?? '', 4000),
    });
    return { stop: 'completed', finalText, accepted: session.accepted(final) };
  } catch (err) {
    if (input.signal.aborted) return { stop: 'aborted', finalText: null, accepted: false, error: String(input.signal.reason ?? 'aborted') };
    if (err instanceof MaxTurnsExceededError) return { stop: 'max_turns', finalText: null, accepted: false, error: errorText(err) };
    if (isModelServiceError(err)) return { stop: 'model_error', finalText: null, accepted: false, error: errorText(err) };
    return { stop: 'error', finalText: null, accepted: false, error: errorText(err) };
  } finally {
    events.emit('agent', { role: entry.name, state: 'end' });
    unregister();
  }
}
