// `bench suite validate | mine | import`: proving tasks well-formed, and making them from history.
import type { Command } from 'commander';
import type { MineOptions } from '../suite/mine.ts';
import { collect, defaultCacheDir, intArg, sandboxFor } from './args.ts';

export function suiteCommand(program: Command): void {
  const suite = program.command('suite').description('validate suites and mine tasks from a repository history');

  suite
    .command('validate')
    .description(
      'check every task on fresh worktrees: pr gold resolves and base does not; docs gold passes all checks and base fails one; triage expected answer grades 100%',
    )
    .argument('<suite>', 'suite folder')
    .option('--runs <k>', 'test runs per side, to flag flaky tests', intArg('--runs', 1), 1)
    .option('--task <id>', 'only this task (repeatable)', collect, [])
    .option('--json', 'print {"tasks":[{"id","valid","problems"}]} instead of a table')
    .option('--sandbox <backend>', 'auto, bwrap or none', 'auto')
    .action(async (dir: string, flags: { runs: number; task: string[]; json?: boolean; sandbox: string }) => {
      const [{ loadSuite }, { validateSuite }] = await Promise.all([import('../suite/load.ts'), import('../suite/validate.ts')]);
      const s = loadSuite(dir);
      const results = await validateSuite(s, {
        cacheDir: defaultCacheDir(),
        sandbox: await sandboxFor(flags.sandbox),
        runs: flags.runs,
        tasks: flags.task,
        onTask: flags.json
          ? undefined
          : (v) =>
              process.stderr.write(`${v.valid ? 'valid  ' : 'INVALID'} ${v.kind.padEnd(6)} ${v.id}${v.problems.map((p) => `\n          - ${p}`).join('')}\n`),
      });
      const bad = results.filter((r) => !r.valid);
      if (flags.json) process.stdout.write(`${JSON.stringify({ tasks: results.map(({ id, valid, problems }) => ({ id, valid, problems })) }, null, 2)}\n`);
      else process.stdout.write(`${results.length - bad.length}/${results.length} tasks valid in suite ${s.name}\n`);
      process.exitCode = bad.length ? 1 : 0;
    });

  type MineFlags = Omit<MineOptions, 'setup' | 'cacheDir' | 'sandbox' | 'onProgress' | 'onEvent'> & { setup?: string; sandbox: string };
  const mineAction = async ({ setup, sandbox, ...flags }: MineFlags) => {
    const [{ mine }, { MineProgress }] = await Promise.all([import('../suite/mine.ts'), import('./mineProgress.ts')]);
    const progress = new MineProgress(process.stderr);
    const res = await mine({
      ...flags,
      setup: setup === undefined ? undefined : setup === 'none' ? null : setup,
      cacheDir: defaultCacheDir(),
      sandbox: await sandboxFor(sandbox),
      onProgress: (l) => progress.print(l),
      onEvent: progress.handle,
    }).finally(() => progress.stop());
    progress.summary(res.stats, res.tasks.length);
    for (const t of res.tasks) process.stdout.write(`${t.file}  (${t.failToPass} fail-to-pass, ${t.passToPass} pass-to-pass)\n`);
    process.stdout.write(
      `${res.tasks.length} task(s) written; ${res.rejected.length} commit(s) skipped. Edit each request, then run: bench suite validate ${flags.out}\n`,
    );
    if (flags.commit && !res.tasks.length) {
      process.stderr.write(`commit ${flags.commit} does not make a task: ${res.rejected[0]?.reason ?? 'unknown'}\n`);
      process.exitCode = 1;
    }
  };
  const common = (c: Command) =>
    c
      .requiredOption('--repo <path|url>', 'repository: a local path, a git bundle, or a URL')
      .requiredOption('--out <suite-dir>', 'suite folder to write tasks/ (and suite.yaml, if missing) into')
      .option('--test-command <cmd>', 'test command writing JUnit XML to $BENCH_TEST_REPORT (default: detected for node --test and vitest)')
      .option('--setup <cmd>', 'setup command, or "none" (default: npm ci when there is a package-lock.json)')
      .option('--sandbox <backend>', 'auto, bwrap or none', 'auto');

  common(
    suite
      .command('mine')
      .description('propose pr tasks from a repository history: commits changing source and tests whose changed tests fail before and pass after'),
  )
    .option('--since <date>', 'only commits after this date (git log --since)')
    .option('--limit <n>', 'stop after N tasks', intArg('--limit', 1), 10)
    .option('--jobs <n>', 'candidate commits examined at once (installs and test runs in parallel; default 2)', intArg('--jobs', 1))
    .action((flags) => mineAction(flags));

  common(suite.command('import').description('make one pr task from a given commit'))
    .requiredOption('--commit <sha>', 'the commit to import')
    .action((flags) => mineAction({ ...flags, limit: 1 }));
}
