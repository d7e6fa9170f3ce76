// A workflow is data: the roles an agent system has, how work is routed between them, and the limits
// and policies around them. Loaded from a plugin folder or built in; engines only read this shape.
import type { ApproverSpec } from '../control/approver.ts';
import type { HookEvent, HookGroupSpec } from '../control/hooks.ts';
import type { ApprovalPolicy, NetworkPolicy, SandboxMode } from '../control/types.ts';
import type { RouteKind, RouteRule } from './routes.ts';

/** The harness tools a role can be given (Codex's vocabulary). */
export const TOOL_NAMES = ['exec_command', 'apply_patch', 'read_file', 'list_dir', 'grep_files'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Codex's model_reasoning_effort values. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export interface Skill {
  /** As offered: `<plugin>:<skill>`. */
  name: string;
  description: string;
  /** Absolute path of its SKILL.md. */
  path: string;
  /**
   * Where the agent reads it: the same on every machine and checkout (SKILLS_VIEW/<folder>/SKILL.md), so
   * prompts, cassette keys and the simulated model's draws do not depend on where the plugin lives.
   */
  view: string;
}

/** Where a workflow's skill folders are shown to its agents, read-only (inside the sandbox's private /tmp). */
export const SKILLS_VIEW = '/tmp/bench-skills';

export interface Role {
  name: string;
  description: string;
  instructions: string;
  /** Overrides the run's model for this role. */
  model?: string;
  reasoningEffort?: ReasoningEffort;
  sandbox: SandboxMode;
  network: NetworkPolicy;
  approval: ApprovalPolicy;
  tools: ToolName[];
  /** JSON Schema of the role's final answer (completion manifest, review verdict), if any. */
  output?: { kind: string; schema: Record<string, unknown> };
  skills: Skill[];
  /** Codex's nickname_candidates for the role's spawned agents. */
  nicknames?: string[];
  /** The file that defined it. */
  file?: string;
  /** The MCP servers the role's agents get (its own mcp_servers, config.toml's and the plugin's), started per trial. */
  mcpServers?: McpServerSpec[];
}

/**
 * An MCP server as Codex configures it (`[mcp_servers.<name>]`, or the plugin's `.mcp.json`), resolved:
 * stdio (a command bench starts) or streamable HTTP (a URL), with Codex's per-server settings, and
 * bench's word on the sandbox it runs in.
 */
export interface McpServerSpec {
  name: string;
  transport: 'stdio' | 'http';
  command?: string;
  args: string[];
  /** Variables set for the server, as the config gives them. */
  env: Record<string, string>;
  /** Variables passed through from bench's environment by name (Codex's env_vars): nothing else of it reaches the server. */
  envVars: string[];
  /** Working directory (absolute); the trial's worktree when absent. */
  cwd?: string;
  url?: string;
  /** Headers of every HTTP request; `bearerTokenEnvVar` names the variable an Authorization bearer token is read from. */
  httpHeaders: Record<string, string>;
  bearerTokenEnvVar?: string;
  /** Only these tools are offered (all when absent); then disabled_tools are taken out. */
  enabledTools?: string[];
  disabledTools: string[];
  startupTimeoutSec: number;
  toolTimeoutSec: number;
  /** `role`: the server runs under its role's OS sandbox and network policy; `none`: as it is (the workflow said so). */
  sandbox: 'role' | 'none';
  /** Network for a sandboxed server: the role's policy (`role`, where `ask` is off), or the workflow's override. */
  network: 'role' | 'deny' | 'allow';
  /** Where it is defined (shown in errors). */
  source: string;
}

/** Codex's defaults for an MCP server's startup and tool-call time limits. */
export const MCP_STARTUP_TIMEOUT_SEC = 10;
export const MCP_TOOL_TIMEOUT_SEC = 60;

/** The name Codex gives an MCP tool: what the model calls and hooks match. */
export function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`;
}

export interface GraphEdge {
  from: string;
  to: string;
  when: 'always' | 'approved' | 'changes_requested';
}

export interface WorkflowLimits {
  /** Model turns per agent run. */
  maxTurns: number;
  /** Role calls running at once. */
  maxThreads: number;
  /** Nesting depth of role calls below the entry role (the entry is depth 0). */
  maxDepth: number;
  jobMaxRuntimeSeconds: number;
  /** Visits per role (review rounds). */
  maxRounds: number;
}

/** Codex's default project_doc_max_bytes. */
export const DEFAULT_PROJECT_DOC_MAX_BYTES = 32 * 1024;

/** What a workflow says about repository guidance (AGENTS.md): its global file and Codex's two config keys. */
export interface GuidanceConfig {
  /** The workflow folder's AGENTS.override.md or AGENTS.md, read as Codex reads $CODEX_HOME's (trimmed, the first non-empty one). */
  global: { name: string; text: string } | null;
  /** project_doc_max_bytes: the cap on the project files together; 0 gives none. */
  maxBytes: number;
  /** project_doc_fallback_filenames, tried in each folder after AGENTS.override.md and AGENTS.md. */
  fallbackFilenames: string[];
}

export interface Workflow {
  name: string;
  /** Where it came from, for display: `builtin:<name>` or the folder (relative to the cwd when inside it). */
  source: string;
  /** The folder it was loaded from (absolute); null for built-in workflows. */
  dir: string | null;
  /** sha256 over what defines it (files or built-in definition). */
  digest: string;
  routing: 'single' | 'description' | 'graph';
  /** The role the task is given to. */
  entry: string;
  roles: Role[];
  limits: WorkflowLimits;
  graph?: { start: string; edges: GraphEdge[] };
  /** The route expected per task kind (bench.toml [routes.<kind>]); empty when none is declared. */
  routes?: Partial<Record<RouteKind, RouteRule>>;
  hooks: HookGroupSpec[];
  /** Variables of the harness's environment its hooks may see (all others are kept from them). */
  hookEnv: string[];
  /** Hook events whose handlers run in the task's container (`[bench] hooks_in_environment`). */
  hooksInEnvironment: HookEvent[];
  approver: ApproverSpec;
  /** The plugin the folder is (codex engine installs it); null for built-in workflows. */
  plugin: { name: string; version: string; root: string } | null;
  /** Things loading noticed but that do not stop it (shown by `bench workflow check`). */
  notes: string[];
  /** AGENTS.md as the roles get it; absent means Codex's defaults (no global file, 32 KiB, no fallback names). */
  guidance?: GuidanceConfig;
}
