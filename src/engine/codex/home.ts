// A private CODEX_HOME per trial, set up the way a user deploys a workflow into Codex: the model
// provider (bench's loopback sim server, or the real backend), the workflow's own config.toml, its
// custom agents under agents/, the plugin installed from a local marketplace with Codex's own
// `codex plugin` commands, and trust written for each hook (the computed hashes, never the bypass flag).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { runProcess } from '../../exec/run.ts';
import type { SandboxMode } from '../../control/types.ts';
import { REASONING_EFFORTS, type McpServerSpec, type Workflow } from '../../workflow/types.ts';
import type { OtelTarget } from '../../record/otelTarget.ts';
import type { CodexBinary } from './binary.ts';

/** The marketplace bench installs plugins from: hook trust keys of plugin hooks start `<plugin>@bench:`. */
export const MARKETPLACE = 'bench';
/** The env var the provider reads its key from. */
export const KEY_ENV = 'BENCH_CODEX_API_KEY';

export interface CodexProvider {
  baseUrl: string;
  /** The session's model (a catalog slug for real backends). */
  model: string;
  /** Served by bench's simulated model: Codex gets a catalog entry for every model name the roles use. */
  simulated: boolean;
  /** Extra headers on every request (the sim server finds the trial by x-bench-trial). */
  headers: Record<string, string>;
}

export interface CodexHomeOptions {
  dir: string;
  codex: CodexBinary;
  workflow: Workflow;
  provider: CodexProvider;
  sandbox: SandboxMode;
  /** Commands may reach the network (a role's network = "allow"). */
  networkAccess: boolean;
  /** The worktree (trusted as a project, as a user would trust their checkout). */
  workspace: string;
  env: NodeJS.ProcessEnv;
  /** Variables every MCP server of the trial gets (its issue export), as the sdk engine gives them. */
  mcpEnv?: Record<string, string>;
  /** Export Codex's traces (OTLP/HTTP) where the run's go, each span tagged with the trial. */
  otel?: CodexOtel;
  signal?: AbortSignal;
}

export interface CodexOtel {
  target: OtelTarget;
  /** Set on every span Codex exports (its `span_attributes`): the trial they belong to. */
  attributes: Record<string, string>;
}

/**
 * The variable that carries the OTLP headers to Codex: its exporter reads it, so the headers (often a
 * credential) are never written into config.toml; the agent's commands do not get it.
 */
export const OTLP_HEADERS_ENV = 'OTEL_EXPORTER_OTLP_TRACES_HEADERS';

/**
 * Codex 0.169's `[otel]` table for a trace export: only the trace exporter is set (logs and metrics stay
 * as the workflow's config has them), prompts are not logged, and JSON is asked for as bench's own export uses.
 */
export function codexOtelTable(otel: CodexOtel, current: Toml = {}): Toml {
  return {
    ...current,
    environment: 'bench',
    log_user_prompt: false,
    span_attributes: { ...((current.span_attributes as Toml | undefined) ?? {}), ...otel.attributes },
    trace_exporter: { 'otlp-http': { endpoint: otel.target.url, protocol: 'json' } },
  };
}

/**
 * A role's MCP servers as Codex's `[mcp_servers]` table, resolved: ${PLUGIN_ROOT} expanded, cwd
 * absolute, the trial's variables in `env`, and Codex's own keys for everything else.
 */
export function codexMcpServers(servers: readonly McpServerSpec[], extraEnv: Record<string, string> = {}): Toml {
  const out: Toml = {};
  for (const s of servers) {
    out[s.name] = {
      ...(s.transport === 'stdio' ? { command: s.command!, args: s.args, env: { ...s.env, ...extraEnv } } : { url: s.url! }),
      ...(s.transport === 'stdio' && s.envVars.length ? { env_vars: s.envVars } : {}),
      ...(s.cwd ? { cwd: s.cwd } : {}),
      ...(s.transport === 'http' && Object.keys(s.httpHeaders).length ? { http_headers: s.httpHeaders } : {}),
      ...(s.bearerTokenEnvVar ? { bearer_token_env_var: s.bearerTokenEnvVar } : {}),
      ...(s.enabledTools ? { enabled_tools: s.enabledTools } : {}),
      ...(s.disabledTools.length ? { disabled_tools: s.disabledTools } : {}),
      startup_timeout_sec: s.startupTimeoutSec,
      tool_timeout_sec: s.toolTimeoutSec,
    };
  }
  return out;
}

/**
 * What Codex needs to know about a model it serves: the same shape as its built-in catalog entries
 * (freeform apply_patch, the shell tool, spawn_agent offered directly rather than behind tool_search).
 */
