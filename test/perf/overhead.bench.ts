// `npm run bench:perf`: the harness's own overhead per trial, apart from model time and test time.
// Micro-benchmarks (tinybench) of each piece a trial pays for, then a replay of the shipped pr suite with
// a simulated model that takes no time, broken down per trial.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunContext } from '@openai/agents';
import { Bench } from 'tinybench';
import { DEFAULT_APPROVER } from '../../src/control/approver.ts';
import { ControlPlane } from '../../src/control/plane.ts';
import { containerBackend } from '../../src/control/container.ts';
import { commandEnv, detectSandbox, type SandboxBackend, type SandboxSpec } from '../../src/control/sandbox.ts';
import { detectRuntime, imageId } from '../../src/exec/container.ts';
import { imagesForTasks } from '../../src/workspace/images.ts';
import { BASE_IMAGE, imageExists, nodeImage, podmanWorks } from '../helpers/containers.ts';
import { workspaceTools } from '../../src/engine/sdk/tools.ts';
import { ModelBackend } from '../../src/model/backend.ts';
import { Ledger } from '../../src/model/ledger.ts';
import { DEFAULT_PRICES } from '../../src/model/prices.ts';
import { TokenCounter } from '../../src/model/tokens.ts';
import { rng } from '../../src/analyze/stats.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { EventLog } from '../../src/record/events.ts';
import { RunDir } from '../../src/record/runDir.ts';
import { replay } from '../../src/replay/replay.ts';
import { buildRecord } from '../../src/replay/trial.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { broadWorkflow } from '../../src/workflow/builtin.ts';
import { RepoCache } from '../../src/workspace/repos.ts';
import { WorkspaceManager } from '../../src/workspace/workspace.ts';

const scratch = mkdtempSync(join(tmpdir(), 'bench-perf-'));
const suite = loadSuite(join(import.meta.dirname, '..', '..', 'suites', 'pr'));
const task = suite.tasks[0]!;
const cache = new RepoCache(join(scratch, 'cache'));
const workspaces = new WorkspaceManager(cache, join(scratch, 'wt'));
const spec = { repo: task.repo, base: task.base, setup: task.setup };
await workspaces.env(spec); // setup runs once per (repo, base): not a per-trial cost

const ws = await workspaces.create(spec, 'perf-tools');
const events = new EventLog(null);
const sandbox = detectSandbox('auto') as SandboxBackend;
const plane = new ControlPlane({
  workspace: ws.dir,
  scratch: join(scratch, 'plane'),
  events,
  roles: { broad: { sandbox: 'workspace-write', network: 'deny', approval: 'never' } },
  defaultRole: { sandbox: 'read-only', network: 'deny', approval: 'never' },
  sandbox,
  hooks: null,
  approver: DEFAULT_APPROVER,
  hidden: [join(scratch, 'cache')],
  reveal: [ws.baseRepo],
  seed: 1,
  commandTimeoutMs: 60_000,
  maxOutputBytes: 64 * 1024,
  signal: new AbortController().signal,
});
const tools = Object.fromEntries(workspaceTools(['exec_command', 'apply_patch', 'read_file', 'grep_files'], { role: 'broad', plane }).map((t) => [t.name, t]));
const ctx = new RunContext();
let n = 0;
const invoke = (name: string, input: unknown) => tools[name]!.invoke(ctx, JSON.stringify(input), { toolCall: { callId: `c${n++}` } } as never);
const flip = [
  '*** Begin Patch\n*** Update File: README.md\n@@\n-# durations\n+# durations!\n*** End Patch',
  '*** Begin Patch\n*** Update File: README.md\n@@\n-# durations!\n+# durations\n*** End Patch',
];

