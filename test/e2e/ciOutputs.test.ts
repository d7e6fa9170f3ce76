// CI outputs end to end through the CLI on a real (small, simulated) replay: `bench report --format junit`
// parsed and checked against the run's records, hostile task ids and error messages escaped; and
// `bench gate --json`: JSON alone on stdout, valid against its schema, agreeing with the exit code and
// with the verdicts the text output prints.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, test } from 'vitest';
import { GateVerdict } from '../../src/gate/verdict.ts';
import { RunDir } from '../../src/record/runDir.ts';
import type { TrialRecord } from '../../src/record/schema.ts';
import { bench } from '../helpers/cli.ts';
import { tmp } from '../helpers/fixtures.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SUITE = join(ROOT, 'suites', 'pr');
const POLICY = join(ROOT, 'suites', 'gate.yaml');
const out = tmp('bench-ci-outputs-');
const run = join(out, 'ci');
let records: TrialRecord[] = [];

beforeAll(async () => {
  const fast = join(out, 'fast.yaml');
  writeFileSync(fast, 'latency: {time_scale: 0}\n');
  // Three tasks, two repeats, both shipped workflows: some trials resolve, some do not (seeded).
  const r = await bench(['replay', SUITE, '--limit', '3', '--repeat', '2', '--sim-profile', fast, '--out', out, '--run-id', 'ci']);
  expect(r.code, r.stderr).toBe(0);
  records = new RunDir(run).readRecords();
});

interface Case {
  classname: string;
  name: string;
  time: string;
  properties: { property: Array<{ name: string; value: string }> };
  failure?: { type: string; message: string; '#text': string };
  error?: { type: string; message: string; '#text': string };
  'system-out': string;
}
interface Suite {
  name: string;
  tests: string;
  failures: string;
  errors: string;
  time: string;
  testcase: Case[];
}
interface Report {
  testsuites: { name: string; tests: string; failures: string; errors: string; testsuite: Suite[] };
}

function parseJUnit(xml: string): Report {
  expect(XMLValidator.validate(xml)).toBe(true);
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  }).parse(xml) as Report;
}

/** What the records say a trial's test case must be. */
const expected = (r: TrialRecord) =>
  r.status !== 'ok' || r.quality.resolved === null
    ? 'error'
    : r.quality.resolved === false || r.quality.escaped_defect || r.quality.regression
      ? 'failure'
      : 'pass';

