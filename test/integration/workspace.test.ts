import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadSuite } from '../../src/suite/load.ts';
import { RepoCache } from '../../src/workspace/repos.ts';
import { SetupError, WorkspaceManager } from '../../src/workspace/workspace.ts';
import { calcFixture, git, tmp, writeFiles } from '../helpers/fixtures.ts';

function setupFor(counter: string) {
  return `echo ran >> ${counter} && mkdir -p node_modules/dep && echo 'export default 1' > node_modules/dep/index.js`;
}

describe('workspaces on real git', () => {
  test('a worktree at the base commit sees no later history; it is removed afterwards', async () => {
    const f = calcFixture();
    const task = loadSuite(f.suite).tasks[0]!;
    const mgr = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'));
    const ws = await mgr.create({ repo: task.repo, base: task.base, setup: null }, 'trial-a');
    expect(git(ws.dir, 'rev-parse', 'HEAD')).toBe(f.base);
    expect(git(ws.dir, 'log', '--all', '--format=%H').split('\n')).toEqual([f.base]);
    expect(readFileSync(join(ws.dir, 'src/math.js'), 'utf8')).toContain('Math.max(Math.min(x, lo), hi)');
    expect(mgr.liveDirs()).toEqual([ws.dir]);
    await mgr.remove(ws);
    expect(existsSync(ws.dir)).toBe(false);
    expect(mgr.liveDirs()).toEqual([]);
  });

  test('the setup command runs once per (repo, base) when there is no lockfile, and its output is copied into each worktree, never into the diff', async () => {
    const f = calcFixture();
    const task = loadSuite(f.suite).tasks[0]!;
    const counter = join(tmp(), 'count');
    const cacheDir = tmp();
    const spec = { repo: task.repo, base: task.base, setup: setupFor(counter) };
    const mgr = new WorkspaceManager(new RepoCache(cacheDir), join(tmp(), 'wt'));
    const [a, b] = await Promise.all([mgr.create(spec, 'a'), mgr.create(spec, 'b')]);
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');
    for (const ws of [a, b]) expect(readFileSync(join(ws.dir, 'node_modules/dep/index.js'), 'utf8')).toContain('export default 1');
    // Another manager (a later run) reuses the cached environment too.
    const again = await new WorkspaceManager(new RepoCache(cacheDir), join(tmp(), 'wt')).create(spec, 'c');
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');

    writeFiles(a.dir, { 'src/math.js': 'export const x = 1;\n', 'src/new.js': 'export const y = 2;\n' });
    require('node:fs').rmSync(join(a.dir, 'README.md'));
    const d = await mgr.diff(a);
    expect(d.files.sort()).toEqual(['README.md', 'src/math.js', 'src/new.js']);
    expect(d.patch).not.toContain('node_modules');
    expect(d.added).toBeGreaterThan(0);
    expect(d.removed).toBeGreaterThan(0);

    // The saved patch re-applies to a fresh checkout of the base.
    expect(await mgr.applyPatch(b, d.patch)).toBeNull();
    expect(readFileSync(join(b.dir, 'src/new.js'), 'utf8')).toBe('export const y = 2;\n');
    for (const ws of [a, b]) await mgr.remove(ws);
    await mgr.remove(again);
  });

  test('a failing setup is a SetupError with its log, and leaves no worktree behind', async () => {
    const f = calcFixture();
    const task = loadSuite(f.suite).tasks[0]!;
    const wt = join(tmp(), 'wt');
    const mgr = new WorkspaceManager(new RepoCache(tmp()), wt);
    const err = await mgr.create({ repo: task.repo, base: task.base, setup: 'echo broken-setup >&2; exit 4' }, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SetupError);
    expect((err as SetupError).message).toMatch(/exit 4/);
    expect((err as SetupError).log).toContain('broken-setup');
    expect(mgr.liveDirs()).toEqual([]);
    expect(existsSync(join(wt, 'x'))).toBe(false);
  });

  test('repositories can come from a bundle, and missing commits are reported as such', async () => {
    const f = calcFixture();
    const bundle = join(f.root, 'calc.bundle');
    git(f.repo, 'bundle', 'create', '-q', bundle, '--all');
    const cache = new RepoCache(tmp());
    const repo = { key: 'calc-bundle', kind: 'bundle' as const, location: bundle, name: 'calc' };
    expect(await cache.resolveCommit(repo, f.gold)).toBe(f.gold);
    expect(await cache.resolveCommit(repo, '0123456789abcdef0123456789abcdef01234567')).toBeNull();
  });

  test('the base repository holds no object of the gold commit or anything after the base', async () => {
    const f = calcFixture();
    const task = loadSuite(f.suite).tasks[0]!;
    const cache = new RepoCache(tmp());
    const mgr = new WorkspaceManager(cache, join(tmp(), 'wt'));
    const ws = await mgr.create({ repo: task.repo, base: task.base, setup: null }, 'objects');
    const all = git(ws.dir, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname)').split('\n');
    const reachable = git(ws.dir, 'rev-list', '--objects', '--all')
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(all).not.toContain(f.gold);
    expect(new Set(all)).toEqual(new Set(reachable));
    expect(() => git(ws.dir, 'cat-file', '-e', f.gold)).toThrow();
    expect(existsSync(join(ws.baseRepo, 'objects', 'info', 'alternates'))).toBe(false);
    await mgr.remove(ws);
  });

  test("the harness's git never runs what the agent left: a rewritten .git with fsmonitor, hooks and filters", async () => {
    const f = calcFixture();
    const task = loadSuite(f.suite).tasks[0]!;
    const mgr = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'));
    const ws = await mgr.create({ repo: task.repo, base: task.base, setup: null }, 'evil');
    const marker = join(tmp(), 'ran');
    const evil = join(ws.dir, 'evil-gitdir');
    const script = `#!/bin/sh\necho ran >> ${marker}\n`;
    writeFiles(ws.dir, { 'evil-gitdir/hooks/pre-commit': script, 'run.sh': script, '.gitattributes': '* filter=evil diff=evil\n', 'src/new.js': 'x\n' });
    chmodSync(join(ws.dir, 'run.sh'), 0o755);
    git(tmp(), 'init', '-q', '--bare', evil);
    writeFileSync(
      join(evil, 'config'),
      `[core]\n\tbare = false\n\tfsmonitor = ${join(ws.dir, 'run.sh')}\n\thooksPath = ${join(evil, 'hooks')}\n[filter "evil"]\n\tclean = ${join(ws.dir, 'run.sh')}\n\tsmudge = ${join(ws.dir, 'run.sh')}\n[diff "evil"]\n\ttextconv = ${join(ws.dir, 'run.sh')}\n\tcommand = ${join(ws.dir, 'run.sh')}\n`,
    );
    writeFileSync(join(ws.dir, '.git'), `gitdir: ${evil}\n`);
    const d = await mgr.diff(ws);
    expect(d.files).toContain('src/new.js');
    expect(existsSync(marker)).toBe(false);
    // The agent's .git pointer is not part of the change, and removal runs no git in the worktree either.
    expect(d.files).not.toContain('.git');
    await mgr.remove(ws);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(ws.dir)).toBe(false);
  });

  test('a worktree git would hang or fail on still gives a change: nested .git FIFO, FIFOs, an encoding attribute, a change over the cap', async () => {
    const f = calcFixture();
    const task = loadSuite(f.suite).tasks[0]!;
    const mgr = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'));
    const ws = await mgr.create({ repo: task.repo, base: task.base, setup: null }, 'hostile');
    // A nested repository whose HEAD is a FIFO would block git's scan; a FIFO in the tree would block hashing.
    mkdirSync(join(ws.dir, 'sub', '.git'), { recursive: true });
    execFileSync('mkfifo', [join(ws.dir, 'sub', '.git', 'HEAD'), join(ws.dir, 'pipe')]);
    writeFileSync(join(ws.dir, 'sub', 'kept.js'), 'kept\n');
    // An attribute asking for an encoding the file does not have makes `git add` refuse the worktree.
    writeFiles(ws.dir, { '.gitattributes': '*.txt working-tree-encoding=UTF-16\n', 'notes.txt': 'plain \xff bytes\n' });
    const d = await mgr.diff(ws);
    expect(d.ungradable).toBeUndefined();
    expect(d.files.sort()).toEqual(['.gitattributes', 'notes.txt', 'sub/kept.js']);
    expect(existsSync(join(ws.dir, 'pipe'))).toBe(false);
    // A change whose patch is over the cap is said to be too large (the trial is judged on that), not cut.
    writeFileSync(join(ws.dir, 'big.txt'), 'line of text\n'.repeat((64 << 20) / 13 + 1000));
    expect((await mgr.diff(ws)).ungradable).toMatch(/larger than a patch bench grades \(64 MiB\)/);
    // A path git refuses to hold (an 8.3 alias of .git) is left out of the change, as it would be of any commit.
    rmSync(join(ws.dir, 'big.txt'));
    writeFiles(ws.dir, { 'GIT~1/HEAD': 'x\n' });
    const rest = await mgr.diff(ws);
    expect(rest.ungradable).toBeUndefined();
    expect(rest.files.sort()).toEqual(['.gitattributes', 'notes.txt', 'sub/kept.js']);
    await mgr.remove(ws);
  }, 120_000);

  test('a worktree with folders the agent made unreadable is still removed', async () => {
    const f = calcFixture();
    const task = loadSuite(f.suite).tasks[0]!;
    const mgr = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'));
    const ws = await mgr.create({ repo: task.repo, base: task.base, setup: null }, 'locked');
    mkdirSync(join(ws.dir, 'locked', 'inner'), { recursive: true });
    writeFileSync(join(ws.dir, 'locked', 'inner', 'f'), 'x');
    chmodSync(join(ws.dir, 'locked', 'inner'), 0);
    chmodSync(join(ws.dir, 'locked'), 0);
    await mgr.remove(ws);
    expect(existsSync(ws.dir)).toBe(false);
  });

  test('what setup changed is read exactly (porcelain -z): its dependency folders are carried, a tracked file it rewrote is not, and neither is in the diff', async () => {
    const f = calcFixture();
    const task = loadSuite(f.suite).tasks[0]!;
    const mgr = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'));
    const spec = {
      repo: task.repo,
      base: task.base,
      setup: 'echo "// rewritten by setup" >> src/math.js && mkdir -p " odd dir/node_modules" && echo x > " odd dir/node_modules/f"',
    };
    const ws = await mgr.create(spec, 'porcelain');
    expect(ws.setupPaths.sort()).toEqual([' odd dir/node_modules']);
    expect(readFileSync(join(ws.dir, ' odd dir/node_modules/f'), 'utf8')).toBe('x\n');
    expect(readFileSync(join(ws.dir, 'src/math.js'), 'utf8')).not.toContain('rewritten by setup');
    expect(JSON.parse(readFileSync(`${(await mgr.env(spec)).dir}.json`, 'utf8')).leftOut).toEqual(['src/math.js']);
    expect((await mgr.diff(ws)).files).toEqual([]);
    await mgr.remove(ws);
  });
});
