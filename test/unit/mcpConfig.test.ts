// MCP servers as plugins configure them: the plugin's .mcp.json, config.toml and each agent file's
// [mcp_servers], merged per role; bench's [mcp.<server>] section; what the codex engine hands Codex;
// and the issue export the servers get, which never holds the task's answer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, test } from 'vitest';
import { codexMcpServers, prepareCodexHome } from '../../src/engine/codex/home.ts';
import { InputErrors } from '../../src/errors.ts';
import { issueExport } from '../../src/replay/issueExport.ts';
import type { Task } from '../../src/suite/load.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { MCP_STARTUP_TIMEOUT_SEC, MCP_TOOL_TIMEOUT_SEC } from '../../src/workflow/types.ts';
import { tmp, writeFiles } from '../helpers/fixtures.ts';
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

const explorer = (extra: string) => `name = "explorer"\ndescription = "Reads."\ndeveloper_instructions = "Read."\nsandbox_mode = "read-only"\n${extra}`;

describe('loading MCP servers', () => {
  test("plugin (.mcp.json), config.toml and agent files merge per role, later layers winning; enabled = false takes one away; ${PLUGIN_ROOT} is the plugin's folder", () => {
    const dir = workflowCopy('roles', {
      '.mcp.json': JSON.stringify({
        mcpServers: {
          tracker: { command: 'node', args: ['${PLUGIN_ROOT}/mcp/tracker.mjs'], env: { MODE: 'plugin' } },
          docs: { type: 'http', url: 'http://127.0.0.1:7000/mcp', headers: { 'X-Team': 'a' } },
        },
      }),
      'config.toml': `approval_policy = "never"\n[agents]\nmax_threads = 4\n[mcp_servers.search]\ncommand = "search-mcp"\ncwd = "tools"\nstartup_timeout_ms = 2500\n`,
      'agents/explorer.toml': explorer(
        '[mcp_servers.tracker]\ncommand = "tracker-mcp"\nenabled_tools = ["get_issue"]\ntool_timeout_sec = 5\nenv_vars = ["TRACKER_TOKEN"]\n[mcp_servers.docs]\nurl = "http://x"\nenabled = false\n',
      ),
    });
    const w = loadWorkflowDir(dir);
    const byRole = Object.fromEntries(w.roles.map((r) => [r.name, r.mcpServers ?? []]));
    const worker = Object.fromEntries(byRole.worker!.map((s) => [s.name, s]));
    expect(Object.keys(worker).sort()).toEqual(['docs', 'search', 'tracker']);
    expect(worker.tracker).toMatchObject({
      transport: 'stdio',
      command: 'node',
      args: [join(dir, 'mcp/tracker.mjs')],
      env: { MODE: 'plugin' },
      startupTimeoutSec: MCP_STARTUP_TIMEOUT_SEC,
      toolTimeoutSec: MCP_TOOL_TIMEOUT_SEC,
      sandbox: 'role',
      network: 'role',
    });
    expect(worker.docs).toMatchObject({ transport: 'http', url: 'http://127.0.0.1:7000/mcp', httpHeaders: { 'X-Team': 'a' } });
    expect(worker.search).toMatchObject({ command: 'search-mcp', cwd: join(dir, 'tools'), startupTimeoutSec: 2.5 });
    const ex = Object.fromEntries(byRole.explorer!.map((s) => [s.name, s]));
    expect(Object.keys(ex).sort()).toEqual(['search', 'tracker']);
    expect(ex.tracker).toMatchObject({ command: 'tracker-mcp', enabledTools: ['get_issue'], toolTimeoutSec: 5, envVars: ['TRACKER_TOKEN'], args: [] });
    expect(w.notes.join('\n')).not.toMatch(/not started/);
  });

  test('bench.toml [mcp.<server>] sets how a server runs; naming a server no role has, or a name that cannot be a tool name, is an error that says the fix', () => {
    const ok = loadWorkflowDir(
      workflowCopy('roles', {
        'agents/explorer.toml': explorer('[mcp_servers.web]\ncommand = "web-mcp"\n'),
        'bench.toml': `${readFileSync(join(SHIPPED, 'roles', 'bench.toml'), 'utf8')}\n[mcp.web]\nsandbox = "none"\nnetwork = "allow"\n`,
      }),
    );
    expect(ok.roles.find((r) => r.name === 'explorer')!.mcpServers![0]).toMatchObject({ name: 'web', sandbox: 'none', network: 'allow' });

    const msgs = problems(
      workflowCopy('roles', {
        'agents/explorer.toml': explorer('[mcp_servers."my server"]\ncommand = "x"\n'),
        'bench.toml': `${readFileSync(join(SHIPPED, 'roles', 'bench.toml'), 'utf8')}\n[mcp.tracker]\nsandbox = "none"\n`,
      }),
    ).join('\n');
    expect(msgs).toMatch(/MCP server name "my server" cannot be part of a tool name[\s\S]*fix: use letters, digits/);
    expect(msgs).toMatch(/bench\.toml: mcp\.tracker: \[mcp\.tracker\] names an MCP server no role has/);
  });

  test('a bad .mcp.json names the file, the field and the fix', () => {
    const msgs = problems(workflowCopy('roles', { '.mcp.json': JSON.stringify({ mcpServers: { t: { args: ['x'] } } }) })).join('\n');
    expect(msgs).toMatch(/\.mcp\.json:\d+: mcpServers\.t: an MCP server needs a command \(stdio\) or a url \(streamable HTTP\), one of them/);
  });

  test('the shipped MCP triage plugin: the triager has the tracker, the orchestrator has none', () => {
    const w = loadWorkflowDir(join(SHIPPED, 'triage-mcp'));
    const triager = w.roles.find((r) => r.name === 'triager')!;
    expect(triager.mcpServers!.map((s) => [s.name, s.command, s.args])).toEqual([['tracker', 'node', [join(SHIPPED, 'triage-mcp', 'mcp/tracker.mjs')]]]);
    expect(w.roles.find((r) => r.name === 'orchestrator')!.mcpServers).toEqual([]);
    expect(w.hooks.map((h) => h.matcher)).toContain('^mcp__tracker__close_issue$');
    expect(w.approver.rules[0]).toMatchObject({ decision: 'deny', tool: 'mcp__tracker__*' });
  });
});

