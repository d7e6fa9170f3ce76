// The run configuration file, BENCH_* variables and --tag: flags over variables over the file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RunDir } from '../../src/record/runDir.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { bench } from '../helpers/cli.ts';
import { tmp } from '../helpers/fixtures.ts';

const SUITE = resolve(import.meta.dirname, '..', '..', 'suites', 'pr');
const tagged = (tag: string) => loadSuite(SUITE).tasks.filter((t) => t.tags.includes(tag));

/** A project folder holding bench.config.yaml (and a sim profile beside it, referred to by a relative path). */
function project(config: string): string {
  const dir = tmp('bench-config-');
  mkdirSync(join(dir, 'profiles'));
  writeFileSync(join(dir, 'profiles', 'careful.yaml'), 'skill: 1\ndiligence: 1\nlatency: {ttft_ms: 100}\n');
  writeFileSync(join(dir, 'bench.config.yaml'), config);
  return dir;
}

describe('run configuration', () => {
  test('bench.config.yaml is found, its paths are relative to it, BENCH_* overrides it and a flag overrides both', async () => {
    const dir = project(
      [`suite: ${SUITE}`, 'workflows: [broad]', 'limit: 3', 'tags: [bugfix]', 'seed: 7', 'sim_profile: profiles/careful.yaml', 'out: runs', ''].join('\n'),
    );
    const bugfix = tagged('bugfix');
    expect(bugfix.length).toBeGreaterThan(2);

    const fromEnv = await bench(['replay', '--run-id', 'env'], { cwd: dir, env: { BENCH_LIMIT: '1' } });
    expect(fromEnv.stderr + fromEnv.stdout).not.toMatch(/error/);
    expect(fromEnv.code).toBe(0);
    // The simulated model's latency is counted, not waited: a trial keeps a CPU busy, so one per CPU (broad allows 6).
    expect(fromEnv.stderr).toMatch(new RegExp(`replaying pr \\(1 of 12 tasks\\) with broad · run env · ${Math.min(6, availableParallelism())} at once`));
    const env = new RunDir(join(dir, 'runs', 'env'));
    expect(env.readManifest()).toMatchObject({ seed: 7, filters: { limit: 1, tags: ['bugfix'] }, workflows: [expect.objectContaining({ name: 'broad' })] });
    const records = env.readRecords();
    expect(records.map((r) => r.task_id)).toEqual([bugfix[0]!.id]);
    // The profile file beside the configuration was used: its latency, not the default's.
    expect(records[0]!.time.simulated_latency_ms).toBeGreaterThan(0);

    const fromFlag = await bench(['replay', '--run-id', 'flag', '--limit', '2', '--seed', '3'], { cwd: dir, env: { BENCH_LIMIT: '1' } });
    expect(fromFlag.code).toBe(0);
    // A model that makes trials wait in real time (a paced simulated one here) leaves CPUs free: two per CPU.
    writeFileSync(join(dir, 'paced.yaml'), 'latency: {ttft_ms: 1, tokens_per_s: 1000000, time_scale: 1}\n');
    const paced = await bench(['replay', '--run-id', 'paced', '--limit', '1', '--sim-profile', 'paced.yaml'], { cwd: dir });
    expect(paced.code).toBe(0);
    expect(paced.stderr).toMatch(new RegExp(`· run paced · ${Math.min(6, 2 * availableParallelism())} at once`));
    const flag = new RunDir(join(dir, 'runs', 'flag'));
    expect(flag.readManifest()).toMatchObject({ seed: 3, filters: { limit: 2, tags: ['bugfix'] } });
    expect(
      flag
        .readRecords()
        .map((r) => r.task_id)
        .sort(),
    ).toEqual(
      bugfix
        .slice(0, 2)
        .map((t) => t.id)
        .sort(),
    );
  }, 240_000);

  test('--config names the file; --tag selects tasks with any of the tags given', async () => {
    const dir = tmp('bench-config-');
    const file = join(dir, 'ci.yaml');
    writeFileSync(file, `workflows: [broad]\nsim_profile: {latency: {time_scale: 0}}\n`);
    const [a, b] = ['few-lines', 'hidden-edge-case'];
    const want = loadSuite(SUITE).tasks.filter((t) => t.tags.includes(a!) || t.tags.includes(b!));
    const res = await bench(['replay', SUITE, '--config', file, '--tag', `${a},${b}`, '--out', join(dir, 'out'), '--run-id', 'tags', '--limit', '2']);
    expect(res.code).toBe(0);
    const run = new RunDir(join(dir, 'out', 'tags'));
    expect(run.readManifest().filters.tags).toEqual([a, b]);
    expect(
      run
        .readRecords()
        .map((r) => r.task_id)
        .sort(),
    ).toEqual(
      want
        .slice(0, 2)
        .map((t) => t.id)
        .sort(),
    );
  }, 240_000);

  test('bad settings exit 2 naming the file or variable, the field and the fix', async () => {
    const dir = project('repeat: 0\nmodle: sim\n');
    const bad = await bench(['replay', SUITE], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bench\.config\.yaml/);
    expect(bad.stderr).toMatch(/repeat/);
    expect(bad.stderr).toMatch(/modle/);
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace

    const env = await bench(['replay', SUITE, '--limit', '1'], { env: { BENCH_REPEAT: 'twice' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/BENCH_REPEAT/);

    const tag = await bench(['replay', SUITE, '--tag', 'no-such-tag']);
    expect(tag.code).toBe(2);
    expect(tag.stderr).toMatch(/no task of suite pr is tagged "no-such-tag"/);
    expect(tag.stderr).toMatch(/bugfix/);

    const none = await bench(['replay'], { cwd: tmp('bench-empty-') });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no suite to replay/);
  }, 120_000);
});