function catalogEntry(slug: string) {
  return {
    slug,
    display_name: `${slug} (bench simulated model)`,
    description: 'bench simulated model',
    base_instructions: 'You are a coding agent working in a git checkout. Follow the developer instructions.',
    prefer_websockets: false,
    support_verbosity: false,
    default_verbosity: null,
    apply_patch_tool_type: 'freeform',
    web_search_tool_type: 'text',
    input_modalities: ['text'],
    supports_image_detail_original: false,
    truncation_policy: { mode: 'tokens', limit: 10000 },
    supports_parallel_tool_calls: true,
    tool_mode: null,
    multi_agent_version: null,
    multi_agent_reasoning_effort: null,
    use_responses_lite: false,
    supports_reasoning_effort_updates: false,
    include_skills_usage_instructions: true,
    include_apps_usage_instructions: false,
    include_plugin_usage_instructions: true,
    guardian: null,
    node_repl_auto_review_required: false,
    node_repl_disabled: true,
    requires_sandboxed_review: false,
    auto_review_model_override: null,
    model_specialty: null,
    context_window: 272000,
    max_context_window: 272000,
    auto_compact_token_limit: null,
    default_reasoning_summary: 'none',
    default_reasoning_level: 'medium',
    supported_reasoning_levels: REASONING_EFFORTS.map((effort) => ({ effort, description: effort })),
    shell_type: 'shell_command',
    visibility: 'list',
    minimal_client_version: '0.124.0',
    supported_in_api: true,
    availability_nux: null,
    upgrade: null,
    priority: 1,
    experimental_supported_tools: [],
    available_in_plans: [],
    supports_search_tool: false,
    supports_experimental_context: false,
    default_service_tier: null,
    service_tiers: [],
    additional_speed_tiers: [],
    supports_reasoning_summary_parameter: false,
    supports_reasoning_summaries: false,
  };
}

type Toml = Record<string, unknown>;

async function codexCommand(o: CodexHomeOptions, args: string[]): Promise<void> {
  const res = await runProcess([o.codex.path, ...args], { cwd: o.dir, env: o.env, timeoutMs: 60_000, maxOutputBytes: 1 << 20, signal: o.signal });
  if (res.exitCode !== 0) throw new Error(`codex ${args.join(' ')} failed (exit ${res.exitCode}): ${res.output.trim().split('\n').slice(-3).join(' ')}`);
}

