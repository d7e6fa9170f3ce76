import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { parseShard, shardTasks, taskWeights } from '../../src/replay/plan.ts';
import type { Task } from '../../src/suite/load.ts';

const tasks = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${String(i).padStart(2, '0')}` }) as Task);
const ids = (ts: Task[]) => ts.map((t) => t.id);

describe('--shard i/n', () => {
  test('parses i/n and refuses anything else, naming the flag', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, total: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
    for (const bad of ['0/2', '3/2', '1/0', '1-2', 'a/b', '']) {
      expect(() => parseShard(bad), bad).toThrow(InputError);
    }
    try {
      parseShard('3/2');
    } catch (err) {
      expect((err as InputError).format()).toMatch(/^--shard: "3\/2" is not a shard\n {2}fix: use --shard i\/n/);
    }
  });

  test('shards partition the tasks: every task in exactly one shard, order kept, for any n', () => {
    const all = tasks(13);
    for (let n = 1; n <= 15; n++) {
      const slices = Array.from({ length: n }, (_, i) => shardTasks(all, { index: i + 1, total: n }));
      expect(
        slices
          .flat()
          .map((t) => t.id)
          .sort(),
      ).toEqual(ids(all));
      for (const s of slices) expect(ids(s)).toEqual([...ids(s)].sort()); // suite order within a shard
      const sizes = slices.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1); // equal weights: as even as can be
    }
  });

  test('deterministic: the same inputs give the same slice on every call (and machine)', () => {
    const w = new Map(tasks(9).map((t, i) => [t.id, ((i * 7919) % 13) + 1]));
    expect(ids(shardTasks(tasks(9), { index: 2, total: 3 }, w))).toEqual(ids(shardTasks(tasks(9), { index: 2, total: 3 }, new Map(w))));
  });

  test('with durations, the longest tasks are spread first (LPT): loads balance where counts would not', () => {
    const all = tasks(6);
    const w = new Map([
      ['t00', 100],
      ['t01', 10],
      ['t02', 90],
      ['t03', 10],
      ['t04', 10],
      ['t05', 10],
    ]);
    const load = (s: Task[]) => s.reduce((n, t) => n + w.get(t.id)!, 0);
    const balanced = [1, 2].map((i) => shardTasks(all, { index: i, total: 2 }, w));
    expect(balanced.map(load)).toEqual([120, 110]);
    const byCount = [1, 2].map((i) => shardTasks(all, { index: i, total: 2 }));
    expect(byCount.map(load)).toEqual([200, 30]); // equal weights: every other task, 100 and 90 on one side
  });

  test('tasks missing from the durations run weigh the median of the known ones', () => {
    const all = tasks(4);
    const w = new Map([
      ['t00', 50],
      ['t01', 10],
      ['t02', 30],
    ]);
    // t03 weighs 30 (median): 50 | 30, then 30 -> the lighter shard, 10 -> the lighter again.
    expect(ids(shardTasks(all, { index: 1, total: 2 }, w))).toEqual(['t00', 't01']);
    expect(ids(shardTasks(all, { index: 2, total: 2 }, w))).toEqual(['t02', 't03']);
  });

  test('task weights are the mean trial time per task', () => {
    const w = taskWeights([
      { task_id: 'a', time: { wall_ms: 1000 } },
      { task_id: 'a', time: { wall_ms: 3000 } },
      { task_id: 'b', time: { wall_ms: 500 } },
    ]);
    expect(Object.fromEntries(w)).toEqual({ a: 2000, b: 500 });
  });

  test('the simulated model’s counted latency weighs nothing: no machine spends it', () => {
    const w = taskWeights([
      { task_id: 'a', time: { wall_ms: 20_000, simulated_latency_ms: 18_000 } },
      { task_id: 'b', time: { wall_ms: 5000, simulated_latency_ms: 0 } },
    ]);
    expect(Object.fromEntries(w)).toEqual({ a: 2000, b: 5000 });
  });
});
