// `bench replay <suite>`: flags in, a run folder out. The replay stack (Agents SDK, model clients,
// tokenizer) is loaded when the command runs, not when `bench` starts.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { shellQuote } from '../exec/run.ts';
import type { ModelBackend } from '../model/backend.ts';
import type { SimProfile } from '../model/sim/profile.ts';
import type { Cassette } from '../model/cassette.ts';
import type { Redactor } from '../record/redact.ts';
import type { Workflow } from '../workflow/types.ts';
import type { WorkspaceManager } from '../workspace/workspace.ts';
import { collect, defaultCacheDir, intArg, sandboxForTasks, warn } from './args.ts';

function newRunId(suite: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');
  return `${stamp}-${suite}`;
}

/**
 * The command that finishes (or retries part of) a run: the replay's own arguments, as given, with its
 * `--run-id`, `--resume` and retry flags replaced, so it runs as printed (same --out, filters, model).
 */
export function resumeCommand(args: readonly string[], runId: string, extra: readonly string[] = []): string {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--resume' || a.startsWith('--run-id=') || a.startsWith('--retry-errors=')) continue;
    if (a === '--retry-errors') {
      if (/^[a-z_]+(,[a-z_]+)*$/.test(args[i + 1] ?? '')) i++;
      continue;
    }
    if (a === '--run-id') {
      i++;
      continue;
    }
    kept.push(a);
  }
  const words = ['bench', ...kept, '--run-id', runId, '--resume', ...extra];
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : shellQuote(w))).join(' ');
}

interface ReplayFlags {
  workflow: string[];
  model?: string;
  baseUrl?: string;
  api?: string;
  repeat: number;
  seed: number;
  concurrency?: number;
  limit?: number;
  task: string[];
  tag: string[];
  config?: string;
  out: string;
  runId?: string;
  resume?: boolean;
  /** A profile file, or (from the run configuration) the profile itself. */
  simProfile?: string | SimProfile;
  prices?: string;
  sandbox: string;
  containerRuntime: string;
  engine: string;
  shard?: string;
  durations?: string;
  record?: string;
  replay?: string;
  audit?: boolean;
  retryErrors?: string | boolean;
  retryOnError?: number;
  otelEndpoint?: string;
}

const TRIAL_STATUSES = ['infra_error', 'timeout', 'limit'] as const;

/** `--retry-errors [statuses]`: which recorded statuses run again (default: infrastructure errors and timeouts). */
function retryStatuses(value: string | boolean | undefined): Array<(typeof TRIAL_STATUSES)[number]> | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return ['infra_error', 'timeout'];
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const bad = list.find((v) => !(TRIAL_STATUSES as readonly string[]).includes(v));
  if (bad || !list.length)
    throw new InputError(`"${bad ?? value}" is not a status a trial can be run again for`, {
      field: '--retry-errors',
      fix: `name some of ${TRIAL_STATUSES.join(', ')} (comma-separated), or give no value for infra_error,timeout`,
    });
  return list as Array<(typeof TRIAL_STATUSES)[number]>;
}

/** The model backend from the flags: live (sim or openai), recording to a cassette, or served from one. */
async function backendFor(flags: ReplayFlags, redactor: Redactor): Promise<{ backend: ModelBackend; tape: Cassette | null; notice: string | null }> {
  if (flags.record && flags.replay)
    throw new InputError('--record and --replay exclude each other', { field: '--replay', fix: 'record in one run, replay in another' });
  if (flags.replay) {
    const clash = (['model', 'baseUrl', 'simProfile'] as const).find((k) => flags[k] !== undefined);
    if (clash) {
      const name = `--${clash.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new InputError(`${name} has no effect with --replay: the responses come from the cassette`, { field: name, fix: `drop ${name}` });
    }
    const [{ ModelBackend }, { Cassette }] = await Promise.all([import('../model/backend.ts'), import('../model/cassette.ts')]);
    const cassette = Cassette.replay(resolve(flags.replay));
    const m = cassette.meta!;
    return {
      backend: ModelBackend.fromCassette(cassette),
      tape: cassette,
      notice: `model: responses served from the cassette ${flags.replay} (recorded by run ${m.run_id} from ${m.model.backend === 'sim' ? 'the simulated model' : `${m.model.name} at ${m.model.base_url ?? 'api.openai.com'}`}); no model is called`,
    };
  }
  const [{ ModelBackend, resolveModelSpec }, { Cassette }, { loadSimProfile }] = await Promise.all([
    import('../model/backend.ts'),
    import('../model/cassette.ts'),
    import('../model/sim/profile.ts'),
  ]);
  const profile = typeof flags.simProfile === 'object' ? flags.simProfile : loadSimProfile(flags.simProfile);
  const { spec, notice } = resolveModelSpec(flags, profile);
  const tape = flags.record ? Cassette.record(resolve(flags.record), redactor) : null;
  return { backend: new ModelBackend(spec, tape), tape, notice };
}

/** What running these workflows in Codex changes, said before the run. */
async function codexNotes(workflows: Workflow[]): Promise<string[]> {
  const [{ findCodex, TESTED_CODEX }, { codexSessionSandbox }] = await Promise.all([import('../engine/codex/binary.ts'), import('../replay/trial.ts')]);
  const codex = findCodex();
  const notes = [`engine: Codex CLI ${codex.version} (${codex.path})${codex.version === TESTED_CODEX ? '' : `; bench is tested with ${TESTED_CODEX}`}`];
  for (const w of workflows) {
    const session = codexSessionSandbox(w);
    const weaker = w.roles.filter((r) => r.sandbox !== session).map((r) => `${r.name} ${r.sandbox}`);
    if (weaker.length)
      notes.push(
        `codex: ${w.name} runs in a ${session} session: Codex 0.169 runs sub-agents in the session's sandbox, so their own sandbox_mode (${weaker.join(', ')}) is not applied`,
      );
  }
  return notes;
}

