// Loading a workflow from a folder as users write Codex plugins and config:
//   .codex-plugin/plugin.json   manifest (paths must start with ./ and stay inside the plugin)
//   agents/**/*.toml            custom agents (also .codex/agents/, and [agents.<name>] config_file)
//   config.toml                 [agents] limits, inline [hooks], sandbox/approval keys, and a [bench] table
//   bench.toml                  the [bench] table as its own file (instead of in config.toml)
//   hooks.json, hooks/hooks.json, and hook files the manifest names
//   skills/<name>/SKILL.md      skills, offered to the roles whose skills.config names them
//   AGENTS.override.md, AGENTS.md  the global guidance ($CODEX_HOME/AGENTS.md of a user's setup)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse as parseYamlText } from 'yaml';
import { z } from 'zod';
import type { HookGroupSpec } from '../control/hooks.ts';
import { InputError, InputErrors } from '../errors.ts';
import { readTomlFile } from '../input/toml.ts';
import { parseYaml } from '../input/validate.ts';
import { broadWorkflow } from './builtin.ts';
import { hookGroups, HooksFile, type HookLoadNote } from './hooks.ts';
import { defaultOutputKind, OUTPUT_SCHEMAS, type OutputKind } from './outputs.ts';
import { compileRoute, type RouteKind, type RouteRule } from './routes.ts';
import { AgentFile, BenchSection, ConfigFile, McpJsonMap, McpJsonWrapped, PluginManifest, type McpServer } from './schema.ts';
import {
  DEFAULT_PROJECT_DOC_MAX_BYTES,
  MCP_STARTUP_TIMEOUT_SEC,
  MCP_TOOL_TIMEOUT_SEC,
  SKILLS_VIEW,
  TOOL_NAMES,
  type GuidanceConfig,
  type McpServerSpec,
  type Role,
  type Skill,
  type Workflow,
} from './types.ts';

function shown(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

/** Collects problems instead of stopping at the first, so one run of `workflow check` shows them all. */
class Problems {
  readonly list: InputError[] = [];
  add(e: unknown): void {
    if (e instanceof InputErrors) this.list.push(...e.errors);
    else if (e instanceof InputError) this.list.push(e);
    else throw e;
  }
  try<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.add(e);
      return undefined;
    }
  }
}

/** A plugin path as Codex accepts it: starts with ./, no .., inside the plugin root. */
function pluginPath(root: string, value: string, file: string, field: string): string {
  const abs = resolve(root, value);
  const rel = relative(root, abs);
  if (!value.startsWith('./') || value.split(/[\\/]/).includes('..') || rel.startsWith('..') || isAbsolute(rel)) {
    throw new InputError(`path ${JSON.stringify(value)} must start with "./" and stay inside the plugin folder`, {
      file,
      field,
      fix: `write it relative to the plugin root, e.g. "./${basename(value)}"`,
    });
  }
  return abs;
}

function walkToml(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.toml'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function readSkill(dir: string, plugin: string): Skill | null {
  const file = join(dir, 'SKILL.md');
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const fm = /^---\n([\s\S]*?)\n---/.exec(text);
  const meta = (fm ? (parseYamlText(fm[1]!) as Record<string, unknown>) : {}) ?? {};
  const name = String(meta.name ?? basename(dir));
  return { name: `${plugin}:${name}`, description: String(meta.description ?? ''), path: file, view: `${SKILLS_VIEW}/${basename(dir)}/SKILL.md` };
}

/**
 * The guidance the roles get besides the repository's: the folder stands for CODEX_HOME (its config.toml
 * is the user's), so its AGENTS.override.md or AGENTS.md is the global file, the first that is not empty,
 * trimmed, as Codex reads $CODEX_HOME's.
 */
function guidanceOf(dir: string, config: ConfigFile): GuidanceConfig {
  let global: GuidanceConfig['global'] = null;
  for (const name of ['AGENTS.override.md', 'AGENTS.md']) {
    const file = join(dir, name);
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    const text = readFileSync(file, 'utf8').trim();
    if (text) {
      global = { name, text };
      break;
    }
  }
  return {
    global,
    maxBytes: config.project_doc_max_bytes ?? DEFAULT_PROJECT_DOC_MAX_BYTES,
    fallbackFilenames: config.project_doc_fallback_filenames ?? [],
  };
}

