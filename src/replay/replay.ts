// A run: check every input before the first trial, write the manifest, run the trials in a pool of
// `concurrency` slots, append each record as it finishes, and resume from what is already on disk.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxBackend } from '../control/sandbox.ts';
import { deadOwners, describeRuntime, removeContainersOf, type ContainerRuntime } from '../exec/container.ts';
import { imageFor, imagesForTasks, type EnvironmentImages, type ImageEvents } from '../workspace/images.ts';
import { InputError, InputErrors } from '../errors.ts';
import type { ModelBackend } from '../model/backend.ts';
import { manifestDifferences, type ManifestAspect } from '../record/merge.ts';
import { Redactor } from '../record/redact.ts';
import type { OtelTarget } from '../record/otelTarget.ts';
import { TraceRouter } from '../engine/sdk/tracing.ts';
import { Audit, AUDIT_SECRET } from './audit.ts';
import { latestPerTrial, RunDir, runFolder } from '../record/runDir.ts';
import type { PriceTable, RunManifest, TrialAttempt, TrialRecord, TrialStatus } from '../record/schema.ts';
import type { Suite } from '../suite/load.ts';
import { uneditedMinedRequest } from '../suite/requests.ts';
import { hiddenFromAgents } from '../workspace/isolation.ts';
import { missingCommits, RepoCache } from '../workspace/repos.ts';
import { claimWorkRoot, sweepDeadRuns, workRootName, WorkspaceManager } from '../workspace/workspace.ts';
import type { Workflow } from '../workflow/types.ts';
import { planTrials, selectTasks, type PlanOptions, type Shard } from './plan.ts';
import { runPool } from '../exec/pool.ts';
import { findReaper } from '../exec/reaper.ts';
import { findCodex, type CodexBinary } from '../engine/codex/binary.ts';
import { SimResponder } from '../model/sim/respond.ts';
import type { SimContext } from '../model/sim/oracle.ts';
import { SimServer } from '../model/sim/server.ts';
import { oracleCache, suiteSimResolver } from './simResolver.ts';
import { codexSessionSandbox, runTrial, type EngineChoice, type TrialPlan } from './trial.ts';

export type ProgressEvent =
  | { type: 'planned'; total: number; skipped: number; pending: number; retrying: number }
  | { type: 'start'; plan: TrialPlan }
  | { type: 'retry'; plan: TrialPlan; record: TrialRecord; attempt: number; of: number; waitMs: number }
  | { type: 'done'; plan: TrialPlan; record: TrialRecord };

export interface ReplayOptions {
  suite: Suite;
  workflows: Workflow[];
  /** Who runs the agents: bench's own engine (Agents SDK, default) or the real Codex CLI. */
  engine?: 'sdk' | 'codex';
  backend: ModelBackend;
  runId: string;
  outDir: string;
  resume: boolean;
  concurrency: number;
  repeat: number;
  seed: number;
  limit?: number;
  tasks?: string[];
  tags?: string[];
  /** Only this slice of the tasks (`--shard i/n`), balanced by `weights` when given. */
  shard?: Shard;
  weights?: { run: string; byTask: Map<string, number> };
  cacheDir: string;
  sandbox: SandboxBackend;
  /** The container runtime, when `sandbox` is the container backend: each task's environment is resolved (built) with it first. */
  runtime?: ContainerRuntime | null;
  /** A Containerfile is being built (it can take minutes). */
  onImageBuild?: ImageEvents['onBuild'];
  prices: PriceTable;
  command: string[];
  /** Secrets kept out of everything the run writes and everything the model is told (default: those of this environment). */
  redactor?: Redactor;
  /** Set tripwires (a honeytoken secret, a tripwire folder, a decoy port) and count what crosses them; always for the adversary. */
  audit?: boolean;
  /** With `resume`: trials recorded with one of these statuses run again (their record keeps the earlier attempt). */
  retryErrors?: TrialStatus[];
  /** A trial that ends in an infrastructure error runs again up to this many times, after 1 s, 2 s, 4 s, ... (at most 30 s). */
  retryOnError?: number;
  signal: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /** Lets the caller reach the live workspaces (for a last-resort cleanup on a second Ctrl-C). */
  onWorkspaces?: (w: WorkspaceManager) => void;
  /** Export each trial as an OpenTelemetry trace here (OTLP/HTTP); the codex engine gets the same in its [otel]. */
  otel?: OtelTarget | null;
  /** Where warnings go (an unreachable collector); default stderr. */
  warn?: (message: string) => void;
  /** The Agents SDK spans' way into each trial's event log (one per process is enough; default: a new one). */
  traceRouter?: TraceRouter;
}