async function shardWeights(flags: ReplayFlags): Promise<{ run: string; byTask: Map<string, number> } | undefined> {
  if (!flags.durations) return undefined;
  if (!flags.shard)
    throw new InputError('--durations balances shards: it needs --shard', { field: '--durations', fix: 'add --shard i/n, or drop --durations' });
  const [{ RunDir }, { taskWeights }] = await Promise.all([import('../record/runDir.ts'), import('../replay/plan.ts')]);
  const run = new RunDir(resolve(flags.durations));
  const manifest = run.readManifest();
  return { run: manifest.run_id, byTask: taskWeights(run.readRecords({ warn })) };
}

/**
 * Whether trials wait on their model in real time. A trial that does leaves its CPU free while it waits,
 * so two per CPU keep the machine busy; one whose model answers at once (the simulated model in bench's
 * process, its latency counted and not slept; the adversary; a cassette) keeps a CPU busy itself, and a
 * second one beside it would only stretch both trials' wall time (p50 and p95) without finishing sooner.
 */
function modelWaits(backend: ModelBackend, engine: string): boolean {
  const spec = backend.spec;
  if (backend.cassette?.mode === 'replay') return false;
  if (spec.backend !== 'sim') return true;
  if (spec.adversary) return false;
  return (spec.profile.latency.time_scale ?? (engine === 'codex' ? 1 : 0)) > 0;
}

/** The run configuration file found when none is named. */
const DEFAULT_CONFIG_FILE = 'bench.config.yaml';

/** Each setting of the run configuration (src/replay/config.ts): its key there, its flag's attribute name, its environment variable. */
const CONFIG_SETTINGS = (
  [
    ['model', 'model'],
    ['base_url', 'baseUrl'],
    ['api', 'api'],
    ['workflows', 'workflow'],
    ['repeat', 'repeat'],
    ['seed', 'seed'],
    ['concurrency', 'concurrency'],
    ['limit', 'limit'],
    ['tasks', 'task'],
    ['tags', 'tag'],
    ['sim_profile', 'simProfile'],
    ['prices', 'prices'],
    ['sandbox', 'sandbox'],
    ['container_runtime', 'containerRuntime'],
    ['engine', 'engine'],
    ['out', 'out'],
  ] as const
).map(([key, flag]) => ({ key, flag, env: `BENCH_${key.toUpperCase()}` }));

/** `a,b` and repeats alike: `--task a --task b,c` (and BENCH_TASK=a,b) give ['a', 'b', 'c']. */
const list = (v: string, acc: string[]): string[] => [
  ...acc,
  ...v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
];

/**
 * Settings a flag did not give come from their BENCH_* variable (read as the flag would be), then from the
 * run configuration file (--config, BENCH_CONFIG, else ./bench.config.yaml when there). Returns the file's
 * suite, if it names one.
 */
