// The setup environment keyed by what determines an install (lockfiles, command, runtime), shared by
// every commit with the same lockfiles, carrying only dependency folders, copied into the agent's
// worktrees (nothing written there reaches the shared environment) and hard-linked for mining.
import { lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadSuite } from '../../src/suite/load.ts';
import { RepoCache } from '../../src/workspace/repos.ts';
import { WorkspaceManager, type SetupEvent, type WorkspaceSpec } from '../../src/workspace/workspace.ts';
import { calcFixture, commit, tmp } from '../helpers/fixtures.ts';

/** A setup that counts its runs outside the worktree and makes what installs make (and some things they should not carry). */
function installLike(counter: string): string {
  return [
    `echo ran >> ${counter}`,
    'mkdir -p node_modules/dep/lib packages/a/node_modules/x .yarn/cache .yarn/releases .venv/bin dist',
    'echo "export default 1" > node_modules/dep/index.js',
    'echo lib > node_modules/dep/lib/util.js',
    'echo x > packages/a/node_modules/x/index.js',
    'echo zip > .yarn/cache/pkg.zip',
    'echo yarn > .yarn/releases/yarn.cjs',
    'echo "home = /usr" > .venv/pyvenv.cfg',
    'echo py > .venv/bin/python',
    'echo built > dist/out.js',
    'echo "changed by setup" >> README.md',
    // an absolute link into the environment folder, as some installers write
    'ln -s "$PWD/node_modules/dep/index.js" node_modules/abs-link',
    'ln -s ../dep/lib/util.js node_modules/dep/rel-link',
    'echo "$npm_config_cache|$npm_config_store_dir|$YARN_CACHE_FOLDER" > node_modules/.caches',
  ].join(' && ');
}

/** Every regular file under the given paths of a folder (links not followed), with its content. */
function snapshot(root: string, paths: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: string) => {
    const st = lstatSync(abs);
    if (st.isDirectory()) for (const name of readdirSync(abs)) walk(join(abs, name));
    else if (st.isFile()) out.set(relative(root, abs), readFileSync(abs, 'utf8'));
  };
  for (const p of paths) walk(join(root, p));
  return out;
}

function fixture() {
  const f = calcFixture();
  const repo = loadSuite(f.suite).tasks[0]!.repo;
  const a = commit(f.repo, 'Add a lockfile', { 'package-lock.json': '{"lockfileVersion":3,"packages":{}}\n' });
  const b = commit(f.repo, 'Change source only', { 'src/extra.js': 'export const z = 3;\n' });
  const c = commit(f.repo, 'Change the lockfile', { 'package-lock.json': '{"lockfileVersion":3,"packages":{"node_modules/dep":{}}}\n' });
  return { f, repo, a, b, c };
}

