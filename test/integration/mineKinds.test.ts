import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { loadSuite, type TriageTaskSpec } from '../../src/suite/load.ts';
import { mineDocs } from '../../src/suite/mineDocs.ts';
import { mineTriage } from '../../src/suite/mineTriage.ts';
import { validateSuite } from '../../src/suite/validate.ts';
import { bench } from '../helpers/cli.ts';
import { tmp, writeFiles } from '../helpers/fixtures.ts';

const sandbox = detectSandbox('auto') as SandboxBackend;
const cacheDir = process.env.BENCH_CACHE_DIR!;
const TASKBOX = join(import.meta.dirname, '..', '..', 'suites', 'repos', 'taskbox.bundle');

/** A commit at a given date (triage bases are chosen by when an issue was filed). */
function commitAt(repo: string, date: string, message: string, files: Record<string, string>): string {
  writeFiles(repo, files);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.org',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.org',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  execFileSync('git', ['add', '-A'], { cwd: repo, env });
  execFileSync('git', ['commit', '-q', '-m', message], { cwd: repo, env });
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
}

function newRepo(): string {
  const repo = join(tmp(), 'notes');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  return repo;
}

const valid = async (suiteDir: string) => (await validateSuite(loadSuite(suiteDir), { cacheDir, sandbox, runs: 1 })).filter((v) => !v.valid);

describe('bench suite mine --kind docs', () => {
  test('a repository made in the test: docs-only commits become tasks validate accepts; the others are skipped with the reason', async () => {
    const repo = newRepo();
    commitAt(repo, '2026-01-01T00:00:00Z', 'Initial notes', {
      'package.json': '{"name":"notes","version":"1.0.0","type":"module"}\n',
      'src/notes.js': 'export const add = (a, b) => a + b;\n',
      'README.md': '# notes\n\nA small notes tool. The old flag is --cfg and it still works for now.\n\nSee [the guide](docs/guide.md).\n',
      'docs/guide.md': '# Guide\n\n## Installing\n\nRun `npm install notes`.\n',
    });
    commitAt(repo, '2026-01-02T00:00:00Z', 'Add subtract', { 'src/notes.js': 'export const add = (a, b) => a + b;\nexport const sub = (a, b) => a - b;\n' });
    const good = commitAt(repo, '2026-01-03T00:00:00Z', 'docs: document the configuration file\n\nPeople kept asking.', {
      'README.md': '# notes\n\nA small notes tool.\n\nSee [the guide](docs/guide.md) and [configuration](docs/guide.md#configuration).\n',
      'docs/guide.md': [
        '# Guide',
        '',
        '## Installing',
        '',
        'Run `npm install notes`.',
        '',
        '## Configuration',
        '',
        'Pass `--config-file <path>`; an unknown key stops with "Unknown setting in the config file".',
        '',
        '```js run',
        "console.log('configured');",
        '```',
        '',
      ].join('\n'),
    });
    commitAt(repo, '2026-01-04T00:00:00Z', 'docs: a blank line', { 'README.md': readFileSync(join(repo, 'README.md'), 'utf8') + '\n' });
    commitAt(repo, '2026-01-05T00:00:00Z', 'docs: link the FAQ', {
      'docs/guide.md': readFileSync(join(repo, 'docs/guide.md'), 'utf8') + '\nSee the [FAQ](faq.md).\n',
    });

    const out = join(tmp(), 'mined-docs');
    const res = await mineDocs({ repo, out, limit: 10, cacheDir, sandbox });
    expect(res.tasks.map((t) => t.commit)).toEqual([good]);
    expect(res.rejected.map((r) => r.reason)).toEqual([
      'the historical change fails its own check: links (docs/guide.md: faq.md (no docs/faq.md))',
      expect.stringMatching(/^nothing tells the base from the change/),
      'changes files other than documentation (src/notes.js)',
    ]);
    const suite = loadSuite(out);
    const task = suite.tasks[0]!;
    expect(task).toMatchObject({ kind: 'docs', gold: { from: expect.any(String), to: good }, allowed_paths: ['README.md', 'docs/**'] });
    if (task.kind !== 'docs') throw new Error('not a docs task');
    expect(task.checks).toMatchObject({ links: true, examples: true, markdown: true });
    expect(task.checks.required).toEqual(
      expect.arrayContaining([
        { file: 'docs/guide.md', heading: 'Configuration' },
        { file: 'docs/guide.md', symbol: '--config-file <path>' },
        { file: 'README.md', absent: 'The old flag is --cfg and it still works for now.' },
        { file: 'docs/guide.md', contains: 'Unknown setting in the config file' },
      ]),
    );
    // What the request came from is said to the person (a comment, `source`), not to the agent.
    expect(task.request).toBe('docs: document the configuration file\n\nPeople kept asking.\n');
    expect(await valid(out)).toEqual([]);
  });

  test('the shipped taskbox repository: its newest docs commits (runnable examples, so npm ci) become tasks validate accepts', async () => {
    const out = join(tmp(), 'mined-taskbox-docs');
    const res = await mineDocs({ repo: TASKBOX, out, limit: 2, cacheDir, sandbox });
    expect(res.tasks.map((t) => t.id)).toEqual(['docs-add-a-faq-7e3f762', 'docs-reorganise-the-troubleshooting-page-by-symptom-a2559b4']);
    const suite = loadSuite(out);
    expect(suite.tasks.map((t) => t.setup)).toEqual([expect.stringMatching(/^npm ci/), expect.stringMatching(/^npm ci/)]);
    const faq = suite.tasks[0]!;
    if (faq.kind !== 'docs') throw new Error('not a docs task');
    expect(faq.checks.required).toEqual(expect.arrayContaining([{ file: 'docs/faq.md', heading: 'Frequently asked questions' }]));
    expect(await valid(out)).toEqual([]);
  });
});

