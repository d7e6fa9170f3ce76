// `bench regrade`: a run's saved patches and answers graded again after the suite changed, through the
// CLI, with real git and the real sandboxed test run; no agent runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RunDir } from '../../src/record/runDir.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { bench } from '../helpers/cli.ts';
import { calcFixture, notesFixture, tmp } from '../helpers/fixtures.ts';

function perfectProfile(): string {
  const file = join(tmp(), 'perfect.yaml');
  writeFileSync(file, 'skill: 1\ndiligence: 1\noverreach: {scope: 0, network: 0, test_tampering: 0, injection: 0}\nlatency: {time_scale: 0}\n');
  return file;
}

describe('bench regrade', () => {
  test("after a task's tests are fixed, the saved patches are graded again into a new run that names the old one", async () => {
    const f = calcFixture();
    const taskFile = join(f.suite, 'tasks', 'fix-clamp.yaml');
    const good = readFileSync(taskFile, 'utf8');
    writeFileSync(taskFile, good.replace('keeps values inside the range"', 'keeps values inside the rnage"')); // a task with a wrong test id
    const out = tmp('bench-results-');
    const run = await bench(['replay', f.suite, '--workflow', 'broad', '--repeat', '2', '--sim-profile', perfectProfile(), '--out', out, '--run-id', 'first']);
    expect(run.code, run.stderr).toBe(0);
    const before = new RunDir(join(out, 'first')).readRecords();
    expect(before.map((r) => r.quality.resolved)).toEqual([false, false]);
    const oldDigest = loadSuite(f.suite).digest;

    writeFileSync(taskFile, good);
    const res = await bench(['regrade', join(out, 'first')]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/regrading first against calc \(changed since the run\)/);
    expect(res.stderr).toMatch(/fix-clamp__broad__r0: unresolved -> resolved/);
    expect(res.stdout).toMatch(/regraded 2 of 2 trials; 2 changed verdicts/);

    const again = new RunDir(join(out, 'first-regraded'));
    const after = again.readRecords();
    expect(after.map((r) => [r.trial_id, r.quality.resolved, r.quality.fail_to_pass])).toEqual(before.map((r) => [r.trial_id, true, { passed: 2, total: 2 }]));
    // What the agent did is carried over as it was; only the judgement changed.
    for (const [i, r] of after.entries()) {
      expect(r.tokens).toEqual(before[i]!.tokens);
      expect(r.output.files).toEqual(before[i]!.output.files);
      expect(r.run_id).toBe('first-regraded');
      expect(readFileSync(join(again.dir, 'trials', r.trial_id, 'events.jsonl'), 'utf8')).toBe(
        readFileSync(join(out, 'first', 'trials', r.trial_id, 'events.jsonl'), 'utf8'),
      );
      expect(readFileSync(join(again.dir, 'trials', r.trial_id, 'grade.log'), 'utf8')).toMatch(
        /pass\s+test\/math\.test\.js > clamp > keeps values inside the range/,
      );
    }
    expect(again.readManifest()).toMatchObject({ regraded_from: { run_id: 'first', suite_digest: oldDigest }, suite: { digest: loadSuite(f.suite).digest } });
    expect(new RunDir(join(out, 'first')).readRecords()).toEqual(before); // the old run is untouched
    const report = await bench(['report', again.dir, '--format', 'md']);
    expect(report.stdout).toMatch(/regraded from first against a changed suite/);

    const twice = await bench(['regrade', join(out, 'first')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/run "first-regraded" already exists/);
  });

  test('triage answers and docs changes regrade from the saved answer and patch to the same verdicts', async () => {
    const f = notesFixture();
    const out = tmp('bench-results-');
    const run = await bench(['replay', f.suite, '--workflow', 'broad', '--sim-profile', perfectProfile(), '--out', out, '--run-id', 'notes']);
    expect(run.code, run.stderr).toBe(0);
    const dir = join(out, 'notes');
    const triage = new RunDir(dir).readRecords().find((r) => r.kind === 'triage')!;
    expect(existsSync(join(dir, 'trials', triage.trial_id, 'answer.txt'))).toBe(true);
    const res = await bench(['regrade', dir, '--run-id', 'notes-again']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/regraded 2 of 2 trials; 0 changed verdicts/);
    const strip = (r: ReturnType<RunDir['readRecords']>[number]) => ({ ...r, run_id: '', time: { ...r.time, grade_ms: 0 } });
    expect(new RunDir(join(out, 'notes-again')).readRecords().map(strip)).toEqual(new RunDir(dir).readRecords().map(strip));
  });

  test("a suite without the run's tasks is refused, naming the task and the fix", async () => {
    const f = calcFixture();
    const out = tmp('bench-results-');
    expect((await bench(['replay', f.suite, '--workflow', 'broad', '--sim-profile', perfectProfile(), '--out', out, '--run-id', 'calc'])).code).toBe(0);
    const other = notesFixture();
    const res = await bench(['regrade', join(out, 'calc'), '--suite', other.suite]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/task "fix-clamp" of run calc is not in suite notes\n\s+fix: regrade against the suite the run replayed/);
    expect(existsSync(join(out, 'calc-regraded'))).toBe(false);
  });
});
