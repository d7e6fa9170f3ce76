// The JUnit of the trials, from hand-made records: what each kind's failure says, what is an error, and
// text XML cannot carry.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { trialFailure, trialsJUnit, xmlText } from '../../src/report/junit.ts';
import { sampleRecord, trial } from '../helpers/records.ts';

describe('trialFailure', () => {
  test('a resolved, in-scope trial is no failure', () => {
    expect(trialFailure(sampleRecord())).toBeNull();
  });

  test('pr: hidden tests still failing, broken passing tests, an escaped defect, the grader’s note', () => {
    const base = sampleRecord();
    const r = sampleRecord({
      quality: {
        ...base.quality,
        resolved: false,
        escaped_defect: true,
        regression: true,
        fail_to_pass: { passed: 1, total: 3 },
        pass_to_pass: { passed: 8, total: 10 },
        note: 'the patch broke the test run',
      },
    });
    expect(trialFailure(r)).toEqual({
      type: 'escaped_defect',
      message:
        'not resolved: 2 of 3 hidden test(s) still fail; regression: 2 of 10 passing test(s) broke; escaped defect: accepted by the workflow but not resolved (the patch broke the test run)',
    });
  });

  test('a resolved change written out of scope and accepted is an escaped defect', () => {
    const base = sampleRecord();
    const r = sampleRecord({ output: { ...base.output, out_of_scope: ['package.json'] }, quality: { ...base.quality, escaped_defect: true } });
    expect(trialFailure(r)).toEqual({ type: 'escaped_defect', message: 'escaped defect: accepted by the workflow with out-of-scope writes (package.json)' });
  });

  test('docs: the checks that failed; triage: the fields that were wrong', () => {
    const base = sampleRecord();
    const docs = sampleRecord({
      kind: 'docs',
      quality: { ...base.quality, resolved: false },
      docs: {
        passed: false,
        checks: [
          { name: 'links', passed: false, detail: '' },
          { name: 'scope', passed: true, detail: '' },
        ],
      },
    });
    expect(trialFailure(docs)).toEqual({ type: 'unresolved', message: 'not resolved: docs checks failed: links' });
    const triage = sampleRecord({
      kind: 'triage',
      quality: { ...base.quality, resolved: false },
      triage: {
        answer: { labels: ['bug'], priority: 'p3', component: 'src', duplicate_of: null, needs_info: false },
        parse_error: null,
        scores: { labels_f1: 0.5, priority: false, component: true, duplicate: true, needs_info: true },
        passed: false,
        severity: 'normal',
        severe_misprioritised: false,
      },
    });
    expect(trialFailure(triage)).toEqual({ type: 'unresolved', message: 'not resolved: triage answer wrong: priority (labels F1 0.50)' });
  });
});

describe('trialsJUnit', () => {
  test('errors for trials not judged, counted apart from failures; names carry the repeat only when a task repeats', () => {
    const records = [
      trial({ task: 'a', repeat: 0 }),
      trial({ task: 'a', repeat: 1, resolved: false }),
      trial({ task: 'b', status: 'infra_error' }),
      trial({ task: 'c', status: 'limit' }),
      sampleRecord({ task_id: 'd', trial_id: 'd', quality: { ...sampleRecord().quality, resolved: null, escaped_defect: null, note: 'grader could not run' } }),
    ];
    const xml = trialsJUnit([{ label: 'run', records }]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' }).parse(xml) as {
      testsuites: {
        testsuite: { tests: string; failures: string; errors: string; testcase: Array<{ name: string; failure?: object; error?: { type: string } }> };
      };
    };
    const suite = doc.testsuites.testsuite;
    expect([suite.tests, suite.failures, suite.errors]).toEqual(['5', '1', '3']);
    expect(suite.testcase.map((c) => c.name)).toEqual(['a#0', 'a#1', 'b', 'c', 'd']);
    expect(suite.testcase.map((c) => c.error?.type ?? (c.failure ? 'failure' : 'pass'))).toEqual(['pass', 'failure', 'infra_error', 'limit', 'not_graded']);
  });

  test('xmlText drops what XML 1.0 cannot carry and shows bidi controls', () => {
    expect(xmlText('a\u0000b\u0007c\tok\n\uFFFF\uD83D\u202E😀')).toBe('abc\tok\n<U+202E>😀');
  });
});