describe('bench report --format junit', () => {
  test('a testsuite per workflow, a testcase per trial; failures and errors are the records’ own', async () => {
    const r = await bench(['report', run, '--format', 'junit']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const doc = parseJUnit(r.stdout);
    expect(records).toHaveLength(12);
    const outcome = records.map(expected);
    expect(outcome.filter((o) => o === 'failure').length).toBeGreaterThan(0); // the seeded run has unresolved trials
    expect(doc.testsuites).toMatchObject({
      tests: '12',
      failures: String(outcome.filter((o) => o === 'failure').length),
      errors: String(outcome.filter((o) => o === 'error').length),
    });
    expect(doc.testsuites.testsuite.map((s) => s.name).sort()).toEqual(['broad', 'roles']);
    for (const suite of doc.testsuites.testsuite) {
      const mine = records.filter((x) => x.workflow === suite.name);
      expect(suite.tests).toBe(String(mine.length));
      expect(suite.failures).toBe(String(mine.filter((x) => expected(x) === 'failure').length));
      expect(suite.errors).toBe(String(mine.filter((x) => expected(x) === 'error').length));
      expect(Number(suite.time)).toBeCloseTo(mine.reduce((n, x) => n + x.time.wall_ms, 0) / 1000, 2);
      expect(suite.testcase.map((c) => c.name).sort()).toEqual(mine.map((x) => `${x.task_id}#${x.repeat}`).sort());
      for (const c of suite.testcase) {
        const rec = mine.find((x) => `${x.task_id}#${x.repeat}` === c.name)!;
        expect(c.classname).toBe(suite.name);
        expect(Number(c.time)).toBeCloseTo(rec.time.wall_ms / 1000, 2);
        const prop = Object.fromEntries(c.properties.property.map((p) => [p.name, p.value]));
        expect(prop).toMatchObject({
          trial: rec.trial_id,
          tokens_input: String(rec.tokens.input),
          tokens_output: String(rec.tokens.output),
          cost_usd: rec.cost_usd!.toFixed(4),
          approval_prompts: String(rec.control.approval_prompts),
          approvals_denied: String(rec.control.approvals_denied),
          denied_calls: String(rec.control.denied_calls),
          resolved: String(rec.quality.resolved),
        });
        expect(c['system-out']).toContain(`tokens_input: ${rec.tokens.input}`);
        expect(!!c.failure, c.name).toBe(expected(rec) === 'failure');
        expect(c.error).toBeUndefined();
        if (c.failure && rec.quality.resolved === false) {
          const still = rec.quality.fail_to_pass.total - rec.quality.fail_to_pass.passed;
          expect(c.failure.message).toMatch(
            still ? new RegExp(`^not resolved: ${still} of ${rec.quality.fail_to_pass.total} hidden test\\(s\\) still fail`) : /^not resolved/,
          );
          if (rec.quality.escaped_defect)
            expect(c.failure).toMatchObject({ type: 'escaped_defect', message: expect.stringMatching(/escaped defect: accepted/) });
          for (const t of rec.quality.failing.slice(0, 50)) expect(c.failure['#text']).toContain(t);
        }
      }
    }
  });

  test('hostile task ids and error messages are escaped and stripped of what XML cannot carry; infra errors and timeouts are errors', async () => {
    const copy = join(out, 'hostile');
    cpSync(run, copy, { recursive: true });
    const file = join(copy, 'trials.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const edit = (i: number, f: (r: TrialRecord) => void) => {
      const r = JSON.parse(lines[i]!) as TrialRecord;
      f(r);
      lines[i] = JSON.stringify(r);
    };
    const hostile = 'evil<script>alert(1)</script>&amp;"\'\u0001\u0008\u001b[31m]]>\uFFFE\uD800\u202Eid';
    edit(0, (r) => (r.task_id = hostile));
    edit(1, (r) => {
      r.status = 'infra_error';
      r.error = { stage: 'workspace', message: 'git failed: <fatal> & "bad"\u0000 object\nsecond line' };
    });
    edit(2, (r) => {
      r.status = 'timeout';
      r.error = { stage: 'agent', message: 'trial time limit (1800 s) reached' };
    });
    writeFileSync(file, `${lines.join('\n')}\n`);
    const junit = join(out, 'reports', 'junit.xml');
    const r = await bench(['report', copy, '--format', 'junit', '-o', junit]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE]/);
    expect(xml).not.toContain('<script>');
    const doc = parseJUnit(xml);
    const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    const evil = cases.find((c) => c.name.startsWith('evil'))!;
    expect(evil.name).toBe('evil<script>alert(1)</script>&amp;"\'[31m]]><U+202E>id');
    const [infra, timeout] = [1, 2].map((i) => cases.find((c) => c.properties.property.some((p) => p.name === 'trial' && p.value === records[i]!.trial_id))!);
    expect(infra!.error).toMatchObject({ type: 'infra_error', message: 'infra_error in workspace: git failed: <fatal> & "bad" object second line' });
    expect(infra!.failure).toBeUndefined();
    expect(timeout!.error).toMatchObject({ type: 'timeout', message: 'timeout in agent: trial time limit (1800 s) reached' });
    expect(Number(doc.testsuites.errors)).toBe(2);
    expect(Number(doc.testsuites.failures)).toBe(cases.filter((c) => c.failure).length);
  });

  test('--compare gives each run’s workflows their own testsuite', async () => {
    const r = await bench(['report', run, '--compare', run, '--format', 'junit']);
    expect(r.code, r.stderr).toBe(0);
    const doc = parseJUnit(r.stdout);
    expect(doc.testsuites.tests).toBe('24');
    expect(doc.testsuites.testsuite.map((s) => s.name).sort()).toEqual(['ci (2): broad', 'ci (2): roles', 'ci: broad', 'ci: roles']);
  });
});

/** The table rows of the text output, by rule name: [observed, threshold, n, judged on, verdict]. */
function textRows(text: string, names: string[]): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of text.split('\n')) for (const n of names) if (line.startsWith(`${n}  `)) rows.set(n, line);
  return rows;
}

const VERDICT_TEXT = { pass: 'pass', fail: 'FAIL', inconclusive: 'inconclusive', 'n/a': 'n/a' } as const;

