import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseJestJson, parseJUnit, parseTap, ReportError } from '../../src/grade/reports.ts';
import { tmp, writeFiles } from '../helpers/fixtures.ts';

describe('parseJUnit', () => {
  test('reads node --test output: nested describes, top-level tests, failures, load errors', () => {
    const root = tmp();
    writeFiles(root, {
      'test/a.test.js': [
        "import { test, describe } from 'node:test';",
        "import assert from 'node:assert';",
        "describe('format', () => {",
        "  test('works', () => assert.equal(1, 1));",
        "  test('fails', () => assert.equal(1, 2));",
        "  describe('nested', () => { test('deep', () => {}); });",
        "  test('skipped', { skip: true }, () => {});",
        '});',
        "test('top level', () => {});",
      ].join('\n'),
      'test/b.test.js': 'syntax error(',
    });
    const report = join(root, 'out.xml');
    try {
      execFileSync(process.execPath, ['--test', '--test-reporter=junit', `--test-reporter-destination=${report}`], { cwd: root, stdio: 'ignore' });
    } catch {
      // exits 1: a test fails
    }
    const { tests } = parseJUnit(readFileSync(report, 'utf8'), root);
    expect(tests.get('test/a.test.js > format > works')).toBe('pass');
    expect(tests.get('test/a.test.js > format > fails')).toBe('fail');
    expect(tests.get('test/a.test.js > format > nested > deep')).toBe('pass');
    expect(tests.get('test/a.test.js > format > skipped')).toBe('skip');
    expect(tests.get('test/a.test.js > top level')).toBe('pass');
    // A file that does not load shows up as one failing entry for that file.
    expect([...tests].filter(([id, s]) => id.startsWith('test/b.test.js') && s === 'fail')).toHaveLength(1);
  });

  test('reads jest-junit style reports (suite named after the file, classname paths)', () => {
    const xml = `<?xml version="1.0"?>
<testsuites name="jest tests" tests="2" failures="1">
  <testsuite name="src/sum.test.js" tests="2" failures="1" file="/repo/src/sum.test.js">
    <testcase classname="sum adds" name="sum adds" time="0.01"/>
    <testcase classname="sum overflows" name="sum overflows &amp; wraps" time="0.01"><failure message="boom">stack</failure></testcase>
  </testsuite>
</testsuites>`;
    const { tests } = parseJUnit(xml, '/repo');
    expect(Object.fromEntries(tests)).toEqual({ 'src/sum.test.js > sum adds': 'pass', 'src/sum.test.js > sum overflows & wraps': 'fail' });
  });

  test("reads mocha's xunit reporter: the file from each case, the describe titles from classname", () => {
    // As mocha 11 writes it (--reporter xunit --reporter-option output=...).
    const xml = `<testsuite name="Mocha Tests" tests="4" failures="0" errors="1" skipped="0" timestamp="Mon, 30 Nov 2026 17:54:21 GMT" time="0.003">
<testcase classname="" name="root level" file="/repo/test/math.test.js" time="0"/>
<testcase classname="math" name="top" file="/repo/test/math.test.js" time="0"/>
<testcase classname="math add" name="adds" file="/repo/test/math.test.js" time="0"/>
<testcase classname="math add" name="fails" file="/repo/test/math.test.js" time="0"><failure>1 == 2</failure></testcase>
</testsuite>`;
    expect(Object.fromEntries(parseJUnit(xml, '/repo').tests)).toEqual({
      'test/math.test.js > root level': 'pass',
      'test/math.test.js > math > top': 'pass',
      'test/math.test.js > math add > adds': 'pass',
      'test/math.test.js > math add > fails': 'fail',
    });
  });

  test('reads pytest -o junit_family=xunit1: file > class > test, the module path left out', () => {
    // As pytest 9 writes it.
    const xml = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="5" time="0.028" timestamp="2026-11-30T18:04:50.127619+00:00" hostname="vm"><testcase classname="tests.test_x" name="test_a" file="tests/test_x.py" line="1" time="0.000" /><testcase classname="tests.test_x.TestB" name="test_c" file="tests/test_x.py" line="4" time="0.000"><failure message="assert 0">self = &lt;test_x.TestB object at 0x7fd71b923250&gt;

    def test_c(self):
&gt;       assert 0
E       assert 0

tests/test_x.py:6: AssertionError</failure></testcase><testcase classname="tests.test_x.TestB" name="test_d" file="tests/test_x.py" line="6" time="0.000"><skipped type="pytest.skip" message="unconditional skip">/repo/tests/test_x.py:7: unconditional skip</skipped></testcase><testcase classname="tests.test_x" name="test_p[1]" file="tests/test_x.py" line="8" time="0.000" /><testcase classname="tests.test_x" name="test_p[2]" file="tests/test_x.py" line="8" time="0.000" /></testsuite></testsuites>`;
    expect(Object.fromEntries(parseJUnit(xml, '/repo').tests)).toEqual({
      'tests/test_x.py > test_a': 'pass',
      'tests/test_x.py > TestB > test_c': 'fail',
      'tests/test_x.py > TestB > test_d': 'skip',
      'tests/test_x.py > test_p[1]': 'pass',
      'tests/test_x.py > test_p[2]': 'pass',
    });
  });

  test('keeps the worst status when an id repeats', () => {
    const xml = '<testsuites><testcase name="t" file="x.js"/><testcase name="t" file="x.js"><error/></testcase></testsuites>';
    expect(parseJUnit(xml, '/').tests.get('x.js > t')).toBe('fail');
  });

  test('rejects text that is not a report', () => {
    expect(() => parseJUnit('hello', '/')).toThrow(ReportError);
  });
});

describe('parseTap', () => {
  test('reads node TAP with subtests, keeping leaves only', () => {
    const tap = [
      'TAP version 13',
      '# Subtest: format',
      '    # Subtest: works',
      '    ok 1 - works',
      '    # Subtest: fails',
      '    not ok 2 - fails',
      '    # Subtest: later',
      '    ok 3 - later # SKIP not yet',
      '    1..3',
      'not ok 1 - format',
      '# Subtest: top',
      'ok 2 - top',
      '1..2',
    ].join('\n');
    expect(Object.fromEntries(parseTap(tap).tests)).toEqual({
      'format > works': 'pass',
      'format > fails': 'fail',
      'format > later': 'skip',
      top: 'pass',
    });
  });

  test('reads plain TAP', () => {
    expect(Object.fromEntries(parseTap('1..2\nok 1 - a\nnot ok 2 b\n').tests)).toEqual({ a: 'pass', b: 'fail' });
  });

  test('names are unescaped as the TAP spec says (\\# is #, \\\\ is \\), so ids read as the tests are written', () => {
    const root = tmp();
    writeFiles(root, {
      'a.test.js': [
        "import { test } from 'node:test';",
        "test('issue #12: a\\\\b', () => {});",
        "test('suite #1', async (t) => { await t.test('inner # two', () => {}); });",
        "test('not # SKIP', () => { throw new Error('x'); });",
        "test('skip me', { skip: 'see #3' }, () => {});",
      ].join('\n'),
    });
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'a.test.js'], { cwd: root, encoding: 'utf8' });
    expect(r.stdout).toContain('issue \\#12'); // node escapes them
    expect(Object.fromEntries(parseTap(r.stdout).tests)).toEqual({
      'issue #12: a\\b': 'pass',
      'suite #1 > inner # two': 'pass',
      'not # SKIP': 'fail',
      'skip me': 'skip',
    });
  });

  test("drops directives other than SKIP and TODO from names (node-tap's # time=)", () => {
    const tap = [
      'TAP version 14',
      '# Subtest: test/greet.test.js',
      '    # Subtest: hello',
      '        ok 1 - should be equal',
      '        1..1',
      '    ok 1 - hello # time=12.829ms',
      '    ok 2 - later # TODO not yet',
      '    ok 3 - a \\# b # time=1ms',
      '    1..3',
      'ok 1 - test/greet.test.js # time=28.841ms',
      '1..1',
    ].join('\n');
    expect(Object.fromEntries(parseTap(tap).tests)).toEqual({
      'test/greet.test.js > hello > should be equal': 'pass',
      'test/greet.test.js > later': 'skip',
      'test/greet.test.js > a # b': 'pass',
    });
  });

  test('rejects output with no TAP in it', () => {
    expect(() => parseTap('all good!\n')).toThrow(ReportError);
  });
});

describe('parseJestJson', () => {
  test("reads jest's --json report: ids in the JUnit shape (file > describe > test), statuses, a file that did not load", () => {
    // Trimmed from a real jest 29 --json report.
    const report = {
      numTotalTests: 4,
      success: false,
      testResults: [
        {
          name: '/repo/src/sum.test.js',
          status: 'failed',
          message: '',
          assertionResults: [
            { ancestorTitles: ['sum', 'positive'], fullName: 'sum positive adds', status: 'passed', title: 'adds' },
            { ancestorTitles: ['sum'], fullName: 'sum overflows', status: 'failed', title: 'overflows', failureMessages: ['Error: boom'] },
            { ancestorTitles: [], fullName: 'later', status: 'todo', title: 'later' },
            { ancestorTitles: [], fullName: 'off', status: 'pending', title: 'off' },
          ],
        },
        { name: '/repo/test/broken.test.js', status: 'failed', message: 'SyntaxError: Unexpected token', assertionResults: [] },
      ],
    };
    expect(Object.fromEntries(parseJestJson(JSON.stringify(report), '/repo').tests)).toEqual({
      'src/sum.test.js > sum > positive > adds': 'pass',
      'src/sum.test.js > sum > overflows': 'fail',
      'src/sum.test.js > later': 'skip',
      'src/sum.test.js > off': 'skip',
      'test/broken.test.js': 'fail',
    });
  });

  test('rejects text that is not a jest report', () => {
    expect(() => parseJestJson('<xml/>', '/')).toThrow(/not valid JSON/);
    expect(() => parseJestJson('{"numTotalTests": 0}', '/')).toThrow(/no testResults/);
  });
});
