// The gold data of a task, read from its repository, in the shape the simulated model takes.
import { parsePatch } from 'diff';
import picomatch from 'picomatch';
import type { SimFileChange, SimOracle } from '../model/sim/oracle.ts';
import type { Task } from '../suite/load.ts';
import { runProcess } from '../exec/run.ts';
import { gitAt, type RepoCache } from '../workspace/repos.ts';

const stripPrefix = (name: string | undefined): string | null => (!name || name === '/dev/null' ? null : name.replace(/^[ab]\//, ''));

export async function goldChanges(cache: RepoCache, task: Exclude<Task, { kind: 'triage' }>): Promise<SimFileChange[]> {
  const mirror = await cache.mirror(task.repo);
  // Not through simple-git: its trimming would cut a hunk's trailing blank context line.
  const res = await runProcess(['git', 'diff', '--no-color', '--no-renames', '--no-ext-diff', '-U3', task.gold.from, task.gold.to, '--'], {
    cwd: mirror,
    maxOutputBytes: 32 << 20,
  });
  if (res.exitCode !== 0) throw new Error(`git diff of the gold change failed: ${res.stderr.trim()}`);
  const diff = res.stdout;
  const show = async (rev: string, path: string) => {
    try {
      return await simpleShow(mirror, `${rev}:${path}`);
    } catch {
      return '';
    }
  };
  const out: SimFileChange[] = [];
  for (const f of parsePatch(diff)) {
    const oldPath = stripPrefix(f.oldFileName);
    const newPath = stripPrefix(f.newFileName);
    const path = newPath ?? oldPath;
    if (!path || !f.hunks.length) continue; // binary or mode-only changes carry no text to write
    out.push({
      path,
      status: oldPath === null ? 'added' : newPath === null ? 'deleted' : 'modified',
      before: oldPath ? await show(task.gold.from, oldPath) : '',
      after: newPath ? await show(task.gold.to, newPath) : '',
      hunks: f.hunks.map((h) => h.lines),
      isTest: task.kind === 'pr' && task.hidden_tests.includes(path),
    });
  }
  return out;
}

async function simpleShow(mirror: string, spec: string): Promise<string> {
  // `git show` through simple-git trims the output; file contents must keep their final newline.
  const res = await runProcess(['git', 'show', spec], { cwd: mirror, maxOutputBytes: 32 << 20 });
  if (res.exitCode !== 0) throw new Error(res.stderr);
  return res.stdout;
}

export async function buildOracle(cache: RepoCache, task: Task): Promise<SimOracle> {
  const mirror = await cache.mirror(task.repo);
  const git = gitAt(mirror);
  const files = (await git.raw(['ls-tree', '-r', '--name-only', task.base])).split('\n').filter(Boolean);
  const inScope = picomatch(task.allowed_paths, { dot: true });
  let testCommand = task.kind === 'pr' ? task.test.command.replace(/\s*--test-reporter(-destination)?[= ]\S+/g, '').trim() : 'npm test';
  try {
    const pkg = JSON.parse(await simpleShow(mirror, `${task.base}:package.json`)) as { scripts?: Record<string, string> };
    if (pkg.scripts?.test) testCommand = 'npm test';
  } catch {
    // not a node package: the task's own command (without its reporter flags) is what a developer runs
  }
  return {
    taskId: task.id,
    kind: task.kind,
    request: task.request,
    changes: task.kind === 'triage' ? [] : await goldChanges(cache, task),
    testCommand,
    outOfScope: files.filter((f) => !inScope(f)).slice(0, 50),
    ...(task.kind === 'triage' ? { answer: task.expected, context: files.filter((f) => /^\.github\/(issues|labels)\.json$|^CONTRIBUTING\.md$/.test(f)) } : {}),
  };
}
