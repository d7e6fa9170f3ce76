import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { parseIssueReply, reporterPrompt } from '../../src/model/reporter.ts';
import type { Conversation } from '../../src/model/conversation.ts';
import { expectationOf, reporterIssue, REPORTER_ROLE } from '../../src/model/sim/reporter.ts';
import { IssueExport, PullRequestExport, readIssueExport, readPullRequestExport } from '../../src/suite/exports.ts';
import { leakedIdentifiers } from '../../src/suite/leakage.ts';
import { chooseRequest, closingRefs, indexExports, issuesOf, pullRequestOf, stripPullRequestBody } from '../../src/suite/requests.ts';
import { tmp } from '../helpers/fixtures.ts';

const pr = (o: Record<string, unknown>) => PullRequestExport.parse({ title: 'A change', body: '', mergeCommit: null, closingIssuesReferences: [], ...o });
const issue = (o: Record<string, unknown>) => IssueExport.parse({ title: 'A problem', body: '', labels: [], ...o });
const SHA = 'a'.repeat(40);

describe('matching a mined commit to its pull request', () => {
  const index = indexExports(
    [
      pr({ number: 12, title: 'Fix clamp (#12)', mergeCommit: { oid: 'b'.repeat(40) } }),
      pr({ number: 30, title: 'Merged by hand' }),
      pr({ number: 31, title: 'Squashed' }),
    ],
    [],
  );
  test('by merge commit oid (merge, squash and rebase merges alike)', () => {
    expect(pullRequestOf({ sha: 'b'.repeat(40), subject: 'anything', body: '' }, index)?.number).toBe(12);
  });
  test('by "Merge pull request #N" in a merge commit subject', () => {
    expect(pullRequestOf({ sha: SHA, subject: 'Merge pull request #30 from someone/branch', body: '' }, index)?.number).toBe(30);
  });
  test('by "(#N)" at the end of a squash-merge subject', () => {
    expect(pullRequestOf({ sha: SHA, subject: 'Handle the empty list (#31)', body: '' }, index)?.number).toBe(31);
  });
  test('not by a number the export does not hold, nor by "(#N)" inside the subject', () => {
    expect(pullRequestOf({ sha: SHA, subject: 'Handle it (#99)', body: '' }, index)).toBeNull();
    expect(pullRequestOf({ sha: SHA, subject: 'Revert (#31) partly', body: '' }, index)).toBeNull();
  });
});

describe('matching a commit to the issues it closes', () => {
  test('closing keywords as GitHub reads them, with #N, owner/repo#N and issue URLs', () => {
    expect(closingRefs('Fixes #7. Also closes: acme/calc#8, resolved https://github.com/acme/calc/issues/9; see #10; fixing #11')).toEqual([
      { number: 7, repo: null },
      { number: 8, repo: 'acme/calc' },
      { number: 9, repo: 'acme/calc' },
    ]);
  });
  const index = indexExports(
    [pr({ number: 12, body: 'Closes #8', closingIssuesReferences: [{ number: 7, repository: { name: 'calc', owner: { login: 'acme' } } }] })],
    [
      issue({ number: 7, title: 'clamp is wrong', url: 'https://github.com/acme/calc/issues/7' }),
      issue({ number: 8, title: 'eight', url: 'https://github.com/acme/calc/issues/8' }),
      issue({ number: 9, title: 'nine', url: 'https://github.com/acme/calc/issues/9' }),
      issue({ number: 10, title: 'a PR in the export', url: 'https://github.com/acme/calc/pull/10' }),
    ],
  );
  test("the PR's closingIssuesReferences, then its body, then the commit message", () => {
    const p = index.prsByNumber.get(12)!;
    expect(issuesOf({ sha: SHA, subject: 'x (#12)', body: 'Resolves acme/calc#9' }, p, index).map((i) => i.number)).toEqual([7, 8, 9]);
  });
  test('a reference into another repository does not match this export', () => {
    expect(issuesOf({ sha: SHA, subject: 'x', body: 'Fixes other/repo#7' }, null, index)).toEqual([]);
    expect(issuesOf({ sha: SHA, subject: 'x', body: 'Fixes ACME/Calc#7' }, null, index).map((i) => i.number)).toEqual([7]);
  });
  test("an issue export alone: the issues whose closedByPullRequestsReferences name the commit's PR", () => {
    const only = indexExports(
      [],
      [
        issue({ number: 7, title: 'clamp is wrong', closedByPullRequestsReferences: [{ number: 12, url: 'https://github.com/acme/calc/pull/12' }] }),
        issue({
          number: 8,
          title: 'closed elsewhere',
          url: 'https://github.com/acme/calc/issues/8',
          closedByPullRequestsReferences: [{ number: 12, url: 'https://github.com/fork/calc/pull/12' }],
        }),
      ],
    );
    const r = chooseRequest({ sha: SHA, subject: 'Swap min and max (#12)', body: '' }, only);
    expect([r.source, r.title, r.origin]).toEqual(['issue', 'clamp is wrong', 'issue #7, closed by pull request #12']);
    expect(issuesOf({ sha: SHA, subject: 'Merge pull request #13 from a/b', body: '' }, null, only)).toEqual([]);
  });
  test('a pull request found in the issue export is not an issue', () => {
    expect(issuesOf({ sha: SHA, subject: 'x', body: 'Fixes #10' }, null, index)).toEqual([]);
  });
});

