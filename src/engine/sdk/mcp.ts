// The MCP servers of a trial's roles, started with the Agents SDK's MCP support (MCPServerStdio,
// MCPServerStreamableHttp) and offered to the role's agent under Codex's names (mcp__<server>__<tool>).
// The servers are not handed to the Agent (its own MCP path would call them directly): each tool
// becomes a function tool whose calls pass the control plane like any other, so hooks match the Codex
// name, a tool that may change something asks for approval, and every call, denial and result is an event.
//
// Each role gets its own instance of each of its servers (roles differ in sandbox and network). A stdio
// server runs under its role's OS sandbox unless the workflow says otherwise, with stderr kept in a file
// for the error message. Starting (connect + list tools) has the server's startup_timeout_sec, each call
// its tool_timeout_sec; a server that cannot start, lists an invalid tool, or dies during the trial is an
// infrastructure failure of the trial, said in words. close() stops them all.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getLogger, MCPServerStdio, MCPServerStreamableHttp, tool, type FunctionTool, type MCPServer } from '@openai/agents';
import type { ControlPlane } from '../../control/plane.ts';
import type { HookAgent } from '../../control/types.ts';
import type { EventLog } from '../../record/events.ts';
import { clip } from '../../record/events.ts';
import { mcpToolName, type McpServerSpec, type Role } from '../../workflow/types.ts';

/** What every MCP server of a trial gets from bench besides its config: the trial's data (e.g. BENCH_ISSUES_FILE), shown read-only. */
export interface McpTrialContext {
  env: Record<string, string>;
  /** Files or folders a sandboxed server may read (the data named in `env`, the plugin folder). */
  reveal: string[];
  /** A folder of the trial's scratch space for the servers' stderr logs. */
  logDir: string;
  /** Variables of bench's environment (a server sees only those its config names in env_vars or bearer_token_env_var). */
  hostEnv: NodeJS.ProcessEnv;
}

interface ListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean };
}

interface Running {
  role: string;
  spec: McpServerSpec;
  server: MCPServer;
  tools: ListedTool[];
  stderrFile: string | null;
  /** Set once a call found the server gone: its later calls fail at once. */
  dead: string | null;
}

/** The SDK logs a failed start to the console; bench records it as an event and says it in the trial's error instead. */
const QUIET: ReturnType<typeof getLogger> = {
  namespace: 'bench:mcp',
  debug: () => {},
  error: () => {},
  warn: () => {},
  dontLogModelData: true,
  dontLogToolData: true,
};

/** The tool is side-effecting unless its annotations say read-only; destructive overrides. */
export function isSideEffecting(t: ListedTool): boolean {
  return t.annotations?.readOnlyHint !== true || t.annotations?.destructiveHint === true;
}

/** An error naming the server, its role and where it is defined, with the tail of its stderr when there is one. */
export class McpError extends Error {}

