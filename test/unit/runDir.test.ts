import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCsv, RunDir } from '../../src/record/runDir.ts';
import { tmp } from '../helpers/fixtures.ts';
import { sampleRecord } from '../helpers/records.ts';

describe('RunDir', () => {
  test('appends records and reads them back', () => {
    const run = new RunDir(join(tmp(), 'run'));
    run.trialDir('t1');
    run.append(sampleRecord());
    run.append(sampleRecord({ trial_id: 't2', status: 'infra_error', error: { stage: 'setup', message: 'boom' } }));
    expect(run.readRecords().map((r) => [r.trial_id, r.status])).toEqual([
      ['t1', 'ok'],
      ['t2', 'infra_error'],
    ]);
  });

  test('a torn last line (killed mid-write) is cut off on repair, earlier records kept', () => {
    const run = new RunDir(join(tmp(), 'run'));
    run.trialDir('t1');
    run.append(sampleRecord());
    appendFileSync(run.trialsFile, '{"schema":1,"run_id":"r1","tri');
    expect(run.readRecords()).toHaveLength(1);
    expect(run.readRecords({ repair: true })).toHaveLength(1);
    expect(readFileSync(run.trialsFile, 'utf8').endsWith('}\n')).toBe(true);
    run.append(sampleRecord({ trial_id: 't2' }));
    expect(run.readRecords().map((r) => r.trial_id)).toEqual(['t1', 't2']);
  });

  test('a trial recorded again counts once, as its last record; compact leaves one line per trial', () => {
    const run = new RunDir(join(tmp(), 'run'));
    run.trialDir('t1');
    run.append(sampleRecord({ trial_id: 't1', status: 'infra_error', error: { stage: 'agent', message: '500' } }));
    run.append(sampleRecord({ trial_id: 't2' }));
    run.append(sampleRecord({ trial_id: 't1' }));
    expect(run.readRecords().map((r) => [r.trial_id, r.status])).toEqual([
      ['t2', 'ok'],
      ['t1', 'ok'],
    ]);
    run.compact();
    const lines = readFileSync(run.trialsFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { trial_id: string }).trial_id)).toEqual(['t2', 't1']);
  });

  test('each attempt of a trial gets the folder to itself: what an earlier one left moves to attempt-<n>', () => {
    const run = new RunDir(join(tmp(), 'run'));
    expect(run.startAttempt('t1')).toBeNull();
    run.writeTrialFile('t1', 'events.jsonl', 'first\n');
    expect(run.startAttempt('t1')).toBe('attempt-1');
    run.writeTrialFile('t1', 'events.jsonl', 'second\n');
    run.writeTrialFile('t1', 'patch.diff', '');
    expect(run.startAttempt('t1')).toBe('attempt-2');
    const dir = run.trialDir('t1');
    expect(readFileSync(join(dir, 'attempt-1', 'events.jsonl'), 'utf8')).toBe('first\n');
    expect(readFileSync(join(dir, 'attempt-2', 'events.jsonl'), 'utf8')).toBe('second\n');
    expect(readdirSync(dir).sort()).toEqual(['attempt-1', 'attempt-2']);
  });

  test('trials.csv flattens records and reads back with csv-parse', () => {
    const run = new RunDir(join(tmp(), 'run'));
    run.trialDir('t1');
    run.append(sampleRecord());
    run.append(sampleRecord({ trial_id: 't2', cost_usd: null }));
    run.writeCsv();
    const rows = readCsv(readFileSync(run.csvFile, 'utf8'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      trial_id: 't1',
      'quality.resolved': true,
      'roles.broad.tokens.input': 100,
      'output.final_message': 'done, "quoted", with, commas',
      cost_usd: 0.001,
    });
    expect(rows[1]!.cost_usd).toBeNull();
  });
});