describe('bench gate --json', () => {
  test('the verdict alone on stdout, valid against its schema, agreeing with the exit code and the text output', async () => {
    const [json, text] = await Promise.all([bench(['gate', run, '--policy', POLICY, '--json']), bench(['gate', run, '--policy', POLICY])]);
    expect([0, 1]).toContain(json.code);
    expect(json.code).toBe(text.code);
    const v = GateVerdict.parse(JSON.parse(json.stdout));
    expect(v.passed).toBe(json.code === 0);
    expect(v).toMatchObject({ candidate: 'roles', baseline: { workflow: 'broad', run: 'ci' }, trials: { recorded: 12, planned: 12, candidate: 6 } });
    // What a person reads goes to stderr, as the text output prints it on stdout.
    expect(json.stderr.trim()).toBe(text.stdout.trim());
    expect(text.stdout.trim().split('\n').at(-1)).toBe(v.summary);
    const rows = textRows(
      text.stdout,
      v.rules.map((r) => r.name),
    );
    expect(rows.size).toBe(v.rules.length);
    expect(v.rules.length).toBe(12);
    for (const rule of v.rules) {
      const row = rows.get(rule.name)!;
      expect(row, rule.name).toContain(rule.observed.text);
      expect(row, rule.name).toContain(rule.threshold_text);
      if (rule.ci) expect(row, rule.name).toContain(rule.ci.text);
      const verdict = rule.verdict === 'inconclusive' ? `inconclusive (${rule.failing ? 'fails' : 'passes'})` : VERDICT_TEXT[rule.verdict];
      expect(row.trimEnd().endsWith(verdict), `${rule.name}: ${row}`).toBe(true);
      if (rule.verdict !== 'pass' && rule.verdict !== 'n/a') expect(text.stdout).toContain(`  ${rule.name}: ${rule.reason}`);
    }
    expect(v.failed).toEqual(v.rules.filter((r) => r.failing).map((r) => r.name));
  });

  test('a failing gate: exit 1, passed false, the failed rules named with their figures; annotations stay off stdout', async () => {
    const policy = join(out, 'strict.yaml');
    writeFileSync(
      policy,
      [
        'candidate: roles',
        'baseline: broad',
        'min_trials: 1',
        'rules:',
        '  - metric: cost_per_task',
        '    max: 0',
        '  - metric: resolve_rate',
        '    min: baseline - 0.9',
        '  - metric: regression_rate',
        '    max: 0.9',
        '',
      ].join('\n'),
    );
    const summary = join(out, 'step-summary.md');
    writeFileSync(summary, '');
    const md = join(out, 'gate-verdict.md');
    const r = await bench(['gate', run, '--policy', policy, '--json', '--markdown', md], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    expect(r.code, r.stderr).toBe(1);
    const v = GateVerdict.parse(JSON.parse(r.stdout));
    expect(v.passed).toBe(false);
    const cost = v.rules.find((x) => x.metric === 'cost_per_task')!;
    expect(cost).toMatchObject({ name: 'cost_per_task <= 0', verdict: 'fail', failing: true, threshold: 0, op: 'max', baseline: null });
    expect(cost.observed.estimate).toBeGreaterThan(0);
    expect(cost.observed.n).toBe(6);
    expect(v.failed).toContain('cost_per_task <= 0');
    const rel = v.rules.find((x) => x.metric === 'resolve_rate')!;
    expect(rel.baseline?.n).toBe(6);
    expect(rel.margin).not.toBeNull();
    expect(rel.ci).toMatchObject({ method: 'bootstrap', unit: 'task', paired: true });
    expect(r.stderr).toMatch(/^::error file=.*strict\.yaml,title=bench gate%3A cost_per_task <= 0::fail: /m);
    expect(r.stdout).not.toMatch(/::error/);
    expect(readFileSync(md, 'utf8')).toMatch(/^## bench gate: ❌ failed/);
    expect(readFileSync(summary, 'utf8')).toBe(`${readFileSync(md, 'utf8')}\n`);
  });

  test('bad input: exit 2, nothing on stdout', async () => {
    const r = await bench(['gate', join(out, 'nope'), '--policy', POLICY, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/not a run folder/);
    expect(existsSync(join(ROOT, 'suites', 'schemas', 'gate-verdict.schema.json'))).toBe(true);
  });
});
