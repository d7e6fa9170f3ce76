import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RunDir } from '../../src/record/runDir.ts';
import { bench, BENCH } from '../helpers/cli.ts';
import { shellQuote } from '../../src/exec/run.ts';
import { calcFixture, git, tmp } from '../helpers/fixtures.ts';

describe('Ctrl-C', () => {
  test('stops running trials, removes their worktrees, keeps finished ones, and the run resumes', async () => {
    const f = calcFixture();
    const out = tmp('bench-results-');
    const profile = join(tmp(), 'slow.yaml');
    writeFileSync(profile, 'latency: {time_scale: 0.3}\n');
    const args = ['replay', f.suite, '--repeat', '4', '--concurrency', '2', '--out', out, '--run-id', 'int', '--sim-profile', profile];
    let pid = 0;
    const res = await bench(args, {
      onSpawn: (child) => {
        pid = child.pid!;
        setTimeout(() => child.kill('SIGINT'), 2500);
      },
    });
    expect(res.code).toBe(130);
    // The printed command finishes the run as printed (same --out, profile and filters).
    const hint = /finish it with {2}(bench .*)$/m.exec(res.stdout)?.[1];
    expect(hint).toMatch(/--run-id int --resume$/);
    // No worktree and no scratch folder of that process is left, and git knows of none.
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith(`bench-${String(pid).padStart(7, '0')}-`))).toEqual([]);
    const bases = join(process.env.BENCH_CACHE_DIR!, 'bases');
    for (const b of readdirSync(bases).filter((d) => d.endsWith('.git'))) {
      expect(
        git(join(bases, b), 'worktree', 'list', '--porcelain')
          .split('\n')
          .filter((l) => l.startsWith('worktree ') && l.includes(`bench-${String(pid).padStart(7, '0')}-`)),
      ).toEqual([]);
    }
    const partial = new RunDir(join(out, 'int')).readRecords();
    expect(partial.length).toBeLessThan(4);
    expect(partial.every((r) => r.status === 'ok')).toBe(true);

    const again = await new Promise<number | null>((done) =>
      spawn('bash', ['-c', hint!.replace(/^bench /, `${shellQuote(process.execPath)} ${shellQuote(BENCH)} `)], {
        stdio: 'ignore',
        env: { ...process.env, NO_COLOR: '1' },
      }).on('close', done),
    );
    expect(again).toBe(0);
    expect(
      new RunDir(join(out, 'int'))
        .readRecords()
        .map((r) => r.trial_id)
        .sort(),
    ).toEqual([0, 1, 2, 3].map((i) => `fix-clamp__broad__r${i}`));
    expect(existsSync(join(out, 'int', 'trials.csv'))).toBe(true);
  });
});
