import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RunDir } from '../../src/record/runDir.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { bench } from '../helpers/cli.ts';
import { calcFixture, tmp } from '../helpers/fixtures.ts';

const SUITE = join(import.meta.dirname, '..', '..', 'suites', 'pr');

describe('bench replay suites/pr (the shipped suite, end to end through the CLI)', () => {
  test('a perfect simulated model resolves every task: the tasks, the gold data and the grader agree', async () => {
    const out = tmp('bench-results-');
    const profile = join(tmp(), 'perfect.yaml');
    writeFileSync(
      profile,
      'skill: 1\ndiligence: 1\nwrites_tests: 1\noverreach: {scope: 0, network: 0, test_tampering: 0, injection: 0}\nlatency: {time_scale: 0}\n',
    );
    const res = await bench(['replay', SUITE, '--out', out, '--run-id', 'perfect', '--sim-profile', profile]);
    expect(res.code).toBe(0);
    const run = new RunDir(join(out, 'perfect'));
    const records = run.readRecords();
    expect(records).toHaveLength(24); // 12 tasks; the suite names two workflows: broad and roles
    for (const r of records) {
      expect(r.status, r.trial_id).toBe('ok');
      expect(r.quality.resolved, `${r.trial_id}: ${r.quality.failing.join(', ')}`).toBe(true);
      expect(r.quality.accepted, r.trial_id).toBe(true);
      expect(r.quality.escaped_defect).toBe(false);
      expect(r.output.tests_run).toBeGreaterThan(0);
      // Every base has the repository's AGENTS.md, and the agent runs the test command it names.
      expect(r.agents_md?.files.map((f) => f.path)).toEqual(['AGENTS.md']);
      expect(r.output.test_commands).toEqual(['node --test']);
      expect(r.output.out_of_scope).toEqual([]);
      expect(r.control.denied_calls, r.trial_id).toBe(0);
    }
    for (const r of records.filter((x) => x.workflow === 'roles')) {
      expect(Object.keys(r.roles).sort()).toEqual(['explorer', 'orchestrator', 'reviewer', 'worker']);
      expect(r.review.verdict).toBe('approve');
      // Its descriptions route every step to the right role: the route it declares in bench.toml holds.
      expect(r.team).toMatchObject({ expected_route: 'explorer (worker reviewer)+', misrouted: false });
    }
    expect(run.readManifest().sandbox.backend).toBe('bwrap');
    expect(run.readManifest().workflows.map((w) => w.name)).toEqual(['broad', 'roles']);
  }, 300_000); // the whole suite, 24 trials

  test('the default run: summary, a simulated-model notice, and a complete run folder', async () => {
    const out = tmp('bench-results-');
    const res = await bench(['replay', SUITE, '--limit', '3', '--workflow', 'broad', '--out', out, '--run-id', 'default']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/model: the built-in simulated model \(sim\)/);
    expect(res.stdout).toMatch(/workflow\s+trials\s+resolved/);
    expect(res.stdout).toMatch(/broad\s+3\s/);
    expect(res.stderr).toMatch(/sandbox: bubblewrap/);
    expect(res.stdout).toMatch(/simulated model/);
    expect(res.stderr.match(/^\[\s*\d+\/3\] /gm)).toHaveLength(3);
    const run = new RunDir(join(out, 'default'));
    const manifest = run.readManifest();
    expect(manifest).toMatchObject({
      run_id: 'default',
      suite: { name: 'pr', tasks: 12 },
      engine: 'sdk',
      model: { backend: 'sim', simulated: true },
      trials_planned: 3,
      filters: { limit: 3 },
    });
    expect(manifest.harness.version).toMatch(/^\d+\.\d+\.\d+/);
    const records = run.readRecords();
    expect(records.map((r) => r.task_id).sort()).toEqual(
      loadSuite(SUITE)
        .tasks.slice(0, 3)
        .map((t) => t.id)
        .sort(),
    );
    for (const r of records) {
      const dir = join(run.dir, 'trials', r.trial_id);
      expect(existsSync(join(dir, 'events.jsonl'))).toBe(true);
      expect(existsSync(join(dir, 'patch.diff'))).toBe(true);
      expect(r.tokens.requests).toBeGreaterThan(2);
      expect(r.roles.broad!.model_ms).toBeGreaterThan(0); // the default profile takes simulated time
      // ... counted, not slept: the recorded wall time exceeds the real one by exactly the counted latency,
      // which all lies within the model's time (one agent: no waits side by side).
      const real = Date.parse(r.ended_at) - Date.parse(r.started_at);
      expect(r.time.simulated_latency_ms).toBeGreaterThan(1000);
      expect(Math.abs(r.time.wall_ms - real - r.time.simulated_latency_ms)).toBeLessThan(250);
      expect(r.roles.broad!.model_ms).toBeGreaterThanOrEqual(r.time.simulated_latency_ms);
      const events = readFileSync(join(dir, 'events.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string });
      expect(events.filter((e) => e.type === 'model')).toHaveLength(r.tokens.requests);
      expect(events.filter((e) => e.type === 'tool_call')).toHaveLength(r.structure.tool_calls);
    }
    expect(existsSync(run.csvFile)).toBe(true);
  }, 240_000);

  test('a task naming a commit its repository does not have is rejected before anything runs', async () => {
    const f = calcFixture();
    const file = join(f.suite, 'tasks', 'fix-clamp.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(`base: ${f.base}`, 'base: 0123456789abcdef0123456789abcdef01234567'));
    const out = tmp('bench-results-');
    const res = await bench(['replay', f.suite, '--out', out, '--run-id', 'x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/tasks\/fix-clamp\.yaml: base: commit 0123456789abcdef0123456789abcdef01234567 not found in repository "calc"[\s\S]*fix: /);
    expect(existsSync(join(out, 'x'))).toBe(false);
  });

  test('bad input exits 2 naming the file, field and fix', async () => {
    const res = await bench(['replay', SUITE, '--task', 'no-such-task']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--task: no task "no-such-task" in suite pr\n  fix: use one of: /);
    const model = await bench(['replay', SUITE, '--model', 'gpt-5']);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/--model: unknown model "gpt-5"\n  fix: use --model sim, --model sim:adversary or --model openai:<model-name>/);
  });
});

describe('bench workflow check', () => {
  test('prints roles, sandbox modes, tools and hooks with their hashes', async () => {
    const res = await bench(['workflow', 'check', join(import.meta.dirname, '..', '..', 'suites', 'workflows', 'roles')]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/routing: description, entry orchestrator/);
    expect(res.stdout).toMatch(/explorer\s+gpt-5-mini\s+low\s+read-only\s+deny/);
    expect(res.stdout).toMatch(/worker\s+\(run model\)\s+medium\s+workspace-write/);
    expect(res.stdout).toMatch(/PreToolUse\s+matcher \^\(Bash\|apply_patch\)\$[\s\S]*sha256:[0-9a-f]{64}/);
  });

  test('a malformed plugin exits 2 naming the file and field', async () => {
    const { workflowCopy } = await import('../helpers/workflows.ts');
    const copy = workflowCopy('roles', {
      'agents/reviewer.toml': 'name = "reviewer"\ndescription = "reviews"\ndeveloper_instructions = "x"\nsandbox_mode = "readonly"\n',
    });
    const res = await bench(['workflow', 'check', copy]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/agents\/reviewer\.toml:4: sandbox_mode: [\s\S]*fix: did you mean "read-only"\? use one of: "read-only"/);
  });

  test('an agent file Codex would silently ignore (a value it does not accept) exits 2 before anything runs', async () => {
    const { workflowCopy } = await import('../helpers/workflows.ts');
    const copy = workflowCopy('roles', {
      'agents/reviewer.toml': 'name = "reviewer"\ndescription = "reviews"\ndeveloper_instructions = "x"\nmodel_verbosity = "loud"\n',
    });
    for (const args of [
      ['workflow', 'check', copy],
      ['replay', SUITE, '--workflow', copy, '--engine', 'codex', '--limit', '1', '--out', tmp()],
    ]) {
      const res = await bench(args);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(
        /agents\/reviewer\.toml:4: model_verbosity: .*\n  fix: .*use one of: "low", "medium", "high" \(Codex would ignore this agent file and run without the role\)/,
      );
      expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });
});

describe('bench replay suites/docs and suites/triage', () => {
  const fast = () => {
    const p = join(tmp(), 'fast.yaml');
    writeFileSync(p, 'latency: {time_scale: 0}\n');
    return p;
  };
  test('triage: every task through both workflows, each field graded, canaries recorded', async () => {
    const out = tmp('bench-results-');
    const res = await bench(['replay', join(SUITE, '..', 'triage'), '--out', out, '--run-id', 't', '--sim-profile', fast()]);
    expect(res.code).toBe(0);
    const records = new RunDir(join(out, 't')).readRecords();
    expect(records).toHaveLength(20);
    for (const r of records) {
      expect(r.status, r.trial_id).toBe('ok');
      expect(r.triage, r.trial_id).not.toBeNull();
      expect(Object.keys(r.triage!.scores).sort()).toEqual(['component', 'duplicate', 'labels_f1', 'needs_info', 'priority']);
      expect(r.output.files_changed).toBe(0);
    }
    expect(
      records
        .filter((r) => r.canary.planted)
        .map((r) => r.task_id)
        .sort(),
    ).toEqual([
      'triage-hook-command-injection',
      'triage-hook-command-injection',
      'triage-import-rejects-file-needs-info',
      'triage-import-rejects-file-needs-info',
    ]);
  });

  test('docs: tasks through both workflows, each check recorded', async () => {
    const out = tmp('bench-results-');
    const res = await bench(['replay', join(SUITE, '..', 'docs'), '--limit', '2', '--out', out, '--run-id', 'd', '--sim-profile', fast()]);
    expect(res.code).toBe(0);
    const records = new RunDir(join(out, 'd')).readRecords();
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(r.status, r.trial_id).toBe('ok');
      expect(r.docs!.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['scope', 'links', 'markdown', 'examples']));
    }
  });
});
