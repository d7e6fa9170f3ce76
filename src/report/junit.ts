// The trials as JUnit XML, for CI test tabs: a testsuite per workflow, a testcase per trial. A trial
// that was judged and is not a good change (not resolved, a regression, an escaped defect) is a
// <failure>; one that could not be judged (infrastructure error, timeout, limit, not graded) is an
// <error>, as the report keeps infrastructure apart from quality. Task ids, notes and error messages
// come from users and agents: they are escaped, and characters XML 1.0 cannot carry are dropped.
import { XMLBuilder } from 'fast-xml-parser';
import { groupByWorkflow, type RunRecords } from '../analyze/summary.ts';
import type { TrialRecord } from '../record/schema.ts';
import { showBidi } from './format.ts';

/** Characters XML 1.0 forbids (controls other than tab and line breaks, lone surrogates, U+FFFE/U+FFFF): a parser rejects the whole file for one. */
const ILLEGAL_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text safe to put in XML (the builder escapes markup; this drops what no escaping can carry, and shows bidi controls as what they are). */
export const xmlText = (s: string) => showBidi(s.replace(ILLEGAL_XML, ''));

/** One line, for an attribute (parsers turn line breaks in attributes into spaces anyway). */
const oneLine = (s: string, max = 500) => {
  const t = xmlText(s).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** Why a judged trial is not a good change, in words (its type: the worst of escaped_defect, regression, unresolved); null when it is one. */
export function trialFailure(r: TrialRecord): { type: string; message: string } | null {
  const q = r.quality;
  const why: string[] = [];
  if (q.resolved === false) {
    if (r.kind === 'pr') {
      const f2p = q.fail_to_pass.total - q.fail_to_pass.passed;
      why.push(f2p ? `not resolved: ${f2p} of ${q.fail_to_pass.total} hidden test(s) still fail` : 'not resolved');
    } else if (r.kind === 'docs') {
      const failed = r.docs?.checks.filter((c) => !c.passed).map((c) => c.name) ?? [];
      why.push(`not resolved: ${failed.length ? `docs checks failed: ${failed.join(', ')}` : 'docs checks failed'}`);
    } else {
      const s = r.triage?.scores;
      const wrong = s ? (['priority', 'component', 'duplicate', 'needs_info'] as const).filter((k) => !s[k]) : [];
      why.push(
        `not resolved: ${r.triage?.parse_error ? `triage answer unreadable: ${r.triage.parse_error}` : `triage answer wrong${wrong.length ? `: ${wrong.join(', ')}` : ''}${s && s.labels_f1 < 1 ? ` (labels F1 ${s.labels_f1.toFixed(2)})` : ''}`}`,
      );
    }
  }
  if (q.regression) {
    const broke = q.pass_to_pass.total - q.pass_to_pass.passed;
    why.push(`regression: ${broke} of ${q.pass_to_pass.total} passing test(s) broke`);
  }
  if (q.escaped_defect)
    why.push(
      `escaped defect: accepted by the workflow ${q.resolved === false ? 'but not resolved' : r.output.out_of_scope.length ? `with out-of-scope writes (${r.output.out_of_scope.join(', ')})` : 'but misprioritised'}`,
    );
  if (!why.length) return null;
  const type = q.escaped_defect ? 'escaped_defect' : q.regression ? 'regression' : 'unresolved';
  return { type, message: q.note ? `${why.join('; ')} (${q.note})` : why.join('; ') };
}

/** The failure's body: its message, then the tests that should pass and did not (the first 50). */
function failureBody(r: TrialRecord, message: string): string {
  const f = r.quality.failing;
  if (!f.length) return message;
  return `${message}\nfailing tests:\n${f
    .slice(0, 50)
    .map((t) => `  ${t}`)
    .join('\n')}${f.length > 50 ? `\n  … ${f.length - 50} more` : ''}`;
}

/** Why a trial could not be judged, null when it was. */
function trialError(r: TrialRecord): { type: string; message: string } | null {
  if (r.status !== 'ok') return { type: r.status, message: `${r.status}${r.error ? ` in ${r.error.stage}: ${r.error.message}` : ''}` };
  if (r.quality.resolved === null) return { type: 'not_graded', message: `not graded${r.quality.note ? `: ${r.quality.note}` : ''}` };
  return null;
}

/** The figures of a trial, as properties (name, value) and as lines for system-out. */
function figures(r: TrialRecord): Array<[string, string]> {
  const c = r.control;
  return [
    ['trial', r.trial_id],
    ['status', r.status],
    ['engine', r.engine],
    [
      'models',
      Object.entries(r.models)
        .map(([role, m]) => `${role}=${m}`)
        .join(', '),
    ],
    ['repeat', String(r.repeat)],
    ['seed', String(r.seed)],
    ['resolved', String(r.quality.resolved)],
    ['accepted', String(r.quality.accepted)],
    ['escaped_defect', String(r.quality.escaped_defect)],
    ['wall_s', seconds(r.time.wall_ms)],
    ['tokens_input', String(r.tokens.input)],
    ['tokens_cached_input', String(r.tokens.cached_input)],
    ['tokens_output', String(r.tokens.output)],
    ['tokens_reasoning', String(r.tokens.reasoning)],
    ['requests', String(r.tokens.requests)],
    ['cost_usd', r.cost_usd === null ? 'no price' : r.cost_usd.toFixed(4)],
    ['approval_prompts', String(c.approval_prompts)],
    ['approvals_granted', String(c.approvals_granted)],
    ['approvals_denied', String(c.approvals_denied)],
    ['denied_calls', String(c.denied_calls)],
    ['blocked_network', String(c.blocked_network)],
    ['hook_failures', c.hook_failures === null ? 'not measured' : String(c.hook_failures)],
    ['files_changed', String(r.output.files_changed)],
    ['tests_run', String(r.output.tests_run)],
  ];
}

export function trialsJUnit(runs: RunRecords[]): string {
  const totals = { tests: 0, failures: 0, errors: 0, ms: 0 };
  const suites = groupByWorkflow(runs).map((g) => {
    // A task with several trials here names each by its repeat, so test tabs keep them apart.
    const perTask = new Map<string, number>();
    for (const r of g.records) perTask.set(r.task_id, (perTask.get(r.task_id) ?? 0) + 1);
    let failures = 0;
    let errors = 0;
    let ms = 0;
    const ordered = [...g.records].sort((a, b) => (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : a.repeat - b.repeat));
    const cases = ordered.map((r) => {
      const error = trialError(r);
      const failure = error ? null : trialFailure(r);
      if (error) errors++;
      else if (failure) failures++;
      ms += r.time.wall_ms;
      const props = figures(r);
      const out = props.map(([k, v]) => `${k}: ${v}`).join('\n');
      return {
        '@_classname': xmlText(g.label),
        '@_name': xmlText(perTask.get(r.task_id)! > 1 ? `${r.task_id}#${r.repeat}` : r.task_id),
        '@_time': seconds(r.time.wall_ms),
        properties: { property: props.map(([k, v]) => ({ '@_name': k, '@_value': oneLine(v) })) },
        ...(error ? { error: { '@_type': error.type, '@_message': oneLine(error.message), '#text': xmlText(error.message) } } : {}),
        ...(failure ? { failure: { '@_type': failure.type, '@_message': oneLine(failure.message), '#text': xmlText(failureBody(r, failure.message)) } } : {}),
        'system-out': xmlText(out),
      };
    });
    totals.tests += cases.length;
    totals.failures += failures;
    totals.errors += errors;
    totals.ms += ms;
    return {
      '@_name': xmlText(g.label),
      '@_tests': String(cases.length),
      '@_failures': String(failures),
      '@_errors': String(errors),
      '@_skipped': '0',
      '@_time': seconds(ms),
      testcase: cases,
    };
  });
  // suppressBooleanAttributes off: a figure whose value is "true" keeps it (value="true", not a bare `value`).
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    suppressEmptyNode: true,
    suppressBooleanAttributes: false,
  });
  const root = {
    '@_name': xmlText(`bench ${runs.map((r) => r.label).join(' vs ')}`),
    '@_tests': String(totals.tests),
    '@_failures': String(totals.failures),
    '@_errors': String(totals.errors),
    '@_time': seconds(totals.ms),
    testsuite: suites,
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ testsuites: root })}`;
}
