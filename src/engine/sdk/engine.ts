// The sdk engine: builds @openai/agents agents from a workflow and runs the task through them.
//   single       one agent does everything
//   description  the entry role (orchestrator) gets the other roles as tools (agent.asTool()); the
//                model chooses by their descriptions; max_depth bounds nesting, max_threads parallel calls
//   graph        explicit edges, run in code (e.g. explorer -> worker -> reviewer -> worker on rejection)
// Session hooks fire around it: SessionStart, UserPromptSubmit, SubagentStart/Stop around role calls,
// Stop at the end (a block continues the entry agent with the hook's reason, a bounded number of times).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, MaxTurnsExceededError, Runner, type AgentInputItem, type FunctionTool } from '@openai/agents';
import type { HookAgent } from '../../control/types.ts';
import { countText } from '../../model/tokens.ts';
import { clip } from '../../record/events.ts';
import type { Role, Workflow } from '../../workflow/types.ts';
import { asText, isAccepted, parsedObject as parsed } from '../accepted.ts';
import type { EngineInput, EngineResult } from '../types.ts';
import { runWithApprovals } from './approvals.ts';
import { McpError, McpServers } from './mcp.ts';
import { workspaceTools } from './tools.ts';
import { holdOpenAITraceExport } from './tracing.ts';

