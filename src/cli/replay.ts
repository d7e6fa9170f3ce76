// `bench replay <suite>`: flags in, a run folder out.
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { detectSandbox, type SandboxChoice } from '../control/sandbox.ts';
import { InputError } from '../errors.ts';
import { ModelBackend, resolveModelSpec } from '../model/backend.ts';
import { loadPrices } from '../model/prices.ts';
import { loadSimProfile } from '../model/sim/profile.ts';
import { replay } from '../replay/replay.ts';
import { loadSuite } from '../suite/load.ts';
import { resolveWorkflows } from '../workflow/load.ts';
import type { WorkspaceManager } from '../workspace/workspace.ts';
import { Progress } from './progress.ts';
import { summaryTable } from './summary.ts';
import { intArg } from './args.ts';

export function defaultCacheDir(): string {
  return process.env.BENCH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bench');
}

function newRunId(suite: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');
  return `${stamp}-${suite}`;
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
  out: string;
  runId?: string;
  resume?: boolean;
  simProfile?: string;
  prices?: string;
  sandbox: string;
}

export function sandboxFor(choice: string) {
  if (!['auto', 'bwrap', 'none'].includes(choice)) throw new InputError(`unknown sandbox "${choice}"`, { field: '--sandbox', fix: 'use auto, bwrap or none' });
  const s = detectSandbox(choice as SandboxChoice);
  if ('error' in s)
    throw new InputError(s.error, {
      field: '--sandbox',
      fix: 'install bubblewrap (apt-get install bubblewrap), or pass --sandbox none to run without an OS sandbox',
    });
  return s;
}

const collect = (v: string, acc: string[]) => [...acc, v];

export function replayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay a suite of tasks through one or more workflows and record every trial')
    .argument('<suite>', 'suite folder (holds suite.yaml and tasks/)')
    .option('--workflow <dir>', 'workflow to replay: a plugin folder or "broad" (repeatable; default: the suite\'s list, else broad)', collect, [])
    .option('--model <model>', 'sim, or openai:<name> for an OpenAI-compatible server (default: sim)')
    .option('--base-url <url>', 'base URL of the OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1)')
    .option('--api <api>', 'wire API of that server: responses or chat', 'responses')
    .option('--repeat <n>', 'trials per task and workflow', intArg('--repeat', 1), 1)
    .option('--seed <n>', 'run seed (trial seeds derive from it, the task and the repeat)', intArg('--seed', 0), 0)
    .option('--concurrency <n>', "trials at once (default: the workflows' max_threads, at most 2 per CPU)", intArg('--concurrency', 1))
    .option('--limit <n>', 'only the first N tasks', intArg('--limit', 1))
    .option('--task <id>', 'only this task (repeatable)', collect, [])
    .option('--out <dir>', 'results folder', 'results')
    .option('--run-id <id>', 'name of the run folder (default: timestamp and suite)')
    .option('--resume', 'finish an interrupted run: only trials not yet in its trials.jsonl run')
    .option('--sim-profile <file>', 'YAML behaviour profile for the simulated model')
    .option('--prices <file>', 'YAML/JSON price table (USD per 1M tokens) merged over the built-in one')
    .option('--sandbox <backend>', 'OS sandbox for commands: auto (bwrap when it works), bwrap, or none', 'auto')
    .action(async (suiteDir: string, flags: ReplayFlags) => {
      const suite = loadSuite(suiteDir);
      const workflows = resolveWorkflows(flags.workflow, suite.workflows);
      const { spec, notice } = resolveModelSpec(flags, loadSimProfile(flags.simProfile));
      const backend = new ModelBackend(spec);
      const sandbox = sandboxFor(flags.sandbox);
      const concurrency = flags.concurrency ?? Math.max(1, Math.min(Math.max(...workflows.map((w) => w.limits.maxThreads)), availableParallelism() * 2));
      const runId = flags.runId ?? newRunId(suite.name);
      if (flags.resume && !flags.runId) throw Object.assign(new Error('--resume needs --run-id <id> of the run to finish'), { exitCode: 2 });
      const out = process.stderr;
      if (notice) out.write(`${notice}\n`);
      out.write(sandbox.name === 'none' ? `sandbox: NONE: ${sandbox.detail}\n` : `sandbox: ${sandbox.detail}\n`);
      out.write(
        `replaying ${suite.name} (${suite.tasks.length} tasks) with ${workflows.map((w) => w.name).join(', ')} · run ${runId} · ${concurrency} at once\n`,
      );

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
          cacheDir: defaultCacheDir(),
          sandbox,
          prices: loadPrices(flags.prices),
          command: process.argv.slice(1),
          signal: controller.signal,
          onProgress: progress.handle,
          onWorkspaces: (w) => (workspaces = w),
        });
        progress.stop();
        process.stdout.write(`\n${summaryTable(result.records)}\n\n`);
        if (spec.backend === 'sim') process.stdout.write('note: these results come from the simulated model (sim), not a real one.\n');
        process.stdout.write(`run folder: ${result.runDir.dir}\n`);
        if (result.interrupted) {
          process.stdout.write(`interrupted: finish it with  bench replay ${suiteDir} --run-id ${runId} --resume\n`);
          process.exitCode = 130;
        }
      } finally {
        progress.stop();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });
}
