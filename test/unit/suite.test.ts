import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputErrors } from '../../src/errors.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { calcFixture, writeFiles } from '../helpers/fixtures.ts';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputErrors) return err.errors.map((e) => e.format());
    throw err;
  }
  throw new Error('expected the suite to be rejected');
}

describe('loadSuite', () => {
  test('loads tasks with suite defaults applied', () => {
    const f = calcFixture();
    const suite = loadSuite(f.suite);
    expect(suite.name).toBe('calc');
    expect(suite.tasks).toHaveLength(1);
    const task = suite.tasks[0]! as import('../../src/suite/load.ts').PrTaskSpec;
    expect(task).toMatchObject({ id: 'fix-clamp', kind: 'pr', base: f.base, gold: { from: f.base, to: f.gold }, setup: null, time_limit_s: 900 });
    expect(task.test.format).toBe('junit');
    expect(task.repo).toMatchObject({ kind: 'path', location: f.repo, name: 'calc' });
    expect(suite.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test('the digest changes when a task changes', () => {
    const f = calcFixture();
    const before = loadSuite(f.suite).digest;
    writeFiles(f.suite, {
      'tasks/fix-clamp.yaml': require('node:fs').readFileSync(join(f.suite, 'tasks/fix-clamp.yaml'), 'utf8').replace('returns 10', 'gives 10'),
    });
    expect(loadSuite(f.suite).digest).not.toBe(before);
  });

  test('a misspelt field is named with file, line and a suggestion', () => {
    const f = calcFixture({ fail_to_passs: ['x'] });
    const [msg] = problems(() => loadSuite(f.suite));
    expect(msg).toMatch(/tasks\/fix-clamp\.yaml:\d+: fail_to_passs: /);
    expect(msg).toMatch(/did you mean `fail_to_pass`/);
  });

  test('a missing required field and a wrong type are both reported', () => {
    const f = calcFixture();
    writeFiles(f.suite, {
      'tasks/broken.yaml': 'id: broken\nkind: pr\nrepo: calc\nbase: abc1234\ngold: abc1235\nrequest: do it\nhidden_tests: not-a-list\n',
    });
    const msgs = problems(() => loadSuite(f.suite));
    expect(msgs.some((m) => /broken\.yaml:7: hidden_tests: .*\n  fix: make `hidden_tests` an array/.test(m))).toBe(true);
    expect(msgs.some((m) => /broken\.yaml(:\d+)?: fail_to_pass: .*\n  fix: add the required field `fail_to_pass`/.test(m))).toBe(true);
  });

  test('YAML syntax errors carry the line', () => {
    const f = calcFixture();
    writeFiles(f.suite, { 'tasks/bad.yaml': 'id: bad\nkind: pr\n  repo: [unclosed\n' });
    expect(problems(() => loadSuite(f.suite)).some((m) => /bad\.yaml:\d+: Nested mappings/.test(m))).toBe(true);
  });

  test('an unknown repo name and duplicate ids are rejected with the fix', () => {
    const f = calcFixture();
    writeFiles(f.suite, {
      'tasks/dup.yaml': require('node:fs').readFileSync(join(f.suite, 'tasks/fix-clamp.yaml'), 'utf8').replace('repo: calc', 'repo: nope'),
    });
    const msgs = problems(() => loadSuite(f.suite));
    expect(msgs.some((m) => /unknown repo "nope"[\s\S]*fix: use one of: calc/.test(m))).toBe(true);
  });

  test('a folder without suite.yaml', () => {
    expect(() => loadSuite(join(calcFixture().root, 'calc'))).toThrow(/no suite\.yaml/);
  });
});
