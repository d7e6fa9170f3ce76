// `npm run bench:report`: time and file size of the HTML report for 1,000 and 10,000 synthetic trials
// (two workflows, four roles, events and a patch per trial), each size timed over several runs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { rng } from '../../src/analyze/stats.ts';
import { RunDir } from '../../src/record/runDir.ts';
import type { z } from 'zod';
import type { RunManifest, TrialRecord } from '../../src/record/schema.ts';
import { GATE_RESAMPLES, runGate } from '../../src/gate/gate.ts';
import { loadPolicy } from '../../src/gate/policy.ts';
import { buildReportData, loadRun } from '../../src/report/data.ts';
import { renderHtml } from '../../src/report/html.ts';
import { sampleRecord } from '../helpers/records.ts';

export function syntheticRun(dir: string, trials: number): void {
  const run = new RunDir(dir);
  const next = rng(trials);
  const manifest: z.input<typeof RunManifest> = {
    schema: 1,
    run_id: `synthetic-${trials}`,
    created_at: new Date().toISOString(),
    harness: { version: '0.1.0', git_sha: null },
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    sandbox: { backend: 'bwrap', detail: 'synthetic' },
    suite: { name: 'synthetic', dir: '.', digest: 'sha256:0', tasks: trials / 2 },
    workflows: [
      { name: 'broad', source: 'x', digest: 'sha256:0' },
      { name: 'roles', source: 'y', digest: 'sha256:0' },
    ],
    engine: 'sdk',
    model: { backend: 'sim', name: 'sim', base_url: null, api: null, simulated: true, sim_profile: null },
    prices: {},
    seed: 0,
    repeat: 1,
    concurrency: 4,
    filters: { limit: null, tasks: [] },
    shard: null,
    trials_planned: trials,
    command: ['synthetic'],
  };
  run.writeManifest(manifest);
  const base = sampleRecord();
  const lines: string[] = [];
  for (let i = 0; i < trials; i++) {
    const wf = i % 2 ? 'roles' : 'broad';
    const task = `task-${String(Math.floor(i / 2)).padStart(5, '0')}`;
    const id = `${task}__${wf}__r0`;
    const status: TrialRecord['status'] = next() < 0.02 ? 'infra_error' : 'ok';
    const resolved = status === 'ok' ? next() < (wf === 'roles' ? 0.8 : 0.7) : null;
    const roles = wf === 'roles' ? ['orchestrator', 'explorer', 'worker', 'reviewer'] : ['broad'];
    const rec: TrialRecord = {
      ...base,
      trial_id: id,
      task_id: task,
      workflow: wf,
      status,
      error: status === 'ok' ? null : { stage: 'agent', message: 'model service unreachable' },
      time: { ...base.time, wall_ms: Math.round(5000 + next() * (wf === 'roles' ? 40_000 : 20_000)) },
      roles: Object.fromEntries(roles.map((r) => [r, { ...base.roles.broad!, wall_ms: Math.round(next() * 20_000), model_ms: Math.round(next() * 15_000) }])),
      cost_usd: +(next() * 0.2).toFixed(4),
      quality: { ...base.quality, resolved, accepted: status === 'ok', escaped_defect: resolved === null ? null : !resolved && next() < 0.5 },
    };
    lines.push(JSON.stringify(rec));
    const tdir = run.trialDir(id);
    const events = Array.from({ length: 30 }, (_, k) =>
      JSON.stringify({
        t: k * 100,
        type: k % 2 ? 'tool_call' : 'model',
        role: roles[k % roles.length],
        tool: 'exec_command',
        command: 'npm test',
        model: 'sim',
        input: 1000,
        cached_input: 0,
        output: 200,
        reasoning: 100,
        ms: 500,
      }),
    );
    writeFileSync(join(tdir, 'events.jsonl'), `${events.join('\n')}\n`);
    writeFileSync(join(tdir, 'patch.diff'), `diff --git a/src/x.js b/src/x.js\n${'+const x = 1;\n'.repeat(80)}`);
  }
  writeFileSync(run.trialsFile, `${lines.join('\n')}\n`);
}

const BENCH = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bench.mjs');
const POLICY = join(import.meta.dirname, '..', '..', 'suites', 'gate.yaml');

if (process.argv[1] && process.argv[1].endsWith('report.bench.ts')) {
  const root = mkdtempSync(join(tmpdir(), 'bench-report-perf-'));
  const rows: string[] = [];
  const gateRows: string[] = [];
  const policy = loadPolicy(POLICY);
  try {
    for (const n of [1000, 10_000]) {
      const dir = join(root, `run-${n}`);
      mkdirSync(dir, { recursive: true });
      syntheticRun(dir, n);
      const out = join(root, `report-${n}.html`);
      const bench = new Bench({ iterations: n > 5000 ? 3 : 5, time: 0, warmupIterations: 1, throws: true });
      bench.add(`${n} trials`, async () => {
        writeFileSync(out, await renderHtml(buildReportData([loadRun(dir)]), { outFile: out }));
      });
      await bench.run();
      const t = bench.tasks[0]!.result as { latency?: { mean: number; min: number; max: number } };
      const size = statSync(out).size;
      rows.push(
        `  ${String(n).padStart(6)} trials   ${(t.latency!.mean / 1000).toFixed(2)} s mean (min ${(t.latency!.min / 1000).toFixed(2)}, max ${(t.latency!.max / 1000).toFixed(2)})   ${(size / 1e6).toFixed(2)} MB`,
      );
      const run = loadRun(dir);
      const gate = new Bench({ iterations: 3, time: 0, warmupIterations: 1, throws: true });
      gate.add(`gate ${n}`, () => {
        runGate({ policy, policyFile: 'suites/gate.yaml', run: { label: 'r', records: run.records, planned: n } });
      });
      await gate.run();
      const g = gate.tasks[0]!.result as { latency?: { mean: number } };
      // What a CI job waits for: the CLI, from process start to verdict (reads the run folder too).
      const cli = new Bench({ iterations: 3, time: 0, warmupIterations: 0, throws: true });
      cli.add(`bench gate ${n}`, () => {
        const r = spawnSync(process.execPath, [BENCH, 'gate', dir, '--policy', POLICY], { encoding: 'utf8' });
        if (r.status !== 0 && r.status !== 1) throw new Error(`bench gate exited ${r.status}: ${r.stderr}`);
      });
      await cli.run();
      const c = cli.tasks[0]!.result as { latency?: { mean: number } };
      gateRows.push(
        `  ${String(n).padStart(6)} trials   ${(g.latency!.mean / 1000).toFixed(2)} s mean in memory, ${(c.latency!.mean / 1000).toFixed(2)} s the whole command   (${policy.rules.length} rules; margins from ${GATE_RESAMPLES.toLocaleString('en')} paired resamples of tasks)`,
      );
    }
    console.log('HTML report (read run folder, analyse, render charts, write), two workflows:');
    for (const r of rows) console.log(r);
    console.log('bench gate with suites/gate.yaml (records in memory; the CLI reading the run folder):');
    for (const r of gateRows) console.log(r);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
