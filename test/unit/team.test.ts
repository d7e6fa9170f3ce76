// The team figures from an event log: routes, file accesses per role call, write overlaps, reads of
// unfinished work; the route rule language; the routes and the matrix in the report.
import { describe, expect, test } from 'vitest';
import { accessMatrix, routeFrequencies } from '../../src/analyze/team.ts';
import { InputError, InputErrors } from '../../src/errors.ts';
import type { TrialEvent } from '../../src/record/schema.ts';
import { teamFigures } from '../../src/replay/team.ts';
import { compileRoute, routeMatches, ruleFor } from '../../src/workflow/routes.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { sampleRecord } from '../helpers/records.ts';
import { join } from 'node:path';
import type { z } from 'zod';
import { RunDir } from '../../src/record/runDir.ts';
import type { RunManifest } from '../../src/record/schema.ts';
import { buildReportData, loadRun, MARKDOWN_LIMITS } from '../../src/report/data.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { bench } from '../helpers/cli.ts';
import { tmp } from '../helpers/fixtures.ts';
import { workflowCopy } from '../helpers/workflows.ts';

/** Events as the sdk engine logs them: role calls (subagent start/end) and tool calls within them. */
class Log {
  readonly events: TrialEvent[] = [];
  private n = 0;
  start(t: number, role: string, input = 'do it') {
    const call_id = `c${++this.n}`;
    this.events.push({ t, type: 'subagent', role, call_id, state: 'start', agent: `${role}-${call_id}`, input_bytes: input.length, input_tokens: 2 });
    return `${role}-${call_id}`;
  }
  end(t: number, agent: string) {
    const [role, call_id] = agent.split('-');
    this.events.push({ t, type: 'subagent', role, call_id, state: 'end' });
  }
  tool(t: number, agent: string | null, role: string, tool: string, result: Record<string, unknown>, input = '{}') {
    const call_id = `t${++this.n}`;
    this.events.push({ t: t - 1, type: 'tool_call', role, call_id, tool, input, ...(agent ? { agent } : {}) });
    this.events.push({ t, type: 'tool_result', role, call_id, tool, ok: true, ...result });
  }
  sorted() {
    return [...this.events].sort((a, b) => a.t - b.t);
  }
}