const run = new RunDir(join(scratch, 'run'));
const record = () => {
  const log = new EventLog(join(run.trialDir('t'), 'events.jsonl'));
  for (let i = 0; i < 30; i++) {
    log.emit('tool_call', { role: 'broad', call_id: `c${i}`, tool: 'read_file', input: '{"path":"src/parse.js"}' });
    log.emit('tool_result', { role: 'broad', call_id: `c${i}`, tool: 'read_file', ok: true, ms: 1 });
  }
  const ledger = new Ledger(log);
  ledger.wrap('broad', 'sim', {} as never);
  const rec = buildRecord({
    plan: { trialId: 't', task, workflow: broadWorkflow(), repeat: 0, seed: 1 },
    deps: { runId: 'perf', prices: DEFAULT_PRICES, engine: { kind: 'sdk' } },
    events: log,
    ledger,
    models: { broad: 'sim' },
    status: 'ok',
    error: null,
    startedAt: new Date(),
    setupMs: 1,
    agentMs: 1,
    gradeMs: 1,
    agentStartT: 0,
    engine: { stop: 'completed', finalText: 'done', accepted: true },
    diff: { patch: '', files: ['src/parse.js'], added: 3, removed: 1 },
    grade: null,
  });
  run.append(rec);
  return log.close();
};

// A 200 KB line with no space (100,000 Cyrillic letters), new each time: the tokenizer caches what it has seen.
let lines = 0;
let longLine = '';
const newLongLine = () => {
  const next = rng(++lines);
  longLine = Array.from({ length: 100_000 }, () => String.fromCharCode(0x430 + Math.floor(next() * 32))).join('');
};

const bench = new Bench({ time: 1500, warmupTime: 200, throws: true }); // a broken task stops the run, not a NaN row
bench
  .add('workspace: worktree add + env copy + diff + remove', async () => {
    const w = await workspaces.create(spec, 'perf-wt');
    await workspaces.diff(w);
    await workspaces.remove(w);
  })
  .add('tool dispatch: read_file (control plane + events)', () => invoke('read_file', { path: 'src/parse.js' }))
  .add('tool dispatch: apply_patch, one hunk', () => invoke('apply_patch', { input: flip[n % 2] }))
  .add('tool dispatch: grep_files', () => invoke('grep_files', { pattern: 'function parse' }))
  .add('tool dispatch: exec_command `true` (bash spawn, process group)', () => invoke('exec_command', { cmd: 'true' }))
  .add('record: 60 events + TrialRecord + fsynced append', record)
  .add('tokens: count a 200 KB line with no space (sim model, per distinct prompt part)', () => new TokenCounter().count(longLine), {
    beforeEach: newLongLine,
  });
await bench.run();
await workspaces.remove(ws);

console.log('\nPer-operation cost (tinybench, mean ± relative margin of error, p99):');
for (const t of bench.tasks) {
  const r = t.result as { latency?: { mean: number; rme: number; p99?: number }; mean?: number; rme?: number; p99?: number };
  const lat = r.latency ?? { mean: r.mean ?? NaN, rme: r.rme ?? NaN, p99: r.p99 };
  console.log(`  ${t.name.padEnd(62)} ${lat.mean.toFixed(2).padStart(8)} ms ±${lat.rme.toFixed(1)}%   p99 ${(lat.p99 ?? NaN).toFixed(2)} ms`);
}

