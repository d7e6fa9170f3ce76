import { describe, expect, test } from 'vitest';
import { allowedPathsFor, deriveRequirements, pickRequirements } from '../../src/suite/mineDocs.ts';
import { closedBy, commonPath, duplicateOf, fromLabels, readRules } from '../../src/suite/mineTriage.ts';
import { TriageRules } from '../../src/suite/triageRules.ts';

describe('docs checks derived from a change', () => {
  const before = ['# API', '', 'Call `load(file)` to read tasks. It returns a promise.', '', '```js', "import { load } from 'taskbox';", '```', ''].join('\n');
  const after = [
    '# API',
    '',
    'Call `loadTasks(file)` to read tasks. It returns a promise.',
    '',
    '```js',
    "import { loadTasks } from 'taskbox';",
    'const tasks = await loadTasks(process.env.TASKBOX_FILE);',
    '```',
    '',
    '## Upgrading from 0.2',
    '',
    'The error "load is not a function" means you still use the old name.',
    '',
  ].join('\n');

  test('new headings first, then new code symbols, removed code and sentences, quoted phrases; each fails before and holds after', () => {
    const reqs = deriveRequirements('docs/api.md', before, after);
    expect(reqs).toEqual([
      { file: 'docs/api.md', heading: 'Upgrading from 0.2' },
      { file: 'docs/api.md', symbol: 'loadTasks(file)' },
      { file: 'docs/api.md', symbol: 'loadTasks' },
      { file: 'docs/api.md', absent: "import { load } from 'taskbox';" },
      { file: 'docs/api.md', absent: 'load(file)' },
      { file: 'docs/api.md', contains: 'load is not a function' },
    ]);
    for (const r of reqs) {
      if ('absent' in r) expect([before.includes(r.absent), after.includes(r.absent)]).toEqual([true, false]);
      else {
        const text = 'heading' in r ? r.heading : 'symbol' in r ? r.symbol : r.contains;
        expect([before.includes(text), after.includes(text)]).toEqual([false, true]);
      }
    }
  });

  test('a new file: everything it adds counts; a sentence that moved within the file is not "removed"', () => {
    expect(deriveRequirements('docs/faq.md', null, '# FAQ\n\n## Can I sync?\n\nUse `rsync`.\n').map((r) => Object.keys(r)[1])).toEqual([
      'heading',
      'heading',
      'symbol',
    ]);
    const moved = deriveRequirements(
      'README.md',
      'Intro text that is long enough.\n\nOther words here, long enough.\n',
      'Other words here, long enough.\n\nIntro text that is long enough.\n',
    );
    expect(moved).toEqual([]);
  });

  test('a handful across files, strongest of each in turn; allowed paths by folder', () => {
    const a = [1, 2, 3].map((i) => ({ file: 'a.md', heading: `A${i}` }));
    const b = [1, 2].map((i) => ({ file: 'docs/b.md', heading: `B${i}` }));
    expect(pickRequirements([a, b], 4).map((r) => ('heading' in r ? r.heading : ''))).toEqual(['A1', 'B1', 'A2', 'B2']);
    expect(allowedPathsFor(['README.md', 'docs/a.md', 'docs/sub/b.md', 'docs/c.md'])).toEqual(['README.md', 'docs/**', 'docs/sub/**']);
  });
});

describe('triage fields from an issue and the history', () => {
  test('closing keywords in every tense, several per message, other repositories ignored', () => {
    expect(closedBy('Fix the thing\n\nFixes #12, fixes #13 and #14. Closes: #2; resolved #7. See #99. Fixes other/repo#5')).toEqual([12, 13, 14, 2, 7]);
    expect(closedBy('Prefix fixes nothing: #3 is mentioned')).toEqual([]);
  });

  test('duplicate of #N in any case, from the body or a comment', () => {
    expect(duplicateOf(['no', 'Duplicate of #41'])).toBe(41);
    expect(duplicateOf(['I think this is a dupe of #7.'])).toBe(7);
    expect(duplicateOf(['duplicates are bad, see #3'])).toBeNull();
  });

  test('common path: the file itself, the shared folder, or nothing', () => {
    expect(commonPath(['src/hooks.js'])).toBe('src/hooks.js');
    expect(commonPath(['src/a/x.js', 'src/a/y.js', 'src/a/b/z.js'])).toBe('src/a');
    expect(commonPath(['README.md', 'src/x.js'])).toBe('');
  });

  test('built-in rules: explicit priority labels, security and data-loss first; needs-info spellings; default p2', () => {
    const rules = readRules(undefined);
    expect(fromLabels(['bug', 'Security'], rules)).toMatchObject({ priority: 'p0', severity: 'security', needs_info: false });
    expect(fromLabels(['bug', 'data-loss', 'priority: low'], rules)).toMatchObject({ priority: 'p0', severity: 'data-loss' });
    expect(fromLabels(['priority: high', 'More info needed'], rules)).toMatchObject({ priority: 'p1', needs_info: true });
    expect(fromLabels(['feature'], rules)).toMatchObject({ priority: 'p2', severity: 'normal', duplicate: false });
  });

  test('a rules file replaces the parts it gives and keeps the built-in rest', () => {
    const rules = TriageRules.parse({ priority: { p3: ['question'] }, default_priority: 'p1', ignore_labels: ['triaged'] });
    expect(fromLabels(['question', 'triaged'], rules)).toMatchObject({ priority: 'p3', labels: ['question'] });
    expect(fromLabels(['security'], rules)).toMatchObject({ priority: 'p1', severity: 'security' });
    expect(() => TriageRules.parse({ priority: { p5: ['x'] } })).toThrow(/p5/);
  });
});
