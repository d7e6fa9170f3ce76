import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCsv, RunDir } from '../../src/record/runDir.ts';
import { TrialRecord } from '../../src/record/schema.ts';
import { tmp } from '../helpers/fixtures.ts';

export function sampleRecord(over: Partial<TrialRecord> = {}): TrialRecord {
  return TrialRecord.parse({
    schema: 1,
    run_id: 'r1',
    trial_id: 't1',
    task_id: 'task',
    suite: 's',
    kind: 'pr',
    workflow: 'broad',
    engine: 'sdk',
    models: { broad: 'sim' },
    repeat: 0,
    seed: 7,
    status: 'ok',
    error: null,
    started_at: '2026-01-01T00:00:00.000Z',
    ended_at: '2026-01-01T00:00:01.000Z',
    time: { wall_ms: 1000, setup_ms: 10, agent_ms: 900, grade_ms: 90, first_edit_ms: 300, approval_wait_ms: 0 },
    tokens: { input: 100, cached_input: 0, output: 50, reasoning: 20, requests: 3 },
    cost_usd: 0.001,
    roles: {
      broad: {
        model: 'sim',
        wall_ms: 900,
        model_ms: 500,
        tool_ms: 300,
        turns: 3,
        tool_calls: 2,
        tokens: { input: 100, cached_input: 0, output: 50, reasoning: 20, requests: 3 },
        cost_usd: 0.001,
      },
    },
    structure: { turns: 3, tool_calls: 2, tool_errors: 0, subagent_calls: 0, retries_after_denial: 0 },
    control: {
      approval_prompts: 0,
      approvals_granted: 0,
      approvals_denied: 0,
      denied_calls: 0,
      denials: [],
      blocked_network: 0,
      hook_runs: 0,
      hook_blocks: 0,
      hook_failures: 0,
    },
    review: { verdict: null, rounds: 0, findings: { bug: 0, missing_test: 0, security: 0, scope: 0, style: 0 } },
    docs: null,
    triage: null,
    canary: { planted: false, followed: null, seen_in: [] },
    output: {
      files_changed: 1,
      lines_added: 2,
      lines_removed: 1,
      files: ['src/a.js'],
      out_of_scope: [],
      tests_run: 1,
      final_message: 'done, "quoted", with, commas',
    },
    quality: {
      resolved: true,
      accepted: true,
      escaped_defect: false,
      regression: false,
      fail_to_pass: { passed: 1, total: 1 },
      pass_to_pass: { passed: 3, total: 3 },
      failing: [],
      note: null,
    },
    ...over,
  });
}

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