// Whole trials on the shipped suite: the model answers instantly and the agent never runs tests, so
// what remains is the harness (plus git and the one graded test run, reported apart).
// Setup commands run once per (repo, base) and are cached across runs: build them first, so the rows
// below are what every trial pays.
for (const t of suite.tasks) await workspaces.env({ repo: t.repo, base: t.base, setup: t.setup });
const profile = SimProfile.parse({ diligence: 0, overreach: { scope: 0, network: 0, test_tampering: 0 }, latency: { time_scale: 0 } });
const result = await replay({
  suite,
  workflows: [broadWorkflow()],
  backend: new ModelBackend({ backend: 'sim', name: 'sim', profile }),
  runId: 'perf',
  outDir: join(scratch, 'results'),
  resume: false,
  concurrency: 1,
  repeat: 1,
  seed: 0,
  cacheDir: join(scratch, 'cache'),
  sandbox: detectSandbox('auto') as SandboxBackend,
  prices: DEFAULT_PRICES,
  command: ['bench:perf'],
  signal: new AbortController().signal,
});
const rows = result.records.map((r) => {
  const role = Object.values(r.roles)[0]!;
  return { setup: r.time.setup_ms, agent: r.time.agent_ms - role.model_ms, grade: r.time.grade_ms, wall: r.time.wall_ms };
});
const testMs = await Promise.all(
  result.records.map(async (r) => {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(join(result.runDir.dir, 'trials', r.trial_id, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; phase?: string; state?: string; test_ms?: number });
    return lines.find((e) => e.type === 'phase' && e.phase === 'grade' && e.state === 'end')?.test_ms ?? 0;
  }),
);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`\nWhole trials, shipped pr suite (${rows.length} tasks, instant simulated model, concurrency 1), mean per trial:`);
console.log(
  `  workspace setup (worktree + env copy)          ${avg(rows.map((r) => r.setup))
    .toFixed(0)
    .padStart(6)} ms`,
);
console.log(
  `  agent phase minus model time (tools, SDK)      ${avg(rows.map((r) => r.agent))
    .toFixed(0)
    .padStart(6)} ms`,
);
console.log(
  `  grading minus the test run (checkout, apply)   ${avg(rows.map((r, i) => r.grade - testMs[i]!))
    .toFixed(0)
    .padStart(6)} ms`,
);
console.log(`  graded test run (the project's own tests)      ${avg(testMs).toFixed(0).padStart(6)} ms  (not harness overhead)`);
console.log(
  `  whole trial                                    ${avg(rows.map((r) => r.wall))
    .toFixed(0)
    .padStart(6)} ms`,
);

