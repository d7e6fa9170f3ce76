import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCsv, RunDir } from '../../src/record/runDir.ts';
import { bench } from '../helpers/cli.ts';
import { calcFixture, git, tmp } from '../helpers/fixtures.ts';
import { workflowCopy } from '../helpers/workflows.ts';

const FAST = (() => {
  const p = join(tmp(), 'fast.yaml');
  writeFileSync(p, 'latency: {time_scale: 0}\n');
  return p;
})();

/** Live `sleep <dur>` processes. */
function sleepers(dur: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1') === `sleep\0${dur}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

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
    // The filters too: a resumed run is the run it finishes, not a bigger one under the same manifest.
    const wider = await bench([...base, '--resume', '--limit', '1']);
    expect(wider.code).toBe(2);
    expect(wider.stderr).toMatch(/cannot resume: the task filter differs \(none then, --limit 1 now\)/);
    expect(readFileSync(join(out, 'r', 'trials.jsonl'), 'utf8')).toBe(before);
    for (const [extra, why] of [
      [['--retry-errors'], /--retry-errors runs again trials of a recorded run/],
      [['--resume', '--retry-errors', 'oops'], /"oops" is not a status a trial can be run again for/],
    ] as const) {
      const res = await bench([...base, ...extra]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(why);
    }
  });
});

describe('bench replay: killed outright in the middle of a hook', () => {
  test('the hook goes with bench; the next run clears the dead run’s work folder and git’s registrations, and the trial runs again in a folder of its own', async () => {
    const f = calcFixture();
    const out = tmp('bench-results-');
    const flag = join(tmp(), 'hold');
    writeFileSync(flag, '');
    const dur = `${randomInt(1000, 9000)}.${randomInt(100_000, 999_999)}`;
    // A PreToolUse hook that holds the first tool call while the flag file exists.
    const wf = workflowCopy('broad', {
      'hooks/hooks.json': JSON.stringify({
        hooks: { PreToolUse: [{ hooks: [{ type: 'command', command: `test -e ${flag} && sleep ${dur}; true`, timeout: 600 }] }] },
      }),
    });
    const args = ['replay', f.suite, '--workflow', wf, '--out', out, '--run-id', 'hook', '--sim-profile', FAST];
    let pid = 0;
    const first = await bench(args, {
      onSpawn: (child) => {
        pid = child.pid!;
        const poll = setInterval(() => {
          if (sleepers(dur).length) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 20);
      },
    });
    expect(first.code).toBeNull();
    // The hook did not outlive bench.
    const deadline = Date.now() + 5000;
    while (sleepers(dur).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sleepers(dur)).toEqual([]);
    // What the killed run left: its work folder, with the worktree git still knows of.
    const left = readdirSync(tmpdir()).filter((d) => d.startsWith(`bench-${String(pid).padStart(7, '0')}-`));
    expect(left).toHaveLength(1);
    const registered = () =>
      readdirSync(join(process.env.BENCH_CACHE_DIR!, 'bases'))
        .filter((d) => d.endsWith('.git'))
        .flatMap((b) => git(join(process.env.BENCH_CACHE_DIR!, 'bases', b), 'worktree', 'list', '--porcelain').split('\n'))
        .filter((l) => l.startsWith('worktree ') && l.includes(`/bench-${String(pid).padStart(7, '0')}-`));
    expect(registered().length).toBe(1);

    rmSync(flag);
    const again = await bench([...args, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith(`bench-${String(pid).padStart(7, '0')}-`))).toEqual([]);
    expect(registered()).toEqual([]);
    // The killed attempt's events are kept apart; the trial's own are of one attempt.
    const [r] = new RunDir(join(out, 'hook')).readRecords();
    const dir = join(out, 'hook', 'trials', r!.trial_id);
    expect(readdirSync(dir)).toContain('attempt-1');
    expect(readFileSync(join(dir, 'attempt-1', 'events.jsonl'), 'utf8')).toMatch(/"type":"tool_call"/);
    const times = readFileSync(join(dir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { t: number }).t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(r!.status).toBe('ok');
  });
});
