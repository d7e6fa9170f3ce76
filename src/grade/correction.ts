// Correction size: how many lines separate the agent's change from the historical one, i.e. what a
// reviewer would still have to edit to make it acceptable. Counted per file (added plus removed lines
// of a line diff between the agent's version and the gold version), over every file either touched.
// The agent's files are read without following links out of the checkout (a link counts as its target
// text, as git stores it); the gold ones come from the repository cache's mirror.
import { diffLines } from 'diff';
import { SafeFsError, SafeRoot } from '../control/safefs.ts';
import { gitFiles } from '../workspace/git.ts';
import { git } from '../workspace/repos.ts';
import type { Workspace, WorkspaceManager } from '../workspace/workspace.ts';

/** The files a graded checkout's change touches, and those the historical change touched. */
export interface ChangedFiles {
  /** Changed against the base commit, or new (untracked and not ignored). */
  agent: string[];
  gold: string[];
}

/** Files larger than this are compared as wholly different (a line diff of them would take too long to matter). */
const MAX_COMPARED_BYTES = 2 << 20;

export async function changedFiles(
  workspaces: WorkspaceManager,
  ws: Workspace,
  mirror: string,
  base: string,
  gold: { from: string; to: string },
): Promise<ChangedFiles> {
  const goldNames = (await git(mirror, ['diff', '--name-only', '-z', '--no-renames', gold.from, gold.to, '--'])).split('\0').filter(Boolean);
  return { agent: await workspaces.changedFiles(ws, base), gold: goldNames };
}

/** A file of the checkout as text: '' when absent or not a file, a link's target text for a link, null when too large to compare. */
function agentVersion(fs: SafeRoot, file: string): string | null {
  try {
    const kind = fs.kind(file);
    if (kind === 'link') return fs.readLink(file);
    if (kind !== 'file') return '';
    const r = fs.read(file, MAX_COMPARED_BYTES);
    return r.truncated ? null : r.data.toString('utf8');
  } catch (err) {
    if (err instanceof SafeFsError) return '';
    throw err;
  }
}

const lineCount = (s: string) => s.split('\n').length;

export async function correctionLines(ws: Workspace, mirror: string, goldTo: string, changed: ChangedFiles, exclude: string[] = []): Promise<number> {
  const fs = new SafeRoot(ws.dir);
  const files = [...new Set([...changed.agent, ...changed.gold])].filter((f) => !exclude.includes(f));
  const golds = await gitFiles(mirror, goldTo, files);
  let lines = 0;
  for (const file of files) {
    const mine = agentVersion(fs, file);
    const gold = golds.get(file) ?? null;
    const theirs = gold ? (gold.data.length > MAX_COMPARED_BYTES ? null : gold.data.toString('utf8')) : '';
    if (mine === null || theirs === null) {
      lines += (mine === null ? 0 : lineCount(mine)) + (theirs === null ? 0 : lineCount(theirs)) || 1;
      continue;
    }
    for (const part of diffLines(mine, theirs)) if (part.added || part.removed) lines += part.count ?? 0;
  }
  return lines;
}
