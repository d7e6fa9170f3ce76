// The gold data of a task, read from its repository, in the shape the simulated model takes.
import { parsePatch } from 'diff';
import picomatch from 'picomatch';
import type { SimFileChange, SimOracle } from '../model/sim/oracle.ts';
import type { Task } from '../suite/load.ts';
import { git, gitAt, type RepoCache } from '../workspace/repos.ts';
import { shellQuote } from '../exec/run.ts';

const stripPrefix = (name: string | undefined): string | null => (!name || name === '/dev/null' ? null : name.replace(/^[ab]\//, ''));

export async function goldChanges(cache: RepoCache, task: Exclude<Task, { kind: 'triage' }>): Promise<SimFileChange[]> {
  const mirror = await cache.mirror(task.repo);
  // Not through simple-git: its trimming would cut a hunk's trailing blank context line.
  const diff = await git(mirror, ['diff', '--no-color', '--no-renames', '--no-ext-diff', '-U3', task.gold.from, task.gold.to, '--']);
  const show = async (rev: string, path: string) => {
    try {
      return await git(mirror, ['show', `${rev}:${path}`]);
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

export async function buildOracle(cache: RepoCache, task: Task): Promise<SimOracle> {
  const mirror = await cache.mirror(task.repo);
  const files = (await gitAt(mirror).raw(['ls-tree', '-r', '--name-only', task.base])).split('\n').filter(Boolean);
  const inScope = picomatch(task.allowed_paths, { dot: true });
  let testCommand = task.kind === 'pr' ? task.test.command.replace(/\s*--test-reporter(-destination)?[= ]\S+/g, '').trim() : 'npm test';
  // A monorepo task's tests run in its package's folder, as a developer of that package runs them.
  const at = task.kind === 'pr' ? task.test.cwd : undefined;
  if (at) testCommand = `cd ${shellQuote(at)} && ${testCommand}`;
  try {
    const pkg = JSON.parse(await git(mirror, ['show', `${task.base}:${at ? `${at}/` : ''}package.json`])) as { scripts?: Record<string, string> };
    if (pkg.scripts?.test) testCommand = at ? `cd ${shellQuote(at)} && npm test` : 'npm test';
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
    ...(task.kind === 'triage'
      ? {
          answer: task.expected,
          context: files.filter((f) => /^\.github\/(issues|labels)\.json$|^CONTRIBUTING\.md$/.test(f)),
          issue: { number: task.issue.number ?? null, title: task.issue.title },
        }
      : {}),
  };
}
