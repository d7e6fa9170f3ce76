// `--shard auto`: the shard a parallel runner gives, and the Kubernetes manifest in docs/ that relies on it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../../src/errors.ts';
import { parseShard, shardTasks } from '../../src/replay/plan.ts';
import { loadSuite } from '../../src/suite/load.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('--shard auto', () => {
  test.each([
    [{ BENCH_SHARD_INDEX: '2', BENCH_SHARD_TOTAL: '3' }, 2, 3],
    [{ JOB_COMPLETION_INDEX: '0', BENCH_SHARD_TOTAL: '4' }, 1, 4],
    [{ JOB_COMPLETION_INDEX: '3', BENCH_SHARD_TOTAL: '4' }, 4, 4],
    [{ CI_NODE_INDEX: '1', CI_NODE_TOTAL: '5' }, 1, 5],
    [{ CIRCLE_NODE_INDEX: '4', CIRCLE_NODE_TOTAL: '5' }, 5, 5],
    [{ BUILDKITE_PARALLEL_JOB: '0', BUILDKITE_PARALLEL_JOB_COUNT: '2' }, 1, 2],
  ])('%o is shard %i of %i', (env, index, total) => {
    expect(parseShard('auto', env)).toMatchObject({ index, total });
  });

  test('an index past the total, a missing total, or no runner at all is bad input naming the variable', () => {
    const err = (env: NodeJS.ProcessEnv) => {
      try {
        parseShard('auto', env);
      } catch (e) {
        return e as InputError;
      }
      throw new Error('no error');
    };
    expect(err({ JOB_COMPLETION_INDEX: '4', BENCH_SHARD_TOTAL: '4' }).format()).toMatch(/BENCH_SHARD_TOTAL.*completions/s);
    expect(err({ JOB_COMPLETION_INDEX: '0' }).format()).toMatch(/JOB_COMPLETION_INDEX="0" and BENCH_SHARD_TOTAL="" are not a shard/);
    expect(err({ CI_NODE_INDEX: '0', CI_NODE_TOTAL: '3' }).format()).toMatch(/CI_NODE_INDEX from 1 to total/);
    expect(err({}).format()).toMatch(/--shard auto found no shard.*JOB_COMPLETION_INDEX/s);
    expect(() => parseShard('2/4', {})).not.toThrow();
  });
});

describe('the Kubernetes manifest in docs/', () => {
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'docs', 'kubernetes', 'replay-shards.yaml'), 'utf8')).map((d) => d.toJS());
  const [replay, gate] = docs as Array<Record<string, any>>;

  test('an Indexed Job whose pods each replay the shard their index names, and a Job that merges them', () => {
    expect(replay!.kind).toBe('Job');
    expect(replay!.spec.completionMode).toBe('Indexed');
    const container = replay!.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    // The pod knows its index only: the total it is told must be the job's completions.
    expect(Number(env.BENCH_SHARD_TOTAL)).toBe(replay!.spec.completions);
    const command = container.args.join(' ');
    expect(command).toMatch(/bench replay \S+ .*--shard auto/);
    expect(command).toContain('--run-id "pr-shard-$JOB_COMPLETION_INDEX"');
    expect(gate!.kind).toBe('Job');
    expect(gate!.spec.template.spec.containers[0].args.join(' ')).toMatch(/bench merge \/results\/pr-shard-\* --out \/results\/pr .*bench gate \/results\/pr/s);
  });

  test("its pods' shards cover the shipped suite's tasks exactly once", () => {
    const completions = replay!.spec.completions as number;
    const tasks = loadSuite(join(ROOT, 'suites', 'pr')).tasks;
    const seen: string[] = [];
    for (let i = 0; i < completions; i++) {
      const shard = parseShard('auto', { JOB_COMPLETION_INDEX: String(i), BENCH_SHARD_TOTAL: String(completions) });
      seen.push(...shardTasks(tasks, shard).map((t) => t.id));
    }
    expect(seen.sort()).toEqual(tasks.map((t) => t.id).sort());
  });
});