/** MCP server names become part of tool names (mcp__<server>__<tool>), so they keep to what tool names allow. */
const SERVER_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * MCP servers as one config layer defines them, resolved. Paths in a plugin's servers may use
 * ${PLUGIN_ROOT} (as its hooks do); a relative cwd is taken from the folder of the file that names it.
 */
function mcpSpecs(
  servers: Record<string, McpServer> | undefined,
  ctx: { file: string; field: string; base: string; pluginRoot: string; bench: BenchSection },
  problems: Problems,
): Array<McpServerSpec | { name: string; disabled: true }> {
  const out: Array<McpServerSpec | { name: string; disabled: true }> = [];
  const sub = (v: string) => v.replaceAll('${PLUGIN_ROOT}', ctx.pluginRoot).replaceAll('${CLAUDE_PLUGIN_ROOT}', ctx.pluginRoot);
  for (const [name, m] of Object.entries(servers ?? {})) {
    if (!SERVER_NAME.test(name)) {
      problems.add(
        new InputError(`MCP server name ${JSON.stringify(name)} cannot be part of a tool name`, {
          file: ctx.file,
          field: `${ctx.field}.${name}`,
          fix: 'use letters, digits, "_" and "-" only',
        }),
      );
      continue;
    }
    if (m.enabled === false) {
      out.push({ name, disabled: true });
      continue;
    }
    const run = ctx.bench.mcp[name] ?? { sandbox: 'role' as const, network: 'role' as const };
    out.push({
      name,
      transport: m.command !== undefined ? 'stdio' : 'http',
      ...(m.command !== undefined ? { command: sub(m.command) } : {}),
      args: (m.args ?? []).map(sub),
      env: Object.fromEntries(Object.entries(m.env ?? {}).map(([k, v]) => [k, sub(v)])),
      envVars: m.env_vars ?? [],
      ...(m.cwd !== undefined ? { cwd: resolve(ctx.base, sub(m.cwd)) } : {}),
      ...(m.url !== undefined ? { url: m.url } : {}),
      httpHeaders: { ...(m.headers ?? {}), ...(m.http_headers ?? {}) },
      ...(m.bearer_token_env_var ? { bearerTokenEnvVar: m.bearer_token_env_var } : {}),
      ...(m.enabled_tools ? { enabledTools: m.enabled_tools } : {}),
      disabledTools: m.disabled_tools ?? [],
      startupTimeoutSec: m.startup_timeout_sec ?? (m.startup_timeout_ms !== undefined ? m.startup_timeout_ms / 1000 : MCP_STARTUP_TIMEOUT_SEC),
      toolTimeoutSec: m.tool_timeout_sec ?? MCP_TOOL_TIMEOUT_SEC,
      sandbox: run.sandbox,
      network: run.network,
      source: `${ctx.file} ${ctx.field}.${name}`,
    });
  }
  return out;
}

/** Later layers replace earlier ones server by server; `enabled = false` takes a server away. */
function mergeServers(...layers: Array<Array<McpServerSpec | { name: string; disabled: true }>>): McpServerSpec[] {
  const by = new Map<string, McpServerSpec | null>();
  for (const layer of layers) for (const s of layer) by.set(s.name, 'disabled' in s ? null : s);
  return [...by.values()].filter((s): s is McpServerSpec => s !== null);
}

function digestOf(dir: string): string {
  const h = createHash('sha256');
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const f of files) h.update(relative(dir, f)).update('\0').update(readFileSync(f)).update('\0');
  return `sha256:${h.digest('hex')}`;
}

/** A custom agent file, checked as Codex reads it: Codex ignores a file it cannot parse, and its role with it, saying so only in passing. */
function readAgentFile(file: string): AgentFile {
  try {
    return readTomlFile(file, AgentFile, shown(file));
  } catch (err) {
    const errors = err instanceof InputErrors ? err.errors : err instanceof InputError ? [err] : null;
    if (!errors) throw err;
    const note = 'Codex would ignore this agent file and run without the role';
    throw new InputErrors(
      errors.map((e) => new InputError(e.message, { file: e.file, line: e.line, field: e.field, fix: e.fix ? `${e.fix} (${note})` : note })),
    );
  }
}