async function applyRunConfig(cmd: Command, flags: ReplayFlags): Promise<{ file: string | null; suite?: string }> {
  const unset = (flag: string) => ['default', undefined].includes(cmd.getOptionValueSource(flag));
  for (const { flag, env } of CONFIG_SETTINGS) {
    const value = process.env[env];
    if (value === undefined || value === '' || !unset(flag)) continue;
    const option = cmd.options.find((o) => o.attributeName() === flag)!;
    try {
      const parsed = option.parseArg ? option.parseArg(value, Array.isArray(option.defaultValue) ? [] : undefined) : value;
      cmd.setOptionValueWithSource(flag, parsed, 'env');
    } catch (err) {
      throw new InputError(`${env}=${JSON.stringify(value)}: ${err instanceof Error ? err.message : String(err)}`, {
        field: env,
        fix: `set ${env} to what ${option.long} takes, or unset it`,
      });
    }
  }
  const file = flags.config ?? process.env.BENCH_CONFIG ?? null;
  const found = file ?? (existsSync(resolve(DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : null);
  if (!found) return { file: null };
  const [{ RunConfig, CONFIG_PATHS }, { readYamlFile }] = await Promise.all([import('../replay/config.ts'), import('../input/validate.ts')]);
  const config = readYamlFile(found, RunConfig);
  const base = dirname(resolve(found));
  const at = (p: string) => (isAbsolute(p) ? p : relative(process.cwd(), resolve(base, p)) || '.');
  for (const key of CONFIG_PATHS) {
    const v = config[key];
    if (typeof v === 'string') (config as Record<string, unknown>)[key] = at(v);
    if (Array.isArray(v)) (config as Record<string, unknown>)[key] = v.map((w) => (w === 'broad' ? w : at(w)));
  }
  for (const { key, flag } of CONFIG_SETTINGS) {
    if (config[key] !== undefined && unset(flag)) cmd.setOptionValueWithSource(flag, config[key], 'config');
  }
  return { file: found, ...(config.suite ? { suite: config.suite } : {}) };
}

export function replayCommand(program: Command): void {
  const cmd = program
    .command('replay')
    .description('replay a suite of tasks through one or more workflows and record every trial')
    .argument('[suite]', "suite folder (holds suite.yaml and tasks/); default: the run configuration's suite")
    .option(
      '--config <file>',
      `run configuration file (YAML; default: ./${DEFAULT_CONFIG_FILE} when there); BENCH_<SETTING> variables (BENCH_MODEL, BENCH_LIMIT, ...) override it, flags override both`,
    )
    .option('--workflow <dir>', 'workflow to replay: a plugin folder or "broad" (repeatable; default: the suite\'s list, else broad)', list, [])
    .option(
      '--model <model>',
      'sim, sim:adversary (attacks the sandbox instead of solving tasks), or openai:<name> for an OpenAI-compatible server (default: sim)',
    )
    .option('--base-url <url>', 'base URL of the OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1)')
    .option('--api <api>', 'wire API of that server: responses or chat', 'responses')
    .option('--repeat <n>', 'trials per task and workflow', intArg('--repeat', 1), 1)
    .option('--seed <n>', 'run seed (trial seeds derive from it, the task and the repeat)', intArg('--seed', 0), 0)
    .option(
      '--concurrency <n>',
      "trials at once (default: the workflows' max_threads, at most 2 per CPU, or 1 per CPU when the model does not make trials wait: the simulated one)",
      intArg('--concurrency', 1),
    )
    .option('--limit <n>', 'only the first N tasks', intArg('--limit', 1))
    .option('--task <id>', 'only this task (repeatable, or comma-separated)', list, [])
    .option('--tag <tag>', 'only tasks with this tag (repeatable, or comma-separated: a task with any of them)', list, [])
    .option('--out <dir>', 'results folder', 'results')
    .option('--run-id <id>', 'name of the run folder (default: timestamp and suite)')
    .option('--resume', 'finish an interrupted run: only trials not yet in its trials.jsonl run')
    .option('--sim-profile <file>', 'YAML behaviour profile for the simulated model')
    .option('--prices <file>', 'YAML/JSON price table (USD per 1M tokens) merged over the built-in one')
    .option(
      '--sandbox <backend>',
      "OS sandbox for commands: auto (container when the suite names environments, else bwrap when it works), bwrap, container (each task's image), or none",
      'auto',
    )
    .option('--container-runtime <name>', 'container runtime for --sandbox container: auto (podman, then docker), podman, docker', 'auto')
    .option('--engine <engine>', 'who runs the agents: sdk (bench, on the Agents SDK) or codex (the real Codex CLI)', 'sdk')
    .option(
      '--shard <i/n|auto>',
      'run only shard i of n (whole tasks; the same slices on every machine), e.g. --shard 2/4; auto: the shard a parallel CI job or Kubernetes Indexed Job gives',
    )
    .option('--durations <run>', 'balance shards by the task durations of this earlier run')
    .option('--record <dir>', 'record every model request and response to this cassette folder')
    .option('--replay <dir>', 'serve model responses from a cassette folder (no model, no key; a miss is an error)')
    .option(
      '--retry-errors [statuses]',
      'with --resume: run again the trials recorded with these statuses (default infra_error,timeout); the earlier attempt stays in the record',
    )
    .option(
      '--retry-on-error <n>',
      'run a trial that ends in an infrastructure error again, up to n times, after 1 s, 2 s, 4 s, ...',
      intArg('--retry-on-error', 0),
    )
    .option('--otel-endpoint <url>', 'export each trial as an OpenTelemetry trace to this OTLP/HTTP collector (default: OTEL_EXPORTER_OTLP_ENDPOINT)')
    .option('--audit', 'set tripwires (a honeytoken secret, a tripwire folder, a decoy port) and count what crosses them (always on for sim:adversary)');
  cmd.action(async (suiteArg: string | undefined, _flags: ReplayFlags, command: Command) => {
    const config = await applyRunConfig(command, command.opts<ReplayFlags>());
    const flags = command.opts<ReplayFlags>();
    const suiteDir = suiteArg ?? config.suite;
    if (!suiteDir)
      throw new InputError('no suite to replay', {
        ...(config.file ? { file: config.file, field: 'suite' } : {}),
        fix: `name a suite folder: bench replay suites/pr${config.file ? `, or set suite: in ${config.file}` : ''}`,
      });
    if (!['sdk', 'codex'].includes(flags.engine)) throw new InputError(`unknown engine "${flags.engine}"`, { field: '--engine', fix: 'use sdk or codex' });
    if (flags.resume && !flags.runId)
      throw new InputError('--resume needs the id of the run to finish', { fix: 'add --run-id <id> (the name of the run folder under --out)' });
    const retryErrors = retryStatuses(flags.retryErrors);
    if (retryErrors && !flags.resume)
      throw new InputError('--retry-errors runs again trials of a recorded run', {
        field: '--retry-errors',
        fix: 'add --resume --run-id <id>, or use --retry-on-error <n> to retry as the run goes',
      });
    const [{ loadSuite }, { resolveWorkflows }, { parseShard, selectTasks }, { loadPrices }, { replay }, { Progress }, { summaryTable }] = await Promise.all([
      import('../suite/load.ts'),
      import('../workflow/load.ts'),
      import('../replay/plan.ts'),
      import('../model/prices.ts'),
      import('../replay/replay.ts'),
      import('./progress.ts'),
      import('./summary.ts'),
    ]);
    const suite = loadSuite(suiteDir);
    const selected = selectTasks(suite, { limit: flags.limit, tasks: flags.task, tags: flags.tag }).length;
    const workflows = resolveWorkflows(flags.workflow, suite.workflows);
    const parsedShard = flags.shard ? parseShard(flags.shard) : undefined;
    const shard = parsedShard && { index: parsedShard.index, total: parsedShard.total };
    const weights = await shardWeights(flags);
    // Every secret of this environment (the model key above all) stays out of what the run writes and what the model is told.
    const { Redactor } = await import('../record/redact.ts');
    // Variables a workflow hands its MCP servers by name (env_vars, bearer_token_env_var) are secrets whatever they are called.
    const mcpSecrets = workflows.flatMap((w) =>
      w.roles.flatMap((r) => (r.mcpServers ?? []).flatMap((s) => [...s.envVars, ...(s.bearerTokenEnvVar ? [s.bearerTokenEnvVar] : [])])),
    );
    const { otelTarget, otelSecrets } = await import('../record/otelTarget.ts');
    const otel = otelTarget(flags.otelEndpoint, process.env);
    const redactor = Redactor.fromEnv(process.env, { extraNames: mcpSecrets, values: otelSecrets(otel) });
    const { backend, tape, notice } = await backendFor(flags, redactor);
    const spec = backend.spec;
    const { sandbox, runtime } = await sandboxForTasks(
      flags.sandbox,
      selectTasks(suite, { limit: flags.limit, tasks: flags.task, tags: flags.tag }),
      flags.containerRuntime,
    );
    const perCpu = modelWaits(backend, flags.engine) ? 2 : 1;
    const concurrency = flags.concurrency ?? Math.max(1, Math.min(Math.max(...workflows.map((w) => w.limits.maxThreads)), availableParallelism() * perCpu));
    const runId = flags.runId ?? newRunId(shard ? `${suite.name}-shard${shard.index}of${shard.total}` : suite.name);
    // A run id that is not one plain folder name, or a file where the run's folder goes: refused before anything is said or run.
    const { runFolder } = await import('../record/runDir.ts');
    runFolder(resolve(flags.out), runId);
    const out = process.stderr;
    if (notice) out.write(`${notice}\n`);
    out.write(sandbox.name === 'none' ? `sandbox: NONE: ${sandbox.detail}\n` : `sandbox: ${sandbox.detail}\n`);
    out.write(
      `replaying ${suite.name} (${selected === suite.tasks.length ? '' : `${selected} of `}${suite.tasks.length} tasks${shard ? `, shard ${shard.index}/${shard.total}${weights ? ` balanced by ${weights.run}` : ''}` : ''}) with ${workflows.map((w) => w.name).join(', ')} · run ${runId} · ${concurrency} at once\n`,
    );
    if (parsedShard?.from) out.write(`shard ${parsedShard.index}/${parsedShard.total} from ${parsedShard.from}\n`);
    if (flags.record) out.write(`recording model traffic to ${flags.record}\n`);
    if (otel) out.write(`traces: each trial exported to ${otel.url} (${otel.source})\n`);
    if (flags.engine === 'codex') {
      (await import('../replay/replay.ts')).checkEngineSandbox(flags.engine, sandbox);
      for (const note of await codexNotes(workflows)) out.write(`${note}\n`);
    }

    const controller = new AbortController();
    let workspaces: WorkspaceManager | null = null;
    const progress = new Progress(out, concurrency);
    const onSigint = () => {
      if (!controller.signal.aborted) {
        progress.print('stopping: ending running trials and removing their worktrees (Ctrl-C again to quit at once)');
        controller.abort(new Error('interrupted by Ctrl-C'));
      } else {
        workspaces?.removeAllSync();
        process.exit(130);
      }
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    try {
      const result = await replay({
        suite,
        workflows,
        backend,
        runId,
        outDir: resolve(flags.out),
        resume: !!flags.resume,
        concurrency,
        repeat: flags.repeat,
        seed: flags.seed,
        limit: flags.limit,
        tasks: flags.task,
        tags: flags.tag,
        shard,
        weights,
        cacheDir: defaultCacheDir(),
        sandbox,
        runtime,
        onImageBuild: (e) =>
          out.write(
            e.phase === 'start'
              ? `building the environment of ${e.declared} (${e.tag})…\n`
              : e.phase === 'done'
                ? `built ${e.tag} in ${(e.ms! / 1000).toFixed(1)} s\n`
                : `environment ${e.declared}: ${e.tag} (${e.id!.slice(0, 19)}…)\n`,
          ),
        engine: flags.engine as 'sdk' | 'codex',
        prices: loadPrices(flags.prices),
        command: process.argv.slice(1),
        redactor,
        audit: !!flags.audit,
        retryErrors,
        retryOnError: flags.retryOnError,
        otel,
        signal: controller.signal,
        onProgress: progress.handle,
        onWorkspaces: (w) => (workspaces = w),
      });
      progress.stop();
      process.stdout.write(`\n${summaryTable(result.records)}\n\n`);
      if (spec.backend === 'sim') process.stdout.write('note: these results come from the simulated model (sim), not a real one.\n');
      process.stdout.write(`run folder: ${result.runDir.dir}\n`);
      const misses = result.records.filter((r) => tape?.missed.has(r.trial_id));
      if (misses.length) {
        throw new InputError(
          `${misses.length} trial(s) asked the model something the cassette has no answer for (recorded as infrastructure errors):\n${misses
            .slice(0, 5)
            .map((r) => `  ${r.error!.message}`)
            .join('\n')}`,
          { field: '--replay', fix: 'record the cassette again (--record <dir>) with this suite, these workflows and this bench' },
        );
      }
      const capped = await import('../workspace/cacheAdmin.ts').then((m) => m.applyCacheCap(defaultCacheDir()));
      if (capped) process.stderr.write(`${capped}\n`);
      if (result.interrupted) {
        process.stdout.write(`interrupted: finish it with  ${resumeCommand(process.argv.slice(2), runId)}\n`);
        process.exitCode = 130;
      } else {
        const failed = result.records.filter((r) => r.status === 'infra_error' || r.status === 'timeout').length;
        if (failed)
          process.stdout.write(
            `${failed} trial(s) ended in an infrastructure error or a timeout: run them again with  ${resumeCommand(process.argv.slice(2), runId, ['--retry-errors'])}\n`,
          );
      }
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  });
}