describe('teamFigures', () => {
  test('two role calls running at once that both write a file: one overlap; sequential writes: none', () => {
    const log = new Log();
    const a = log.start(10, 'worker');
    const b = log.start(11, 'helper');
    log.tool(20, a, 'worker', 'apply_patch', { applied: true, files: ['src/a.js'] });
    log.tool(30, b, 'helper', 'apply_patch', { applied: true, files: ['./src/a.js'] });
    log.end(40, a);
    log.end(41, b);
    // A later call writing the same file, after both ended: not concurrent.
    const c = log.start(50, 'worker');
    log.tool(60, c, 'worker', 'apply_patch', { applied: true, files: ['src/a.js'] });
    log.end(70, c);
    const team = teamFigures({ events: log.sorted(), kind: 'pr' });
    expect(team.write_overlaps).toEqual([{ file: 'src/a.js', calls: [b, a].sort() as [string, string], roles: expect.any(Array), t_ms: 30 }]);
    expect([...team.write_overlaps[0]!.roles].sort()).toEqual(['helper', 'worker']);
    expect(team.route.map((r) => [r.role, r.start_ms, r.end_ms, r.input_bytes])).toEqual([
      ['worker', 10, 40, 5],
      ['helper', 11, 41, 5],
      ['worker', 50, 70, 5],
    ]);
  });

  test('a write made before the other call started is not an overlap, even if both calls later overlap', () => {
    const log = new Log();
    const a = log.start(10, 'worker');
    log.tool(12, a, 'worker', 'apply_patch', { applied: true, files: ['x.md'] });
    const b = log.start(20, 'helper');
    log.end(25, a);
    log.tool(30, b, 'helper', 'apply_patch', { applied: true, files: ['x.md'] });
    log.end(40, b);
    expect(teamFigures({ events: log.sorted(), kind: 'pr' }).write_overlaps).toEqual([]);
  });

  test('a read of a file another running call wrote is a dependency; after the writer ended it is not', () => {
    const log = new Log();
    const w = log.start(10, 'worker');
    const r = log.start(11, 'explorer');
    log.tool(20, w, 'worker', 'apply_patch', { applied: true, files: ['src/a.js'] });
    log.tool(25, r, 'explorer', 'read_file', { path: 'src/a.js', file: 'src/a.js', bytes: 10 });
    log.tool(26, r, 'explorer', 'read_file', { path: 'src/b.js', file: 'src/b.js', bytes: 10 }); // nobody wrote it
    log.end(30, w);
    log.tool(35, r, 'explorer', 'grep_files', { matches: 2, files: ['src/a.js'] }); // the writer has finished
    log.end(40, r);
    const team = teamFigures({ events: log.sorted(), kind: 'pr' });
    expect(team.concurrent_dependencies).toEqual([{ file: 'src/a.js', reader: r, writer: w, reader_role: 'explorer', writer_role: 'worker', t_ms: 25 }]);
    // A read before the write is no dependency either.
    const log2 = new Log();
    const w2 = log2.start(10, 'worker');
    const r2 = log2.start(11, 'explorer');
    log2.tool(15, r2, 'explorer', 'read_file', { path: 'src/a.js', file: 'src/a.js' });
    log2.tool(20, w2, 'worker', 'apply_patch', { applied: true, files: ['src/a.js'] });
    expect(teamFigures({ events: log2.sorted(), kind: 'pr' }).concurrent_dependencies).toEqual([]);
  });

  test('accesses: file tools, observed command writes, names a command reads; failed and denied calls count for nothing', () => {
    const log = new Log();
    const w = log.start(10, 'worker');
    log.tool(20, w, 'worker', 'exec_command', { exit_code: 0, writes: ['dist/out.js', '.git/index'], reads_named: ['src/a.js', '/etc/passwd'] });
    log.tool(30, w, 'worker', 'read_file', { path: '/tmp/bench-skills/x/SKILL.md', bytes: 3 }); // a skill, not a worktree file
    log.tool(40, w, 'worker', 'apply_patch', { applied: false, files: [] });
    log.events.push({ t: 45, type: 'tool_result', role: 'worker', call_id: 'denied', tool: 'apply_patch', ok: false, denied: true, stage: 'hook' });
    log.end(50, w);
    const team = teamFigures({ events: log.sorted(), kind: 'pr' });
    expect(team.access.map((a) => [a.role, a.call, a.file, a.op, a.source])).toEqual([
      ['worker', w, 'dist/out.js', 'write', 'observed'],
      ['worker', w, 'src/a.js', 'read', 'named'],
    ]);
  });

  test("a change seen while a command ran that another call's edit explains is the editor's, not the command's", () => {
    const log = new Log();
    const a = log.start(10, 'worker');
    const b = log.start(11, 'helper');
    log.events.push({ t: 15, type: 'tool_call', role: 'helper', call_id: 'cmd', tool: 'exec_command', agent: b, input: '{}' });
    log.tool(20, a, 'worker', 'apply_patch', { applied: true, files: ['NOTES.md'] });
    log.events.push({ t: 25, type: 'tool_result', role: 'helper', call_id: 'cmd', tool: 'exec_command', ok: true, writes: ['NOTES.md', 'out.txt'] });
    const team = teamFigures({ events: log.sorted(), kind: 'pr' });
    expect(team.access.filter((x) => x.op === 'write').map((x) => [x.role, x.file])).toEqual([
      ['worker', 'NOTES.md'],
      ['helper', 'out.txt'],
    ]);
    expect(team.write_overlaps).toEqual([]);
  });

  test('without agent ids (codex), a tool call belongs to the call of its role running then; the entry role has call null', () => {
    const events: TrialEvent[] = [
      { t: 1, type: 'tool_call', role: 'orchestrator', call_id: 'x1', tool: 'exec_command', input: '{}', command: "cat -- 'README.md'" },
      { t: 2, type: 'tool_result', role: 'orchestrator', call_id: 'x1', tool: 'exec_command', ok: true, exit_code: 0 },
      { t: 5, type: 'subagent', role: 'worker', call_id: 'thread-1', state: 'start' },
      { t: 6, type: 'tool_call', role: 'worker', call_id: 'x2', tool: 'apply_patch', input: '*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch' },
      { t: 7, type: 'tool_result', role: 'worker', call_id: 'x2', tool: 'apply_patch', ok: true },
      { t: 9, type: 'subagent', role: 'worker', call_id: 'thread-1', state: 'end' },
    ];
    const team = teamFigures({ events, kind: 'pr' });
    expect(team.access.map((a) => [a.role, a.call, a.file, a.op])).toEqual([
      ['orchestrator', null, 'README.md', 'read'],
      ['worker', 'thread-1', 'a.txt', 'write'],
    ]);
    expect(team.route).toEqual([{ role: 'worker', call: 'thread-1', start_ms: 5, end_ms: 9, input_bytes: null, input_tokens: null }]);
  });

  test('the route is checked against the rule of the task kind, else the default; no rule: misrouted is null', () => {
    const log = new Log();
    log.end(2, log.start(1, 'explorer'));
    log.end(4, log.start(3, 'reviewer'));
    const roles = ['explorer', 'worker', 'reviewer'];
    const routes = {
      default: compileRoute(['explorer', '(worker reviewer)+'], roles, { field: 'routes.default.expect' }),
      triage: compileRoute(['explorer', '_*'], roles, { field: 'routes.triage.expect' }),
    };
    expect(teamFigures({ events: log.sorted(), kind: 'pr', routes })).toMatchObject({ misrouted: true, expected_route: 'explorer (worker reviewer)+' });
    expect(teamFigures({ events: log.sorted(), kind: 'triage', routes })).toMatchObject({ misrouted: false, expected_route: 'explorer _*' });
    expect(teamFigures({ events: log.sorted(), kind: 'pr' })).toMatchObject({ misrouted: null, expected_route: null });
  });
});

