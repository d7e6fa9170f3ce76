import { appendFileSync, readFileSync } from 'node:fs';
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
