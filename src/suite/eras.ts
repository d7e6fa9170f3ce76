// Eras of a repository's history for mining: a repository that changed its test runner or package
// manager is mined with the setup and test commands of each commit's era. A small YAML file maps commit
// ranges (by revision: `from`/`until`, or by committer date: `after`/`before`) to the commands; the
// first era a commit falls in wins, and a commit in none uses --setup/--test-command or what is detected.
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { readYamlFile } from '../input/validate.ts';
import { git } from '../workspace/repos.ts';

const Era = z
  .strictObject({
    from: z.string().min(1).optional().describe('Commits that contain this revision (it and what came after it on its line of history).'),
    until: z.string().min(1).optional().describe('Commits this revision contains (it and what came before it).'),
    after: z.iso
      .date()
      .or(z.iso.datetime({ offset: true }))
      .optional()
      .describe('Commits committed on or after this date (YYYY-MM-DD or ISO 8601).'),
    before: z.iso
      .date()
      .or(z.iso.datetime({ offset: true }))
      .optional()
      .describe('Commits committed before this date (YYYY-MM-DD or ISO 8601).'),
    setup: z.string().min(1).nullable().optional().describe('Setup command for this era, or null for none (default: --setup, else detected).'),
    test_command: z
      .string()
      .min(1)
      .optional()
      .describe('Test command for this era, writing JUnit XML to $BENCH_TEST_REPORT (default: --test-command, else detected).'),
  })
  .refine((e) => e.from ?? e.until ?? e.after ?? e.before, { message: 'an era needs a range: from, until, after or before' })
  .refine((e) => e.setup !== undefined || e.test_command !== undefined, { message: 'an era needs setup or test_command' });

export const MineEras = z
  .strictObject({
    eras: z.array(Era).min(1).describe('Commit ranges and the commands to mine them with; the first era a commit falls in wins.'),
  })
  .describe('bench mining eras (bench suite mine --eras): setup and test commands per range of history.');
export type MineEras = z.output<typeof MineEras>;

/** What an era changes for a commit: the setup (null: none) and test command, when it says. */
export interface EraOverride {
  setup?: string | null;
  testCommand?: string;
}

/**
 * Reads an eras file and resolves its revisions in the mirror; returns the lookup for a commit. A
 * revision the repository does not have is bad input naming the file, the field and the fix.
 */
export async function loadEras(file: string, mirror: string): Promise<(c: { sha: string; date: string }) => Promise<EraOverride>> {
  const { eras } = readYamlFile(file, MineEras);
  const resolveRev = async (rev: string, field: string) => {
    try {
      return (await git(mirror, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim();
    } catch {
      throw new InputError(`revision "${rev}" not found in the repository`, { file, field, fix: 'give a commit, tag or branch of the repository being mined' });
    }
  };
  const resolved = await Promise.all(
    eras.map(async (e, i) => ({
      ...e,
      from: e.from ? await resolveRev(e.from, `eras.${i}.from`) : undefined,
      until: e.until ? await resolveRev(e.until, `eras.${i}.until`) : undefined,
    })),
  );
  const isAncestor = (a: string, b: string) =>
    git(mirror, ['merge-base', '--is-ancestor', a, b]).then(
      () => true,
      () => false,
    );
  return async (c) => {
    const at = Date.parse(c.date);
    for (const e of resolved) {
      if (e.after && at < Date.parse(e.after)) continue;
      if (e.before && at >= Date.parse(e.before)) continue;
      if (e.from && !(await isAncestor(e.from, c.sha))) continue;
      if (e.until && !(await isAncestor(c.sha, e.until))) continue;
      return { ...(e.setup !== undefined ? { setup: e.setup } : {}), ...(e.test_command ? { testCommand: e.test_command } : {}) };
    }
    return {};
  };
}
