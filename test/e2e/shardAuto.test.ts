// `bench replay --shard auto` in a pod of a Kubernetes Indexed Job: its index picks its slice.
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { RunDir } from '../../src/record/runDir.ts';
import { SHARD_SOURCES, shardTasks } from '../../src/replay/plan.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { bench } from '../helpers/cli.ts';
import { tmp } from '../helpers/fixtures.ts';

const SUITE = resolve(import.meta.dirname, '..', '..', 'suites', 'pr');

test('--shard auto reads JOB_COMPLETION_INDEX (0-based) and BENCH_SHARD_TOTAL, says so, and runs that shard', async () => {
  const out = tmp('bench-shard-');
  const env = { JOB_COMPLETION_INDEX: '4', BENCH_SHARD_TOTAL: '6' };
  const res = await bench(['replay', SUITE, '--workflow', 'broad', '--shard', 'auto', '--out', out, '--run-id', 'pod-4'], { env });
  expect(res.code).toBe(0);
  expect(res.stderr).toMatch(/shard 5\/6 from JOB_COMPLETION_INDEX=4, BENCH_SHARD_TOTAL=6 \(a Kubernetes Indexed Job\)/);
  const run = new RunDir(join(out, 'pod-4'));
  expect(run.readManifest().shard).toMatchObject({ index: 5, total: 6 });
  const want = shardTasks(loadSuite(SUITE).tasks, { index: 5, total: 6 }).map((t) => t.id);
  expect(
    run
      .readRecords()
      .map((r) => r.task_id)
      .sort(),
  ).toEqual([...want].sort());

  const none = await bench(['replay', SUITE, '--shard', 'auto', '--out', out], {
    env: Object.fromEntries(SHARD_SOURCES.flatMap((s) => [s.index, s.total]).map((v) => [v, ''])),
  });
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/--shard auto found no shard/);
}, 180_000);
