// What bench can see of a shell command's file accesses without tracing it (strace and fanotify are
// not generally available, and bwrap offers no access log): the worktree's files before and after the
// command. A file whose size, modification or change time moved, or that appeared or went, was written
// while the command ran. Reads leave no trace this way; only what a command's text names (cat x, cp a
// b) is known, and that is what the command asked for, not what it did.
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';

/** Folders not walked: git metadata (never writable by an agent) and installed dependencies (large, restored by setup). */
const SKIP = new Set(['.git', 'node_modules']);
/** Past this many entries, or this depth, the tree is not snapshotted (a command's writes are then not observed). */
const MAX_ENTRIES = 20_000;
const MAX_DEPTH = 64;

export type TreeState = Map<string, string>;

/** Size, mtime and ctime (ns) of every file and link below `root`, '/'-separated paths; null when the tree is too large. */
export function treeState(root: string): TreeState | null {
  const out: TreeState = new Map();
  // The tree is the agent's: links are not followed, and a tree too large or too deep is not walked.
  const walk = (dir: string, rel: string, depth: number): boolean => {
    if (depth > MAX_DEPTH) return false;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return true; // a folder the agent made unreadable: its files are not observed
    }
    for (const name of names) {
      if (SKIP.has(name)) continue;
      const path = rel ? `${rel}/${name}` : name;
      let st: BigIntStats;
      try {
        st = lstatSync(join(dir, name), { bigint: true });
      } catch {
        continue; // removed while walking
      }
      if (st.isDirectory()) {
        if (!walk(join(dir, name), path, depth + 1)) return false;
      } else out.set(path, `${st.size}:${st.mtimeNs}:${st.ctimeNs}`);
      if (out.size > MAX_ENTRIES) return false;
    }
    return true;
  };
  return walk(root, '', 0) ? out : null;
}

/** Files written between two states: created, changed or removed, sorted. */
export function writtenBetween(before: TreeState, after: TreeState): string[] {
  const changed: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v) changed.push(p);
  for (const p of before.keys()) if (!after.has(p)) changed.push(p);
  return changed.sort();
}
