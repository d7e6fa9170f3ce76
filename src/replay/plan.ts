// The plan of a run: trials = tasks x workflows x repeats, each with a seed that depends on the task
// and repeat only, so every workflow meets the same draws on the same task (paired comparisons).
import { createHash } from 'node:crypto';
import { InputError } from '../errors.ts';
import type { Suite, Task } from '../suite/load.ts';
import type { Workflow } from '../workflow/types.ts';
import type { TrialPlan } from './trial.ts';

export function trialSeed(runSeed: number, taskId: string, repeat: number): number {
  return createHash('sha256').update(`${runSeed}:${taskId}:${repeat}`).digest().readUInt32BE(0);
}

export function trialId(taskId: string, workflow: string, repeat: number): string {
  return `${taskId}__${workflow.replace(/[^A-Za-z0-9._-]/g, '_')}__r${repeat}`;
}

export interface PlanOptions {
  repeat: number;
  seed: number;
  limit?: number;
  tasks?: string[];
}

export function selectTasks(suite: Suite, opts: Pick<PlanOptions, 'limit' | 'tasks'>): Task[] {
  let tasks = suite.tasks;
  if (opts.tasks?.length) {
    const known = new Set(tasks.map((t) => t.id));
    const unknown = opts.tasks.filter((t) => !known.has(t));
    if (unknown.length) {
      throw new InputError(`no task ${unknown.map((u) => `"${u}"`).join(', ')} in suite ${suite.name}`, {
        field: '--task',
        fix: `use one of: ${[...known].join(', ')}`,
      });
    }
    tasks = tasks.filter((t) => opts.tasks!.includes(t.id));
  }
  if (opts.limit !== undefined) tasks = tasks.slice(0, opts.limit);
  return tasks;
}

export function planTrials(suite: Suite, workflows: Workflow[], opts: PlanOptions): TrialPlan[] {
  const plans: TrialPlan[] = [];
  for (const task of selectTasks(suite, opts))
    for (let repeat = 0; repeat < opts.repeat; repeat++)
      for (const workflow of workflows)
        plans.push({ trialId: trialId(task.id, workflow.name, repeat), task, workflow, repeat, seed: trialSeed(opts.seed, task.id, repeat) });
  return plans;
}
