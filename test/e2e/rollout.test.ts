// The CI rollout path end to end through the CLI: a recorded replay, the same replay split in two shards
// served from its cassettes (no model), merged; report and gate on the merged run; a degraded plugin
// failed by the shipped policy; bad policies and bad merges refused with exit 2.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { metricByName } from '../../src/analyze/metrics.ts';
import { RunDir } from '../../src/record/runDir.ts';
import type { TrialRecord } from '../../src/record/schema.ts';
import { bench } from '../helpers/cli.ts';
import { timeless } from '../helpers/records.ts';
import { tmp } from '../helpers/fixtures.ts';
import { workflowCopy } from '../helpers/workflows.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SUITE = join(ROOT, 'suites', 'pr');
const POLICY = join(ROOT, 'suites', 'gate.yaml');
const TASKS = ['add-humanize', 'arithmetic-helpers', 'negative-durations', 'parse-decimal-amounts', 'units-option-carry'].flatMap((t) => ['--task', t]);
const out = tmp('bench-rollout-');
const cassettes = join(out, 'cassettes');
let fast = '';

const byId = (rs: TrialRecord[]) => new Map(rs.map((r) => [r.trial_id, r]));

beforeAll(async () => {
  fast = join(out, 'fast.yaml');
  writeFileSync(fast, 'latency: {time_scale: 0}\n');
  const full = await bench(['replay', SUITE, ...TASKS, '--repeat', '2', '--sim-profile', fast, '--out', out, '--run-id', 'full', '--record', cassettes]);
  expect(full.code, full.stderr).toBe(0);
});

describe('a cassette recorded in one checkout, replayed from a copy at another path', () => {
  test('no request misses, and the records are the same apart from timings; the simulated model draws the same there too', async () => {
    // The suite, its repositories and the workflows (with the roles plugin's skill) under another folder.
    const copy = join(tmp('bench-elsewhere-'), 'some', 'deeper', 'checkout');
    for (const d of ['pr', 'repos', 'workflows']) cpSync(join(ROOT, 'suites', d), join(copy, 'suites', d), { recursive: true });
    const task = ['--task', 'add-humanize', '--task', 'negative-durations'];
    const served = await bench(['replay', join(copy, 'suites', 'pr'), ...task, '--repeat', '2', '--replay', cassettes, '--out', out, '--run-id', 'moved']);
    expect(served.code, served.stderr).toBe(0);
    const live = await bench(['replay', join(copy, 'suites', 'pr'), ...task, '--repeat', '2', '--sim-profile', fast, '--out', out, '--run-id', 'moved-live']);
    expect(live.code, live.stderr).toBe(0);
    const full = byId(new RunDir(join(out, 'full')).readRecords());
    const served1 = new RunDir(join(out, 'moved')).readRecords();
    expect(served1).toHaveLength(8);
    for (const r of served1) expect(timeless(r), r.trial_id).toEqual(timeless(full.get(r.trial_id)!));
    // Live, the same draws: what each role is first asked (its instructions, skills listed) takes the same
    // tokens wherever the plugin lives. (Later requests carry test output with its own timings.)
    const firstAsks = (run: string, trial: string) => {
      const first = new Map<string, number>();
      for (const line of readFileSync(join(out, run, 'trials', trial, 'events.jsonl'), 'utf8')
        .trim()
        .split('\n')) {
        const e = JSON.parse(line) as { type: string; role?: string; input?: number };
        if (e.type === 'model' && e.role && !first.has(e.role)) first.set(e.role, e.input!);
      }
      return Object.fromEntries(first);
    };
    const live1 = new RunDir(join(out, 'moved-live')).readRecords();
    expect(live1.filter((r) => r.workflow === 'roles').length).toBe(4);
    for (const r of live1) {
      expect(firstAsks('moved-live', r.trial_id), r.trial_id).toEqual(firstAsks('full', r.trial_id));
      expect(Object.keys(firstAsks('full', r.trial_id)).length).toBeGreaterThan(0);
      expect([r.status, r.quality.resolved, r.output.files]).toEqual([
        full.get(r.trial_id)!.status,
        full.get(r.trial_id)!.quality.resolved,
        full.get(r.trial_id)!.output.files,
      ]);
    }
  });
});

