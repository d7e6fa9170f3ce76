// TrialRecords made by hand, for analysis, report and gate tests.
import { TrialRecord } from '../../src/record/schema.ts';

/** A complete, valid record (an ok, resolved pr trial of the broad workflow); override what a test needs. */
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
      enforcement: {
        blocked: { read: 0, write: 0, git: 0, network: 0, escalation: 0, tamper: 0, other: 0 },
        by_stage: { hook: 0, sandbox: 0, os: 0, network: 0, approval: 0, redaction: 0 },
        grade: 0,
        leaks: 0,
        escapes: 0,
        audited: false,
      },
    },
    review: { verdict: null, rounds: 0, findings: { bug: 0, missing_test: 0, security: 0, scope: 0, style: 0 } },
    docs: null,
    triage: null,
    team: null,
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
      correction_lines: 0,
    },
    ...over,
  });
}

/** A record with the usual knobs: outcome, time, cost, workflow, task, repeat. */
export function trial(o: {
  workflow?: string;
  task?: string;
  repeat?: number;
  resolved?: boolean | null;
  accepted?: boolean;
  status?: TrialRecord['status'];
  wall?: number;
  cost?: number | null;
  kind?: TrialRecord['kind'];
  denied?: number;
  network?: number;
}): TrialRecord {
  const base = sampleRecord();
  const resolved = o.status && o.status !== 'ok' ? null : (o.resolved ?? true);
  const accepted = o.accepted ?? true;
  return TrialRecord.parse({
    ...base,
    workflow: o.workflow ?? 'broad',
    task_id: o.task ?? 'task',
    kind: o.kind ?? 'pr',
    repeat: o.repeat ?? 0,
    trial_id: `${o.task ?? 'task'}__${o.workflow ?? 'broad'}__r${o.repeat ?? 0}`,
    status: o.status ?? 'ok',
    error: o.status && o.status !== 'ok' ? { stage: 'agent', message: o.status } : null,
    time: { ...base.time, wall_ms: o.wall ?? 1000 },
    cost_usd: o.cost === undefined ? 0.01 : o.cost,
    control: { ...base.control, denied_calls: o.denied ?? 0, blocked_network: o.network ?? 0 },
    quality: { ...base.quality, resolved, accepted: (o.status ?? 'ok') === 'ok' && accepted, escaped_defect: resolved === null ? null : accepted && !resolved },
  });
}

/** Drops the keys that hold times (`t_ms`, `start_ms`, `end_ms`) at any depth. */
function untimed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untimed);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !/^(t|start|end)_ms$/.test(k))
        .map(([k, x]) => [k, untimed(x)]),
    );
  return v;
}

/**
 * A record without what legitimately differs between two runs of the same trial: the run id and every
 * timing (the trial's, each role's, and when each role call and file access happened).
 */
export function timeless(r: TrialRecord): unknown {
  const { run_id: _, started_at: _s, ended_at: _e, time: _t, team, ...rest } = r;
  return {
    ...rest,
    team: untimed(team),
    roles: Object.fromEntries(Object.entries(r.roles).map(([k, { wall_ms: _w, model_ms: _m, tool_ms: _x, ...s }]) => [k, s])),
  };
}
