// The plan of a run: trials = tasks x workflows x repeats, each with a seed that depends on the task
// and repeat only, so every workflow meets the same draws on the same task (paired comparisons).
import { createHash } from 'node:crypto';
import { quantile } from '../analyze/stats.ts';
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
  /** Only tasks with one of these tags. */
  tags?: string[];
  shard?: Shard;
  /** Task weights for balancing shards (see shardTasks). */
  weights?: Map<string, number>;
}

/** The tasks a run replays: --task, --tag and --limit filters, then its shard's slice. */
export function selectTasks(suite: Suite, opts: Pick<PlanOptions, 'limit' | 'tasks' | 'tags' | 'shard' | 'weights'>): Task[] {
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
  if (opts.tags?.length) {
    const known = new Set(suite.tasks.flatMap((t) => t.tags));
    const unknown = opts.tags.filter((t) => !known.has(t));
    if (unknown.length) {
      throw new InputError(`no task of suite ${suite.name} is tagged ${unknown.map((u) => `"${u}"`).join(', ')}`, {
        field: '--tag',
        fix: known.size ? `use one of: ${[...known].sort().join(', ')}` : 'its tasks have no tags (tags: in a task file)',
      });
    }
    tasks = tasks.filter((t) => t.tags.some((tag) => opts.tags!.includes(tag)));
  }
  if (opts.limit !== undefined) tasks = tasks.slice(0, opts.limit);
  return opts.shard ? shardTasks(tasks, opts.shard, opts.weights) : tasks;
}

/** The trials of the run (of its shard, given one), in order. */
export function planTrials(suite: Suite, workflows: Workflow[], opts: PlanOptions): TrialPlan[] {
  const plans: TrialPlan[] = [];
  for (const task of selectTasks(suite, opts))
    for (let repeat = 0; repeat < opts.repeat; repeat++)
      for (const workflow of workflows)
        plans.push({ trialId: trialId(task.id, workflow.name, repeat), task, workflow, repeat, seed: trialSeed(opts.seed, task.id, repeat) });
  return plans;
}

export interface Shard {
  /** 1-based, as in `--shard 2/3`. */
  index: number;
  total: number;
}

/**
 * Where `--shard auto` finds its shard: the variables each parallel runner sets, with the base of its
 * index. A Kubernetes Indexed Job sets only the pod's index: its number of completions is given as
 * BENCH_SHARD_TOTAL (docs/ci.md holds the manifest).
 */
export const SHARD_SOURCES: ReadonlyArray<{ runner: string; index: string; total: string; base: 0 | 1 }> = [
  { runner: 'bench', index: 'BENCH_SHARD_INDEX', total: 'BENCH_SHARD_TOTAL', base: 1 },
  { runner: 'a Kubernetes Indexed Job', index: 'JOB_COMPLETION_INDEX', total: 'BENCH_SHARD_TOTAL', base: 0 },
  { runner: 'GitLab CI (parallel)', index: 'CI_NODE_INDEX', total: 'CI_NODE_TOTAL', base: 1 },
  { runner: 'CircleCI (parallelism)', index: 'CIRCLE_NODE_INDEX', total: 'CIRCLE_NODE_TOTAL', base: 0 },
  { runner: 'Buildkite (parallelism)', index: 'BUILDKITE_PARALLEL_JOB', total: 'BUILDKITE_PARALLEL_JOB_COUNT', base: 0 },
];

/** `--shard i/n`, or `--shard auto`: the shard the parallel runner this runs in gives (SHARD_SOURCES). */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard & { from?: string } {
  if (text.trim() === 'auto') {
    const src = SHARD_SOURCES.find((s) => env[s.index] !== undefined && env[s.index] !== '');
    if (!src)
      throw new InputError('--shard auto found no shard in the environment', {
        field: '--shard',
        fix: `run it where one of ${SHARD_SOURCES.map((s) => `${s.index} (${s.runner})`).join(', ')} is set, with its total (${[...new Set(SHARD_SOURCES.map((s) => s.total))].join(', ')}), or give --shard i/n`,
      });
    const index = Number(env[src.index]) + (1 - src.base);
    const total = Number(env[src.total]);
    if (!Number.isInteger(index) || !Number.isInteger(total) || total < 1 || index < 1 || index > total)
      throw new InputError(
        `--shard auto: ${src.index}=${JSON.stringify(env[src.index] ?? '')} and ${src.total}=${JSON.stringify(env[src.total] ?? '')} are not a shard`,
        {
          field: src.total,
          fix: `set ${src.total} to the number of shards (${src.runner === 'a Kubernetes Indexed Job' ? "the job's completions" : 'the parallel jobs'}), with ${src.index} ${src.base === 0 ? 'from 0 to total - 1' : 'from 1 to total'}`,
        },
      );
    return { index, total, from: `${src.index}=${env[src.index]}, ${src.total}=${total} (${src.runner})` };
  }
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || total < 1 || index < 1 || index > total) {
    throw new InputError(`"${text}" is not a shard`, {
      field: '--shard',
      fix: 'use --shard i/n with 1 <= i <= n, e.g. --shard 1/4, or --shard auto in a parallel CI job or Kubernetes Indexed Job',
    });
  }
  return { index, total };
}

/**
 * The tasks of one shard. Whole tasks go to shards (every workflow and repeat of a task on one machine,
 * which shares its environment setup), longest first onto the least-loaded shard (LPT). A task's
 * weight is its mean trial time in a previous run (`weights`), the median of those for tasks it
 * lacks, or 1 for all without one. Deterministic: the same suite, filters and weights give the same
 * slices on every machine.
 */
export function shardTasks(tasks: Task[], shard: Shard, weights?: Map<string, number>): Task[] {
  const known = tasks.map((t) => weights?.get(t.id)).filter((w): w is number => w !== undefined && w > 0);
  const fallback = known.length ? quantile(known, 0.5)! : 1;
  const items = tasks.map((task, order) => ({ task, order, weight: weights?.get(task.id) ?? fallback }));
  items.sort((a, b) => b.weight - a.weight || a.order - b.order);
  const load = new Array<number>(shard.total).fill(0);
  const mine = new Set<Task>();
  for (const it of items) {
    let best = 0;
    for (let s = 1; s < shard.total; s++) if (load[s]! < load[best]!) best = s;
    load[best]! += it.weight;
    if (best === shard.index - 1) mine.add(it.task);
  }
  return tasks.filter((t) => mine.has(t));
}

/**
 * Mean real trial time per task in a run's records (what `--durations <run>` balances shards by): the
 * simulated model's counted latency is left out, since no machine spends it.
 */
export function taskWeights(records: Array<{ task_id: string; time: { wall_ms: number; simulated_latency_ms?: number } }>): Map<string, number> {
  const sums = new Map<string, { total: number; n: number }>();
  for (const r of records) {
    const s = sums.get(r.task_id) ?? { total: 0, n: 0 };
    s.total += r.time.wall_ms - (r.time.simulated_latency_ms ?? 0);
    s.n++;
    sums.set(r.task_id, s);
  }
  return new Map([...sums].map(([id, s]) => [id, s.total / s.n]));
}