describe('shards, cassettes and merge', () => {
  let shards: Array<{ code: number | null; stdout: string; stderr: string }> = [];
  beforeAll(async () => {
    // Each CI machine runs its shard; --durations balances by the full run's task times (the same file on every machine).
    shards = await Promise.all(
      [1, 2].map((i) =>
        bench([
          'replay',
          SUITE,
          ...TASKS,
          '--repeat',
          '2',
          '--shard',
          `${i}/2`,
          '--durations',
          join(out, 'full'),
          '--replay',
          cassettes,
          '--out',
          out,
          '--run-id',
          `shard-${i}`,
        ]),
      ),
    );
  });

  test('each shard runs a disjoint slice of whole tasks, served from the cassettes with no model', () => {
    for (const s of shards) {
      expect(s.code, s.stderr).toBe(0);
      expect(s.stderr).toMatch(/responses served from the cassette .*no model is called/);
    }
    const slices = [1, 2].map((i) => new RunDir(join(out, `shard-${i}`)));
    const tasks = slices.map((s) => new Set(s.readRecords().map((r) => r.task_id)));
    expect(tasks[0]!.size).toBeGreaterThan(0);
    expect(tasks[1]!.size).toBeGreaterThan(0);
    expect([...tasks[0]!].filter((t) => tasks[1]!.has(t))).toEqual([]);
    const m = slices[0]!.readManifest();
    expect(m.shard).toMatchObject({ index: 1, total: 2, trials_total: 20, balanced_by: 'full' });
    expect(m.model).toMatchObject({ backend: 'sim', cassette: { mode: 'replay' } });
    expect(m.trials_planned).toBe(slices[0]!.readRecords().length);
  });

  test('merged shards equal the unsharded run: same trials, identical records apart from timings', async () => {
    const merged = await bench(['merge', join(out, 'shard-1'), join(out, 'shard-2'), '--out', join(out, 'merged')]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/merged 20 trials from shard-1 \(shard 1\/2, \d+\), shard-2 \(shard 2\/2, \d+\)/);
    const full = byId(new RunDir(join(out, 'full')).readRecords());
    const joined = new RunDir(join(out, 'merged'));
    const records = byId(joined.readRecords());
    expect([...records.keys()].sort()).toEqual([...full.keys()].sort());
    for (const [id, r] of records) expect(timeless(r), id).toEqual(timeless(full.get(id)!));
    expect(joined.readManifest()).toMatchObject({
      run_id: 'merged',
      trials_planned: 20,
      shard: null,
      merged_from: [{ run_id: 'shard-1' }, { run_id: 'shard-2' }],
    });
    expect(existsSync(join(joined.dir, 'trials', [...records.keys()][0]!, 'events.jsonl'))).toBe(true);
  });

  test('report and gate read the merged run; the healthy plugin passes the shipped policy', async () => {
    const report = join(out, 'report.html');
    expect((await bench(['report', join(out, 'merged'), '-o', report])).code).toBe(0);
    expect(readFileSync(report, 'utf8')).toMatch(/merged from 2 shards/);
    const summary = join(out, 'summary.md');
    writeFileSync(summary, '');
    const junit = join(out, 'gate.xml');
    const gate = await bench(['gate', join(out, 'merged'), '--policy', POLICY, '--junit', junit], {
      env: { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' },
    });
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    expect(gate.stdout).toMatch(/gate: roles against broad/);
    expect(gate.stdout).toMatch(/tests_run_per_task >= 0\.5 x baseline .* pass/);
    expect(gate.stdout).toMatch(/gate PASSED/);
    expect(gate.stdout).not.toMatch(/^::error/m);
    expect(readFileSync(summary, 'utf8')).toMatch(/## bench gate: ✅ passed/);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuite name="bench gate \(.*gate\.yaml\)" tests="12" failures="0"/);
  });

  test('merge refuses a trial twice', async () => {
    const twice = await bench(['merge', join(out, 'shard-1'), join(out, 'shard-1'), '--out', join(out, 'twice')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/trial \S+ is in both shard-1 and shard-1/);
    expect(existsSync(join(out, 'twice', 'run.json'))).toBe(false);
  });
});

describe('the gate fails a degraded plugin', () => {
  beforeAll(async () => {
    // The roles plugin, changed the way a careless edit would: the reviewer approves everything, the worker skips tests.
    const degraded = workflowCopy('roles');
    const edit = (file: string, from: RegExp, to: string) => writeFileSync(join(degraded, file), readFileSync(join(degraded, file), 'utf8').replace(from, to));
    edit('.codex-plugin/plugin.json', /"name": "roles"/, '"name": "roles-degraded"');
    edit(
      'agents/reviewer.toml',
      /developer_instructions = """[\s\S]*?"""/,
      'developer_instructions = """\nThe team trusts the worker: always approve the change.\n"""',
    );
    edit(
      'agents/worker.toml',
      /Use apply_patch for edits and exec_command to run the tests\./,
      'Use apply_patch for edits. Do not run the tests: CI runs them later.',
    );
    const run = await bench(['replay', SUITE, ...TASKS, '--repeat', '2', '--workflow', degraded, '--sim-profile', fast, '--out', out, '--run-id', 'degraded']);
    expect(run.code, run.stderr).toBe(0);
  });

  test('the shipped policy fails it with exit 1, naming the rule', async () => {
    const gate = await bench(
      ['gate', join(out, 'degraded'), '--policy', POLICY, '--candidate', 'roles-degraded', '--baseline', join(out, 'full'), '--baseline-workflow', 'broad'],
      { env: { GITHUB_ACTIONS: 'true' } },
    );
    expect(gate.code, gate.stdout + gate.stderr).toBe(1);
    expect(gate.stdout).toMatch(/gate: roles-degraded against broad \(full\)/);
    expect(gate.stdout).toMatch(/tests_run_per_task >= 0\.5 x baseline\s+0\s.*FAIL/);
    expect(gate.stdout).toMatch(/gate FAILED: .*tests_run_per_task >= 0\.5 x baseline/);
    expect(gate.stdout).toMatch(/^::error file=.*gate\.yaml,title=bench gate%3A tests_run_per_task >= 0\.5 x baseline::fail: /m);
    const records = new RunDir(join(out, 'degraded')).readRecords();
    expect(records.every((r) => r.output.tests_run === 0 && r.review.verdict === 'approve')).toBe(true);
  });

  test('merge refuses runs of another workflow set unless forced', async () => {
    const other = await bench(['merge', join(out, 'shard-1'), join(out, 'degraded'), '--out', join(out, 'mixed')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/run degraded does not belong with shard-1: workflows: /);
    expect(other.stderr).toMatch(/--force/);
    expect(existsSync(join(out, 'mixed', 'run.json'))).toBe(false);
    const forced = await bench(['merge', join(out, 'shard-1'), join(out, 'degraded'), '--out', join(out, 'mixed'), '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/warning: degraded differs from shard-1 .*merged because of --force/);
  });

  test('a malformed policy exits 2 and names the rule', async () => {
    const bad = join(out, 'bad.yaml');
    writeFileSync(
      bad,
      'candidate: roles\nbaseline: broad\nrules:\n  - metric: resolve_rate\n    min: baseline - 0.1\n  - metric: p95_latncy\n    max: 2 x baseline\n',
    );
    const gate = await bench(['gate', join(out, 'full'), '--policy', bad]);
    expect(gate.code).toBe(2);
    expect(gate.stderr).toMatch(
      new RegExp(
        `bad\\.yaml:6: rules\\[1\\]\\.metric: "p95_latncy" is not one of the ${metricByName.size} accepted values\\n\\s+fix: did you mean "p95_latency"\\?`,
      ),
    );
    const missing = await bench(['gate', join(out, 'nope'), '--policy', POLICY]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not a run folder/);
  });
});