describe('choosing the request', () => {
  const index = indexExports(
    [
      pr({ number: 12, title: 'Swap min and max in clamp (#12)', body: 'Fixes #7', url: 'https://github.com/acme/calc/pull/12' }),
      pr({ number: 13, title: 'Support negative input', body: 'Negative durations print garbage.\n\n## Changes\n- `src/sign.js`: new normalizeSign()\n' }),
    ],
    [
      issue({
        number: 7,
        title: 'clamp(5, 0, 10) returns 10',
        body: '<!-- describe the bug -->\nIt should return 5.\r\n',
        url: 'https://github.com/acme/calc/issues/7',
      }),
    ],
  );
  test('the issue the PR closes, when the export has it', () => {
    const r = chooseRequest({ sha: SHA, subject: 'Swap min and max in clamp (#12)', body: '' }, index);
    expect(r.source).toBe('issue');
    expect(r.title).toBe('clamp(5, 0, 10) returns 10');
    expect(r.request).toBe('clamp(5, 0, 10) returns 10\n\nIt should return 5.\n');
    expect(r.origin).toBe('issue #7 (https://github.com/acme/calc/issues/7), closed by pull request #12');
  });
  test('else the PR, without the sections that describe the change', () => {
    const r = chooseRequest({ sha: SHA, subject: 'Merge pull request #13 from x/y', body: '' }, index);
    expect(r.source).toBe('pr');
    expect(r.request).toBe('Support negative input\n\nNegative durations print garbage.\n');
  });
  test('else the commit message, flagged for editing where the agent does not look; without exports too', () => {
    for (const ix of [index, null]) {
      const r = chooseRequest({ sha: SHA, subject: 'Use Math.min in clamp', body: `Details.\n\n(cherry picked from commit ${'c'.repeat(40)})` }, ix);
      expect(r.source).toBe('commit');
      expect(r.request).toBe('Use Math.min in clamp\n\nDetails.\n');
      expect(r.origin).toMatch(/^the commit message of a{12}: rewrite it as the issue/);
    }
  });
});

