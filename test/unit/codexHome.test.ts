// The CODEX_HOME a trial gets, for a workflow folder without a plugin (no Codex needed to write it).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, test } from 'vitest';
import { KEY_ENV, prepareCodexHome } from '../../src/engine/codex/home.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { tmp } from '../helpers/fixtures.ts';
import { workflowCopy } from '../helpers/workflows.ts';

describe('prepareCodexHome', () => {
  test('the workflow as Codex reads it: provider, session role, sandbox, catalog, agents and hook trust', async () => {
    const dir = workflowCopy('broad', {
      'config.toml':
        'sandbox_mode = "workspace-write"\n[shell_environment_policy]\nexclude = ["AWS_*"]\n[[hooks.PreToolUse]]\nmatcher = "^Bash$"\n[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = "true"\n',
      'agents/helper.toml': 'name = "helper"\ndescription = "Helps."\ndeveloper_instructions = "Help."\nmodel = "gpt-5-mini"\n',
    });
    rmSync(join(dir, '.codex-plugin'), { recursive: true }); // a plain Codex config folder: nothing for `codex plugin` to install
    const wf = loadWorkflowDir(dir);
    expect(wf.plugin).toBeNull();
    const home = join(tmp(), 'codex-home');
    const file = await prepareCodexHome({
      dir: home,
      codex: { path: '/nonexistent/codex', version: '0.169.0' },
      workflow: wf,
      provider: { baseUrl: 'http://127.0.0.1:9/v1', model: 'sim', simulated: true, headers: { 'x-bench-trial': 't__broad__r0' } },
      sandbox: 'workspace-write',
      networkAccess: false,
      workspace: '/work/tree',
      env: {},
    });
    const config = parse(readFileSync(file, 'utf8')) as Record<string, any>;
    expect(config).toMatchObject({
      model: 'sim',
      model_provider: 'bench',
      sandbox_mode: 'workspace-write',
      approval_policy: 'never',
      developer_instructions: wf.roles.find((r) => r.name === wf.entry)!.instructions,
      model_providers: {
        bench: { base_url: 'http://127.0.0.1:9/v1', env_key: KEY_ENV, wire_api: 'responses', http_headers: { 'x-bench-trial': 't__broad__r0' } },
      },
      projects: { '/work/tree': { trust_level: 'trusted' } },
      shell_environment_policy: { exclude: ['AWS_*', KEY_ENV] },
    });
    // Config hooks now live in this config.toml: their trust keys follow it, with the hash bench computes.
    const handler = wf.hooks[0]!.handlers[0]!;
    expect(config.hooks.state).toEqual({ [`${file}:pre_tool_use:0:0`]: { trusted_hash: handler.hash } });
    // Every model name a role uses has a catalog entry with Codex's full tool set.
    const catalog = JSON.parse(readFileSync(config.model_catalog_json, 'utf8')) as {
      models: Array<{ slug: string; apply_patch_tool_type: string; supports_search_tool: boolean }>;
    };
    expect(catalog.models.map((m) => m.slug).sort()).toEqual(['gpt-5-mini', 'sim']);
    expect(catalog.models.every((m) => m.apply_patch_tool_type === 'freeform' && !m.supports_search_tool)).toBe(true);
    expect(readFileSync(join(home, 'agents', 'helper.toml'), 'utf8')).toMatch(/^name = "helper"/);
    expect(existsSync(join(home, 'agents', `${wf.entry}.toml`))).toBe(false); // the entry role is the session itself
  });

  test('a workflow loaded by a path relative to the cwd: its config.toml hooks are trusted in the CODEX_HOME config.toml', async () => {
    const dir = workflowCopy('broad', {
      'config.toml': '[[hooks.PreToolUse]]\nmatcher = "^Bash$"\n[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = "true"\n',
    });
    rmSync(join(dir, '.codex-plugin'), { recursive: true });
    const cwd = process.cwd();
    process.chdir(dirname(dir)); // as `bench run --workflow suites/workflows/x` from the checkout
    try {
      const wf = loadWorkflowDir(basename(dir));
      expect(wf.source).toBe(basename(dir)); // shown relative to the cwd...
      expect(wf.dir).toBe(dir); // ...but the folder is absolute
      const home = join(tmp(), 'codex-home');
      const file = await prepareCodexHome({
        dir: home,
        codex: { path: '/nonexistent/codex', version: '0.169.0' },
        workflow: wf,
        provider: { baseUrl: 'http://127.0.0.1:9/v1', model: 'sim', simulated: true, headers: {} },
        sandbox: 'read-only',
        networkAccess: false,
        workspace: '/work/tree',
        env: {},
      });
      const config = parse(readFileSync(file, 'utf8')) as Record<string, any>;
      expect(config.hooks.state).toEqual({ [`${file}:pre_tool_use:0:0`]: { trusted_hash: wf.hooks[0]!.handlers[0]!.hash } });
      expect(config.hooks.PreToolUse).toHaveLength(1); // the hook itself came along with the workflow's config.toml
    } finally {
      process.chdir(cwd);
    }
  });
});
