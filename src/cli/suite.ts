// `bench suite validate | mine | import`: proving tasks well-formed, and making them from history.
import type { Command } from 'commander';
import type { ModelBackend } from '../model/backend.ts';
import type { MineOptions } from '../suite/mine.ts';
import { collect, defaultCacheDir, intArg, sandboxFor, sandboxForTasks } from './args.ts';
import { mineKindAction, parseKind } from './mineKinds.ts';

/** The model that writes requests, built the way replay builds its backend. */
async function reporterFor(flags: { model?: string; baseUrl?: string; api?: string }): Promise<ModelBackend> {
  const [{ ModelBackend, resolveModelSpec }, { SimProfile }, { InputError }] = await Promise.all([
    import('../model/backend.ts'),
    import('../model/sim/profile.ts'),
    import('../errors.ts'),
  ]);
  if (!flags.model)
    throw new InputError(`${flags.baseUrl ? '--base-url' : '--api'} needs a model`, { field: '--model', fix: 'add --model openai:<model-name>' });
  if (flags.model === 'sim:adversary')
    throw new InputError('the adversary attacks sandboxes; it writes no issues', { field: '--model', fix: 'use --model sim or --model openai:<model-name>' });
  // Mining measures nothing of the model: the simulated one answers at once instead of pacing itself.
  const { spec } = resolveModelSpec(flags, SimProfile.parse({ latency: { time_scale: 0 } }));
  return new ModelBackend(spec);
}

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
    .option('--sandbox <backend>', 'auto (container when the suite names environments), bwrap, container or none', 'auto')
    .option('--container-runtime <name>', 'auto, podman or docker (for --sandbox container)', 'auto')
    .action(async (dir: string, flags: { runs: number; task: string[]; json?: boolean; sandbox: string; containerRuntime: string }) => {
      const [{ loadSuite }, { validateSuite }] = await Promise.all([import('../suite/load.ts'), import('../suite/validate.ts')]);
      const s = loadSuite(dir);
      const { sandbox, runtime } = await sandboxForTasks(
        flags.sandbox,
        s.tasks.filter((t) => !flags.task.length || flags.task.includes(t.id)),
        flags.containerRuntime,
      );
      const results = await validateSuite(s, {
        cacheDir: defaultCacheDir(),
        sandbox,
        runtime,
        runs: flags.runs,
        tasks: flags.task,
        onTask: flags.json
          ? undefined
          : (v) =>
              process.stderr.write(
                `${v.valid ? 'valid  ' : 'INVALID'} ${v.kind.padEnd(6)} ${v.id}${[...v.problems, ...v.warnings.map((w) => `warning: ${w}`)].map((p) => `\n          - ${p}`).join('')}\n`,
              ),
      });
      const bad = results.filter((r) => !r.valid);
      // Warnings leave the exit code alone: the task is sound, its request needs a person.
      const unedited = results.filter((r) => r.warnings.length).length;
      if (flags.json)
        process.stdout.write(
          `${JSON.stringify({ tasks: results.map(({ id, valid, problems, warnings }) => ({ id, valid, problems, warnings })) }, null, 2)}\n`,
        );
      else
        process.stdout.write(
          `${results.length - bad.length}/${results.length} tasks valid in suite ${s.name}${unedited ? `; ${unedited} task${unedited === 1 ? ' has an' : 's have'} unedited mined request${unedited === 1 ? '' : 's'}` : ''}\n`,
        );
      process.exitCode = bad.length ? 1 : 0;
    });

  suite
    .command('detect')
    .description('how bench installs and tests a repository at a commit: package manager, test runner, build step, and the setup/test task fields it would use')
    .argument('<repo>', 'repository: a local path, a git bundle, or a URL')
    .option('--commit <sha>', 'the commit to look at (default: HEAD)')
    .option('--package <folder>', "a monorepo's workspace package (folder or name): how it is installed and tested")
    .option('--json', 'print the detection as JSON')
    .action(async (repoSpec: string, flags: { commit?: string; package?: string; json?: boolean }) => {
      const [{ repoRef }, { detectAt, formatDetection }] = await Promise.all([import('../suite/mine.ts'), import('../suite/detect.ts')]);
      const d = await detectAt(repoRef(repoSpec, '<repo>'), flags.commit, defaultCacheDir(), flags.package);
      process.stdout.write(flags.json ? `${JSON.stringify(d, null, 2)}\n` : formatDetection(d, repoSpec));
      // Nothing to run the tests with is an answer, not bad input: exit 1, like a check that failed.
      process.exitCode = d.test ? 0 : 1;
    });

  type MineFlags = Omit<MineOptions, 'setup' | 'cacheDir' | 'sandbox' | 'onProgress' | 'onEvent' | 'reporter'> & {
    setup?: string;
    sandbox: string;
    model?: string;
    baseUrl?: string;
    api?: string;
  };
  const mineAction = async ({ setup, sandbox, model, baseUrl, api, ...flags }: MineFlags) => {
    const [{ mine }, { MineProgress }, { summarizeSkips }] = await Promise.all([
      import('../suite/mine.ts'),
      import('./mineProgress.ts'),
      import('../suite/mineSkips.ts'),
    ]);
    const progress = new MineProgress(process.stderr);
    const reporter = model || baseUrl || api ? await reporterFor({ model, baseUrl, api }) : null;
    const res = await mine({
      ...flags,
      reporter,
      setup: setup === undefined ? undefined : setup === 'none' ? null : setup,
      cacheDir: defaultCacheDir(),
      sandbox: await sandboxFor(sandbox),
      onProgress: (l) => progress.print(l),
      onEvent: progress.handle,
    }).finally(() => progress.stop());
    progress.summary(res.stats, res.tasks.length);
    for (const t of res.tasks) {
      process.stdout.write(`${t.file}  (${t.failToPass} fail-to-pass, ${t.passToPass} pass-to-pass; request: ${t.request.source})\n`);
      if (t.request.modelError)
        process.stdout.write(`  WARNING: the model wrote no request (${t.request.modelError}); the request is from ${t.request.source}\n`);
      if (t.request.leaks.length) process.stdout.write(`  WARNING: the request names the solution: ${t.request.leaks.join(', ')}\n`);
    }
    const capped = await import('../workspace/cacheAdmin.ts').then((m) => m.applyCacheCap(defaultCacheDir()));
    if (capped) process.stderr.write(`${capped}\n`);
    if (res.resumed) process.stdout.write(`${res.resumed} commit(s) already mined into ${flags.out}: kept, not examined again\n`);
    if (res.interrupted) {
      process.stderr.write(`interrupted (${res.interrupted}): ${res.tasks.length} task(s) written; run the same command again to go on\n`);
      process.exitCode = res.interrupted === 'SIGINT' ? 130 : 143;
      return;
    }
    const leaky = res.tasks.filter((t) => t.request.leaks.length).length;
    const fromCommits = res.tasks.filter((t) => t.request.source === 'commit').length;
    const skips = summarizeSkips(res.rejected, flags.repo);
    if (skips.counts.length)
      process.stderr.write(
        `${res.tasks.length ? '' : 'No task mined: '}${res.rejected.length} commit(s) skipped:\n${skips.counts.map((c) => `  ${c.count} ${c.label}\n`).join('')}`,
      );
    if (!res.tasks.length && res.resumed) {
      // A run picked up again that found the suite already holds its --limit: nothing new was asked for.
      process.stdout.write(
        `0 new task(s); the suite holds ${res.resumed} mined from this repository (raise --limit to mine more). Then run: bench suite validate ${flags.out}\n`,
      );
      return;
    }
    if (!res.tasks.length) {
      // Nothing to validate (and no suite.yaml when no commit got as far as its tests): no next command but the fix.
      if (flags.commit) process.stderr.write(`commit ${flags.commit} does not make a task: ${res.rejected[0]?.reason ?? 'unknown'}\n`);
      else if (skips.fix) process.stderr.write(`Most likely fix: ${skips.fix}\n`);
      process.stdout.write(`0 task(s) written; ${res.rejected.length} commit(s) skipped.\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(
      `${res.tasks.length} task(s) written; ${res.rejected.length} commit(s) skipped${leaky ? `; ${leaky} request(s) name the solution` : ''}${fromCommits ? `; ${fromCommits} request(s) are commit messages to rewrite` : ''}. Review each request, then run: bench suite validate ${flags.out}\n`,
    );
  };
  const common = (c: Command) =>
    c
      .requiredOption('--repo <path|url>', 'repository: a local path, a git bundle, or a URL')
      .requiredOption('--out <suite-dir>', 'suite folder to write tasks/ (and suite.yaml, if missing) into')
      .option('--test-command <cmd>', 'test command writing JUnit XML to $BENCH_TEST_REPORT (default: detected, see bench suite detect)')
      .option('--setup <cmd>', 'setup command, or "none" (default: detected from the lockfile, see bench suite detect)')
      .option('--name <key>', "the repository's key in the suite (default: its origin remote's name, else its folder's)")
      .option('--package <folder>', "a monorepo's workspace package (folder or name): only changes within it, scoped to it (default: any one package)")
      .option('--sandbox <backend>', 'auto, bwrap or none', 'auto')
      .option('--prs <file>', 'pull requests exported by `gh pr list --state merged --json number,title,body,mergeCommit,closingIssuesReferences,url`')
      .option(
        '--issues <file>',
        'issues exported by `gh issue list --state all --json …` (see docs/commands.md): for pr tasks a closed issue becomes the request; with --kind triage each issue becomes a task',
      )
      .option('--model <spec>', 'write requests with a model where no issue is found: sim (offline) or openai:<model-name>')
      .option('--base-url <url>', 'OpenAI-compatible server for --model openai:<name>')
      .option('--api <api>', 'responses or chat, for --model openai:<name>');

  common(
    suite
      .command('mine')
      .description(
        'propose tasks from a repository history: pr (commits changing source and tests whose changed tests fail before and pass after), docs (commits changing only documentation) or triage (issues of an export)',
      ),
  )
    .option('--since <date>', 'only commits after this date (git log --since)')
    .option('--eras <file>', 'YAML mapping ranges of history (from/until <rev>, after/before <date>) to setup and test_command (see docs/suites.md)')
    .option('--until <rev>', 'mine the commits reachable from this revision (commit, branch or tag) instead of HEAD')
    .option('--limit <n>', 'stop after N tasks', intArg('--limit', 1), 10)
    .option('--jobs <n>', 'candidate commits examined at once (installs and test runs in parallel; default 2)', intArg('--jobs', 1))
    .option('--kind <kind>', 'pr, docs (commits changing only documentation) or triage (issues from --issues)', parseKind, 'pr')
    .option('--rules <file>', 'triage: YAML rules mapping labels to priority, severity, needs-info and duplicate')
    .action(({ kind, rules, ...flags }) => (kind === 'pr' && !rules ? mineAction(flags) : mineKindAction({ ...flags, kind, rules })));

  common(suite.command('import').description('make one pr task (or docs task, with --kind docs) from a given commit'))
    .requiredOption('--commit <sha>', 'the commit to import')
    .option('--kind <kind>', 'pr or docs', parseKind, 'pr')
    .action(({ kind, ...flags }) => (kind === 'pr' ? mineAction({ ...flags, limit: 1 }) : mineKindAction({ ...flags, kind, limit: 1 })));
}
