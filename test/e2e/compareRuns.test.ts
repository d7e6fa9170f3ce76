// `bench report --compare` and `bench gate --baseline` refuse runs that share no task (exit 2, saying why
// and the fix), warn on stderr about what else differs (one line each), and go on with --force.
import { join } from 'node:path';
import type { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { comparability, type ComparedRun } from '../../src/analyze/comparability.ts';
import { RunDir } from '../../src/record/runDir.ts';
import { RunManifest, type TrialRecord } from '../../src/record/schema.ts';
import { bench } from '../helpers/cli.ts';
import { tmp, writeFiles } from '../helpers/fixtures.ts';
import { trial } from '../helpers/records.ts';

type Over = Partial<z.input<typeof RunManifest>>;

function manifest(id: string, suite: string, over: Over = {}): RunManifest {
  return RunManifest.parse({
    schema: 1,
    run_id: id,
    created_at: '2026-01-01T00:00:00.000Z',
    harness: { version: '0.1.0', git_sha: null },
    node: 'v24.0.0',
    platform: 'linux-x64',
    sandbox: { backend: 'bwrap', detail: 'test' },
    suite: { name: suite, dir: `suites/${suite}`, digest: `sha256:${suite}`, tasks: 12 },
    workflows: [{ name: 'roles', source: 'x', digest: 'sha256:0' }],
    engine: 'sdk',
    model: { backend: 'sim', name: 'sim', base_url: null, api: null, simulated: true, sim_profile: { skill: 0.8, overreach: { network: 0.08 } } },
    prices: {},
    seed: 0,
    repeat: 1,
    concurrency: 1,
    filters: { limit: null, tasks: [] },
    shard: null,
    trials_planned: 12,
    command: ['test'],
    ...over,
  });
}

const records = (prefix: string, kind: TrialRecord['kind'] = 'pr', engine: TrialRecord['engine'] = 'sdk') =>
  Array.from({ length: 12 }, (_, i) => ({ ...trial({ workflow: 'roles', task: `${prefix}-${i}`, kind, wall: 1000 + 10 * i }), engine }));

function writeRun(root: string, m: RunManifest, rs: TrialRecord[]): string {
  const dir = join(root, m.run_id);
  const run = new RunDir(dir);
  run.writeManifest(m);
  run.writeRecords(rs.map((r) => ({ ...r, run_id: m.run_id })));
  return dir;
}

describe('which runs can be compared', () => {
  const pr = (over: Over = {}, rs = records('pr')): ComparedRun => ({ label: 'pr-run', manifest: manifest('pr-run', 'pr', over), records: rs });
  test('no task in common is refused, saying what each run measured', () => {
    const triage: ComparedRun = { label: 'triage-run', manifest: manifest('triage-run', 'triage'), records: records('triage', 'triage') };
    expect(comparability(pr(), triage)).toEqual({
      refusal:
        'triage-run (suite triage, 12 tasks with trials) and pr-run (suite pr, 12 tasks with trials) have no task in common: they measured different work, so no figure of one can be held against the other',
      warnings: [],
    });
  });
  test('the same manifest gives nothing to say; each difference one line', () => {
    expect(comparability(pr(), { ...pr(), label: 'again' })).toEqual({ refusal: null, warnings: [] });
    const other: ComparedRun = {
      label: 'new',
      manifest: manifest('new', 'pr', {
        engine: 'codex',
        harness: { version: '0.2.0', git_sha: null },
        sandbox: { backend: 'none', detail: 'test' },
        model: { backend: 'sim', name: 'sim', base_url: null, api: null, simulated: true, sim_profile: { skill: 0.6, overreach: { network: 0.08 } } },
      }),
      records: records('pr').slice(0, 9),
    };
    expect(comparability(pr(), other).warnings).toEqual([
      'only 9 tasks are in both runs (new: 9, pr-run: 12): paired figures use those, the others only the unpaired ones',
      'simulated model profile differs (skill 0.6 vs 0.8): differences may come from the profile, not the workflow',
      'engine differs (new: codex; pr-run: sdk): each workflow is compared with itself on the other engine',
      'sandbox backend differs (new: none; pr-run: bwrap): what commands could reach differs',
      'bench version differs (new: 0.2.0; pr-run: 0.1.0): measurement or grading may have changed',
    ]);
    const model = manifest('m', 'pr', { model: { backend: 'openai', name: 'gpt-x', base_url: null, api: 'responses', simulated: false, sim_profile: null } });
    expect(comparability(pr(), { label: 'm', manifest: model, records: records('pr') }).warnings).toEqual([
      'model differs (m: openai:gpt-x; pr-run: sim:sim): differences may come from the model, not the workflow',
    ]);
  });
});

describe('the CLI', () => {
  const root = tmp('bench-compare-');
  const prRun = writeRun(root, manifest('pr-run', 'pr'), records('pr'));
  const triageRun = writeRun(root, manifest('triage-run', 'triage'), records('triage', 'triage'));
  const codexRun = writeRun(root, manifest('codex-run', 'pr', { engine: 'codex' }), records('pr', 'pr', 'codex'));
  const policy = join(root, 'gate.yaml');
  writeFiles(root, { 'gate.yaml': 'min_trials: 5\nrules:\n  - metric: p50_latency\n    max: 1.5 x baseline\n' });

  test('bench gate: a baseline run with no task in common is refused (exit 2), not passed', async () => {
    const r = await bench(['gate', triageRun, '--policy', policy, '--baseline', prRun]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/gate PASSED/);
    expect(r.stderr).toMatch(
      /^error: --baseline: triage-run \(suite triage, 12 tasks with trials\) and pr-run \(suite pr, 12 tasks with trials\) have no task in common/,
    );
    expect(r.stderr).toMatch(/fix: pass as --baseline a run of the same suite .* or add --force/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const forced = await bench(['gate', triageRun, '--policy', policy, '--baseline', prRun, '--force']);
    expect(forced.stderr).toMatch(/^warning: .*have no task in common.*; compared anyway \(--force\)$/m);
    expect(forced.stdout).toMatch(/^gate: roles against roles \(pr-run\)/);
  });

  test('bench report --compare: refused the same way; other differences are one warning line each', async () => {
    const r = await bench(['report', triageRun, '--compare', prRun, '--format', 'md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --compare: .*have no task in common/);
    const engines = await bench(['report', codexRun, '--compare', prRun, '--format', 'md']);
    expect(engines.code).toBe(0);
    expect(engines.stderr.trim().split('\n')).toEqual([
      'warning: engine differs (codex-run: codex; pr-run: sdk): each workflow is compared with itself on the other engine',
    ]);
    expect(engines.stdout).toMatch(
      /codex-run \(codex\): roles vs pr-run \(sdk\): roles\*\* \(12 matched trials; differ in engine \(codex vs sdk\); same workflow \(roles\)/,
    );
    const gate = await bench(['gate', codexRun, '--policy', policy, '--baseline', prRun]);
    expect(gate.code).toBe(0);
    expect(gate.stdout).toMatch(/candidate against baseline: differ in engine \(codex vs sdk\)/);
  });
});
