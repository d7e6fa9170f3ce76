// The files of a workflow folder, as zod schemas: Codex's own formats (plugin manifest, custom agent
// TOML, config.toml) and bench's small section for what Codex has no key for (routing, approver rules,
// network policy per role, role output schemas).
import { z } from 'zod';
import { APPROVAL_POLICIES, SANDBOX_MODES } from '../control/types.ts';
import { HOOK_EVENTS } from '../control/hooks.ts';
import { HookTable } from './hooks.ts';
import { REASONING_EFFORTS, TOOL_NAMES } from './types.ts';

/** `.codex-plugin/plugin.json`: camelCase, unknown keys ignored (as Codex does). */
export const PluginManifest = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  description: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  skills: z.string().optional(),
  mcpServers: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  apps: z.string().optional(),
  hooks: z.union([z.string(), z.array(z.union([z.string(), z.record(z.string(), z.unknown())])), z.record(z.string(), z.unknown())]).optional(),
  interface: z.record(z.string(), z.unknown()).optional(),
});
export type PluginManifest = z.infer<typeof PluginManifest>;

const sandboxMode = z.enum(SANDBOX_MODES as [string, ...string[]]);
const approvalPolicy = z.enum(APPROVAL_POLICIES as [string, ...string[]]);

/**
 * An MCP server as Codex configures one (`[mcp_servers.<name>]` in config.toml or an agent file, or an
 * entry of a plugin's `.mcp.json`): started by a command (stdio) or reached at a URL (streamable HTTP).
 * Codex's keys, plus `type`/`headers`, which `.mcp.json` files written for other clients use.
 */
export const McpServer = z
  .looseObject({
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    env_vars: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')).optional(),
    cwd: z.string().optional(),
    url: z.string().url().optional(),
    type: z.enum(['stdio', 'http', 'streamable_http', 'streamable-http']).optional(),
    bearer_token_env_var: z.string().optional(),
    http_headers: z.record(z.string(), z.string()).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    enabled: z.boolean().optional(),
    required: z.boolean().optional(),
    enabled_tools: z.array(z.string()).optional(),
    disabled_tools: z.array(z.string()).optional(),
    startup_timeout_sec: z.number().positive().optional(),
    startup_timeout_ms: z.number().int().positive().optional(),
    tool_timeout_sec: z.number().positive().optional(),
  })
  .refine((m) => (m.command === undefined) !== (m.url === undefined), 'an MCP server needs a command (stdio) or a url (streamable HTTP), one of them');
export type McpServer = z.infer<typeof McpServer>;

/** A plugin's `.mcp.json` (or its manifest's inline `mcpServers`): `{"mcpServers": {...}}` or the bare map (checked as one or the other, so errors name the server). */
export const McpJsonWrapped = z.strictObject({ mcpServers: z.record(z.string(), McpServer) });
export const McpJsonMap = z.record(z.string(), McpServer);

/** The config.toml keys bench reads (and that a custom agent file may also set, as Codex flattens them in). */
const configKeys = {
  model: z.string().optional(),
  model_provider: z.string().optional(),
  model_reasoning_effort: z.enum(REASONING_EFFORTS).optional(),
  model_reasoning_summary: z.enum(['auto', 'concise', 'detailed', 'none']).optional(),
  model_verbosity: z.enum(['low', 'medium', 'high']).optional(),
  sandbox_mode: sandboxMode.optional(),
  approval_policy: approvalPolicy.optional(),
  sandbox_workspace_write: z
    .looseObject({
      network_access: z.boolean().optional(),
      writable_roots: z.array(z.string()).optional(),
      exclude_tmpdir_env_var: z.boolean().optional(),
      exclude_slash_tmp: z.boolean().optional(),
    })
    .optional(),
  mcp_servers: z.record(z.string(), McpServer).optional(),
  skills: z
    .strictObject({
      // Codex 0.169 ignores an agent file whose skills.config entry lacks `enabled` ("missing field `enabled`").
      config: z
        .array(
          z.strictObject({
            path: z.string().optional(),
            name: z.string().optional(),
            enabled: z.boolean({ error: 'required: Codex ignores the whole agent file without it (add enabled = true)' }),
          }),
        )
        .default([]),
    })
    .optional(),
  web_search: z.enum(['disabled', 'cached', 'indexed', 'live']).optional(),
  instructions: z.string().optional(),
};

