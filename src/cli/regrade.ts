// `bench regrade <run>`: grade a run's saved patches and answers again, into a new run folder.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { defaultCacheDir, intArg, sandboxForTasks } from './args.ts';

/** A resolved verdict as `outcome()` words it. */
const verdict = (resolved: boolean | null) => (resolved === null ? 'ungraded' : resolved ? 'resolved' : 'unresolved');

interface RegradeFlags {
  suite?: string;
  out?: string;
  runId?: string;
  concurrency?: number;
  sandbox: string;
  containerRuntime: string;
}

export function regradeCommand(program: Command): void {
  program
    .command('regrade')
    .description("grade a run's saved patches and answers again (e.g. after fixing a task's tests), without running any agent")
    .argument('<run>', 'run folder to regrade (it is not changed)')
    .option('--suite <dir>', 'the suite to grade against (default: the one the run replayed, from run.json)')
    .option('--out <dir>', 'results folder for the new run (default: next to the old one)')
    .option('--run-id <id>', 'name of the new run folder (default: <old id>-regraded)')
    .option('--concurrency <n>', 'trials graded at once (default: the number of CPUs)', intArg('--concurrency', 1))
    .option('--sandbox <backend>', 'OS sandbox for the tests: auto (container when the suite names environments), bwrap, container, or none', 'auto')
    .option('--container-runtime <name>', 'auto, podman or docker (for --sandbox container)', 'auto')
    .action(async (runArg: string, flags: RegradeFlags) => {
      const from = resolve(runArg);
      const [{ regrade }, { RunDir }, { loadSuite }, { outcome }] = await Promise.all([
        import('../grade/regrade.ts'),
        import('../record/runDir.ts'),
        import('../suite/load.ts'),
        import('./progress.ts'),
      ]);
      const manifest = new RunDir(from).readManifest();
      const suiteDir = flags.suite ?? manifest.suite.dir;
      // The suite named in run.json is relative to where the run was started: say so when it is not here.
      if (!flags.suite && !existsSync(join(suiteDir, 'suite.yaml')))
        throw new InputError(`the suite this run replayed (${suiteDir}, from run.json) cannot be read here`, {
          file: `${from}/run.json`,
          field: 'suite.dir',
          fix: 'pass --suite <dir> (the suite folder, from where you run bench)',
        });
      const suite = loadSuite(suiteDir);
      const runId = flags.runId ?? `${manifest.run_id}-regraded`;
      const { sandbox, runtime } = await sandboxForTasks(flags.sandbox, suite.tasks, flags.containerRuntime);
      const controller = new AbortController();
      const onSigint = () => controller.abort(new Error('interrupted by Ctrl-C'));
      process.on('SIGINT', onSigint);
      const err = process.stderr;
      err.write(`regrading ${manifest.run_id} against ${suite.name} (${suite.digest === manifest.suite.digest ? 'unchanged' : 'changed'} since the run)\n`);
      try {
        const result = await regrade({
          from,
          suite,
          outDir: resolve(flags.out ?? dirname(from)),
          runId,
          cacheDir: defaultCacheDir(),
          sandbox,
          runtime,
          concurrency: flags.concurrency ?? availableParallelism(),
          command: process.argv.slice(1),
          signal: controller.signal,
          onTrial: ({ done, total, record, before }) => {
            const change = outcome(before) === outcome(record) ? outcome(record) : `${outcome(before)} -> ${outcome(record)}`;
            err.write(`[${String(done).padStart(String(total).length)}/${total}] ${record.trial_id}: ${change}\n`);
          },
        });
        if (result.interrupted) {
          process.stdout.write('interrupted: nothing written; the original run is untouched\n');
          process.exitCode = 130;
          return;
        }
        process.stdout.write(
          `regraded ${result.regraded} of ${result.records.length} trials; ${result.changed.length} changed verdict${result.changed.length === 1 ? '' : 's'}\n${result.changed
            .map((c) => `  ${c.trial_id}: ${verdict(c.before)} -> ${verdict(c.after)}\n`)
            .join('')}run folder: ${result.runDir.dir} (regraded from ${basename(from)})\n`,
        );
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
