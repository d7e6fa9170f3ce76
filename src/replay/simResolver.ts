// The simulated model's view of a run's tasks: each task's oracle is built once (a few git commands)
// and shared by its trials, over the SDK engine directly or, for Codex, served over HTTP where a
// request's x-bench-trial header names the trial (task, workflow, repeat).
import type { SimContext, SimOracle } from '../model/sim/oracle.ts';
import type { SimResolver } from '../model/sim/server.ts';
import type { Suite, Task } from '../suite/load.ts';
import type { RepoCache } from '../workspace/repos.ts';
import { buildOracle } from './oracle.ts';
import { trialSeed } from './plan.ts';

export function parseTrialId(trialId: string): { taskId: string; workflow: string; repeat: number } | null {
  const m = /^(.+)__(.+)__r(\d+)$/.exec(trialId);
  return m ? { taskId: m[1]!, workflow: m[2]!, repeat: Number(m[3]) } : null;
}

export type OracleSource = (task: Task) => Promise<SimOracle>;

/** Each task's oracle, built on first use and kept for the run (a failed build is tried again next time). */
export function oracleCache(cache: RepoCache): OracleSource {
  const oracles = new Map<string, Promise<SimOracle>>();
  return (task) => {
    let oracle = oracles.get(task.id);
    if (!oracle) {
      oracle = buildOracle(cache, task);
      oracles.set(task.id, oracle);
      oracle.catch(() => oracles.delete(task.id));
    }
    return oracle;
  };
}

export function suiteSimResolver(suite: Suite, cache: RepoCache, runSeed: number, oracles: OracleSource = oracleCache(cache)): SimResolver {
  return async (trialId): Promise<SimContext | null> => {
    const parsed = trialId ? parseTrialId(trialId) : null;
    const task = parsed && suite.tasks.find((t) => t.id === parsed.taskId);
    if (!parsed || !task) return null;
    return { oracle: await oracles(task), seed: trialSeed(runSeed, task.id, parsed.repeat) };
  };
}