/**
 * Other Codex config keys an agent file may set (Codex flattens config.toml's keys into it), with the
 * types and values Codex 0.169 accepts: a wrong one makes Codex ignore the whole agent file, the role
 * silently gone ("Ignoring malformed agent role definition"). Checked against the 0.169 binary; keys it
 * does not know (model_max_output_tokens, include_apply_patch_tool, base_instructions, ...) are errors too.
 */
const table = z.record(z.string(), z.unknown()).optional();
const strings = z.array(z.string()).optional();
const tokens = z.number().int().optional();
const otherKeys = {
  review_model: z.string().optional(),
  model_context_window: tokens,
  model_auto_compact_token_limit: tokens,
  project_doc_max_bytes: tokens,
  tool_output_token_limit: tokens,
  compact_prompt: z.string().optional(),
  profile: z.string().optional(),
  default_permissions: z.string().optional(),
  service_tier: z.string().optional(),
  plan_mode_reasoning_effort: z.string().optional(),
  personality: z.enum(['none', 'friendly', 'pragmatic']).optional(),
  forced_login_method: z.enum(['chatgpt', 'api']).optional(),
  file_opener: z.enum(['vscode', 'vscode-insiders', 'windsurf', 'cursor', 'none']).optional(),
  hide_agent_reasoning: z.boolean().optional(),
  show_raw_agent_reasoning: z.boolean().optional(),
  check_for_update_on_startup: z.boolean().optional(),
  notify: strings,
  project_doc_fallback_filenames: strings,
  project_root_markers: strings,
  shell_environment_policy: z
    .looseObject({
      inherit: z.enum(['core', 'all', 'none']).optional(),
      exclude: strings,
      include_only: strings,
      set: z.record(z.string(), z.string()).optional(),
      ignore_default_excludes: z.boolean().optional(),
    })
    .optional(),
  model_providers: table,
  history: z.looseObject({ persistence: z.enum(['save-all', 'none']).optional(), max_bytes: tokens }).optional(),
  tui: table,
  profiles: table,
  tools: table,
  features: table,
  permissions: table,
  otel: table,
  analytics: table,
  feedback: table,
};
const nickname = z.string().regex(/^[A-Za-z0-9 _-]+$/, 'nicknames use ASCII letters, digits, spaces, "-" and "_"');
const nicknames = z
  .array(nickname)
  .min(1)
  .refine((a) => new Set(a).size === a.length, 'nickname_candidates must be unique');

/** A custom agent file (`agents/<name>.toml`): Codex parses it with deny_unknown_fields. */
export const AgentFile = z.strictObject({
  name: z.string().trim().min(1).describe('The spawn id of the role; the file name is not used.'),
  description: z.string().trim().min(1).describe('What the role is for: in description routing, this is the routing.'),
  nickname_candidates: nicknames.optional(),
  ...configKeys,
  ...otherKeys,
  developer_instructions: z.string().trim().min(1),
});
export type AgentFile = z.infer<typeof AgentFile>;

export const NetworkPolicy = z.enum(['deny', 'allow', 'ask']);

/** bench's own section: `[bench]` in config.toml, or the top level of bench.toml. */
const regex = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

