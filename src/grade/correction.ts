// Correction size: how many lines separate the agent's change from the historical one, i.e. what a
// reviewer would still have to edit to make it acceptable. Counted per file (added plus removed lines
// of a line diff between the agent's version and the gold version), over every file either touched.
import { diffLines } from 'diff';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../workspace/repos.ts';

/** The files a graded checkout's change touches, and those the historical change touched. */
export interface ChangedFiles {
  /** Changed against the base commit, or new (untracked and not ignored). */
  agent: string[];
  gold: string[];
}

const names = async (dir: string, args: string[]): Promise<string[]> => (await git(dir, args)).split('\n').filter(Boolean);

export async function changedFiles(wsDir: string, base: string, gold: { from: string; to: string }): Promise<ChangedFiles> {
  const agent = [
    ...(await names(wsDir, ['diff', '--name-only', '--no-renames', base, '--'])),
    ...(await names(wsDir, ['ls-files', '--others', '--exclude-standard'])),
  ];
  return { agent: [...new Set(agent)], gold: await names(wsDir, ['diff', '--name-only', '--no-renames', gold.from, gold.to, '--']) };
}

export async function correctionLines(wsDir: string, goldTo: string, changed: ChangedFiles, exclude: string[] = []): Promise<number> {
  let lines = 0;
  for (const file of new Set([...changed.agent, ...changed.gold])) {
    if (exclude.includes(file)) continue;
    const p = join(wsDir, file);
    const mine = existsSync(p) ? readFileSync(p, 'utf8') : '';
    const theirs = await git(wsDir, ['show', `${goldTo}:${file}`], { maxOutputBytes: 16 << 20 }).catch(() => '');
    for (const part of diffLines(mine, theirs)) if (part.added || part.removed) lines += part.count ?? 0;
  }
  return lines;
}
