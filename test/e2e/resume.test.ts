import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCsv, RunDir } from '../../src/record/runDir.ts';
import { bench } from '../helpers/cli.ts';
import { calcFixture, tmp } from '../helpers/fixtures.ts';

describe('bench replay: kill and resume', () => {
  test('a run killed with SIGKILL and resumed ends with every trial exactly once', async () => {
    const f = calcFixture();
    const out = tmp('bench-results-');
    const profile = join(tmp(), 'slow.yaml');
    writeFileSync(profile, 'latency: {time_scale: 0.05}\n');
    const args = ['replay', f.suite, '--repeat', '6', '--concurrency', '1', '--out', out, '--run-id', 'killed', '--sim-profile', profile];
    const run = new RunDir(join(out, 'killed'));
    const first = await bench(args, {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (existsSync(run.trialsFile) && readFileSync(run.trialsFile, 'utf8').split('\n').filter(Boolean).length >= 2) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 20);
      },
    });
    expect(first.code).toBeNull(); // killed
    const partial = run.readRecords();
    expect(partial.length).toBeGreaterThanOrEqual(2);
    expect(partial.length).toBeLessThan(6);

    const again = await bench([...args, '--resume']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`resuming: ${partial.length} trial\\(s\\) already recorded`));
    const ids = run.readRecords().map((r) => r.trial_id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(ids.slice(0, partial.length)).toEqual(partial.map((r) => r.trial_id));
    // The CSV is rebuilt from the whole set.
    expect(
      readCsv(readFileSync(run.csvFile, 'utf8'))
        .map((r) => r.trial_id)
        .sort(),
    ).toEqual([...ids].sort());
  });

  test('resuming with a different seed is refused (exit 2) and nothing recorded is lost', async () => {
    const f = calcFixture();
    const out = tmp('bench-results-');
    const profile = join(tmp(), 'fast.yaml');
    writeFileSync(profile, 'latency: {time_scale: 0}\n');
    const base = ['replay', f.suite, '--out', out, '--run-id', 'r', '--sim-profile', profile];
    expect((await bench(base)).code).toBe(0);
    const before = readFileSync(join(out, 'r', 'trials.jsonl'), 'utf8');
    const res = await bench([...base, '--resume', '--seed', '5']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/cannot resume: the seed differs/);
    expect(res.stderr).toMatch(/fix: /);
    expect(readFileSync(join(out, 'r', 'trials.jsonl'), 'utf8')).toBe(before);
    const dup = await bench(base);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/already exists[\s\S]*--resume/);
  });
});