export const BenchSection = z.strictObject({
  routing: z
    .enum(['single', 'description', 'graph'])
    .optional()
    .describe('single: one agent; description: an orchestrator calls the roles as tools; graph: explicit edges.'),
  entry: z.string().optional().describe('The role the task is given to (default: the only role, or "orchestrator").'),
  max_turns: z.number().int().positive().default(60).describe('Model turns per agent run.'),
  max_rounds: z.number().int().min(1).default(2).describe('How many times a role may be visited again (review rounds).'),
  graph: z
    .strictObject({
      start: z.string(),
      edges: z.array(z.strictObject({ from: z.string(), to: z.string(), when: z.enum(['always', 'approved', 'changes_requested']).default('always') })).min(1),
    })
    .optional(),
  routes: z
    .partialRecord(
      z.enum(['pr', 'docs', 'triage', 'default']),
      z.strictObject({
        expect: z
          .array(z.string())
          .min(1)
          .describe('The route expected, as a sequence pattern over role calls: role names, "_" (any role), ( ) groups, | alternatives, ? * + quantifiers.'),
      }),
      { error: (iss) => ((iss.code as string) === 'unrecognized_keys' ? 'not a task kind: use pr, docs, triage or default' : undefined) },
    )
    .default({})
    .describe('The route a task of each kind should take (default: for kinds not listed); a trial whose route breaks it counts as misrouted.'),
  roles: z
    .record(
      z.string(),
      z.strictObject({
        network: NetworkPolicy.optional().describe('deny (default), allow, or ask (only after approval).'),
        output: z.string().optional().describe('exploration, manifest, review, or a path to a JSON Schema file.'),
        tools: z.array(z.enum(TOOL_NAMES)).optional().describe('Restrict the harness tools the role gets.'),
      }),
    )
    .default({}),
  mcp: z
    .record(
      z.string(),
      z.strictObject({
        sandbox: z
          .enum(['role', 'none'])
          .default('role')
          .describe("role: a stdio server runs under the OS sandbox of the role that uses it (default); none: as it is, with bench's rights."),
        network: z
          .enum(['role', 'deny', 'allow'])
          .default('role')
          .describe("Network of a sandboxed stdio server: the role's policy (default; ask counts as off), or deny/allow."),
      }),
    )
    .default({})
    .describe('How MCP servers run, by server name.'),
  hooks_in_environment: z
    .array(z.enum(HOOK_EVENTS))
    .default([])
    .describe(
      "Hook events whose handlers run in the task's environment (a container of its image, under --sandbox container): a PostToolUse linter or formatter that needs the project's toolchain. Elsewhere, and for other events, hooks run on the host.",
    ),
  hook_env: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'))
    .default([])
    .describe("Variables of bench's environment the workflow's hooks may see; hooks get only PATH, HOME, USER, SHELL, LANG, TERM, TMPDIR and these."),
  approver: z
    .strictObject({
      default: z.enum(['allow', 'deny']).default('deny'),
      wait_ms: z.number().nonnegative().default(4000).describe('Mean modelled human wait per approval prompt.'),
      rules: z
        .array(
          z.strictObject({
            decision: z.enum(['allow', 'deny']),
            tool: z.string().optional(),
            match: regex.optional(),
            workdir: regex.optional().describe('Regular expression the working directory (relative to the workspace, "." for its root) must match.'),
            permissions: z
              .array(z.enum(['network', 'read', 'write']))
              .optional()
              .describe('An allow rule grants only these: a call asking for anything else is not matched by it (default: network only).'),
            paths: z.array(z.string()).optional().describe('Globs every read or write path the call asks for must match (absolute paths).'),
            lifecycle_scripts: z.boolean().default(false).describe('Package lifecycle scripts (npm install hooks) may run in what this rule approves.'),
            message: z.string().optional(),
          }),
        )
        .default([]),
    })
    .prefault({}),
});
export type BenchSection = z.infer<typeof BenchSection>;

const RoleTable = z.strictObject({
  description: z.string().optional(),
  config_file: z.string().optional(),
  nickname_candidates: nicknames.optional(),
});

export const AgentsTable = z
  .looseObject({
    max_threads: z.number().int().min(1, 'agents.max_threads must be at least 1').optional(),
    max_concurrent_threads_per_session: z.number().int().min(1).optional(),
    max_depth: z.number().int().min(0).optional(),
    job_max_runtime_seconds: z.number().positive().optional(),
    interrupt_message: z.boolean().optional(),
    default_subagent_model: z.string().optional(),
    default_subagent_reasoning_effort: z.enum(REASONING_EFFORTS).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.max_threads !== undefined && v.max_concurrent_threads_per_session !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_threads'],
        message: 'duplicate field: max_threads is an alias of max_concurrent_threads_per_session; set one',
      });
    }
    const known = new Set([
      'max_threads',
      'max_concurrent_threads_per_session',
      'max_depth',
      'job_max_runtime_seconds',
      'interrupt_message',
      'default_subagent_model',
      'default_subagent_reasoning_effort',
    ]);
    for (const [k, val] of Object.entries(v)) {
      if (known.has(k)) continue;
      const r = RoleTable.safeParse(val);
      if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: [k, ...issue.path] } as never);
    }
  });

/** config.toml: the keys bench reads are checked; other top-level Codex keys pass. */
export const ConfigFile = z.looseObject({
  ...configKeys,
  developer_instructions: z.string().optional(),
  // How Codex composes AGENTS.md (bench's sdk engine does the same).
  project_doc_max_bytes: z.number().int().nonnegative().optional().describe('Cap on the AGENTS.md files of the repository together (Codex: 32768; 0: none).'),
  project_doc_fallback_filenames: z.array(z.string()).optional().describe('Names tried in each folder after AGENTS.override.md and AGENTS.md.'),
  agents: AgentsTable.optional(),
  // Inline hooks; `[hooks.state]` holds Codex's trust entries in a user config.
  hooks: HookTable.extend({ state: z.unknown().optional() }).optional(),
  bench: BenchSection.optional(),
});
export type ConfigFile = z.infer<typeof ConfigFile>;