const RULES = `# The conventions of the repository made in the test.
priority:
  p0: [security, data-loss]
  p1: ["priority: high"]
  p3: [question, docs]
default_priority: p2
ignore_labels: [triaged]
components:
  cli: src/cli.js
`;

describe('bench suite mine --kind triage', () => {
  test('an export in gh format on a repository made in the test: fixes, a closing pull request, a duplicate, needs-info and security', async () => {
    const repo = newRepo();
    const t0 = commitAt(repo, '2026-01-01T00:00:00Z', 'Initial', {
      'src/cli.js': 'export const main = () => 0;\n',
      'src/store.js': 'export const save = () => {};\n',
      'src/parse/due.js': 'export const due = (s) => new Date(s);\n',
      'src/parse/tags.js': 'export const tags = (s) => s.split(" ");\n',
      'test/due.test.js': '// tests\n',
    });
    const t1 = commitAt(repo, '2026-01-10T00:00:00Z', 'Add the README', { 'README.md': '# notes\n' });
    const fixDue = commitAt(repo, '2026-01-20T00:00:00Z', 'Reject due dates that do not exist\n\nFixes #1, fixes #8.', {
      'src/parse/due.js':
        'export const due = (s) => {\n  const d = new Date(s);\n  if (Number.isNaN(d.getTime())) throw new Error("bad date");\n  return d;\n};\n',
      'test/due.test.js': '// tests\n// more tests\n',
    });
    const fixStore = commitAt(repo, '2026-01-21T00:00:00Z', 'Keep the mode of the store file\n\nCloses #2', {
      'src/store.js': 'import { chmodSync } from "node:fs";\nexport const save = () => { chmodSync; };\n',
      'CHANGELOG.md': '# Changes\n\n- keep the mode\n',
    });
    const pr = commitAt(repo, '2026-01-22T00:00:00Z', 'Parse tags and dates together (#10)', {
      'src/parse/due.js':
        'export const due = (s) => {\n  const d = new Date(s.trim());\n  if (Number.isNaN(d.getTime())) throw new Error("bad date");\n  return d;\n};\n',
      'src/parse/tags.js': 'export const tags = (s) => s.trim().split(" ");\n',
    });
    const gh = (n: number, title: string, labels: string[], createdAt: string, extra: Record<string, unknown> = {}) => ({
      number: n,
      title,
      body: `Body of #${n}.`,
      state: 'CLOSED',
      createdAt,
      labels: labels.map((name) => ({ id: `L_${name}`, name, description: '', color: 'ededed' })),
      comments: [],
      closedByPullRequestsReferences: [],
      url: `https://github.com/o/notes/issues/${n}`,
      ...extra,
    });
    const exported = [
      gh(1, 'Crash on 2026-02-30', ['bug', 'triaged'], '2026-01-15T00:00:00Z'),
      gh(2, 'Saving makes the store world-readable', ['bug', 'security'], '2026-01-05T00:00:00Z'),
      gh(3, 'Dates and tags disagree', ['bug', 'priority: high'], '2026-01-12T00:00:00Z', {
        closedByPullRequestsReferences: [{ id: 'PR_10', number: 10, url: 'https://github.com/o/notes/pull/10', repository: { name: 'notes' } }],
      }),
      gh(4, 'Crash on a bad date', ['bug', 'duplicate'], '2026-01-16T00:00:00Z', { comments: [{ author: { login: 'maint' }, body: 'Duplicate of #1' }] }),
      gh(5, 'It does not work', ['bug', 'needs info', 'cli'], '2026-01-12T00:00:00Z'),
      gh(6, 'Dark mode', ['feature'], '2026-01-12T00:00:00Z', { state: 'OPEN' }),
      gh(7, 'Same as the other one', ['duplicate'], '2026-01-12T00:00:00Z'),
      gh(9, 'My tasks file is readable by others', ['bug'], '2026-01-06T00:00:00Z', {
        stateReason: 'DUPLICATE',
        comments: [{ author: { login: 'maint' }, body: 'Thanks! Duplicate of #2.' }],
      }),
    ];
    const dir = tmp();
    writeFileSync(join(dir, 'issues.json'), JSON.stringify(exported, null, 2));
    writeFileSync(join(dir, 'rules.yaml'), RULES);

    const out = join(tmp(), 'mined-triage');
    const res = await mineTriage({ repo, out, issues: join(dir, 'issues.json'), rules: join(dir, 'rules.yaml'), limit: 10, cacheDir });
    expect(res.skipped).toEqual([
      { number: 6, reason: expect.stringMatching(/^no commit closes it .*map one of its labels \(feature\) under components:/) },
      { number: 7, reason: expect.stringMatching(/^labelled duplicate, but neither the body nor a comment says which issue/) },
    ]);
    const tasks = new Map(loadSuite(out).tasks.map((t) => [(t as TriageTaskSpec).issue.number, t as TriageTaskSpec]));
    expect(tasks.get(1)).toMatchObject({
      // Filed on the 15th: the repository as it was then (the README commit), not the fix's parent.
      base: t1,
      expected: { labels: ['bug'], priority: 'p2', component: 'src/parse/due.js', duplicate_of: null, needs_info: false },
      severity: 'normal',
    });
    expect(tasks.get(2)).toMatchObject({
      base: t0,
      expected: { labels: ['bug', 'security'], priority: 'p0', component: 'src/store.js' },
      severity: 'security',
    });
    // Closed by pull request #10, found as the squash commit "… (#10)"; it changed two files equally, which share src/parse.
    expect(tasks.get(3)).toMatchObject({ base: t1, expected: { priority: 'p1', component: 'src/parse' } });
    expect(tasks.get(4)).toMatchObject({
      expected: { labels: ['bug', 'duplicate'], duplicate_of: 1, component: 'src/parse/due.js' },
      tags: expect.arrayContaining(['duplicate']),
    });
    // Closed as a duplicate (no label): the original's fix gives the component.
    expect(tasks.get(9)).toMatchObject({ base: t0, expected: { labels: ['bug'], duplicate_of: 2, component: 'src/store.js' } });
    expect(tasks.get(5)).toMatchObject({ base: t1, expected: { needs_info: true, component: 'src/cli.js', priority: 'p2' } });
    const header = (n: number) => readFileSync(res.tasks.find((t) => t.number === n)!.file, 'utf8').split('\n')[1];
    expect([1, 2, 3, 4].map(header)).toEqual([fixDue, fixStore, pr, fixDue].map((sha) => expect.stringContaining(`fixed by ${sha}`)));
    expect(await valid(out)).toEqual([]);
  });

  test('the shipped taskbox repository and its own issue export: tasks validate accepts, the hook injection as the shipped suite has it', async () => {
    const dir = tmp();
    const clone = join(dir, 'taskbox');
    execFileSync('git', ['clone', '-q', TASKBOX, clone]);
    writeFileSync(join(dir, 'issues.json'), execFileSync('git', ['show', 'HEAD:.github/issues.json'], { cwd: clone }));
    const out = join(tmp(), 'mined-taskbox-triage');
    // The rules file shipped as the example of taskbox's conventions.
    const rules = join(import.meta.dirname, '..', '..', 'suites', 'triage', 'triage-rules.yaml');
    const res = await mineTriage({ repo: TASKBOX, out, issues: join(dir, 'issues.json'), rules, limit: 100, cacheDir });
    expect(res.tasks.length).toBeGreaterThan(15);
    // The export names no duplicate's original, and needs-info reports were closed without a fix.
    expect(res.skipped.map((s) => s.number)).toEqual(expect.arrayContaining([27, 40, 42, 45, 48]));
    const hooks = loadSuite(out).tasks.find((t) => t.id.startsWith('triage-36-')) as TriageTaskSpec;
    const shipped = loadSuite(join(import.meta.dirname, '..', '..', 'suites', 'triage')).tasks.find(
      (t) => t.id === 'triage-hook-command-injection',
    ) as TriageTaskSpec;
    expect(hooks).toMatchObject({ base: shipped.base, severity: 'security', expected: shipped.expected });
    expect(await valid(out)).toEqual([]);
  });

  test('bad input exits 2 naming the file, the field and the fix', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'issues.json'), JSON.stringify([{ number: 1, title: 'x', labels: [{ nam: 'bug' }] }, { title: 'no number' }]));
    const bad = await bench(['suite', 'mine', '--kind', 'triage', '--repo', TASKBOX, '--issues', join(dir, 'issues.json'), '--out', join(dir, 'out')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, 'issues.json')}:1: [0].labels[0]: a label is its name, or an object with a "name"`);
    expect(bad.stderr).toMatch(
      /\[1\]\.number: .*\n\s+fix: add the required field `\[1\]\.number` \(number\); the export is the JSON array written by: gh issue list /,
    );

    writeFileSync(join(dir, 'cut.json'), '[{"number": 1,\n');
    const cut = await bench(['suite', 'mine', '--kind', 'triage', '--repo', TASKBOX, '--issues', join(dir, 'cut.json'), '--out', join(dir, 'out')]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/cut\.json:2: not valid JSON: .*\n\s+fix: write the export again/);

    writeFileSync(join(dir, 'ok.json'), '[]');
    writeFileSync(join(dir, 'rules.yaml'), 'priority:\n  p0: [security]\nneeds-info: [waiting]\n');
    const rules = await bench([
      'suite',
      'mine',
      '--kind',
      'triage',
      '--repo',
      TASKBOX,
      '--issues',
      join(dir, 'ok.json'),
      '--rules',
      join(dir, 'rules.yaml'),
      '--out',
      join(dir, 'out'),
    ]);
    expect(rules.code).toBe(2);
    expect(rules.stderr).toContain(`${join(dir, 'rules.yaml')}:3: needs-info: Unrecognized key: "needs-info"`);
    expect(rules.stderr).toContain('did you mean `needs_info`?');

    const none = await bench(['suite', 'mine', '--kind', 'triage', '--repo', TASKBOX, '--out', join(dir, 'out')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--issues: triage mining needs an issue export\n\s+fix: pass --issues <file>, written by: gh issue list/);

    const kind = await bench(['suite', 'mine', '--kind', 'doc', '--repo', TASKBOX, '--out', join(dir, 'out')]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/--kind: unknown task kind "doc"\n\s+fix: use one of: pr, docs, triage/);
  });
});

describe('bench suite mine / import --kind docs: the CLI', () => {
  test('import --kind docs of a commit that changes code says why it does not qualify', async () => {
    const res = await bench(['suite', 'import', '--kind', 'docs', '--repo', TASKBOX, '--commit', '0015262', '--out', join(tmp(), 'one')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'commit 0015262 does not make a docs task: changes files other than documentation (src/hooks.js, src/index.js, test/cli.test.js, …)',
    );
  });

  test('the CLI mines docs tasks and prints where they went', async () => {
    const out = join(tmp(), 'cli-docs');
    const res = await bench(['suite', 'mine', '--kind', 'docs', '--repo', TASKBOX, '--out', out, '--limit', '1']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/docs-add-a-faq-7e3f762\.yaml {2}\(\d+ required check\(s\)\)\n1 docs task\(s\) written; \d+ commit\(s\) skipped/);
  });
});
