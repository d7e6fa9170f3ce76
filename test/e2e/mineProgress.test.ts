// `bench suite mine` as a user runs it, on a repository made here: what it prints on stderr while it works
// (commit i of n, what runs for it, tasks found, ETA), one line per step when stderr is not a terminal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bench } from '../helpers/cli.ts';
import { calcFixture, commit, tmp } from '../helpers/fixtures.ts';

describe('bench suite mine progress', () => {
  test('one line per step on a pipe: commit i of n, the install for the lockfile, tests before (changed files) and after, tasks found, ETA, and a summary', async () => {
    const f = calcFixture({}, { 'package-lock.json': '{"lockfileVersion":3}\n' });
    const docs = commit(f.repo, 'Docs only', { 'README.md': '# calc\n\nMore words.\n' });
    const counter = join(tmp(), 'installs');
    const out = join(tmp(), 'mined');
    const res = await bench(
      [
        'suite',
        'mine',
        '--repo',
        f.repo,
        '--out',
        out,
        '--limit',
        '5',
        '--jobs',
        '1',
        '--setup',
        `echo ran >> ${counter} && mkdir -p node_modules/dep && echo 1 > node_modules/dep/i.js`,
      ],
      { env: { BENCH_CACHE_DIR: tmp(), CI: '' } },
    );
    expect(res.code).toBe(0);
    const lines = res.stderr.trim().split('\n');
    const status = String.raw`\(tasks (\d)/5, elapsed \d+:\d\d, ETA (\d+:\d\d|--:--)\)`;
    const at = (re: string) => lines.findIndex((l) => new RegExp(re).test(l));
    expect(lines[0]).toBe('mining: 2 commit(s) to examine for up to 5 task(s), 1 at a time');
    // The newest commit first: rejected without running anything.
    expect(lines[1]).toMatch(
      new RegExp(`^\\[1/2\\] ${docs.slice(0, 8)} Docs only: skip: changes no test files  \\(tasks 0/5, elapsed \\d+:\\d\\d, ETA \\d+:\\d\\d\\)$`),
    );
    const gold = f.gold.slice(0, 8);
    const steps = [
      `^\\[2/2\\] ${gold} environment for package-lock\\.json [0-9a-f]{8}  ${status}$`,
      `^install for package-lock\\.json [0-9a-f]{8}: echo ran >> .*  ${status}$`,
      `^install for package-lock\\.json [0-9a-f]{8} done in \\d+\\.\\ds  ${status}$`,
      `^\\[2/2\\] ${gold} tests before, changed files only \\(1\\)  ${status}$`,
      `^\\[2/2\\] ${gold} tests after, all  ${status}$`,
      `^\\[2/2\\] ${gold} tests before, all  ${status}$`,
      `^\\[2/2\\] ${gold} Fix clamp: task fix-clamp-${f.gold.slice(0, 7)}: 2 fail-to-pass, 1 pass-to-pass  \\(tasks 1/5, elapsed \\d+:\\d\\d, ETA \\d+:\\d\\d\\)$`,
      `^mined 1 task\\(s\\) from 2 commit\\(s\\) examined \\(1 set up or tested\\), 1 install\\(s\\) taking \\d+:\\d\\d, in \\d+:\\d\\d$`,
    ];
    const places = steps.map(at);
    expect(
      places.every((p) => p > 1),
      `${res.stderr}\n${JSON.stringify(places)}`,
    ).toBe(true);
    expect([...places].sort((a, b) => a - b)).toEqual(places);
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');
    expect(res.stdout).toMatch(/1 task\(s\) written; 1 commit\(s\) skipped; 1 request\(s\) are commit messages to rewrite\. Review each request/);
    expect(res.stderr).toMatch(/^1 commit\(s\) skipped:\n {2}1 changes no test files\n/m);
  });

  test('two candidates at once (--jobs 2) mine the same tasks, written in history order, with one install for the shared lockfile', async () => {
    const f = calcFixture({}, { 'package-lock.json': '{"lockfileVersion":3}\n' });
    const sub = commit(f.repo, 'Add sub', {
      'src/sub.js': 'export function sub(a, b) {\n  return a - b;\n}\n',
      'test/sub.test.js': [
        "import { test } from 'node:test';",
        "import assert from 'node:assert/strict';",
        "import { sub } from '../src/sub.js';",
        "test('subtracts', () => assert.equal(sub(5, 3), 2));",
        '',
      ].join('\n'),
    });
    commit(f.repo, 'Docs only', { 'README.md': '# calc\n\nMore words.\n' });
    const counter = join(tmp(), 'installs');
    const setup = `echo ran >> ${counter} && mkdir -p node_modules/dep && echo 1 > node_modules/dep/i.js`;
    const run = (jobs: string) =>
      bench(['suite', 'mine', '--repo', f.repo, '--out', join(tmp(), `mined-${jobs}`), '--limit', '5', '--jobs', jobs, '--setup', setup], {
        env: { BENCH_CACHE_DIR: tmp(), CI: '' },
      });
    const [one, two] = [await run('1'), await run('2')];
    for (const r of [one, two]) expect(r.code, r.stderr).toBe(0);
    const written = (r: { stdout: string }) => [...r.stdout.matchAll(/tasks\/(\S+)\.yaml/g)].map((m) => m[1]);
    expect(written(two)).toEqual([`add-sub-${sub.slice(0, 7)}`, `fix-clamp-${f.gold.slice(0, 7)}`]);
    expect(written(one)).toEqual(written(two));
    expect(two.stderr).toMatch(/^mining: 3 commit\(s\) to examine for up to 5 task\(s\), 2 at a time$/m);
    expect(two.stderr).toMatch(/^mined 2 task\(s\) from 3 commit\(s\) examined \(2 set up or tested\), 1 install\(s\) taking/m);
    // One install per run (each run has its own cache): both candidates share the lockfile's environment.
    expect(readFileSync(counter, 'utf8')).toBe('ran\nran\n');
  });

  test('an install that fails runs once: later commits with the same lockfile are skipped with the same reason', async () => {
    const f = calcFixture({}, { 'package-lock.json': '{"lockfileVersion":3}\n' });
    commit(f.repo, 'Add sub', {
      'src/sub.js': 'export function sub(a, b) {\n  return a - b;\n}\n',
      'test/sub.test.js': "import { test } from 'node:test';\nimport { sub } from '../src/sub.js';\ntest('subtracts', () => {});\n",
    });
    const counter = join(tmp(), 'installs');
    const res = await bench(
      ['suite', 'mine', '--repo', f.repo, '--out', join(tmp(), 'mined'), '--limit', '5', '--jobs', '1', '--setup', `echo ran >> ${counter}; exit 3`],
      { env: { BENCH_CACHE_DIR: tmp(), CI: '' } },
    );
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');
    expect(res.stderr).toMatch(/\[1\/2\] \w{8} Add sub: skip: could not run: setup command failed \(exit 3\)/);
    expect(res.stderr).toMatch(/\[2\/2\] \w{8} Fix clamp: skip: could not run: setup command failed \(exit 3\): .* \(as for \w{8}, same environment key\)/);
    expect(res.stderr).toMatch(/^mined 0 task\(s\) from 2 commit\(s\) examined \(1 set up or tested\), 1 install\(s\)/m);
  });
});