function tailOf(file: string | null): string {
  if (!file || !existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trim();
  return text ? ` Its stderr ended with: ${clip(text.slice(-600), 600)}` : '';
}

/** What went wrong at startup, in words: the client's messages say little on their own. */
function startupProblem(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/^Connection closed/i.test(msg)) return 'the server exited (or closed its output) before it answered';
  if (/Invalid result for tools\/list/i.test(msg))
    return `it lists tools that break the MCP schema (each needs a name and an inputSchema of type "object"): ${clip(msg.replace(/\s+/g, ' '), 300)}`;
  return msg;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new McpError(`${what} took longer than ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The tools a server lists, filtered by enabled_tools / disabled_tools, each checked to have an object input schema. */
function offered(spec: McpServerSpec, tools: ListedTool[]): ListedTool[] {
  for (const t of tools) {
    const s = t.inputSchema;
    if (!s || typeof s !== 'object' || s.type !== 'object')
      throw new McpError(`tool ${JSON.stringify(t.name)} has an invalid input schema (an MCP tool's inputSchema must be a JSON Schema of type "object")`);
  }
  const names = new Set(tools.map((t) => t.name));
  for (const n of [...(spec.enabledTools ?? []), ...spec.disabledTools])
    if (!names.has(n))
      throw new McpError(`enabled_tools/disabled_tools name ${JSON.stringify(n)}, which the server does not offer (it offers: ${[...names].join(', ')})`);
  return tools.filter((t) => (!spec.enabledTools || spec.enabledTools.includes(t.name)) && !spec.disabledTools.includes(t.name));
}

/** The text a tool result gives the model: its text parts (others described), marked as an error when it is one. */
function resultText(r: { content?: unknown; isError?: boolean; structuredContent?: unknown }): string {
  const parts = Array.isArray(r.content) ? (r.content as Array<{ type?: string; text?: string }>) : [];
  let text = parts.map((p) => (p.type === 'text' ? (p.text ?? '') : `[${p.type ?? 'content'}]`)).join('\n');
  if (!text && r.structuredContent !== undefined) text = JSON.stringify(r.structuredContent);
  return r.isError ? `Error: ${text}` : text;
}

export class McpServers {
  private readonly running: Running[] = [];
  /** Servers that died during the trial: the trial's result is an infrastructure error. */
  readonly failures: string[] = [];
  private readonly plane: ControlPlane;
  private readonly events: EventLog;
  private readonly ctx: McpTrialContext;
  private readonly signal: AbortSignal;

  constructor(opts: { plane: ControlPlane; events: EventLog; ctx: McpTrialContext; signal: AbortSignal }) {
    this.plane = opts.plane;
    this.events = opts.events;
    this.ctx = opts.ctx;
    this.signal = opts.signal;
  }

  /** Starts every server of these roles, all at once; the first that fails stops the others and throws an McpError. */
  async start(roles: Role[]): Promise<void> {
    const jobs = roles.flatMap((r) => (r.mcpServers ?? []).map((s) => this.startOne(r, s)));
    const results = await Promise.allSettled(jobs);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.close();
      throw failed.reason;
    }
  }

  private async startOne(role: Role, spec: McpServerSpec): Promise<void> {
    const what = `MCP server ${spec.name} of role ${role.name} (${spec.source})`;
    const ev = { role: role.name, server: spec.name, transport: spec.transport };
    const t0 = performance.now();
    let server: MCPServer;
    let stderrFile: string | null = null;
    const common = {
      name: spec.name,
      cacheToolsList: true,
      clientSessionTimeoutSeconds: spec.startupTimeoutSec,
      timeout: spec.toolTimeoutSec * 1000,
      // A failure comes back to bench (recorded, then told to the model), never silently as text from the SDK.
      errorFunction: null,
      logger: QUIET,
    };
    const env: Record<string, string> = { ...spec.env, ...this.ctx.env };
    for (const name of spec.envVars) if (typeof this.ctx.hostEnv[name] === 'string') env[name] = this.ctx.hostEnv[name]!;
    if (spec.transport === 'stdio') {
      mkdirSync(this.ctx.logDir, { recursive: true });
      stderrFile = join(this.ctx.logDir, `${role.name}-${spec.name}.stderr`);
      const launch = this.plane.serverLaunch(role.name, [spec.command!, ...spec.args], {
        ...(spec.cwd ? { cwd: spec.cwd } : {}),
        reveal: this.ctx.reveal,
        sandbox: spec.sandbox,
        network: spec.network,
        env,
        stderrFile,
      });
      server = new MCPServerStdio({ ...common, command: launch.command, args: launch.args, env: launch.env, cwd: launch.cwd });
    } else {
      const headers: Record<string, string> = { ...spec.httpHeaders };
      const token = spec.bearerTokenEnvVar ? this.ctx.hostEnv[spec.bearerTokenEnvVar] : undefined;
      if (spec.bearerTokenEnvVar && !token) {
        const message = `${what} could not start: bearer_token_env_var names ${spec.bearerTokenEnvVar}, which is not set in bench's environment`;
        this.events.emit('mcp', { ...ev, state: 'failed', ms: 0, error: message });
        throw new McpError(message);
      }
      if (token) headers.Authorization = `Bearer ${token}`;
      server = new MCPServerStreamableHttp({ ...common, url: spec.url!, requestInit: { headers } });
    }
    const entry: Running = { role: role.name, spec, server, tools: [], stderrFile, dead: null };
    this.running.push(entry);
    try {
      const startup = (async () => {
        await server.connect();
        return (await server.listTools()) as unknown as ListedTool[];
      })();
      startup.catch(() => {}); // a late rejection after the timeout is not unhandled
      entry.tools = offered(spec, await withTimeout(startup, spec.startupTimeoutSec * 1000, 'starting it (connect and list tools)'));
    } catch (err) {
      this.running.splice(this.running.indexOf(entry), 1);
      await withTimeout(server.close(), 5000, 'closing it').catch(() => {});
      const message = `${what} could not start: ${startupProblem(err)}.${tailOf(stderrFile)}`;
      this.events.emit('mcp', { ...ev, state: 'failed', ms: Math.round(performance.now() - t0), error: clip(message, 1000) });
      throw new McpError(message);
    }
    this.events.emit('mcp', {
      ...ev,
      state: 'started',
      ms: Math.round(performance.now() - t0),
      tools: entry.tools.map((t) => ({ name: mcpToolName(spec.name, t.name), side_effect: isSideEffecting(t) })),
    });
  }

  /** The function tools of a role's servers, each call through the plane. */
  toolsFor(role: string, agent: () => HookAgent | null): FunctionTool<any, any, any>[] {
    const out: FunctionTool<any, any, any>[] = [];
    for (const entry of this.running.filter((r) => r.role === role)) {
      for (const t of entry.tools) out.push(this.functionTool(entry, t, agent));
    }
    return out;
  }

  private functionTool(entry: Running, t: ListedTool, agentOf: () => HookAgent | null): FunctionTool<any, any, any> {
    const name = mcpToolName(entry.spec.name, t.name);
    const sideEffect = isSideEffecting(t);
    const toCall = (input: unknown, callId: string | undefined) => {
      const agent = agentOf();
      return {
        callId: callId ?? `call_${Math.random().toString(36).slice(2, 10)}`,
        role: entry.role,
        tool: name,
        input: (input && typeof input === 'object' ? input : {}) as Record<string, unknown>,
        mcp: { server: entry.spec.name, tool: t.name, sideEffect },
        ...(agent ? { agent } : {}),
      };
    };
    return tool({
      name,
      description: t.description ?? `${t.name} (MCP server ${entry.spec.name})`,
      parameters: { additionalProperties: true, required: [], properties: {}, ...t.inputSchema, type: 'object' } as never,
      strict: false,
      needsApproval: async (_ctx, input, callId) => this.plane.needsApproval(toCall(input, callId)),
      execute: async (input, _ctx, details) =>
        this.plane.run(toCall(input, details?.toolCall?.callId), async (call) => {
          if (entry.dead) return { text: `Error: ${entry.dead}`, event: { error: true } };
          try {
            const r = await entry.server.callToolResult!(t.name, call.input, null, { signal: this.signal });
            const text = resultText(r as never);
            return { text, ...(r.isError ? { event: { error: true } } : {}) };
          } catch (err) {
            const msg = err instanceof Error ? err.message : String(err);
            // A timeout is the call's failure; anything else on the wire means the server is gone.
            if (/timed out|timeout/i.test(msg)) return { text: `Error: ${name} did not answer within ${entry.spec.toolTimeoutSec} s`, event: { error: true } };
            if (this.signal.aborted) return { text: `Error: ${name} was interrupted`, event: { error: true } };
            entry.dead = `MCP server ${entry.spec.name} of role ${entry.role} stopped during the trial (${msg}).${tailOf(entry.stderrFile)}`;
            this.failures.push(entry.dead);
            this.events.emit('mcp', {
              role: entry.role,
              server: entry.spec.name,
              transport: entry.spec.transport,
              state: 'crashed',
              error: clip(entry.dead, 1000),
            });
            return { text: `Error: ${entry.dead}`, event: { error: true } };
          }
        }),
    }) as FunctionTool<any, any, any>;
  }

  /** Stops every server (a stdio server's process, and the sandbox around it, with it). */
  async close(): Promise<void> {
    const all = this.running.splice(0);
    await Promise.all(
      all.map(async (r) => {
        try {
          await withTimeout(r.server.close(), 5000, 'closing it');
        } catch {
          // the end-of-trial sweep kills what a failed close left (the server carries the trial's marker)
        }
        this.events.emit('mcp', { role: r.role, server: r.spec.name, transport: r.spec.transport, state: 'stopped' });
      }),
    );
  }
}
