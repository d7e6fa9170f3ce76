// What a trial's commands (the agent's, and the code it wrote when the grader runs it) may see inside
// the sandbox: the same for a replay, a regrade and a suite's validation.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Suite, Task } from '../suite/load.ts';
import type { ContainerTarget } from '../exec/container.ts';
import { imageFor, type EnvironmentImages } from './images.ts';
import type { RepoCache } from './repos.ts';

/** bench's own checkout (its .git/config may hold a CI token). */
const harnessRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Isolation {
  hidden: string[];
  reveal: string[];
  /** The task's container environment, when its commands run in one. */
  container?: ContainerTarget;
}

/**
 * What agents must not see: every source of the repository's later history (the cache's mirrors, base
 * repos and environments, bundles and local repos), the suite (gold commits, hidden test names), the
 * results, and other trials' worktrees. A trial's own base repo and the mirror objects it needs are
 * mounted back read-only (isolationFor).
 */
export function hiddenFromAgents(o: { cacheDir: string; suite: Suite; outDir?: string; workRoot: string }): string[] {
  const hidden = [
    harnessRoot,
    join(o.cacheDir, 'repos'),
    join(o.cacheDir, 'bases'),
    join(o.cacheDir, 'env'),
    o.suite.dir,
    ...o.suite.tasks.filter((t) => t.repo.kind !== 'url').map((t) => (t.repo.kind === 'bundle' ? dirname(t.repo.location) : t.repo.location)),
    ...(o.outDir ? [o.outDir] : []),
    o.workRoot,
  ];
  return [...new Set(hidden)];
}

/**
 * The sandbox's view for a trial's commands: its own base repository (which holds nothing past the
 * base commit) and what the suite says its commands need to read; everything else of the above hidden.
 */
export async function isolationFor(
  cache: RepoCache,
  hidden: string[],
  task: Task,
  readPaths: string[] = [],
  images?: EnvironmentImages | null,
): Promise<Isolation> {
  const image = imageFor(images, task.environment);
  const reveal = [await cache.baseRepo(task.repo, task.base), ...readPaths];
  if (!image) return { hidden, reveal };
  const { image: id, cpus, memoryMb, pids } = image;
  return { hidden, reveal, container: { image: id, cpus, memoryMb, pids } };
}
