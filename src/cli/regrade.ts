// `bench regrade <run>`: grade a run's saved patches and answers again, into a new run folder.
import { availableParallelism } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { regrade } from '../grade/regrade.ts';
import { RunDir } from '../record/runDir.ts';
import { loadSuite } from '../suite/load.ts';
import { intArg } from './args.ts';
import { defaultCacheDir, sandboxFor } from './replay.ts';

interface RegradeFlags {
  suite?: string;
  out?: string;
  runId?: string;
  concurrency?: number;
  sandbox: string;
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
    .option('--sandbox <backend>', 'OS sandbox for the tests: auto, bwrap, or none', 'auto')
    .action(async (runArg: string, flags: RegradeFlags) => {
      const from = resolve(runArg);
      const manifest = new RunDir(from).readManifest();
      const suiteDir = flags.suite ?? manifest.suite.dir;
      let suite;
      try {
        suite = loadSuite(suiteDir);
      } catch (err) {
        if (flags.suite || !(err instanceof InputError) || !/cannot read|no suite|not found|ENOENT/i.test(err.message)) throw err;
        throw new InputError(`the suite this run replayed (${suiteDir}, from run.json) cannot be read here`, {
          file: `${from}/run.json`,
          field: 'suite.dir',
          fix: 'pass --suite <dir> (the suite folder, from where you run bench)',
        });
      }
      const runId = flags.runId ?? `${manifest.run_id}-regraded`;
      const sandbox = sandboxFor(flags.sandbox);
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
          concurrency: flags.concurrency ?? availableParallelism(),
          command: process.argv.slice(1),
          signal: controller.signal,
          onTrial: ({ done, total, record, before }) => {
            const verdict = (r: typeof record) => (r.status !== 'ok' ? r.status : r.quality.resolved ? 'resolved' : 'unresolved');
            const change = verdict(before) === verdict(record) ? verdict(record) : `${verdict(before)} -> ${verdict(record)}`;
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
            .map((c) => `  ${c.trial_id}: ${c.before} -> ${c.after}\n`)
            .join('')}run folder: ${result.runDir.dir} (regraded from ${basename(from)})\n`,
        );
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
