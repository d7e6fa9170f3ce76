// What setup carried into a worktree (node_modules the repository does not ignore) is invisible to the
// agent's git (run through the control plane, in the sandbox, as the reviewer runs it) and to every figure.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { RepoCache } from '../../src/workspace/repos.ts';
import { excludePattern, WorkspaceManager } from '../../src/workspace/workspace.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { CALC_BASE_FILES, calcFixture, git, tmp, writeFiles } from '../helpers/fixtures.ts';
import { runReplay, simBackend } from '../helpers/replay.ts';
import { SHIPPED } from '../helpers/workflows.ts';

const PERFECT = SimProfile.parse({
  skill: 1,
  diligence: 1,
  writes_tests: 1,
  overreach: { scope: 0, network: 0, test_tampering: 0 },
  reviewer: { false_alarm: 0, catch_rate: 1, missing_test_rate: 1 },
  latency: { time_scale: 0 },
});

/** The calc repository without a .gitignore, with a local dependency npm installs into node_modules (and a lockfile it creates). */
function npmCalc() {
  const f = calcFixture(
    {},
    {
      '.gitignore': '# node_modules is deliberately not ignored\n',
      'package.json': JSON.stringify({ ...JSON.parse(CALC_BASE_FILES['package.json']!), dependencies: { helper: 'file:./helper' } }, null, 2) + '\n',
      'helper/package.json': '{"name":"helper","version":"1.0.0","main":"index.js"}\n',
      'helper/index.js': 'module.exports = 1;\n',
    },
  );
  const suiteFile = join(f.suite, 'suite.yaml');
  writeFileSync(suiteFile, readFileSync(suiteFile, 'utf8').replace('setup: null', 'setup: npm install --offline --no-audit --no-fund --install-links'));
  return f;
}

describe('setup products', () => {
  test('a gold-equal patch on a repository whose npm setup leaves node_modules unignored is resolved, accepted by the reviewer, with correction size 0', async () => {
    const f = npmCalc();
    const res = await runReplay(f.suite, { workflows: [loadWorkflowDir(join(SHIPPED, 'roles'))], backend: simBackend(PERFECT), runId: 'setup-products' });
    const r = res.records[0]!;
    expect(r).toMatchObject({
      status: 'ok',
      quality: { resolved: true, accepted: true, escaped_defect: false, correction_lines: 0 },
      review: { verdict: 'approve', rounds: 1 },
    });
    // The reviewer's `git status --porcelain --untracked-files=all`, run in the sandbox, lists the change and no setup product.
    const events = readFileSync(join(res.runDir.dir, 'trials', r.trial_id, 'events.jsonl'), 'utf8');
    expect(events).toMatch(/ M src\/math\.js/); // git status's own line: its output is recorded
    expect(events).not.toMatch(/\?\? node_modules|node_modules\/helper/);
    const patch = readFileSync(join(res.runDir.dir, 'trials', r.trial_id, 'patch.diff'), 'utf8');
    expect(patch).toContain('src/math.js');
    expect(patch).not.toContain('node_modules');
  });

  test("the harness's changed files leave setup products out even when the agent's exclusion is gone", async () => {
    const f = npmCalc();
    const task = loadSuite(f.suite).tasks[0]!;
    const mgr = new WorkspaceManager(new RepoCache(tmp()), tmp());
    const ws = await mgr.create({ repo: task.repo, base: task.base, setup: task.setup }, 'trial');
    try {
      expect(ws.setupPaths).toEqual(['node_modules']);
      writeFileSync(join(ws.dir, 'src/new.js'), 'export {};\n');
      // What the agent could do where nothing is read-only (sandbox none): drop the exclusion git reads for it.
      rmSync(join(ws.gitDir, 'config.worktree'), { force: true });
      rmSync(join(ws.gitDir, 'bench-setup-exclude'), { force: true });
      expect((await mgr.changedFiles(ws, task.base)).sort()).toEqual(['src/new.js']);
      expect((await mgr.diff(ws)).files).toEqual(['src/new.js']);
      // Nor does the harness hash them on the way (a real node_modules is 10,000s of files, per trial).
      const blob = git(ws.dir, 'hash-object', '--no-filters', 'node_modules/.package-lock.json');
      expect(existsSync(join(ws.own, 'objects', blob.slice(0, 2), blob.slice(2)))).toBe(false);
      const mine = git(ws.dir, 'hash-object', '--no-filters', 'src/new.js');
      expect(existsSync(join(ws.own, 'objects', mine.slice(0, 2), mine.slice(2)))).toBe(true);
    } finally {
      await mgr.remove(ws);
    }
  });
});

describe('excludePattern', () => {
  test('matches exactly the path it names, whatever characters it holds', () => {
    const repo = tmp();
    git(repo, 'init', '-q', '-b', 'main');
    const names = ['a*b', 'axb', '[ab]', 'a', 'trail ', 'trail', '!bang', 'sub/#hash', 'sub/node_modules', 'node_modules'];
    for (const n of names) writeFiles(repo, { [`${n}/f`]: 'x\n' });
    const hidden = ['a*b', '[ab]', 'trail ', '!bang', 'sub/#hash', 'node_modules'];
    writeFileSync(join(repo, '.git', 'info', 'exclude'), hidden.map(excludePattern).join('\n') + '\n');
    const listed = git(repo, 'ls-files', '-z', '--others', '--exclude-standard').split('\0').filter(Boolean);
    expect(listed.map((p) => p.replace(/\/f$/, '')).sort()).toEqual(['a', 'axb', 'sub/node_modules', 'trail'].sort());
  });
});