describe('route rules', () => {
  const roles = ['explorer', 'worker', 'reviewer'];
  const rule = (...steps: string[]) => compileRoute(steps, roles, { file: 'bench.toml', field: 'routes.pr.expect' });

  test('sequences, groups, alternatives, quantifiers and the any-role step', () => {
    const r = rule('explorer', '(worker reviewer)+');
    expect(routeMatches(r, ['explorer', 'worker', 'reviewer'])).toBe(true);
    expect(routeMatches(r, ['explorer', 'worker', 'reviewer', 'worker', 'reviewer'])).toBe(true);
    expect(routeMatches(r, ['explorer', 'worker', 'worker', 'reviewer'])).toBe(false); // a worker without its review
    expect(routeMatches(r, ['worker', 'reviewer'])).toBe(false);
    expect(routeMatches(r, ['explorer', 'worker', 'reviewer', 'explorer'])).toBe(false); // the whole route must match
    expect(routeMatches(rule('explorer?', 'worker+'), ['worker'])).toBe(true);
    expect(routeMatches(rule('(explorer|reviewer)', '_*'), ['reviewer', 'worker', 'explorer'])).toBe(true);
    expect(routeMatches(rule('_'), [])).toBe(false);
    expect(routeMatches(rule('worker*'), [])).toBe(true);
    // A role name is matched whole: "work" is not "worker".
    expect(routeMatches(compileRoute(['work'], ['work', 'worker'], { field: 'f' }), ['worker'])).toBe(false);
    expect(ruleFor({ pr: r }, 'docs')).toBeNull();
  });

  test.each([
    [['explorer', 'wrker'], 'routes.pr.expect[1]', /role "wrker" does not exist/, /use one of: explorer, worker, reviewer/],
    [['explorer', '(worker reviewer'], 'routes.pr.expect[1]', /unbalanced "\("/, /close every group/],
    [['worker)'], 'routes.pr.expect[0]', /unbalanced "\)"/, /open every group/],
    [['+worker'], 'routes.pr.expect[0]', /"\+" must follow a role name or a group/, /role names/],
    [['worker|reviewer'], 'routes.pr.expect[0]', /"\|" outside a group/, /\(reviewer\|critic\)/],
    [['(worker|)'], 'routes.pr.expect[0]', /empty group or alternative/, /role names/],
    [['worker', ' '], 'routes.pr.expect[1]', /an empty step/, /remove it/],
    [['worker{2}'], 'routes.pr.expect[0]', /unexpected "\{" at character 7/, /role names/],
  ])('%j is refused with the field and a fix', (steps, field, message, fix) => {
    let err: unknown;
    try {
      rule(...steps);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.file).toBe('bench.toml');
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(e.fix).toMatch(fix);
  });

  test('bench.toml [routes]: loaded per kind; a bad rule or kind stops loading with file, field and fix', () => {
    const ok = loadWorkflowDir(workflowCopy('roles'));
    expect(ok.routes?.default?.text).toBe('explorer (worker reviewer)+');
    expect(ok.routes?.triage?.text).toBe('explorer');
    const base = '[roles.explorer]\noutput = "exploration"\n';
    const errorsOf = (toml: string) => {
      try {
        loadWorkflowDir(workflowCopy('roles', { 'bench.toml': `routing = "description"\n${base}${toml}` }));
      } catch (e) {
        return e instanceof InputErrors ? e.errors : [e as InputError];
      }
      throw new Error('loaded');
    };
    const [bad] = errorsOf('[routes.pr]\nexpect = ["explorer", "orchestrator"]\n');
    // The entry role of description routing is not a call of the route.
    expect(bad!.format()).toMatch(/bench\.toml: routes\.pr\.expect\[1\]: role "orchestrator" does not exist\n {2}fix: use one of: explorer, reviewer, worker/);
    const [kind] = errorsOf('[routes.feature]\nexpect = ["explorer"]\n');
    expect(kind!.format()).toMatch(/bench\.toml:\d+: routes\.feature: not a task kind: use pr, docs, triage or default/);
    const [empty] = errorsOf('[routes.pr]\nexpect = []\n');
    expect(empty!.format()).toMatch(/routes\.pr\.expect/);
  });

  test('bench workflow check: prints the expected routes; a bad rule exits 2 with the file, field and fix, no stack trace', async () => {
    const good = await bench(['workflow', 'check', workflowCopy('roles')]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/expected route \(default\): explorer \(worker reviewer\)\+/);
    const dir = workflowCopy('roles', { 'bench.toml': 'routing = "description"\n[routes.docs]\nexpect = ["explorer", "(worker reviewr)+"]\n' });
    const bad = await bench(['workflow', 'check', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bench\.toml: routes\.docs\.expect\[1\]: role "reviewr" does not exist\n\s+fix: use one of: explorer, reviewer, worker/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('routes and the access matrix over trials', () => {
  const team = (route: string[], access: Array<[string, string, 'read' | 'write']>, misrouted: boolean | null = null, overlaps: string[] = []) => ({
    route: route.map((role, i) => ({ role, call: `${role}-${i}`, start_ms: i, end_ms: i + 1, input_bytes: 1, input_tokens: 1 })),
    expected_route: misrouted === null ? null : 'explorer worker',
    misrouted,
    access: access.map(([role, file, op], i) => ({ role, call: null, file, op, source: 'tool' as const, t_ms: i, tool_call: `t${i}` })),
    access_dropped: 0,
    write_overlaps: overlaps.map((file) => ({ file, calls: ['a', 'b'] as [string, string], roles: ['worker', 'helper'] as [string, string], t_ms: 1 })),
    concurrent_dependencies: [],
  });

  test('route frequencies count trials per route and the misrouted ones; infra errors and old records are left out', () => {
    const rs = [
      sampleRecord({ team: team(['explorer', 'worker'], [], false) }),
      sampleRecord({ team: team(['explorer', 'worker'], [], false) }),
      sampleRecord({ team: team(['reviewer', 'worker'], [], true) }),
      sampleRecord({ team: null }),
      sampleRecord({ status: 'infra_error', team: team(['worker'], [], true) }),
    ];
    expect(routeFrequencies(rs)).toEqual([
      { route: 'explorer → worker', trials: 2, misrouted: 0 },
      { route: 'reviewer → worker', trials: 1, misrouted: 1 },
    ]);
  });

  test('the matrix counts trials per role and file (a file read twice in a trial counts once), overlapped files first', () => {
    const rs = [
      sampleRecord({
        team: team(
          [],
          [
            ['explorer', 'a.js', 'read'],
            ['explorer', 'a.js', 'read'],
            ['worker', 'a.js', 'write'],
          ],
        ),
      }),
      sampleRecord({
        team: team(
          [],
          [
            ['worker', 'a.js', 'write'],
            ['worker', 'NOTES.md', 'write'],
            ['helper', 'NOTES.md', 'write'],
          ],
          null,
          ['NOTES.md'],
        ),
      }),
    ];
    const m = accessMatrix(rs);
    expect(m.roles).toEqual(['explorer', 'helper', 'worker']);
    expect(m.trials).toBe(2);
    expect(m.files).toEqual([
      { file: 'NOTES.md', cells: { worker: { read: 0, write: 1 }, helper: { read: 0, write: 1 } }, overlaps: 1 },
      { file: 'a.js', cells: { explorer: { read: 1, write: 0 }, worker: { read: 0, write: 2 } }, overlaps: 0 },
    ]);
  });
});

describe('the report', () => {
  /** A run of two workflows: one always on its route, one that mis-routes once and has two roles write one file at once. */
  function teamRun(): string {
    const run = new RunDir(join(tmp('bench-results-'), 'team'));
    const manifest: z.input<typeof RunManifest> = {
      schema: 1,
      run_id: 'team',
      created_at: '2026-01-01T00:00:00.000Z',
      harness: { version: '0.1.0', git_sha: null },
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      sandbox: { backend: 'bwrap', detail: 'test' },
      suite: { name: 'suite', dir: '.', digest: 'sha256:0', tasks: 2 },
      workflows: [
        { name: 'roles', source: 'roles', digest: 'sha256:0' },
        { name: 'roles-overlap', source: 'roles-overlap', digest: 'sha256:1' },
      ],
      engine: 'sdk',
      model: { backend: 'sim', name: 'sim', base_url: null, api: null, simulated: true, sim_profile: null },
      prices: {},
      seed: 0,
      repeat: 1,
      concurrency: 1,
      filters: { limit: null, tasks: [] },
      shard: null,
      trials_planned: 4,
      command: ['test'],
    };
    run.writeManifest(manifest);
    const call = (role: string, i: number) => ({ role, call: `${role}-${i}`, start_ms: i * 10, end_ms: i * 10 + 5, input_bytes: 100, input_tokens: 25 });
    const access = (role: string, file: string, op: 'read' | 'write', i: number) => ({
      role,
      call: `${role}-${i}`,
      file,
      op,
      source: 'tool' as const,
      t_ms: i,
      tool_call: `t${i}`,
    });
    const good = {
      route: [call('explorer', 1), call('worker', 2), call('reviewer', 3)],
      expected_route: 'explorer (worker reviewer)+',
      misrouted: false,
      access: [access('explorer', 'src/a.js', 'read', 1), access('worker', 'src/a.js', 'write', 2), access('reviewer', 'src/a.js', 'read', 3)],
      access_dropped: 0,
      write_overlaps: [],
      concurrent_dependencies: [],
    };
    const bad = {
      ...good,
      route: [call('reviewer', 1), call('worker', 2), call('helper', 2), call('reviewer', 3)],
      misrouted: true,
      access: [access('worker', '<img src=x>.md', 'write', 2), access('helper', '<img src=x>.md', 'write', 2)],
      write_overlaps: [
        { file: '<img src=x>.md', calls: ['helper-2', 'worker-2'] as [string, string], roles: ['helper', 'worker'] as [string, string], t_ms: 2 },
      ],
    };
    for (const [wf, teams] of [
      ['roles', [good, good]],
      ['roles-overlap', [bad, good]],
    ] as const)
      teams.forEach((team, i) => run.append(sampleRecord({ trial_id: `t${i}__${wf}`, task_id: `t${i}`, workflow: wf, team })));
    return run.dir;
  }

  test('HTML: routes with their share and the misrouted ones, the role x file matrix per workflow and per trial, file names escaped', async () => {
    const dir = teamRun();
    const html = await renderHtml(buildReportData([loadRun(dir)]), { outFile: join(dir, 'report.html') });
    const team = html.slice(html.indexOf('<section id="team">'), html.indexOf('</section>', html.indexOf('<section id="team">')));
    expect(team).toContain('<td>explorer → worker → reviewer</td><td class="num">2</td><td class="num">100%</td>');
    expect(team).toContain('<td>reviewer → worker → helper → reviewer</td><td class="num">1</td><td class="num">50%</td><td class="bad">misrouted (1)</td>');
    expect(team).toContain('expected: explorer (worker reviewer)+');
    // roles: explorer read a.js in both trials, the worker wrote it in both.
    expect(team).toMatch(
      /<tr><td>src\/a\.js<\/td><td class="num">R2<\/td><td class="num">R2<\/td><td class="num"><b>W2<\/b><\/td><td class="num">0<\/td><\/tr>/,
    );
    // An overlapped file comes first, with its overlap count, and its untrusted name escaped.
    expect(team).toContain('<td>&lt;img src=x&gt;.md</td>');
    expect(team).toMatch(/&lt;img src=x&gt;\.md<\/td>(<td[^>]*>[^<]*(<b>W1<\/b>)?<\/td>)+<td class="bad num">1<\/td>/);
    expect(html).not.toContain('<img src=x>');
    expect(html).toContain('misrouted');
    // The headline table has the new metrics.
    expect(html).toMatch(/<th title="Trials whose route[^"]*">misrouted/);
    // The per-trial matrix and route travel with the trial's data for the drawer.
    const data = JSON.parse(html.slice(html.indexOf('id="bench-data">') + 16, html.indexOf('</script>', html.indexOf('id="bench-data">')))) as {
      trials: Array<{ wf: string; team: { route: string; misrouted: boolean; roles: string[]; matrix: string[][]; overlaps: string[] } }>;
    };
    const t = data.trials.find((x) => x.wf === 'roles-overlap' && x.team.misrouted)!;
    expect(t.team.route).toBe('reviewer → worker → helper → reviewer');
    expect(t.team.roles).toEqual(['helper', 'worker']);
    expect(t.team.matrix).toEqual([['<img src=x>.md', 'W', 'W']]);
    expect(t.team.overlaps).toEqual(['<img src=x>.md: helper and worker']);
  });

  test('markdown: the routes per workflow, misrouted counts and the files two running roles wrote', () => {
    const md = renderMarkdown(buildReportData([loadRun(teamRun())], MARKDOWN_LIMITS));
    expect(md).toContain('### Routes');
    expect(md).toMatch(/- roles: explorer → worker → reviewer 100%\./);
    expect(md).toMatch(
      /- roles-overlap: explorer → worker → reviewer 50%; reviewer → worker → helper → reviewer 50% \(1 misrouted\)\. Written by two running roles at once: .*img src=x.*\.md \(1\)\./,
    );
    expect(md).toMatch(/\| misrouted ↓ \| 0% \(0%–66%\) \| 50% \(9\.5%–91%\) \|/);
  });
});