const MAX_STOP_CONTINUATIONS = 2;

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Errors from talking to the model service (after the client's own retries) are infrastructure. */
function isModelServiceError(err: unknown): boolean {
  const name = (err as { constructor?: { name?: string } })?.constructor?.name ?? '';
  return /APIError|APIConnection|RateLimit|InternalServer|Timeout/.test(name) || /ECONNREFUSED|ECONNRESET|socket hang up/.test(String((err as Error)?.message));
}

/** A role's instructions, with the skills it may use listed for it to read when relevant. */
function instructionsOf(role: Role): string {
  if (!role.skills.length) return role.instructions;
  const list = role.skills.map((s) => `- ${s.name}: ${s.description} (read ${s.view})`).join('\n');
  return `${role.instructions}\n\nSkills you can use (read the SKILL.md file before relying on one):\n${list}`;
}

/** What a caller handed a role: an agent tool's `input` argument (its call arrives as JSON), else the text itself. */
function handed(raw: string): string {
  try {
    const v = (JSON.parse(raw) as { input?: unknown } | null)?.input;
    return typeof v === 'string' ? v : raw;
  } catch {
    return raw;
  }
}

class Session {
  readonly input: EngineInput;
  readonly wf: Workflow;
  readonly runner: Runner;
  readonly mcp: McpServers;
  private active = 0;
  private readonly started = new Set<string>();
  /** Role calls waiting on an approval of one of their tool calls: not ended yet. */
  private readonly paused = new Set<string>();
  /** The model name each role runs (what hooks see). */
  private readonly models = new Map<string, string>();
  /** The sub-agent whose run the current code belongs to: its tool calls carry it to PreToolUse and other hooks. */
  private readonly current = new AsyncLocalStorage<HookAgent>();
  /** The AGENTS.md text the first role run got: a later one given other text shows the agent changed it. */
  private firstGuidance: string | null | undefined;
  /** Final outputs of role runs, in order (the last review decides acceptance). */
  readonly outputs: Array<{ role: string; output: Record<string, unknown> | null; text: string | null }> = [];

  constructor(input: EngineInput, runner: Runner, mcp: McpServers) {
    this.input = input;
    this.wf = input.workflow;
    this.runner = runner;
    this.mcp = mcp;
  }

  /** The roles that can run: the entry alone in single routing, else every role. */
  reachable(): Role[] {
    return this.wf.routing === 'single' ? [this.role(this.wf.entry)] : this.wf.roles;
  }

  role(name: string): Role {
    const r = this.wf.roles.find((x) => x.name === name);
    if (!r) throw new Error(`workflow ${this.wf.name} has no role ${name}`);
    return r;
  }

  /** The agent for a role at a nesting depth: its tools, and the roles it may call while depth allows. */
  agent(role: Role, depth: number): Agent<any, any> {
    const { model, name } = this.input.modelFor(role);
    this.models.set(role.name, name);
    const tools: FunctionTool<any, any, any>[] = workspaceTools(role.tools, {
      role: role.name,
      plane: this.input.plane,
      agent: () => this.current.getStore() ?? null,
    });
    tools.push(...this.mcp.toolsFor(role.name, () => this.current.getStore() ?? null));
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

  /**
   * What a role run starts from: the repository's AGENTS.md as a user message before its task, as Codex
   * sends it (composed when the run starts, so what an earlier role wrote there reaches it), and an event
   * saying which files it was given.
   */
  guided(role: string, input: string): string | AgentInputItem[] {
    const g = this.input.guidance?.();
    if (!g) return input;
    const changed = this.firstGuidance !== undefined && g.message !== this.firstGuidance;
    this.firstGuidance ??= g.message;
    this.input.events.emit('agents_md', { role, files: g.files, bytes: g.bytes, tokens: g.tokens, refused: g.refused, changed });
    if (!g.message) return input;
    return [
      { role: 'user', content: g.message },
      { role: 'user', content: input },
    ];
  }

  /** The answer a role must give: the task's (triage) for the entry role, else the role's own output schema. */
  private outputOf(role: Role): { name: string; schema: Record<string, unknown> } | null {
    if (role.name === this.wf.entry && this.input.answerSchema) return this.input.answerSchema;
    return role.output ? { name: role.output.kind, schema: role.output.schema } : null;
  }

  /** A sub-agent run as hooks see it: one agent_id per role call, the same in its SubagentStart/Stop and tool hooks. */
  private hookAgent(role: Role, callId: string): HookAgent {
    return { agent_id: `${role.name}-${callId}`, agent_type: role.name, model: this.models.get(role.name) ?? role.model ?? '' };
  }

  /** A role call begins: the subagent event and the SubagentStart hook. */
  private async startRole(agent: HookAgent, callId: string, depth: number, input?: string): Promise<void> {
    this.input.events.emit('subagent', {
      role: agent.agent_type,
      call_id: callId,
      state: 'start',
      depth,
      agent: agent.agent_id,
      // The route records each call's input size (what the caller handed over), before it is clipped for the log.
      ...(input !== undefined ? { input: clip(input, 1000), input_bytes: Buffer.byteLength(handed(input)), input_tokens: countText(handed(input)) } : {}),
    });
    if (this.input.hooks?.has('SubagentStart'))
      await this.input.hooks.fire('SubagentStart', { turn_id: callId, ...agent }, agent.agent_type, { role: agent.agent_type });
  }

  /** A role call answered: its output is kept and logged, and the SubagentStop hook runs; returns the hook's block reason. */
  private async finishRole(agent: HookAgent, callId: string, out: unknown): Promise<string | null> {
    const role = agent.agent_type;
    const text = asText(out);
    const output = parsed(out);
    this.outputs.push({ role, output, text });
    this.input.events.emit('role_output', { role, output: output ?? clip(text ?? '', 2000) });
    if (!this.input.hooks?.has('SubagentStop')) return null;
    const h = await this.input.hooks.fire(
      'SubagentStop',
      { turn_id: callId, ...agent, agent_transcript_path: null, last_assistant_message: text, stop_hook_active: false },
      role,
      { role },
    );
    return h.blocked ? h.reason : null;
  }

  /** A role as a tool of its caller (agent.asTool), with thread limits and SubagentStart/Stop hooks. */
  private roleTool(role: Role, depth: number): FunctionTool<any, any, any> {
    const ev = this.input.events;
    const paused = this.paused;
    const tool = this.agent(role, depth).asTool({
      toolName: role.name.replace(/[^A-Za-z0-9_-]/g, '_'),
      toolDescription: role.description,
      runOptions: { maxTurns: this.wf.limits.maxTurns },
      inputBuilder: ({ params }) => this.guided(role.name, params.input),
      customOutputExtractor: async (result) => {
        const callId = result.agentToolInvocation?.toolCallId ?? '';
        // A role run stopped for an approval (it bubbles up to the top run) has not answered yet: it
        // resumes once the approval is decided, and ends then.
        if (result.interruptions?.length) {
          paused.add(callId);
          return '';
        }
        const blocked = await this.finishRole(this.hookAgent(role, callId), callId, result.finalOutput);
        const reply = asText(result.finalOutput) ?? '';
        return blocked ? `${reply}\n\nSubagentStop hook: ${blocked}` : reply;
      },
    });
    const inner = tool.invoke.bind(tool);
    tool.invoke = async (ctx, rawInput, details) => {
      const callId = details?.toolCall?.callId ?? '';
      const agent = this.hookAgent(role, callId);
      const first = !this.started.has(callId);
      if (first && this.active >= this.wf.limits.maxThreads) {
        ev.emit('subagent', { role: role.name, call_id: callId, state: 'refused', reason: `max_threads = ${this.wf.limits.maxThreads}` });
        return `Error: agent thread limit reached (max_threads = ${this.wf.limits.maxThreads}); wait for a running role to finish.`;
      }
      this.active++; // before any await: a parallel call must see this one running
      try {
        if (first) {
          this.started.add(callId);
          await this.startRole(agent, callId, depth, String(rawInput));
        }
        // A role run waits on its own model: beside another role's, the trial's clock counts the longer wait.
        return await this.input.events.clock.fork(() => this.current.run(agent, () => inner(ctx, rawInput, details)));
      } finally {
        this.active--;
        if (!paused.delete(callId)) ev.emit('subagent', { role: role.name, call_id: callId, state: 'end' });
      }
    };
    return tool as FunctionTool<any, any, any>;
  }

  /** Runs an agent to completion, answering approvals, and continuing while a Stop hook blocks. */
  async runEntry(agent: Agent<any, any>, prompt: string): Promise<unknown> {
    const opts = { maxTurns: this.wf.limits.maxTurns, signal: this.input.signal };
    let result = await runWithApprovals(this.runner, agent, this.guided(agent.name, prompt), opts, this.input.plane);
    const hooks = this.input.hooks;
    for (let n = 0; hooks?.has('Stop') && n <= MAX_STOP_CONTINUATIONS; n++) {
      const h = await hooks.fire('Stop', { turn_id: `stop-${n}`, last_assistant_message: asText(result.finalOutput), stop_hook_active: n > 0 }, undefined, {
        role: agent.name,
      });
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
      const agent = this.agent(role, 1);
      const who = this.hookAgent(role, callId);
      await this.startRole(who, callId, 1, input);
      const result = await this.current.run(who, () =>
        runWithApprovals(this.runner, agent, this.guided(role.name, input), { maxTurns: this.wf.limits.maxTurns, signal: this.input.signal }, this.input.plane),
      );
      last = result.finalOutput;
      await this.finishRole(who, callId, last); // a SubagentStop block has no one to continue in a graph
      ev.emit('subagent', { role: node, call_id: callId, state: 'end' });
      const out = parsed(last);
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
}

export async function runSdkEngine(input: EngineInput): Promise<EngineResult> {
  const { workflow, events, hooks } = input;
  const traceId = `trace_${randomBytes(16).toString('hex')}`;
  // bench never sends its traces to OpenAI by itself, router or not (see tracing.ts).
  holdOpenAITraceExport(process.env);
  const unregister = input.traces?.register(traceId, events) ?? (() => {});
  const runner = new Runner({ workflowName: `bench ${workflow.name}`, traceId, groupId: input.trialId, traceIncludeSensitiveData: false });
  const mcp = new McpServers({
    plane: input.plane,
    events,
    ctx: input.mcp ?? { env: {}, reveal: [], logDir: join(tmpdir(), `bench-mcp-${input.trialId}`), hostEnv: process.env },
    signal: input.signal,
  });
  const session = new Session(input, runner, mcp);
  const entry = session.role(workflow.entry);
  events.emit('agent', { role: entry.name, state: 'start', routing: workflow.routing });
  try {
    await mcp.start(session.reachable());
    let prompt = input.prompt;
    if (hooks?.has('SessionStart')) {
      const h = await hooks.fire('SessionStart', { source: 'startup' }, 'startup', { role: entry.name });
      if (h.additionalContext.length) prompt += `\n\n${h.additionalContext.join('\n')}`;
    }
    if (hooks?.has('UserPromptSubmit')) {
      const h = await hooks.fire('UserPromptSubmit', { turn_id: 'prompt', prompt }, undefined, { role: entry.name });
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
    // A server that died mid-trial took tools the roles relied on: the trial measured a broken setup.
    if (mcp.failures.length) return { stop: 'error', finalText, accepted: false, error: mcp.failures.join(' ') };
    return {
      stop: 'completed',
      finalText,
      accepted: isAccepted(
        session.outputs.map((o) => o.output),
        final,
      ),
    };
  } catch (err) {
    if (err instanceof McpError) return { stop: 'error', finalText: null, accepted: false, error: err.message };
    if (input.signal.aborted) return { stop: 'aborted', finalText: null, accepted: false, error: String(input.signal.reason ?? 'aborted') };
    if (err instanceof MaxTurnsExceededError) return { stop: 'max_turns', finalText: null, accepted: false, error: errorText(err) };
    if (isModelServiceError(err)) return { stop: 'model_error', finalText: null, accepted: false, error: errorText(err) };
    return { stop: 'error', finalText: null, accepted: false, error: errorText(err) };
  } finally {
    await mcp.close();
    events.emit('agent', { role: entry.name, state: 'end' });
    unregister();
  }
}