describe('setup environments keyed by lockfiles', () => {
  test('two commits with the same lockfile share one environment; a changed lockfile builds another; a later run reuses both', async () => {
    const { repo, a, b, c } = fixture();
    const counter = join(tmp(), 'count');
    const cacheDir = tmp();
    const events: SetupEvent[] = [];
    const mgr = new WorkspaceManager(new RepoCache(cacheDir), join(tmp(), 'wt'), { onSetup: (e) => events.push(e) });
    const spec = (base: string): WorkspaceSpec => ({ repo, base, setup: installLike(counter) });
    const [wa, wb] = await Promise.all([mgr.create(spec(a), 'a'), mgr.create(spec(b), 'b')]);
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');
    expect((await mgr.env(spec(a))).dir).toBe((await mgr.env(spec(b))).dir);
    // Each worktree still has its own commit's files, with the shared dependencies.
    expect(readFileSync(join(wb.dir, 'src/extra.js'), 'utf8')).toContain('z = 3');
    expect(lstatSync(join(wa.dir, 'src/extra.js'), { throwIfNoEntry: false })).toBeUndefined();
    for (const ws of [wa, wb]) expect(readFileSync(join(ws.dir, 'node_modules/dep/index.js'), 'utf8')).toContain('export default 1');
    const wc = await mgr.create(spec(c), 'c');
    expect(readFileSync(counter, 'utf8')).toBe('ran\nran\n');
    expect((await mgr.env(spec(c))).dir).not.toBe((await mgr.env(spec(a))).dir);
    expect(events.filter((e) => e.phase === 'start').map((e) => e.label)).toEqual([
      expect.stringMatching(/^package-lock\.json [0-9a-f]{8}$/),
      expect.stringMatching(/^package-lock\.json [0-9a-f]{8}$/),
    ]);
    // The record says what the environment was keyed by and how long its setup took.
    const rec = JSON.parse(readFileSync(`${(await mgr.env(spec(a))).dir}.json`, 'utf8'));
    expect(rec.keyedBy.lockfiles['package-lock.json']).toMatch(/^[0-9a-f]{40}$/);
    expect(rec.keyedBy.runtime.node).toMatch(/^v\d+\./);
    expect(rec.durationMs).toBeGreaterThan(0);
    // A later run (another manager on the same cache) builds nothing.
    const later = new WorkspaceManager(new RepoCache(cacheDir), join(tmp(), 'wt'));
    const wd = await later.create(spec(b), 'd');
    expect(readFileSync(counter, 'utf8')).toBe('ran\nran\n');
    for (const ws of [wa, wb, wc]) await mgr.remove(ws);
    await later.remove(wd);
  });

  test('settings files without a lockfile (.npmrc, pyproject.toml) do not pin an install: each commit is its own key', async () => {
    const f = calcFixture();
    const repo = loadSuite(f.suite).tasks[0]!.repo;
    const a = commit(f.repo, 'Settings', { '.npmrc': 'fund=false\n', 'pyproject.toml': '[project]\nname = "calc"\n' });
    const b = commit(f.repo, 'Add a dependency', { 'package.json': '{"name":"calc","dependencies":{"dep":"1"}}\n' });
    const counter = join(tmp(), 'count');
    const mgr = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'));
    const keys = await Promise.all([a, b].map((base) => mgr.envKey({ repo, base, setup: installLike(counter) })));
    expect(keys.map((k) => k.label)).toEqual([`commit ${a.slice(0, 8)} (no lockfile)`, `commit ${b.slice(0, 8)} (no lockfile)`]);
    for (const base of [a, b]) await mgr.remove(await mgr.create({ repo, base, setup: installLike(counter) }, `w-${base.slice(0, 6)}`));
    expect(readFileSync(counter, 'utf8')).toBe('ran\nran\n');
  });

  test('only dependency folders are carried (any depth, yarn and virtualenv too); the rest is named in the record and is in no worktree or diff', async () => {
    const { repo, a } = fixture();
    const cacheDir = tmp();
    const mgr = new WorkspaceManager(new RepoCache(cacheDir), join(tmp(), 'wt'));
    const spec = { repo, base: a, setup: installLike(join(tmp(), 'count')) };
    const ws = await mgr.create(spec, 'deps');
    expect([...ws.setupPaths].sort()).toEqual(['.venv', '.yarn/cache', 'node_modules', 'packages/a/node_modules']);
    expect(readFileSync(join(ws.dir, 'packages/a/node_modules/x/index.js'), 'utf8')).toBe('x\n');
    for (const p of ['dist', '.yarn/releases']) expect(lstatSync(join(ws.dir, p), { throwIfNoEntry: false })).toBeUndefined();
    expect(readFileSync(join(ws.dir, 'README.md'), 'utf8')).not.toContain('changed by setup');
    const rec = JSON.parse(readFileSync(`${(await mgr.env(spec)).dir}.json`, 'utf8'));
    expect(rec.leftOut).toEqual(['.yarn/releases', 'README.md', 'dist']);
    expect(rec.builtAt).toBe(a);
    expect((await mgr.diff(ws)).files).toEqual([]);
    // Package-manager caches are shared under bench's cache folder (yarn classic's too: there is no .yarnrc.yml).
    expect(readFileSync(join(ws.dir, 'node_modules/.caches'), 'utf8').trim().split('|')).toEqual([
      join(cacheDir, 'pm', 'npm'),
      join(cacheDir, 'pm', 'pnpm-store'),
      join(cacheDir, 'pm', 'yarn'),
    ]);
    await mgr.remove(ws);
  });

  test("a trial worktree's copy cannot change the shared environment: writes through every file, link and absolute link stay in the worktree", async () => {
    const { repo, a } = fixture();
    const mgr = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'));
    const spec = { repo, base: a, setup: installLike(join(tmp(), 'count')) };
    const ws = await mgr.create(spec, 'agent');
    const env = await mgr.env(spec);
    const before = snapshot(env.dir, env.paths);
    expect(before.size).toBeGreaterThan(5);
    // Every entry of the carried folders, links included (writeFileSync follows them), is overwritten.
    const written: string[] = [];
    const walk = (abs: string) => {
      const st = lstatSync(abs);
      if (st.isDirectory()) for (const name of readdirSync(abs)) walk(join(abs, name));
      else {
        writeFileSync(abs, 'tampered');
        written.push(relative(ws.dir, abs));
      }
    };
    for (const p of ws.setupPaths) walk(join(ws.dir, p));
    expect(written).toEqual(expect.arrayContaining(['node_modules/abs-link', 'node_modules/dep/rel-link', 'node_modules/dep/index.js']));
    expect(snapshot(env.dir, env.paths)).toEqual(before);
    // The absolute link now points into the worktree itself.
    expect(readFileSync(join(ws.dir, 'node_modules/dep/index.js'), 'utf8')).toBe('tampered');
    await mgr.remove(ws);
  });

  test("the harness's own runs (mining, validate) hard-link the environment instead of copying it", async () => {
    const { repo, a } = fixture();
    const mgr = new WorkspaceManager(new RepoCache(tmp()), join(tmp(), 'wt'), { linkEnv: true });
    const spec = { repo, base: a, setup: installLike(join(tmp(), 'count')) };
    const ws = await mgr.create(spec, 'mine');
    const env = await mgr.env(spec);
    for (const f of ['node_modules/dep/index.js', 'packages/a/node_modules/x/index.js', '.venv/bin/python'])
      expect(statSync(join(ws.dir, f)).ino).toBe(statSync(join(env.dir, f)).ino);
    expect(readFileSync(join(ws.dir, 'node_modules/abs-link'), 'utf8')).toContain('export default 1');
    expect((await mgr.diff(ws)).files).toEqual([]);
    await mgr.remove(ws);
    // A copying manager on the same cache gives the agent separate files.
    const copying = new WorkspaceManager(new RepoCache(mgr.cache.root), join(tmp(), 'wt'));
    const trial = await copying.create(spec, 'trial');
    expect(statSync(join(trial.dir, 'node_modules/dep/index.js')).ino).not.toBe(statSync(join(env.dir, 'node_modules/dep/index.js')).ino);
    await copying.remove(trial);
  });
});