/** Writes the CODEX_HOME; returns its config.toml path. */
export async function prepareCodexHome(o: CodexHomeOptions): Promise<string> {
  const { workflow, provider } = o;
  mkdirSync(o.dir, { recursive: true });
  const configFile = join(o.dir, 'config.toml');
  const folder = workflow.dir;
  const userConfigFile = folder ? join(folder, 'config.toml') : null;

  // The workflow's own config.toml (what a user would have in ~/.codex/config.toml), without bench's table.
  const config: Toml = userConfigFile && existsSync(userConfigFile) ? (parseToml(readFileSync(userConfigFile, 'utf8')) as Toml) : {};
  delete config.bench;
  const hooksTable = (config.hooks ?? {}) as Toml;
  delete hooksTable.state;

  const entry = workflow.roles.find((r) => r.name === workflow.entry)!;
  const models = [...new Set([provider.model, ...workflow.roles.map((r) => r.model).filter((m): m is string => !!m)])];
  if (provider.simulated) {
    const catalog = join(o.dir, 'bench-models.json');
    writeFileSync(catalog, `${JSON.stringify({ models: models.map(catalogEntry) }, null, 2)}\n`);
    config.model_catalog_json = catalog;
  }
  Object.assign(config, {
    model: provider.model,
    model_provider: 'bench',
    sandbox_mode: o.sandbox,
    approval_policy: 'never',
    developer_instructions: entry.instructions,
    ...(entry.reasoningEffort ? { model_reasoning_effort: entry.reasoningEffort } : {}),
    check_for_update_on_startup: false,
  });
  config.model_providers = {
    ...((config.model_providers as Toml | undefined) ?? {}),
    bench: {
      name: provider.simulated ? 'bench simulated model' : 'bench',
      base_url: provider.baseUrl,
      env_key: KEY_ENV,
      wire_api: 'responses',
      http_headers: provider.headers,
      // The sim answers at once; a real service gets Codex's own retries.
      request_max_retries: provider.simulated ? 0 : 4,
      stream_max_retries: provider.simulated ? 0 : 5,
    },
  };
  if (o.networkAccess) config.sandbox_workspace_write = { ...((config.sandbox_workspace_write as Toml | undefined) ?? {}), network_access: true };
  // Codex hands its whole environment to the agent's commands: not the provider's key.
  const shellEnv = (config.shell_environment_policy as Toml | undefined) ?? {};
  config.shell_environment_policy = {
    ...shellEnv,
    exclude: [...((shellEnv.exclude as string[] | undefined) ?? []), KEY_ENV, ...(o.otel ? [OTLP_HEADERS_ENV] : [])],
  };
  // MCP servers, resolved as the sdk engine starts them: the session's (the entry role's) here, each
  // other role's in its agent file below. The plugin's own .mcp.json is left out of its installed copy,
  // so Codex does not start its servers twice.
  delete config.mcp_servers;
  if (entry.mcpServers?.length) config.mcp_servers = codexMcpServers(entry.mcpServers, o.mcpEnv);
  config.analytics = { enabled: false };
  if (o.otel) config.otel = codexOtelTable(o.otel, (config.otel as Toml | undefined) ?? {});
  config.projects = { [o.workspace]: { trust_level: 'trusted' } };
  writeFileSync(configFile, stringifyToml(config));

  // The workflow's global guidance where Codex reads it: $CODEX_HOME/AGENTS.md (or AGENTS.override.md).
  const global = workflow.guidance?.global;
  if (global) writeFileSync(join(o.dir, global.name), `${global.text}\n`);

  // Custom agents: every role but the entry (which is the session itself), from the files users wrote.
  mkdirSync(join(o.dir, 'agents'), { recursive: true });
  for (const role of workflow.roles) {
    if (role.name === workflow.entry) continue;
    let text = role.file
      ? readFileSync(role.file, 'utf8')
      : stringifyToml({ name: role.name, description: role.description, developer_instructions: role.instructions });
    if (role.mcpServers?.length || /mcp_servers/.test(text)) {
      const agent = parseToml(text) as Toml;
      delete agent.mcp_servers;
      if (role.mcpServers?.length) agent.mcp_servers = codexMcpServers(role.mcpServers, o.mcpEnv);
      text = stringifyToml(agent);
    }
    writeFileSync(join(o.dir, 'agents', `${role.name}.toml`), text);
  }

  // The plugin, through a local marketplace, installed by Codex itself.
  if (workflow.plugin && folder) {
    const market = join(o.dir, 'marketplace');
    mkdirSync(join(market, '.agents', 'plugins'), { recursive: true });
    const copy = join(market, 'plugins', workflow.plugin.name);
    cpSync(folder, copy, { recursive: true });
    rmSync(join(copy, '.mcp.json'), { force: true });
    const manifestFile = join(copy, '.codex-plugin', 'plugin.json');
    if (existsSync(manifestFile)) {
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Toml;
      if (typeof manifest.mcpServers === 'string') rmSync(join(copy, manifest.mcpServers), { force: true });
      delete manifest.mcpServers;
      writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    writeFileSync(
      join(market, '.agents', 'plugins', 'marketplace.json'),
      `${JSON.stringify(
        {
          name: MARKETPLACE,
          interface: { displayName: 'bench' },
          plugins: [
            {
              name: workflow.plugin.name,
              source: { source: 'local', path: `./plugins/${workflow.plugin.name}` },
              policy: { installation: 'AVAILABLE', authentication: 'ON_INSTALL' },
            },
          ],
        },
        null,
        2,
      )}\n`,
    );
    await codexCommand(o, ['plugin', 'marketplace', 'add', market]);
    await codexCommand(o, ['plugin', 'add', `${workflow.plugin.name}@${MARKETPLACE}`, '--json']);
  }

  // Trust for every hook: plugin hooks keep their keys; config.toml hooks now live in this config.toml.
  const trust: Toml = {};
  for (const group of workflow.hooks) {
    for (const h of group.handlers) {
      const key = userConfigFile && h.key.startsWith(`${userConfigFile}:`) ? `${configFile}${h.key.slice(userConfigFile.length)}` : h.key;
      trust[key] = { trusted_hash: h.hash };
    }
  }
  if (Object.keys(trust).length) {
    const now = parseToml(readFileSync(configFile, 'utf8')) as Toml;
    const hooks = ((now.hooks as Toml | undefined) ?? {}) as Toml;
    hooks.state = { ...((hooks.state as Toml | undefined) ?? {}), ...trust };
    now.hooks = hooks;
    writeFileSync(configFile, stringifyToml(now));
  }
  return configFile;
}
