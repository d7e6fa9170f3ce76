import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputErrors } from '../../src/errors.ts';
import { trustHash } from '../../src/workflow/hooks.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { SHIPPED, workflowCopy } from '../helpers/workflows.ts';

function problems(dir: string): string[] {
  try {
    loadWorkflowDir(dir);
  } catch (err) {
    if (err instanceof InputErrors) return err.errors.map((e) => e.format());
    throw err;
  }
  throw new Error('expected the workflow to be rejected');
}

describe('loading workflow folders (Codex plugins as users write them)', () => {
  test('the shipped roles plugin: roles, routing, sandbox modes, outputs, skills, hooks', () => {
    const w = loadWorkflowDir(join(SHIPPED, 'roles'));
    expect(w).toMatchObject({ name: 'roles', routing: 'description', entry: 'orchestrator', plugin: { name: 'roles', version: '1.0.0' } });
    expect(w.limits).toEqual({ maxTurns: 60, maxThreads: 4, maxDepth: 1, jobMaxRuntimeSeconds: 1200, maxRounds: 2 });
    const byName = Object.fromEntries(w.roles.map((r) => [r.name, r]));
    expect(byName.explorer).toMatchObject({
      sandbox: 'read-only',
      network: 'deny',
      model: 'gpt-5-mini',
      reasoningEffort: 'low',
      output: { kind: 'exploration' },
      nicknames: ['Scout', 'Atlas'],
    });
    expect(byName.worker).toMatchObject({ sandbox: 'workspace-write', output: { kind: 'manifest' } });
    expect(byName.worker!.skills.map((s) => s.name)).toEqual(['roles:run-tests']);
    expect(byName.reviewer).toMatchObject({ sandbox: 'read-only', reasoningEffort: 'high', output: { kind: 'review' } });
    expect(w.hooks.map((g) => [g.event, g.matcher])).toEqual([
      ['PreToolUse', '^(Bash|apply_patch)$'],
      ['Stop', undefined],
    ]);
    expect(w.hooks[0]!.handlers[0]).toMatchObject({
      timeoutS: 30,
      key: 'roles@bench:hooks/hooks.json:pre_tool_use:0:0',
      hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
  });

  test('the shipped broad plugin: one role, network on approval, approver rules', () => {
    const w = loadWorkflowDir(join(SHIPPED, 'broad'));
    expect(w).toMatchObject({ name: 'broad', routing: 'single', entry: 'broad' });
    expect(w.roles[0]).toMatchObject({ sandbox: 'workspace-write', network: 'ask', approval: 'on-request' });
    expect(w.approver.default).toBe('deny');
    expect(w.approver.rules).toHaveLength(2);
  });

  test("Codex's hook trust hash: sha256 of key-sorted compact JSON of the normalised handler", () => {
    const canonical = '{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"/x.sh","timeout":600,"type":"command"}],"matcher":"Bash"}';
    const expected = `sha256:${require('node:crypto').createHash('sha256').update(canonical).digest('hex')}`;
    expect(trustHash('PreToolUse', 'Bash', { type: 'command', command: '/x.sh' })).toBe(expected);
    // statusMessage is part of it; the default additionalContextLimit is not.
    expect(trustHash('PreToolUse', 'Bash', { type: 'command', command: '/x.sh', statusMessage: 'x' })).not.toBe(expected);
    expect(trustHash('PreToolUse', 'Bash', { type: 'command', command: '/x.sh', additionalContextLimit: 2500 })).toBe(expected);
  });

  test('TOML syntax errors name file and line', () => {
    const dir = workflowCopy('roles', { 'agents/worker.toml': 'name = "worker"\ndescription = "x"\ndeveloper_instructions = """unterminated\n' });
    expect(problems(dir).some((m) => /agents\/worker\.toml:\d+: .*\n  fix: fix the TOML syntax/.test(m))).toBe(true);
  });

  test('a missing required field and an unknown key are rejected as Codex does, with the fix', () => {
    const dir = workflowCopy('roles', {
      'agents/explorer.toml': 'name = "explorer"\ndescription = "reads"\nsandbox_mod = "read-only"\n',
    });
    const msgs = problems(dir);
    expect(msgs.some((m) => /explorer\.toml(:\d+)?: developer_instructions: .*\n  fix: add the required field `developer_instructions`/.test(m))).toBe(true);
    expect(msgs.some((m) => /explorer\.toml:3: sandbox_mod: [\s\S]*did you mean `sandbox_mode`/.test(m))).toBe(true);
  });

  test('bad values: sandbox mode, nicknames, max_threads', () => {
    const dir = workflowCopy('roles', {
      'agents/explorer.toml':
        'name = "explorer"\ndescription = "reads"\ndeveloper_instructions = "x"\nsandbox_mode = "read-write"\nnickname_candidates = ["Ada!", "Ada!"]\n',
      'config.toml': '[agents]\nmax_threads = 0\n',
    });
    const msgs = problems(dir).join('\n');
    expect(msgs).toMatch(/explorer\.toml:4: sandbox_mode: .*\n  fix: use one of: "read-only", "workspace-write", "danger-full-access"/);
    expect(msgs).toMatch(/nickname_candidates/);
    expect(msgs).toMatch(/config\.toml:2: agents\.max_threads: agents\.max_threads must be at least 1/);
  });

  test('agent files are held to what Codex 0.169 accepts (it ignores a file it rejects, and the role with it)', () => {
    const agent = (extra: string) => `name = "reviewer"\ndescription = "reviews"\ndeveloper_instructions = "x"\n${extra}\n`;
    const dir = workflowCopy('roles', {
      'agents/reviewer.toml': agent(
        'model_verbosity = "loud"\nmodel_reasoning_summary = "brief"\nweb_search = "on"\npersonality = "grumpy"\nhide_agent_reasoning = "yes"\nmodel_max_output_tokens = 5',
      ),
      'agents/explorer.toml': agent('name_x = 1\nmcp_servers = { docs = { args = ["serve"] } }\nhistory = { persistence = "always" }').replace(
        '"reviewer"',
        '"explorer"',
      ),
    });
    const msgs = problems(dir);
    const note = '(Codex would ignore this agent file and run without the role)';
    const says = (file: string, line: number, field: string, fix: string) => {
      const m = msgs.find((x) => x.includes(`${file}:${line}: ${field}: `)) ?? `nothing for ${file}:${line}: ${field}`;
      expect(m.split('\n  fix: ')[1], m).toContain(fix);
      expect(m.endsWith(note), m).toBe(true);
    };
    says('reviewer.toml', 4, 'model_verbosity', 'use one of: "low", "medium", "high"');
    says('reviewer.toml', 5, 'model_reasoning_summary', 'use one of: "auto", "concise", "detailed", "none"');
    says('reviewer.toml', 6, 'web_search', 'use one of: "disabled", "cached", "indexed", "live"');
    says('reviewer.toml', 7, 'personality', 'use one of: "none", "friendly", "pragmatic"');
    says('reviewer.toml', 8, 'hide_agent_reasoning', 'make `hide_agent_reasoning` a boolean');
    says('reviewer.toml', 9, 'model_max_output_tokens', 'remove or rename `model_max_output_tokens`');
    says('explorer.toml', 4, 'name_x', 'remove or rename `name_x`');
    says('explorer.toml', 5, 'mcp_servers.docs', 'correct `mcp_servers.docs`');
    says('explorer.toml', 6, 'history.persistence', 'use one of: "save-all", "none"');
    expect(msgs.join('\n')).toMatch(/mcp_servers\.docs: an MCP server needs a command \(stdio\) or a url/);
    // What Codex accepts loads.
    const ok = workflowCopy('roles', {
      'agents/reviewer.toml': agent(
        'model_verbosity = "low"\nmodel_reasoning_effort = "none"\nweb_search = "cached"\nmcp_servers = { docs = { command = "docs-mcp" } }',
      ),
    });
    expect(loadWorkflowDir(ok).roles.find((r) => r.name === 'reviewer')).toMatchObject({ reasoningEffort: 'none' });
  });

  test('a manifest path escaping the plugin root is an error naming the field', () => {
    const dir = workflowCopy('roles', { '.codex-plugin/plugin.json': '{"name": "roles", "skills": "../elsewhere/skills"}' });
    expect(
      problems(dir).some((m) =>
        /plugin\.json: skills: path "\.\.\/elsewhere\/skills" must start with "\.\/" and stay inside the plugin folder\n  fix: /.test(m),
      ),
    ).toBe(true);
    const abs = workflowCopy('roles', { '.codex-plugin/plugin.json': '{"name": "roles", "hooks": ["/etc/hooks.json"]}' });
    expect(problems(abs).some((m) => /plugin\.json: hooks\[0\]: path "\/etc\/hooks\.json"/.test(m))).toBe(true);
  });

  test('malformed hooks.json: bad JSON with the line, an unknown event with a suggestion', () => {
    const broken = workflowCopy('roles', { 'hooks/hooks.json': '{\n  "hooks": {\n    "PreToolUse": [\n  }\n' });
    expect(problems(broken).some((m) => /hooks\/hooks\.json:\d+: /.test(m))).toBe(true);
    const unknown = workflowCopy('roles', { 'hooks/hooks.json': '{"hooks": {"PreToolUSe": []}}' });
    expect(problems(unknown).some((m) => /hooks\.json:1: hooks\.PreToolUSe: [\s\S]*did you mean `PreToolUse`/.test(m))).toBe(true);
  });

  test('routing problems: an entry that does not exist, graph edges to unknown roles, a role named twice', () => {
    const entry = workflowCopy('roles', { 'bench.toml': 'routing = "description"\nentry = "boss"\n' });
    expect(problems(entry).some((m) => /bench\.toml: entry: entry role "boss" does not exist\n  fix: set entry to one of: /.test(m))).toBe(true);
    const graph = workflowCopy('roles', { 'bench.toml': 'routing = "graph"\n[graph]\nstart = "explorer"\n[[graph.edges]]\nfrom = "explorer"\nto = "coder"\n' });
    expect(problems(graph).some((m) => /graph\.edges\[0\]\.to: edge 1: role "coder" does not exist/.test(m))).toBe(true);
    const twice = workflowCopy('roles', { 'agents/copy.toml': 'name = "worker"\ndescription = "again"\ndeveloper_instructions = "x"\n' });
    expect(problems(twice).some((m) => /role "worker" is defined twice/.test(m))).toBe(true);
  });

  test('a role naming a skill the plugin does not have', () => {
    const dir = workflowCopy('roles');
    rmSync(join(dir, 'skills'), { recursive: true });
    expect(problems(dir).some((m) => /worker\.toml: skills\.config: skill "run-tests" not found/.test(m))).toBe(true);
  });

  test('a skills.config entry without `enabled` is refused, as Codex refuses the whole agent file', () => {
    const dir = workflowCopy('roles');
    const file = join(dir, 'agents', 'worker.toml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('{ name = "run-tests", enabled = true }', '{ name = "run-tests" }'));
    expect(problems(dir).some((m) => /worker\.toml:\d+: skills\.config\[0\]\.enabled: required: Codex ignores the whole agent file without it/.test(m))).toBe(
      true,
    );
  });
});