export interface ReplayResult {
  runDir: RunDir;
  records: TrialRecord[];
  /** Trials found already done on disk (resume). */
  skipped: number;
  interrupted: boolean;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function harnessVersion(): { version: string; git_sha: string | null } {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  let sha: string | null = null;
  try {
    sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: packageRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout (an installed package)
  }
  return { version: pkg.version, git_sha: sha };
}

/** Every commit every selected task names must exist before anything runs (bad input: exit 2). */
async function preflight(suite: Suite, opts: ReplayOptions, cache: RepoCache): Promise<void> {
  const errors: InputError[] = [];
  for (const task of selectTasks(suite, planOptions(opts))) {
    for (const [field, rev] of await missingCommits(cache, task)) {
      errors.push(
        new InputError(`commit ${rev} not found in repository "${task.repo.name}" (${task.repo.location})`, {
          file: task.file,
          field,
          fix: 'use a commit id that exists in that repository (git log --all there), or fix the repository reference',
        }),
      );
    }
  }
  if (errors.length) throw new InputErrors(errors);
}

const planOptions = (opts: ReplayOptions): PlanOptions => ({ ...opts, weights: opts.weights?.byTask });

/** The codex engine's inputs, checked before anything runs: the CLI is installed, the model reachable the way Codex talks. */
function codexPreflight(opts: ReplayOptions): CodexBinary {
  if (opts.backend.cassette)
    throw new InputError("cassettes record the sdk engine's model calls; Codex talks to the model itself", {
      field: opts.backend.cassette.mode === 'record' ? '--record' : '--replay',
      fix: 'drop it, or replay with --engine sdk',
    });
  const spec = opts.backend.spec;
  if (spec.backend === 'openai' && spec.api !== 'responses')
    throw new InputError('Codex speaks only the Responses API', { field: '--api', fix: 'use --api responses (the default) with --engine codex' });
  return findCodex();
}

/** The codex engine runs Codex on the host inside bwrap: said before anything about Codex itself (whether it is installed). */
export function checkEngineSandbox(engine: string, sandbox: Pick<SandboxBackend, 'name'>): void {
  if (engine === 'codex' && sandbox.name === 'container')
    throw new InputError('the codex engine runs Codex on the host with its own sandbox: it cannot run in a task container yet', {
      field: '--sandbox',
      fix: 'replay with --engine sdk, or with --sandbox bwrap for the codex engine',
    });
}

/**
 * The container backend runs every command of a task in its environment: each planned task must name one
 * (exit 2 naming the file otherwise), and every image is resolved (built) before anything runs.
 */
async function prepareImages(opts: ReplayOptions, plans: TrialPlan[]): Promise<EnvironmentImages | null> {
  if (opts.sandbox.name !== 'container') return null;
  const tasks = [...new Map(plans.map((p) => [p.task.id, p.task])).values()];
  const images = await imagesForTasks(opts.runtime, tasks, { cacheDir: opts.cacheDir, suite: opts.suite, signal: opts.signal, onBuild: opts.onImageBuild });
  // Containers of bench processes that died (killed outright, before they could remove them) go first.
  for (const pid of await deadOwners(images.runtime)) await removeContainersOf(images.runtime, pid);
  return images;
}

function manifest(
  opts: ReplayOptions,
  plans: TrialPlan[],
  codex: CodexBinary | null,
  audited: boolean,
  redactor: Redactor,
  images: EnvironmentImages | null,
): RunManifest {
  const spec = opts.backend.spec;
  return {
    schema: 1,
    run_id: opts.runId,
    created_at: new Date().toISOString(),
    harness: harnessVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    sandbox: { backend: opts.sandbox.name, detail: opts.sandbox.detail, runtime: images ? describeRuntime(images.runtime) : null },
    environments: images
      ? [...images.byEnvironment.values()].map((img) => ({
          declared: img.declared,
          ref: img.ref,
          image_id: img.image,
          content_hash: img.contentHash,
          built: img.built,
          build_ms: img.buildMs,
          tasks: [...new Set(plans.filter((p) => imageFor(images, p.task.environment) === img).map((p) => p.task.id))].sort(),
        }))
      : [],
    audit: audited,
    redacted: [...new Set([...redactor.names, ...(audited ? [AUDIT_SECRET] : [])])].sort(),
    suite: {
      name: opts.suite.name,
      dir: relative(process.cwd(), opts.suite.dir) || '.',
      digest: opts.suite.digest,
      tasks: opts.suite.tasks.length,
      unedited_requests: [...new Set(plans.filter((p) => uneditedMinedRequest(p.task)).map((p) => p.task.id))].sort(),
    },
    workflows: opts.workflows.map((w) => ({ name: w.name, source: w.source, digest: w.digest })),
    engine: opts.engine ?? 'sdk',
    codex: codex
      ? {
          version: codex.version,
          session_sandbox: Object.fromEntries(opts.workflows.map((w) => [w.name, codexSessionSandbox(w)])),
          role_sandbox: Object.fromEntries(opts.workflows.map((w) => [w.name, Object.fromEntries(w.roles.map((r) => [r.name, r.sandbox]))])),
        }
      : null,
    model: {
      backend: spec.backend,
      name: spec.name,
      base_url: spec.backend === 'openai' ? spec.baseURL : null,
      api: spec.backend === 'openai' ? spec.api : null,
      simulated: opts.backend.simulated,
      sim_profile: spec.backend === 'sim' ? (spec.profile as unknown as Record<string, unknown>) : null,
      cassette: opts.backend.cassette,
    },
    prices: opts.prices,
    seed: opts.seed,
    repeat: opts.repeat,
    concurrency: opts.concurrency,
    filters: { limit: opts.limit ?? null, tasks: opts.tasks ?? [], tags: opts.tags ?? [] },
    shard: opts.shard
      ? {
          ...opts.shard,
          trials_total: planTrials(opts.suite, opts.workflows, { ...planOptions(opts), shard: undefined }).length,
          balanced_by: opts.weights?.run ?? null,
        }
      : null,
    trials_planned: plans.length,
    command: opts.command,
    merged_from: [],
    regraded_from: null,
  };
}

/** What a resumed run must share with the one it finishes (its repeat and concurrency may change). */
const RESUME_KEEPS: ManifestAspect[] = ['suite', 'workflows', 'engine', 'model', 'seed', 'shard', 'task filter', 'task environments'];

function checkResumable(prev: RunManifest, next: RunManifest, dir: string): void {
  const problems = manifestDifferences(prev, next).filter(([what]) => RESUME_KEEPS.includes(what));
  if (problems.length) {
    throw new InputError(`cannot resume: ${problems.map(([what, a, b]) => `the ${what} differs (${a} then, ${b} now)`).join(', ')}`, {
      file: join(dir, 'run.json'),
      fix: 'resume with the flags the run was started with (its run.json `command`), or start a new run with another --run-id',
    });
  }
}

/** What a record says of the attempt it records, when that attempt is run again. */
function attemptOf(r: TrialRecord, folder: string): TrialAttempt {
  return {
    status: r.status,
    error: r.error,
    started_at: r.started_at,
    ended_at: r.ended_at,
    wall_ms: r.time.wall_ms,
    tokens: r.tokens,
    cost_usd: r.cost_usd,
    folder,
  };
}

/** Waits `ms`; false when the run was stopped meanwhile. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((done) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      done(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      done(false);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  const audited = !!opts.audit || opts.backend.adversary;
  const baseRedactor = opts.redactor ?? Redactor.fromEnv(process.env);
  const plans = planTrials(opts.suite, opts.workflows, planOptions(opts));
  checkEngineSandbox(opts.engine ?? 'sdk', opts.sandbox);
  const codex = opts.engine === 'codex' ? codexPreflight(opts) : null;
  let done = new Set<string>();
  let previous: TrialRecord[] = [];
  const probe = new RunDir(runFolder(opts.outDir, opts.runId));
  const images = await prepareImages(opts, plans);
  const next = manifest(opts, plans, codex, audited, baseRedactor, images);
  if (probe.exists()) {
    if (!opts.resume) {
      throw new InputError(`run "${opts.runId}" already exists`, { file: probe.dir, fix: 'add --resume to finish it, or choose another --run-id' });
    }
    checkResumable(probe.readManifest(), next, probe.dir);
    previous = probe.readRecords({ repair: true });
    const again = new Set(opts.retryErrors ?? []);
    done = new Set(previous.filter((r) => !again.has(r.status)).map((r) => r.trial_id));
  } else if (opts.resume) {
    throw new InputError(`no run "${opts.runId}" to resume`, { file: probe.dir, fix: 'check --run-id and --out, or drop --resume to start it' });
  }

  const cache = new RepoCache(opts.cacheDir);
  await preflight(opts.suite, opts, cache);
  // Tripwires for this run: the honeytoken joins bench's own environment (and what is redacted) while it lasts.
  const audit = audited ? Audit.start({ runId: opts.runId, suite: opts.suite, cacheDir: opts.cacheDir, outDir: opts.outDir }) : null;
  const redactor = audit ? baseRedactor.with([{ name: AUDIT_SECRET, value: audit.token }]) : baseRedactor;
  if (audit) process.env[AUDIT_SECRET] = audit.token;
  const runDir = new RunDir(probe.dir, redactor);
  if (!runDir.exists()) runDir.writeManifest(next);
  const { cassette: _, ...model } = next.model;
  opts.backend.begin({ run_id: opts.runId, suite: { name: opts.suite.name, digest: opts.suite.digest }, model });

  const pending = plans.filter((p) => !done.has(p.trialId));
  const recorded = new Map(previous.map((r) => [r.trial_id, r]));
  opts.onProgress?.({
    type: 'planned',
    total: plans.length,
    skipped: plans.length - pending.length,
    pending: pending.length,
    retrying: pending.filter((p) => recorded.has(p.trialId)).length,
  });

  // What runs killed outright left (worktrees, scratch, git's registrations of them) goes first.
  await sweepDeadRuns(tmpdir(), cache);
  const workRoot = join(tmpdir(), workRootName(process.pid, opts.runId));
  claimWorkRoot(workRoot);
  const workspaces = new WorkspaceManager(cache, join(workRoot, 'wt'), { images });
  opts.onWorkspaces?.(workspaces);
  const records: TrialRecord[] = previous.filter((r) => done.has(r.trial_id));
  const hidden = hiddenFromAgents({ cacheDir: opts.cacheDir, suite: opts.suite, outDir: opts.outDir, workRoot });
  // The simulated model's view of each task, built once and shared by its trials. The codex engine
  // reaches the model over HTTP: the simulated model is served on loopback for it.
  const oracles = opts.backend.needsOracle ? oracleCache(cache) : null;
  let simServer: SimServer | null = null;
  // What each trial served over HTTP gets from the sim server: the adversary's targets, the leak scanner.
  const served = new Map<string, Pick<SimContext, 'targets' | 'inspect'>>();
  let engine: EngineChoice = { kind: 'sdk' };
  if (codex) {
    const spec = opts.backend.spec;
    if (spec.backend === 'sim') {
      const resolve = suiteSimResolver(opts.suite, cache, opts.seed, oracles ?? undefined);
      simServer = new SimServer({
        responder: new SimResponder(spec.profile),
        resolve: async (trialId) => {
          const ctx = await resolve(trialId);
          return ctx && trialId ? { ...ctx, ...served.get(trialId) } : ctx;
        },
      });
      engine = { kind: 'codex', codex, provider: { baseUrl: await simServer.start(), model: spec.name, simulated: true, apiKey: 'sim' } };
    } else {
      engine = {
        kind: 'codex',
        codex,
        provider: { baseUrl: spec.baseURL ?? 'https://api.openai.com/v1', model: spec.name, simulated: false, apiKey: spec.apiKey },
      };
    }
  }
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  // The OpenTelemetry SDK is loaded only by a run that exports.
  const traces = opts.otel
    ? new (await import('../record/otel.ts')).TrialTraces({
        target: opts.otel,
        redactor,
        provider: opts.backend.spec.backend === 'sim' ? 'bench.sim' : 'openai',
        warn,
        version: next.harness.version,
      })
    : null;
  const deps = {
    runId: opts.runId,
    traceRouter: opts.traceRouter ?? new TraceRouter(),
    otel: opts.otel ?? null,
    engine,
    backend: opts.backend,
    cache,
    workspaces,
    runDir,
    prices: opts.prices,
    scratchRoot: join(workRoot, 'scratch'),
    sandbox: opts.sandbox,
    images,
    hidden,
    readPaths: opts.suite.readPaths,
    audit,
    reaper: findReaper(),
    adversary: opts.backend.adversary,
    served,
    oracles,
    suiteTasks: opts.suite.tasks,
    signal: opts.signal,
  };

  try {
    await runPool(pending, opts.concurrency, opts.signal, async (plan) => {
      // Each attempt gets the trial's folder to itself: what an earlier one left moves to attempt-<n>/.
      const attempts: TrialAttempt[] = [...(recorded.get(plan.trialId)?.attempts ?? [])];
      let earlier = recorded.get(plan.trialId) ?? null;
      for (let retry = 0; ; retry++) {
        const folder = runDir.startAttempt(plan.trialId);
        if (earlier) attempts.push(attemptOf(earlier, folder ?? ''));
        opts.onProgress?.({ type: 'start', plan });
        const record = await runTrial(plan, deps);
        // A trial cut short by Ctrl-C is not a result: leave it out so --resume runs it again.
        if (opts.signal.aborted && record.status === 'infra_error') return false;
        if (record.status === 'infra_error' && retry < (opts.retryOnError ?? 0)) {
          const waitMs = Math.min(30_000, 1000 * 2 ** retry);
          opts.onProgress?.({ type: 'retry', plan, record, attempt: retry + 2, of: (opts.retryOnError ?? 0) + 1, waitMs });
          if (!(await pause(waitMs, opts.signal))) return false;
          earlier = record;
          continue;
        }
        const final = { ...record, attempts };
        runDir.append(final);
        records.push(final);
        traces?.trialFromFile(final, join(runDir.trialDir(plan.trialId), 'events.jsonl'));
        opts.onProgress?.({ type: 'done', plan, record: final });
        return;
      }
    });
  } finally {
    await simServer?.close();
    // Sent before the run returns, Ctrl-C included: the traces of the trials that finished.
    await traces?.close();
    // A retried trial was appended again: one line per trial once the run ends.
    runDir.compact();
    runDir.writeCsv(latestPerTrial(records));
    if (existsSync(workRoot)) rmSync(workRoot, { recursive: true, force: true });
    if (audit) {
      audit.close();
      delete process.env[AUDIT_SECRET];
    }
  }
  return { runDir, records, skipped: plans.length - pending.length, interrupted: opts.signal.aborted };
}
