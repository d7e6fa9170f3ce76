// Correction size: how many lines separate the agent's change from the historical one, i.e. what a
// reviewer would still have to edit to make it acceptable. Counted per file (added plus removed lines
// of a line diff between the agent's version and the gold version), over every file either touched.
import { diffLines } from 'diff';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../exec/run.ts';

async function names(dir: string, args: string[]): Promise<string[]> {
  return (await runProcess(['git', ...args], { cwd: dir })).stdout.split('\n').filter(Boolean);
}

export async function correctionLines(wsDir: string, base: string, gold: { from: string; to: string }, exclude: string[] = []): Promise<number> {
  const files = new Set([
    ...(await names(wsDir, ['diff', '--name-only', '--no-renames', base])),
    ...(await names(wsDir, ['ls-files', '--others', '--exclude-standard'])),
    ...(await names(wsDir, ['diff', '--name-only', '--no-renames', gold.from, gold.to])),
  ]);
  let lines = 0;
  for (const file of files) {
    if (exclude.includes(file)) continue;
    const p = join(wsDir, file);
    const mine = existsSync(p) ? readFileSync(p, 'utf8') : '';
    const res = await runProcess(['git', 'show', `${gold.to}:${file}`], { cwd: wsDir, maxOutputBytes: 16 << 20 });
    const theirs = res.exitCode === 0 ? res.stdout : '';
    for (const part of diffLines(mine, theirs)) if (part.added || part.removed) lines += part.count ?? 0;
  }
  return lines;
}
