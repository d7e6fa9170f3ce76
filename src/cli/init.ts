// `bench init [repo]`: a first benchmark for a user's own repository, in one command. It mines a suite
// of each task kind it can, validates them, copies the two workflow templates next to them, and says
// what to run next. Nothing already there is overwritten: a second `bench init` adds to what the first made.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.ts';
import { GH_EXPORT_COMMAND } from '../suite/triageRules.ts';
import { defaultCacheDir, intArg, sandboxFor } from './args.ts';

interface InitFlags {
  out?: string;
  limit: number;
  sandbox: string;
  issues?: string;
  rules?: string;
}

/** The workflow templates bench ships, copied for the user to edit. */
const TEMPLATES = join(import.meta.dirname, '..', '..', 'suites', 'workflows');
const WORKFLOWS = ['broad', 'roles'];

/** Names the copied workflows in a mined suite's suite.yaml (unless it already names some). */
function useWorkflows(suiteFile: string, workflowsDir: string): void {
  const doc = parseDocument(readFileSync(suiteFile, 'utf8'));
  if (doc.has('workflows')) return;
  const rel = relative(join(suiteFile, '..'), workflowsDir);
  doc.set(
    'workflows',
    WORKFLOWS.map((w) => `${rel}/${w}`),
  );
  writeFileSync(suiteFile, doc.toString({ lineWidth: 0 }));
}

export function initCommand(program: Command): void {
  program
    .command('init')
    .description('make a first benchmark of a repository: mine and validate a suite of each task kind it can, copy the workflow templates')
    .argument('[repo]', 'the repository (a local git checkout)', '.')
    .option('--out <dir>', 'where the suites and workflows go (default: <repo>/bench)')
    .option('--limit <n>', 'tasks to mine per kind', intArg('--limit', 1), 5)
    .option('--sandbox <backend>', 'auto, bwrap or none (for the test runs that prove each task)', 'auto')
    .option('--issues <file>', 'an issue export (`gh issue list --json …`, see docs/commands.md): also mine a triage suite')
    .option('--rules <file>', 'triage mining rules (YAML): how the repository labels priority, severity, needs-info, duplicates')
    .action(async (repoArg: string, flags: InitFlags) => {
      const repo = resolve(repoArg);
      if (!existsSync(join(repo, '.git')))
        throw new InputError('not a git checkout', { file: repo, fix: 'run bench init in (or give the path of) a clone of the repository' });
      const out = resolve(flags.out ?? join(repo, 'bench'));
      if (flags.rules && !flags.issues)
        throw new InputError('--rules maps the labels of an issue export', { field: '--rules', fix: 'add --issues <file>, or drop --rules' });
      const [{ mine }, { mineDocs }, { mineTriage }, { loadSuite }, { validateSuite }, { summarizeSkips }] = await Promise.all([
        import('../suite/mine.ts'),
        import('../suite/mineDocs.ts'),
        import('../suite/mineTriage.ts'),
        import('../suite/load.ts'),
        import('../suite/validate.ts'),
        import('../suite/mineSkips.ts'),
      ]);
      const sandbox = await sandboxFor(flags.sandbox);
      const cacheDir = defaultCacheDir();
      const say = (line: string) => process.stderr.write(`${line}\n`);

      const workflowsDir = join(out, 'workflows');
      for (const w of WORKFLOWS) {
        const to = join(workflowsDir, w);
        if (existsSync(to)) say(`workflow ${w}: ${to} is there already, kept`);
        else {
          cpSync(join(TEMPLATES, w), to, { recursive: true });
          say(`workflow ${w}: copied to ${to} (edit it: it is a Codex plugin)`);
        }
      }

      const made: Array<{ kind: string; dir: string; tasks: number; valid: number }> = [];
      /** Names the workflows in a suite a miner wrote, and proves its tasks as `bench suite validate` does. */
      const validated = async (kind: string, dir: string, suiteFile: string) => {
        useWorkflows(suiteFile, workflowsDir);
        const validity = await validateSuite(loadSuite(dir), {
          cacheDir,
          sandbox,
          runs: 1,
          onTask: (v) => say(`  ${v.valid ? 'valid  ' : 'INVALID'} ${v.id}${v.warnings.map((w) => `\n    warning: ${w}`).join('')}`),
        });
        made.push({ kind, dir, tasks: validity.length, valid: validity.filter((v) => v.valid).length });
      };

      const prDir = join(out, 'pr');
      say(`mining pr tasks from ${repo} into ${prDir}`);
      const res = await mine({ repo, out: prDir, limit: flags.limit, cacheDir, sandbox, onProgress: (l) => say(`  ${l}`) });
      if (existsSync(res.suiteFile)) await validated('pr', prDir, res.suiteFile);
      else {
        // The reasons counted and the likely fix, as bench suite mine says them: the first commit's reason is rarely the one that matters.
        const skips = summarizeSkips(res.rejected, repo);
        say(`  no pr task: ${res.rejected.length} commit(s) examined, none qualified: ${skips.counts.map((c) => `${c.count} ${c.label}`).join(', ')}`);
        if (skips.fix) say(`  most likely fix: ${skips.fix}`);
      }

      const docsDir = join(out, 'docs');
      say(`mining docs tasks from ${repo} into ${docsDir}`);
      const docs = await mineDocs({ repo, out: docsDir, limit: flags.limit, cacheDir, sandbox, onProgress: (l) => say(`  ${l}`) });
      if (existsSync(docs.suiteFile)) await validated('docs', docsDir, docs.suiteFile);
      else say(`  no docs task: ${docs.rejected.length} commit(s) examined, none qualified`);

      // Triage needs the issues, which live on the forge, not in git: only from an export the user gives.
      if (flags.issues) {
        const triageDir = join(out, 'triage');
        say(`mining triage tasks from ${flags.issues} into ${triageDir}`);
        const triage = await mineTriage({
          repo,
          out: triageDir,
          issues: flags.issues,
          rules: flags.rules,
          limit: flags.limit,
          cacheDir,
          onProgress: (l) => say(`  ${l}`),
        });
        if (existsSync(triage.suiteFile)) await validated('triage', triageDir, triage.suiteFile);
        else say(`  no triage task: ${triage.skipped.length} issue(s) examined, none qualified`);
      } else say(`no triage suite: pass --issues <file> written by: ${GH_EXPORT_COMMAND}`);

      for (const m of made) process.stdout.write(`${m.kind.padEnd(7)} ${relative(process.cwd(), m.dir) || '.'}  ${m.valid}/${m.tasks} tasks valid\n`);
      const first = made.find((m) => m.valid);
      if (first) {
        process.stdout.write(`workflows ${relative(process.cwd(), workflowsDir)}/{${WORKFLOWS.join(',')}}\n\n`);
        process.stdout.write(
          `Next: edit each task's request (it is the commit message), then\n  bench replay ${relative(process.cwd(), first.dir) || '.'} --limit 2\n`,
        );
      } else {
        process.stdout.write('no valid task was mined: see the reasons above; `bench suite detect` shows how bench would build and test the repository\n');
        process.exitCode = 1;
      }
    });
}