describe('stripping a PR description', () => {
  test('template comments, checklists, change sections, diff blocks and closing lines go; the problem stays', () => {
    const body = [
      '<!-- Thanks for contributing! Describe your change. -->',
      '## Summary',
      '',
      'Dates before 1970 print as NaN.',
      '',
      '```js',
      'format(-1) // NaN',
      '```',
      '',
      '## Changes',
      '',
      '- `src/format.js`: handle the sign first',
      '### Details',
      'normalizeSign() is new.',
      '',
      '```diff',
      '+ const s = normalizeSign(x);',
      '```',
      '',
      '## How to reproduce',
      '',
      'Call format(-1).',
      '',
      '## Checklist',
      '- [x] Tests added',
      '- [ ] Docs updated',
      '',
      'Fixes #7',
    ].join('\r\n');
    expect(stripPullRequestBody(body)).toBe(
      ['## Summary', '', 'Dates before 1970 print as NaN.', '', '```js', 'format(-1) // NaN', '```', '', '## How to reproduce', '', 'Call format(-1).'].join(
        '\n',
      ),
    );
  });
  test('a heading left empty by its removed checklist goes too', () => {
    expect(stripPullRequestBody('Problem text.\n\n## Before merging\n- [ ] ran the tests\n')).toBe('Problem text.');
  });
});

describe('the leakage check', () => {
  const gold = {
    sources: [
      {
        path: 'src/format.js',
        before: 'export function format(ms) {\n  return String(ms);\n}\n',
        after:
          'import { normalizeSign } from "./sign.js";\nexport function format(ms) {\n  const sign = normalizeSign(ms);\n  return sign + String(Math.abs(ms));\n}\n',
      },
      { path: 'src/sign.js', before: '', after: 'export function normalizeSign(x) {\n  return x < 0 ? "-" : "";\n}\nexport const MAX_UNITS = 3;\n' },
    ],
    tests: ["import { format } from '../src/format.js';\nassert.equal(format(-5), '-5');\n"],
  };
  test('names identifiers and files the change adds that the tests do not mention', () => {
    expect(leakedIdentifiers('format(-5) should print -5: call normalizeSign() from src/sign.js, keep MAX_UNITS', gold)).toEqual([
      'MAX_UNITS',
      'normalizeSign',
      'src/sign.js',
    ]);
    expect(leakedIdentifiers('see sign.js', gold)).toEqual(['src/sign.js']);
  });
  test('what the tests name, what existed before, and plain words are not leaks', () => {
    expect(leakedIdentifiers('format(-5) returns the wrong sign; format.js is at fault; it calls String(ms)', gold)).toEqual([]);
    // A call the change adds to an existing API is part of the solution.
    expect(leakedIdentifiers('use Math.abs', gold)).toEqual(['abs']);
  });
  test('a plain word the change adds counts when the request writes it as code', () => {
    expect(leakedIdentifiers('use the `sign` variable', gold)).toEqual(['sign']);
    expect(leakedIdentifiers('the sign is lost', gold)).toEqual([]);
  });
});

