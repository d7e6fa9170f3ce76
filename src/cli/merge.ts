// `bench merge <run>... --out <dir>`: join shards into one run folder.
import { resolve } from 'node:path';
import type { Command } from 'commander';

export function mergeCommand(program: Command): void {
  program
    .command('merge')
    .description('join run folders (the shards of one replay) into one run that report and gate read')
    .argument('<run...>', 'run folders, or folders holding run folders (e.g. downloaded CI artifacts)')
    .requiredOption('--out <dir>', 'the merged run folder to write (its name becomes the run id)')
    .option('--force', 'join runs of different suites, workflows, models or bench versions anyway')
    .action(async (args: string[], flags: { out: string; force?: boolean }) => {
      const { expandRunDirs, mergeRuns } = await import('../record/merge.ts');
      const dirs = expandRunDirs(args.map((a) => resolve(a)));
      const result = mergeRuns(dirs, resolve(flags.out), { force: !!flags.force, command: process.argv.slice(1) });
      for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
      const shards = result.manifest.merged_from.map((m) =>
        m.shard ? `${m.run_id} (shard ${m.shard.index}/${m.shard.total}, ${m.trials})` : `${m.run_id} (${m.trials})`,
      );
      process.stdout.write(`merged ${result.records} trials from ${shards.join(', ')}\nrun folder: ${result.runDir.dir}\n`);
    });
}