describe('the codex engine hands Codex the same servers', () => {
  test('resolved [mcp_servers] in the session config (entry role) and in each agent file, with the trial variables in env', async () => {
    const dir = workflowCopy('roles', {
      'config.toml': 'approval_policy = "never"\n[agents]\nmax_threads = 4\n',
      'agents/explorer.toml': explorer(
        '[mcp_servers.tracker]\ncommand = "node"\nargs = ["${PLUGIN_ROOT}/t.mjs"]\nenv_vars = ["TOKEN"]\ntool_timeout_sec = 7\n',
      ),
      'agents/orchestrator.toml': `${readFileSync(join(SHIPPED, 'roles', 'agents', 'orchestrator.toml'), 'utf8')}\n[mcp_servers.web]\nurl = "http://127.0.0.1:1/mcp"\nbearer_token_env_var = "WEB_TOKEN"\n`,
    });
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, '.codex-plugin'), { recursive: true }); // no plugin to install: no Codex binary needed
    const w = loadWorkflowDir(dir);
    const home = join(tmp(), 'codex-home');
    const file = await prepareCodexHome({
      dir: home,
      codex: { path: '/nonexistent/codex', version: '0.169.0' },
      workflow: w,
      provider: { baseUrl: 'http://127.0.0.1:9/v1', model: 'sim', simulated: true, headers: {} },
      sandbox: 'read-only',
      networkAccess: false,
      workspace: '/work/tree',
      env: {},
      mcpEnv: { BENCH_ISSUES_FILE: '/scratch/issues.json' },
    });
    const config = parse(readFileSync(file, 'utf8')) as Record<string, any>;
    expect(config.mcp_servers).toEqual({
      web: { url: 'http://127.0.0.1:1/mcp', bearer_token_env_var: 'WEB_TOKEN', startup_timeout_sec: 10, tool_timeout_sec: 60 },
    });
    const agent = parse(readFileSync(join(home, 'agents', 'explorer.toml'), 'utf8')) as Record<string, any>;
    expect(agent.mcp_servers).toEqual({
      tracker: {
        command: 'node',
        args: [join(dir, 't.mjs')],
        env: { BENCH_ISSUES_FILE: '/scratch/issues.json' },
        env_vars: ['TOKEN'],
        startup_timeout_sec: 10,
        tool_timeout_sec: 7,
      },
    });
    expect(agent.name).toBe('explorer');
    expect(codexMcpServers([])).toEqual({});
  });
});

describe('the issue export MCP servers get', () => {
  const task = (id: string, number: number, title: string, labels: string[]): Task =>
    ({
      id,
      kind: 'triage',
      repo: 'taskbox',
      issue: { number, title, body: `${title} body` },
      expected: { labels, priority: 'p1', component: 'src/x.js', duplicate_of: null, needs_info: false },
    }) as unknown as Task;

  test("the repository's export, the suite's other issues and the task's own issue, open and unlabelled: never its expected answer", () => {
    const ws = tmp('bench-export-');
    writeFiles(ws, {
      '.github/issues.json': JSON.stringify([
        { number: 1, title: 'Old', body: 'old', state: 'CLOSED', labels: [{ name: 'bug' }] },
        // The repository's export already holds the task's issue, labelled: that is the answer; it must go.
        { number: 40, title: 'Repeating tasks', body: 'b', state: 'open', labels: ['feature', 'parser', 'duplicate'] },
      ]),
      '.github/labels.json': JSON.stringify([{ name: 'bug', description: 'broken' }, 'feature']),
    });
    const me = task('me', 40, 'Repeating tasks', ['feature', 'parser', 'duplicate']);
    const other = task('other', 41, 'Tab completion', ['feature', 'cli']);
    const elsewhere = { ...task('elsewhere', 42, 'Other repo', ['x']), repo: 'other' } as unknown as Task;
    const e = issueExport(me, ws, [me, other, elsewhere]);
    expect(e.issues.map((i) => [i.number, i.state, i.labels])).toEqual([
      [1, 'closed', ['bug']],
      [40, 'open', []],
      [41, 'open', []],
    ]);
    expect(e.labels).toEqual([{ name: 'bug', description: 'broken' }, { name: 'feature' }]);
    const text = JSON.stringify(e);
    expect(text).not.toMatch(/parser|cli|p1|src\/x\.js/);
  });

  test('a link where the export should be is not followed', async () => {
    const ws = tmp('bench-export-');
    const { mkdirSync, symlinkSync } = await import('node:fs');
    mkdirSync(join(ws, '.github'));
    writeFiles(tmp('bench-secret-'), {});
    symlinkSync('/etc/passwd', join(ws, '.github', 'issues.json'));
    expect(issueExport(task('me', 1, 'x', []), ws, []).issues.map((i) => i.number)).toEqual([1]);
  });
});