export function loadWorkflowDir(dirArg: string): Workflow {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError('workflow folder not found', {
      file: shown(dir),
      field: '--workflow',
      fix: 'pass a folder holding .codex-plugin/plugin.json, agents/*.toml and config.toml (see suites/workflows/)',
    });
  }
  const problems = new Problems();
  const notes: string[] = [];

  // Manifest
  const manifestFile = join(dir, '.codex-plugin', 'plugin.json');
  let manifest: PluginManifest = {};
  if (existsSync(manifestFile)) manifest = problems.try(() => parseYaml(readFileSync(manifestFile, 'utf8'), shown(manifestFile), PluginManifest)) ?? {};
  else notes.push('no .codex-plugin/plugin.json: the folder is used as a plain Codex config folder (name from the folder)');
  const name = (manifest.name?.trim() || basename(dir)).replace(/[^A-Za-z0-9._-]/g, '-');

  // config.toml and bench.toml
  const configFile = join(dir, 'config.toml');
  const config: ConfigFile = (existsSync(configFile) && problems.try(() => readTomlFile(configFile, ConfigFile, shown(configFile)))) || {};
  const benchFile = join(dir, 'bench.toml');
  let bench: BenchSection = BenchSection.parse({});
  if (existsSync(benchFile)) {
    if (config.bench)
      problems.add(new InputError('bench settings are in both bench.toml and config.toml [bench]', { file: shown(benchFile), fix: 'keep one of them' }));
    bench = problems.try(() => readTomlFile(benchFile, BenchSection, shown(benchFile))) ?? bench;
  } else if (config.bench) bench = config.bench;
  const agentsCfg = config.agents ?? {};

  // Skills
  const skills: Skill[] = [];
  const skillsDir = manifest.skills ? problems.try(() => pluginPath(dir, manifest.skills!, shown(manifestFile), 'skills')) : join(dir, 'skills');
  if (skillsDir && existsSync(skillsDir)) {
    for (const e of readdirSync(skillsDir, { withFileTypes: true })) {
      const s = e.isDirectory() ? readSkill(join(skillsDir, e.name), name) : null;
      if (s) skills.push(s);
    }
  }
  {
    const v = manifest.apps;
    if (typeof v === 'string') problems.try(() => pluginPath(dir, v, shown(manifestFile), 'apps'));
  }

  // MCP servers the plugin bundles: its manifest's mcpServers (a path, or inline), else .mcp.json.
  const mcpCtx = (file: string, field: string, base: string) => ({ file: shown(file), field, base, pluginRoot: dir, bench });
  let pluginMcp: ReturnType<typeof mcpSpecs> = [];
  {
    const v = manifest.mcpServers;
    const file = typeof v === 'string' ? problems.try(() => pluginPath(dir, v, shown(manifestFile), 'mcpServers')) : join(dir, '.mcp.json');
    const read = (text: string, where: string): Record<string, McpServer> => {
      const raw = parseYaml(text, where, z.record(z.string(), z.unknown()));
      return 'mcpServers' in raw ? parseYaml(text, where, McpJsonWrapped).mcpServers : parseYaml(text, where, McpJsonMap);
    };
    if (v !== undefined && typeof v !== 'string') {
      const parsed = problems.try(() => read(JSON.stringify('mcpServers' in v ? v : { mcpServers: v }), `${shown(manifestFile)} (inline mcpServers)`));
      if (parsed) pluginMcp = mcpSpecs(parsed, mcpCtx(manifestFile, 'mcpServers', dir), problems);
    } else if (file && existsSync(file)) {
      const parsed = problems.try(() => read(readFileSync(file, 'utf8'), shown(file)));
      if (parsed) pluginMcp = mcpSpecs(parsed, mcpCtx(file, 'mcpServers', dir), problems);
    } else if (file && typeof v === 'string') {
      problems.add(
        new InputError('MCP servers file not found', { file: shown(file), field: 'mcpServers', fix: 'create it or fix the path in .codex-plugin/plugin.json' }),
      );
    }
  }
  const configMcp = mcpSpecs(config.mcp_servers, mcpCtx(configFile, 'mcp_servers', dir), problems);

  // Hooks: every layer loads (a higher one does not replace a lower one).
  const hookNotes: HookLoadNote[] = [];
  const hooks: HookGroupSpec[] = [];
  const hookFiles = new Set<string>();
  const declared = manifest.hooks === undefined ? [] : Array.isArray(manifest.hooks) ? manifest.hooks : [manifest.hooks];
  declared.forEach((h, i) => {
    if (typeof h === 'string') {
      const p = problems.try(() => pluginPath(dir, h, shown(manifestFile), `hooks${Array.isArray(manifest.hooks) ? `[${i}]` : ''}`));
      if (p) hookFiles.add(p);
    } else {
      const parsed = problems.try(() => parseYaml(JSON.stringify(h), `${shown(manifestFile)} (inline hooks)`, HooksFile));
      if (parsed) hooks.push(...hookGroups(parsed.hooks, `${name}@bench:plugin.json#${i}`, shown(manifestFile), hookNotes));
    }
  });
  for (const p of [join(dir, 'hooks', 'hooks.json'), join(dir, 'hooks.json')]) if (existsSync(p)) hookFiles.add(p);
  for (const p of hookFiles) {
    if (!existsSync(p)) {
      problems.add(new InputError('hooks file not found', { file: shown(p), field: 'hooks', fix: 'create it or fix the path in .codex-plugin/plugin.json' }));
      continue;
    }
    const parsed = problems.try(() => parseYaml(readFileSync(p, 'utf8'), shown(p), HooksFile));
    if (parsed) hooks.push(...hookGroups(parsed.hooks, `${name}@bench:${relative(dir, p)}`, shown(p), hookNotes));
  }
  if (config.hooks) {
    const { state: _state, ...table } = config.hooks;
    hooks.push(...hookGroups(table, `${configFile}`, shown(configFile), hookNotes));
  }
  notes.push(...hookNotes.map((n) => `${n.source}: ${n.message}`));

  // Agents
  const agentFiles = [...walkToml(join(dir, 'agents')), ...walkToml(join(dir, '.codex', 'agents'))];
  const roleTables = Object.entries(agentsCfg).filter(([, v]) => v && typeof v === 'object') as Array<
    [string, { description?: string; config_file?: string; nickname_candidates?: string[] }]
  >;
  for (const [, t] of roleTables) {
    if (t.config_file) {
      const p = resolve(dir, t.config_file);
      if (!existsSync(p))
        problems.add(
          new InputError(`config_file ${t.config_file} not found`, {
            file: shown(configFile),
            field: 'agents.*.config_file',
            fix: 'give a path relative to config.toml',
          }),
        );
      else if (!agentFiles.includes(p)) agentFiles.push(p);
    }
  }
  const agents = new Map<string, { spec: AgentFile; file: string }>();
  let unreadable = 0;
  for (const f of agentFiles) {
    const spec = problems.try(() => readAgentFile(f));
    if (!spec) {
      unreadable++;
      continue;
    }
    const prev = agents.get(spec.name);
    if (prev) {
      problems.add(
        new InputError(`role "${spec.name}" is defined twice (also in ${shown(prev.file)})`, {
          file: shown(f),
          field: 'name',
          fix: 'give every custom agent a unique name',
        }),
      );
      continue;
    }
    agents.set(spec.name, { spec, file: f });
  }
  for (const [roleName, t] of roleTables) {
    if (!agents.has(roleName) && !t.config_file) {
      problems.add(
        new InputError(`[agents.${roleName}] has no agent file`, {
          file: shown(configFile),
          field: `agents.${roleName}`,
          fix: `add agents/${roleName}.toml with name, description and developer_instructions, or set config_file`,
        }),
      );
    }
  }
  if (!agents.size && !problems.list.length) {
    problems.add(
      new InputError('the workflow defines no roles', {
        file: shown(dir),
        field: 'agents',
        fix: 'add agents/<role>.toml files with name, description and developer_instructions',
      }),
    );
  }
  for (const roleName of Object.keys(bench.roles)) {
    if (!agents.has(roleName) && !unreadable)
      problems.add(
        new InputError(`[bench.roles.${roleName}] names a role that does not exist`, {
          file: shown(existsSync(benchFile) ? benchFile : configFile),
          field: `roles.${roleName}`,
          fix: `use one of: ${[...agents.keys()].join(', ')}`,
        }),
      );
  }

  const roles: Role[] = [];
  for (const [roleName, { spec, file }] of agents) {
    const cfg = bench.roles[roleName] ?? {};
    const outKind = cfg.output ?? defaultOutputKind(roleName);
    let output: Role['output'];
    if (outKind && outKind in OUTPUT_SCHEMAS) output = { kind: outKind, schema: OUTPUT_SCHEMAS[outKind as OutputKind] as unknown as Record<string, unknown> };
    else if (outKind) {
      const p = resolve(dir, outKind);
      const schema = problems.try(() => {
        if (!existsSync(p))
          throw new InputError(`output schema ${outKind} not found`, {
            file: shown(existsSync(benchFile) ? benchFile : configFile),
            field: `roles.${roleName}.output`,
            fix: `use exploration, manifest, review, or a path to a JSON Schema file`,
          });
        return parseYaml(readFileSync(p, 'utf8'), shown(p), z.record(z.string(), z.unknown()));
      });
      if (schema) output = { kind: 'custom', schema };
    }
    const wanted = spec.skills?.config.filter((c) => c.enabled) ?? [];
    const roleSkills = skills.filter((s) =>
      wanted.some((w) => (w.name && (s.name === w.name || s.name.endsWith(`:${w.name}`))) || (w.path && resolve(dir, w.path) === s.path)),
    );
    for (const w of wanted) {
      if (!skills.some((s) => (w.name && (s.name === w.name || s.name.endsWith(`:${w.name}`))) || (w.path && resolve(dir, w.path) === s.path))) {
        problems.add(
          new InputError(`skill ${JSON.stringify(w.name ?? w.path)} not found in the plugin's skills`, {
            file: shown(file),
            field: 'skills.config',
            fix: `use one of: ${skills.map((s) => s.name).join(', ') || '(none: add skills/<name>/SKILL.md)'}`,
          }),
        );
      }
    }
    const table = roleTables.find(([n]) => n === roleName)?.[1];
    const netAccess = spec.sandbox_workspace_write?.network_access ?? config.sandbox_workspace_write?.network_access;
    roles.push({
      name: roleName,
      description: (table?.description ?? spec.description)!,
      instructions: spec.developer_instructions,
      model: spec.model ?? (roleName === bench.entry ? config.model : (agentsCfg.default_subagent_model ?? config.model)),
      reasoningEffort: spec.model_reasoning_effort ?? config.model_reasoning_effort,
      sandbox: (spec.sandbox_mode ?? config.sandbox_mode ?? 'read-only') as Role['sandbox'],
      network: cfg.network ?? (netAccess ? 'allow' : 'deny'),
      approval: (spec.approval_policy ?? config.approval_policy ?? 'never') as Role['approval'],
      tools: cfg.tools ?? [...TOOL_NAMES],
      output,
      skills: roleSkills,
      nicknames: table?.nickname_candidates ?? spec.nickname_candidates,
      file,
      mcpServers: mergeServers(pluginMcp, configMcp, mcpSpecs(spec.mcp_servers, mcpCtx(file, 'mcp_servers', dirname(file)), problems)),
    });
  }
  for (const name of Object.keys(bench.mcp)) {
    if (!roles.some((r) => r.mcpServers?.some((s) => s.name === name)))
      problems.add(
        new InputError(`[mcp.${name}] names an MCP server no role has`, {
          file: shown(existsSync(benchFile) ? benchFile : configFile),
          field: `mcp.${name}`,
          fix: `use one of: ${[...new Set(roles.flatMap((r) => (r.mcpServers ?? []).map((s) => s.name)))].join(', ') || '(none)'}`,
        }),
      );
  }

  // Routing
  const routing = bench.routing ?? (roles.length === 1 ? 'single' : 'description');
  const where = { file: shown(existsSync(benchFile) ? benchFile : configFile) };
  let entry =
    bench.entry ?? (routing === 'single' ? roles[0]?.name : routing === 'graph' ? bench.graph?.start : roles.find((r) => r.name === 'orchestrator')?.name);
  if (roles.length) {
    if (!entry || !agents.has(entry)) {
      problems.add(
        new InputError(entry ? `entry role "${entry}" does not exist` : `${routing} routing needs an entry role`, {
          ...where,
          field: 'entry',
          fix: `set entry to one of: ${roles.map((r) => r.name).join(', ')}`,
        }),
      );
      entry = roles[0]!.name;
    }
    if (routing === 'single' && roles.length > 1)
      notes.push(`single routing: only the entry role "${entry}" runs; ${roles.length - 1} other role(s) are unused`);
    if (routing === 'description' && roles.length < 2)
      problems.add(
        new InputError('description routing needs an entry role and at least one role for it to call', {
          ...where,
          field: 'routing',
          fix: 'add roles, or set routing = "single"',
        }),
      );
    if (routing === 'description' && (agentsCfg.max_depth ?? 1) < 1)
      problems.add(
        new InputError('max_depth = 0 allows no role calls, so description routing cannot work', {
          file: shown(configFile),
          field: 'agents.max_depth',
          fix: 'set max_depth >= 1',
        }),
      );
    if (routing === 'graph') {
      if (!bench.graph)
        problems.add(
          new InputError('graph routing needs [bench.graph] with start and edges', {
            ...where,
            field: 'graph',
            fix: 'add [bench.graph] start = "<role>" and [[bench.graph.edges]] from/to/when',
          }),
        );
      else {
        for (const [i, e] of bench.graph.edges.entries()) {
          for (const end of ['from', 'to'] as const) {
            if (!agents.has(e[end]))
              problems.add(
                new InputError(`edge ${i + 1}: role "${e[end]}" does not exist`, {
                  ...where,
                  field: `graph.edges[${i}].${end}`,
                  fix: `use one of: ${roles.map((r) => r.name).join(', ')}`,
                }),
              );
          }
        }
      }
    }
  }
  const routes: Partial<Record<RouteKind, RouteRule>> = {};
  for (const [kind, spec] of Object.entries(bench.routes) as Array<[RouteKind, { expect: string[] }]>) {
    const rule = problems.try(() =>
      compileRoute(
        spec.expect,
        // The entry role of description routing is not a call of the route: only the roles it calls are.
        roles.filter((r) => routing !== 'description' || r.name !== entry).map((r) => r.name),
        { ...where, field: `routes.${kind}.expect` },
      ),
    );
    if (rule) routes[kind] = rule;
  }
  if (problems.list.length) throw new InputErrors(problems.list);

  return {
    name,
    source: shown(dir),
    dir,
    digest: digestOf(dir),
    routing,
    entry: entry!,
    roles,
    limits: {
      maxTurns: bench.max_turns,
      maxThreads: agentsCfg.max_threads ?? agentsCfg.max_concurrent_threads_per_session ?? 6,
      maxDepth: agentsCfg.max_depth ?? 1,
      jobMaxRuntimeSeconds: agentsCfg.job_max_runtime_seconds ?? 1800,
      maxRounds: bench.max_rounds,
    },
    graph: bench.graph,
    routes,
    hooks,
    hookEnv: bench.hook_env,
    hooksInEnvironment: bench.hooks_in_environment,
    approver: bench.approver,
    plugin: existsSync(manifestFile) ? { name, version: manifest.version?.trim() || '0.0.0', root: dir } : null,
    notes,
    guidance: guidanceOf(dir, config),
  };
}

export function loadWorkflow(ref: string): Workflow {
  if (ref === 'broad' || ref === 'builtin:broad') return broadWorkflow();
  return loadWorkflowDir(ref);
}

export function resolveWorkflows(refs: string[], suiteDefaults: string[]): Workflow[] {
  const chosen = refs.length ? refs : suiteDefaults.length ? suiteDefaults : ['broad'];
  const errors: InputError[] = [];
  const workflows: Workflow[] = [];
  for (const r of chosen) {
    try {
      workflows.push(loadWorkflow(r));
    } catch (e) {
      if (e instanceof InputErrors) errors.push(...e.errors);
      else if (e instanceof InputError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length) throw new InputErrors(errors);
  const names = new Set<string>();
  for (const w of workflows) {
    if (names.has(w.name))
      throw new InputError(`two workflows are named "${w.name}"`, { field: '--workflow', fix: 'give each workflow folder a distinct plugin name' });
    names.add(w.name);
  }
  return workflows;
}
