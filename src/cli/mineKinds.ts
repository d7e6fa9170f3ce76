// `bench suite mine --kind docs|triage`: the flags of the two non-pr miners and what they print.
import { InputError } from '../errors.ts';
import { GH_EXPORT_COMMAND } from '../suite/triageRules.ts';
import { defaultCacheDir, sandboxFor } from './args.ts';

export const MINE_KINDS = ['pr', 'docs', 'triage'] as const;
export type MineKind = (typeof MINE_KINDS)[number];

export interface MineKindFlags {
  kind: MineKind;
  repo: string;
  out: string;
  since?: string;
  limit: number;
  commit?: string;
  setup?: string;
  testCommand?: string;
  package?: string;
  sandbox: string;
  issues?: string;
  rules?: string;
  prs?: string;
  model?: string;
  baseUrl?: string;
  api?: string;
}

export function parseKind(v: string): MineKind {
  if (!(MINE_KINDS as readonly string[]).includes(v))
    throw new InputError(`unknown task kind "${v}"`, { field: '--kind', fix: `use one of: ${MINE_KINDS.join(', ')}` });
  return v as MineKind;
}

export async function mineKindAction(flags: MineKindFlags): Promise<void> {
  const onProgress = (l: string) => process.stderr.write(`${l}\n`);
  // Flags that mean nothing for these kinds are refused rather than silently ignored.
  for (const [name, value] of [
    ['--prs', flags.prs],
    ['--model', flags.model],
    ['--base-url', flags.baseUrl],
    ['--api', flags.api],
  ] as const)
    if (value !== undefined)
      throw new InputError(`${name} writes the requests of pr tasks`, { field: name, fix: `drop it: ${flags.kind} tasks do not use it` });
  const prOnly = flags as { name?: string; until?: string; eras?: string };
  for (const [name, value] of [
    ['--name', prOnly.name],
    ['--until', prOnly.until],
    ['--eras', prOnly.eras],
  ] as const)
    if (value !== undefined) throw new InputError(`${name} is for pr mining so far`, { field: name, fix: `drop it for --kind ${flags.kind}` });
  if (flags.testCommand) throw new InputError(`--test-command is for pr tasks`, { field: '--test-command', fix: `drop it: ${flags.kind} tasks run no tests` });
  if (flags.package)
    throw new InputError(`--package scopes pr tasks to a workspace package`, {
      field: '--package',
      fix: `drop it: ${flags.kind} tasks are not scoped to a package`,
    });
  if (flags.kind === 'triage')
    for (const [name, value] of [
      ['--since', flags.since],
      ['--commit', flags.commit],
      ['--setup', flags.setup],
    ] as const)
      if (value !== undefined)
        throw new InputError(`${name} does not apply to triage mining`, {
          field: name,
          fix: 'drop it; to mine some issues only, export only those (gh issue list --search "created:>2025-01-01" …)',
        });
  if (flags.kind !== 'triage') {
    if (flags.issues || flags.rules)
      throw new InputError('--issues and --rules are for triage mining', {
        field: flags.issues ? '--issues' : '--rules',
        fix: 'drop it, or pass --kind triage',
      });
    const { mineDocs } = await import('../suite/mineDocs.ts');
    const res = await mineDocs({
      repo: flags.repo,
      out: flags.out,
      since: flags.since,
      limit: flags.limit,
      commit: flags.commit,
      setup: flags.setup === undefined ? undefined : flags.setup === 'none' ? null : flags.setup,
      cacheDir: defaultCacheDir(),
      sandbox: await sandboxFor(flags.sandbox),
      onProgress,
    });
    for (const t of res.tasks) process.stdout.write(`${t.file}  (${t.required} required check(s))\n`);
    if (!res.tasks.length) {
      // No suite.yaml is written without a task: validate would fail, so it is not suggested.
      if (flags.commit) process.stderr.write(`commit ${flags.commit} does not make a docs task: ${res.rejected[0]?.reason ?? 'unknown'}\n`);
      else {
        // The reasons without their particulars (which files, which check), counted.
        const counts = new Map<string, number>();
        for (const r of res.rejected) {
          const key = r.reason.replace(/\s*\(.*$|:.*$/, '');
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        process.stderr.write(
          `No task mined: ${res.rejected.length} commit(s) skipped:\n${[...counts]
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `  ${n} ${k}\n`)
            .join(
              '',
            )}Most likely fix: docs tasks come from commits that change only documentation: mine further back (an earlier --since) or import one you know (bench suite import --kind docs --commit <sha>)\n`,
        );
      }
      process.stdout.write(`0 docs task(s) written; ${res.rejected.length} commit(s) skipped.\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(
      `${res.tasks.length} docs task(s) written; ${res.rejected.length} commit(s) skipped. Edit each request, then run: bench suite validate ${flags.out}\n`,
    );
    return;
  }
  if (!flags.issues)
    throw new InputError('triage mining needs an issue export', {
      field: '--issues',
      fix: `pass --issues <file>, written by: ${GH_EXPORT_COMMAND}`,
    });
  const { mineTriage } = await import('../suite/mineTriage.ts');
  const res = await mineTriage({
    repo: flags.repo,
    out: flags.out,
    issues: flags.issues,
    rules: flags.rules,
    limit: flags.limit,
    cacheDir: defaultCacheDir(),
    onProgress,
  });
  for (const t of res.tasks) process.stdout.write(`${t.file}  (#${t.number}: ${t.priority}, ${t.component})\n`);
  process.stdout.write(
    `${res.tasks.length} triage task(s) written; ${res.skipped.length} issue(s) skipped.${res.tasks.length ? ` Then run: bench suite validate ${flags.out}` : ''}\n`,
  );
  // Nothing mined is a failure a script must see (and there is nothing to validate).
  if (!res.tasks.length) process.exitCode = 1;
}
