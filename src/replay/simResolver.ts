// Serving the simulated model over HTTP for a whole suite: a request's x-bench-trial header names the
// trial (task, workflow, repeat); the task's oracle and the trial's seed follow from it.
import type { SimContext, SimOracle } from '../model/sim/oracle.ts';
import type { SimResolver } from '../model/sim/server.ts';
import type { Suite } from '../suite/load.ts';
import type { RepoCache } from '../workspace/repos.ts';
import { buildOracle } from './oracle.ts';
import { trialSeed } from './plan.ts';

export function parseTrialId(trialId: string): { taskId: string; workflow: string; repeat: number } | null {
  const m = /^(.+)__(.+)__r(\d+)$/.exec(trialId);
  return m ? { taskId: m[1]!, workflow: m[2]!, repeat: Number(m[3]) } : null;
}

export function suiteSimResolver(suite: Suite, cache: RepoCache, runSeed: number): SimResolver {
  const oracles = new Map<string, Promise<SimOracle>>();
  return async (trialId): Promise<SimContext | null> => {
    const parsed = trialId ? parseTrialId(trialId) : null;
    const task = parsed && suite.tasks.find((t) => t.id === parsed.taskId);
    if (!parsed || !task) return null;
    let oracle = oracles.get(task.id);
    if (!oracle) {
      oracle = buildOracle(cache, task);
      oracles.set(task.id, oracle);
    }
    return { oracle: await oracle, seed: trialSeed(runSeed, task.id, parsed.repeat) };
  };
}