describe('the simulated reporter', () => {
  test('reads expectations from assertions', () => {
    expect(expectationOf("  test('a', () => assert.equal(m.clamp(5, 0, 10), 5));")).toBe('`m.clamp(5, 0, 10)` should be `5`');
    expect(expectationOf('assert.throws(() => parse("x"), DurationError);')).toBe('`parse("x")` should throw (`DurationError`)');
    expect(expectationOf('expect(format(-1)).not.toBe("NaN")')).toBe('`format(-1)` should not be `"NaN"`');
    expect(expectationOf('    assert add(1, 2) == 3')).toBe('`add(1, 2)` should be `3`');
    expect(expectationOf('const x = 1;')).toBeNull();
  });
  test('writes an issue from the failing tests and test code only, never the commit message', () => {
    const prompt = reporterPrompt({
      key: 'k',
      message: 'Swap Math.min and Math.max in clampInternal',
      failingTests: ['test/math.test.js > clamp > keeps values inside the range', 'test/math.test.js > clamp > raises values below the range'],
      testDiff: [
        '+++ b/test/math.test.js',
        "+describe('clamp', () => {",
        "+  test('keeps values inside the range', () => assert.equal(m.clamp(5, 0, 10), 5));",
        "+  test('raises values below the range', () => assert.equal(m.clamp(-3, 0, 10), 0));",
        '+});',
      ].join('\n'),
    });
    const conv: Conversation = {
      model: 'sim',
      instructions: `${REPORTER_ROLE}.`,
      items: [{ kind: 'message', role: 'user', text: prompt }],
      tools: [],
      outputSchema: null,
      reasoningEffort: null,
    };
    const text = reporterIssue(conv);
    expect(text).toBe(
      [
        'clamp: "keeps values inside the range" does not hold (and 1 more case)',
        '',
        'With the current code, clamp does not do what is expected of it. What should happen:',
        '',
        '- clamp keeps values inside the range:',
        '  - `m.clamp(5, 0, 10)` should be `5`',
        '- clamp raises values below the range:',
        '  - `m.clamp(-3, 0, 10)` should be `0`',
        '',
        'None of this holds today. Everything else should keep working as it does now.',
        '',
      ].join('\n'),
    );
    expect(text).not.toMatch(/Math|clampInternal/);
  });
  test('the prompt shows the commit, the PR, the failing tests and at most 60,000 characters of test code, never source', () => {
    const prompt = reporterPrompt({
      key: 'k',
      message: 'Fix it',
      pullRequest: { title: 'PR', body: 'Why.' },
      failingTests: ['t > a'],
      testDiff: `+${'x'.repeat(70_000)}`,
    });
    expect(prompt).toMatch(
      /^## Commit message\n\nFix it\n\n## Pull request\n\nPR\n\nWhy.\n\n## Tests that fail before the change and pass after it\n\n- t > a\n\n## The test code/,
    );
    expect(prompt).toContain('\n… (cut: 10001 more characters)\n```');
  });
  test("a model's reply: title from the first line, with Markdown or a Title: label taken off", () => {
    expect(parseIssueReply('# Title: clamp is wrong\n\nBody.')).toEqual({ title: 'clamp is wrong', request: 'clamp is wrong\n\nBody.\n' });
    expect(parseIssueReply('**clamp is wrong**\nBody.')).toEqual({ title: 'clamp is wrong', request: 'clamp is wrong\n\nBody.\n' });
    expect(parseIssueReply('  \n')).toBeNull();
  });
});

describe('reading the exports', () => {
  const write = (text: string) => {
    const f = join(tmp(), 'export.json');
    writeFileSync(f, text);
    return f;
  };
  const fail = (fn: () => unknown): InputError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof InputError) return err;
      throw err;
    }
    throw new Error('expected an InputError');
  };
  test('what gh writes is read, extra fields and all', () => {
    const f = write(
      JSON.stringify([
        {
          number: 12,
          title: 'Fix (#12)',
          body: '',
          mergeCommit: { oid: 'b'.repeat(40) },
          closingIssuesReferences: [{ id: 'I_1', number: 7, repository: { id: 'R', name: 'calc', owner: { id: 'O', login: 'acme' } }, url: 'u' }],
          url: 'https://github.com/acme/calc/pull/12',
          additions: 3,
        },
      ]),
    );
    expect(readPullRequestExport(f)[0]!.closingIssuesReferences[0]!.number).toBe(7);
    expect(readIssueExport(write('[{"number":7,"title":"t","body":null,"labels":[{"id":"L","name":"bug","color":"f00"}]}]'))[0]!.body).toBeNull();
  });
  test('a field missing from the export names the file, the field and the export command', () => {
    const f = write(JSON.stringify([{ number: 12, title: 'x', body: '', closingIssuesReferences: [] }]));
    const e = fail(() => readPullRequestExport(f));
    expect(e.format()).toContain(`${f}: [0].mergeCommit:`);
    expect(e.fix).toContain('gh pr list --state merged');
  });
  test('not JSON, not an array, not readable', () => {
    const broken = write('[{"number": 1,');
    expect(fail(() => readIssueExport(broken)).format()).toMatch(/not valid JSON[\s\S]*fix: write it again with: gh issue list/);
    expect(fail(() => readIssueExport(write('{"number":1}'))).format()).toMatch(/expected a JSON array[\s\S]*without --jq/);
    expect(fail(() => readPullRequestExport('/nonexistent/prs.json')).format()).toMatch(/\/nonexistent\/prs.json: --prs: cannot be read \(ENOENT\)/);
  });
});
