// Broken or misplaced run files, as the CLI meets them: a clear message naming the file and the fix,
// exit 2, no stack trace, and nothing already recorded touched.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { RunDir, runFolder as runFolderOf } from '../../src/record/runDir.ts';
import type { RunManifest } from '../../src/record/schema.ts';
import { bench, type CliResult } from '../helpers/cli.ts';
import { tmp } from '../helpers/fixtures.ts';
import { sampleRecord } from '../helpers/records.ts';

const TRIAGE = join(import.meta.dirname, '..', '..', 'suites', 'triage');

/** A run folder of `recorded` trials out of `planned`. */
function runFolder(recorded: number, planned: number): RunDir {
  const run = new RunDir(join(tmp('bench-results-'), 'r1'));
  const manifest: z.input<typeof RunManifest> = {
    schema: 1,
    run_id: 'r1',
    created_at: '2026-01-01T00:00:00.000Z',
    harness: { version: '0.1.0', git_sha: null },
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    sandbox: { backend: 'bwrap', detail: 'test' },
    suite: { name: 's', dir: '.', digest: 'sha256:0', tasks: planned },
    workflows: [{ name: 'broad', source: 'broad', digest: 'sha256:0' }],
    engine: 'sdk',
    model: { backend: 'sim', name: 'sim', base_url: null, api: null, simulated: true, sim_profile: null },
    prices: {},
    seed: 0,
    repeat: 1,
    concurrency: 1,
    filters: { limit: null, tasks: [] },
    shard: null,
    trials_planned: planned,
    command: ['test'],
  };
  run.writeManifest(manifest);
  for (let i = 0; i < recorded; i++) run.append(sampleRecord({ trial_id: `t${i}__broad__r0`, task_id: `t${i}` }));
  return run;
}

/** An input error as the CLI must end on one: exit 2, the file and the fix named, no stack trace. */
function expectInputError(res: CliResult, file: string): void {
  expect(res.code, res.stderr).toBe(2);
  expect(res.stderr).toContain(file);
  expect(res.stderr).toMatch(/\n {2}fix: /);
  expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('trials.jsonl read back', () => {
  test('a garbage line is reported at its own line number, blank lines counted', () => {
    const run = runFolder(1, 3);
    appendFileSync(run.trialsFile, '\nnot json\n');
    run.append(sampleRecord({ trial_id: 't9' }));
    const err = (() => {
      try {
        run.readRecords();
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err!.format()).toMatch(/trials\.jsonl:3: not valid JSON/);
  });

  test('report says when the torn last line of a killed run is left out, with recorded and planned trials', async () => {
    const run = runFolder(2, 3);
    appendFileSync(run.trialsFile, '{"schema":1,"run_id":"r1","tri');
    const res = await bench(['report', run.dir, '--format', 'md']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/warning: .*trials\.jsonl:3: the last line is cut off .* 2 of 3 planned trials recorded/);
  });
});

describe('bad run files and folders end in exit 2', () => {
  test('a truncated run.json names the file; the records are untouched', async () => {
    const run = runFolder(1, 1);
    const records = readFileSync(run.trialsFile, 'utf8');
    writeFileSync(run.manifestFile, readFileSync(run.manifestFile, 'utf8').slice(0, 40));
    const res = await bench(['report', run.dir]);
    expectInputError(res, run.manifestFile);
    expect(res.stderr).toMatch(/not valid JSON/);
    expect(readFileSync(run.trialsFile, 'utf8')).toBe(records);
  });

  test('a truncated cassette.json names the file', async () => {
    const cassette = tmp('bench-cassette-');
    writeFileSync(join(cassette, 'cassette.json'), '{"schema": 1, "created_at": "2026-');
    const res = await bench(['replay', TRIAGE, '--replay', cassette, '--out', tmp('bench-results-')]);
    expectInputError(res, join(cassette, 'cassette.json'));
  });

  test('--out pointing at a file is refused before anything runs', async () => {
    const file = join(tmp(), 'results.txt');
    writeFileSync(file, 'mine\n');
    const res = await bench(['replay', TRIAGE, '--limit', '1', '--workflow', 'broad', '--out', file, '--run-id', 'x']);
    expectInputError(res, file);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    const merge = await bench(['merge', runFolder(1, 1).dir, '--out', file]);
    expectInputError(merge, file);
  });

  test('report --out naming a folder, or a path through a file, is refused', async () => {
    const run = runFolder(1, 1);
    const dir = tmp();
    expectInputError(await bench(['report', run.dir, '--out', dir]), dir);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'mine\n');
    expectInputError(await bench(['report', run.dir, '--format', 'md', '-o', join(file, 'summary.md')]), file);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });

  test('--run-id ../x is refused: nothing is written outside --out', async () => {
    const root = tmp('bench-results-');
    const out = join(root, 'results');
    mkdirSync(out);
    const res = await bench(['replay', TRIAGE, '--limit', '1', '--workflow', 'broad', '--out', out, '--run-id', '../escaped']);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/--run-id: "\.\.\/escaped" is not a plain folder name\n {2}fix: /);
    expect(readdirSync(root)).toEqual(['results']);
    expect(readdirSync(out)).toEqual([]);
  });

  test.each(['..', '.', '.hidden', 'a/b', 'a\\b', '', '-rf', 'x'.repeat(201)])('run id %j is refused', (id) => {
    expect(() => runFolderOf(tmp(), id)).toThrow(/is not a plain folder name/);
  });

  test.each(['20260101-120000Z-pr', 'pr-shard-1', 'audit.v2_x'])('run id %j is accepted', (id) => {
    expect(runFolderOf('/r', id)).toBe(`/r/${id}`);
  });
});