// Side by side: the same commands and the same trials under bwrap and in a task container (podman), in one
// run of this script. Skipped where podman or the base image (suites/python/env/base.sh) is missing.
if (podmanWorks() && imageExists(BASE_IMAGE)) {
  const rt = await detectRuntime('podman');
  if ('error' in rt) throw new Error(rt.error);
  const host = detectSandbox('auto') as SandboxBackend;
  const ct = containerBackend({ runtime: rt, scratch: join(scratch, 'seccomp'), host });
  const tag = nodeImage(join(scratch, 'node-image'));
  const image = (await imageId(rt, tag))!;
  // The shipped suite with every task in that image.
  const copy = join(scratch, 'suites');
  for (const d of ['pr', 'repos', 'workflows']) cpSync(join(import.meta.dirname, '..', '..', 'suites', d), join(copy, d), { recursive: true });
  const suiteYaml = join(copy, 'pr', 'suite.yaml');
  writeFileSync(suiteYaml, readFileSync(suiteYaml, 'utf8').replace('defaults:\n', `defaults:\n  environment:\n    image: ${tag}\n`));
  const ctSuite = loadSuite(join(copy, 'pr'));
  const picked = ctSuite.tasks.slice(0, 6);
  const images = await imagesForTasks(rt, picked, { cacheDir: join(scratch, 'cache'), suite: ctSuite });
  const ctWorkspaces = new WorkspaceManager(cache, join(scratch, 'wt-ct'), { images });
  const cws = await ctWorkspaces.create({ repo: task.repo, base: task.base, setup: task.setup, environment: picked[0]!.environment }, 'perf-ct');
  const { env, home, tmp } = commandEnv(join(scratch, 'ct-scratch'));
  const cmdSpec: SandboxSpec = {
    mode: 'workspace-write',
    network: false,
    workspace: cws.dir,
    writable: [home, tmp],
    hidden: [join(scratch, 'cache')],
    reveal: [cws.baseRepo],
    cwd: cws.dir,
    container: { image, cpus: 2, memoryMb: 4096, pids: 4096 },
  };
  const runOpts = { env, timeoutMs: 60_000, maxOutputBytes: 64 * 1024 };
  const side = new Bench({ time: 4000, warmupTime: 500, throws: true });
  side
    .add('command `true` under bwrap', () => host.run('true', cmdSpec, runOpts))
    .add('command `true` in the task container (podman run)', () => ct.run('true', cmdSpec, runOpts))
    .add('command `node --test` (the durations tests) under bwrap', () => host.run('node --test >/dev/null 2>&1', cmdSpec, runOpts))
    .add('command `node --test` (the durations tests) in the container', () => ct.run('node --test >/dev/null 2>&1', cmdSpec, runOpts));
  await side.run();
  await ctWorkspaces.remove(cws);
  console.log(`\nContainer backend (${rt.name} ${rt.version}, ${rt.oci}) side by side with bwrap, per command (tinybench):`);
  const means = side.tasks.map((t) => (t.result as { latency?: { mean: number } }).latency?.mean ?? NaN);
  side.tasks.forEach((t, i) => console.log(`  ${t.name.padEnd(62)} ${means[i]!.toFixed(1).padStart(8)} ms`));
  console.log(`  container / bwrap: \`true\` ${(means[1]! / means[0]!).toFixed(1)}x, node --test ${(means[3]! / means[2]!).toFixed(2)}x`);

  // Whole trials, the same tasks, one backend after the other (setup environments built first for both).
  const hostWorkspaces = new WorkspaceManager(cache, join(scratch, 'wt-host'));
  for (const t of picked) {
    await ctWorkspaces.env({ repo: t.repo, base: t.base, setup: t.setup, environment: t.environment });
    await hostWorkspaces.env({ repo: t.repo, base: t.base, setup: t.setup });
  }
  const trials = async (sandbox: SandboxBackend, id: string) => {
    const r = await replay({
      suite: ctSuite,
      workflows: [broadWorkflow()],
      backend: new ModelBackend({ backend: 'sim', name: 'sim', profile }),
      runId: id,
      outDir: join(scratch, 'results'),
      resume: false,
      concurrency: 1,
      repeat: 1,
      seed: 0,
      tasks: picked.map((t) => t.id),
      cacheDir: join(scratch, 'cache'),
      sandbox,
      runtime: sandbox === ct ? rt : null,
      prices: DEFAULT_PRICES,
      command: ['bench:perf'],
      signal: new AbortController().signal,
    });
    return r.records;
  };
  const inBwrap = await trials(host, 'perf-bwrap');
  const inContainer = await trials(ct, 'perf-container');
  const modelMs = (r: (typeof inBwrap)[number]) => Object.values(r.roles).reduce((n, x) => n + x.model_ms, 0);
  const commands = (rs: typeof inBwrap) => avg(rs.map((r) => r.structure.tool_calls));
  const mean = (rs: typeof inBwrap, f: (r: (typeof inBwrap)[number]) => number) => avg(rs.map(f));
  console.log(`\nWhole trials, ${picked.length} tasks of the shipped pr suite, instant simulated model, concurrency 1, mean per trial:`);
  console.log('                                   bwrap    container   container / bwrap');
  for (const [label, f] of [
    ['workspace setup', (r: (typeof inBwrap)[number]) => r.time.setup_ms],
    ['agent phase minus model time', (r: (typeof inBwrap)[number]) => r.time.agent_ms - modelMs(r)],
    ['grading (checkout, test runs)', (r: (typeof inBwrap)[number]) => r.time.grade_ms],
    ['whole trial minus model time', (r: (typeof inBwrap)[number]) => r.time.wall_ms - modelMs(r)],
  ] as const) {
    const a = mean(inBwrap, f);
    const b = mean(inContainer, f);
    console.log(`  ${label.padEnd(32)} ${a.toFixed(0).padStart(6)} ms ${b.toFixed(0).padStart(8)} ms   ${(b / a).toFixed(2)}x  (+${(b - a).toFixed(0)} ms)`);
  }
  console.log(`  tool calls per trial: ${commands(inBwrap).toFixed(1)} (bwrap), ${commands(inContainer).toFixed(1)} (container)`);
  const same = inBwrap.every((r) => inContainer.find((c) => c.trial_id === r.trial_id)?.quality.resolved === r.quality.resolved);
  console.log(`  verdicts: ${same ? 'the same on every trial' : 'DIFFER'}`);
} else console.log('\n(container backend side by side with bwrap: skipped, podman or the base image is missing; see docs/containers.md)');

rmSync(scratch, { recursive: true, force: true });
