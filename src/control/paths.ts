// Where a path really points. Checks are made on resolved paths: `..`, absolute paths and symlinks
// (also a symlinked parent of a file that does not exist yet) cannot smuggle a write out of the worktree.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** realpath of the longest existing prefix, with the rest appended. */
export function realResolve(p: string): string {
  let existing = p;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realpathSync(existing);
      return rest.length ? join(real, ...rest.reverse()) : real;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return p;
      rest.push(basename(existing));
      existing = parent;
    }
  }
}

export interface ResolvedPath {
  /** As the agent wrote it. */
  given: string;
  /** Absolute, symlinks resolved. */
  real: string;
  /** Relative to the workspace root when inside it, else null. */
  rel: string | null;
}

export function resolveIn(root: string, given: string, cwd = root): ResolvedPath {
  return resolveUnder(realResolve(root), given, cwd);
}

/** resolveIn for a root already resolved (callers that resolve many paths under one root resolve it once). */
export function resolveUnder(realRoot: string, given: string, cwd = realRoot): ResolvedPath {
  const real = realResolve(isAbsolute(given) ? given : resolve(cwd, given));
  const rel = relative(realRoot, real);
  const inside = real === realRoot || (rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  return { given, real, rel: inside ? rel || '.' : null };
}
