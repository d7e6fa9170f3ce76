// `bench suite validate`: every task proves it is well-formed, on fresh worktrees, with the graders that
// will judge agents.
//   pr      the gold change resolves it; the untouched base does not (every fail_to_pass fails there),
//           pass_to_pass tests pass on both; K runs flag flaky tests
//   docs    the gold change passes every check; the base fails at least one
//   triage  the expected answer parses and grades 100%
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxBackend } from '../control/sandbox.ts';
import type { ContainerRuntime } from '../exec/container.ts';
import { imagesForTasks } from '../workspace/images.ts';
import { gradeDocs } from '../grade/docs.ts';
import { testRunWith, type GradeEnv } from '../grade/pr.ts';
import type { TestResults, TestStatus } from '../grade/reports.ts';
import { sandboxedTestRunner } from '../grade/runner.ts';
import { gradeTriage } from '../grade/triage.ts';
import { hiddenFromAgents, isolationFor } from '../workspace/isolation.ts';
import { goldPatch, missingCommits, RepoCache } from '../workspace/repos.ts';
import { WorkspaceManager } from '../workspace/workspace.ts';
import type { DocsTaskSpec, PrTaskSpec, Suite, Task, TriageTaskSpec } from './load.ts';
import { uneditedMinedRequest } from './requests.ts';

export interface TaskValidity {
  id: string;
  kind: Task['kind'];
  valid: boolean;
  problems: string[];
  /** What a person should fix that does not make the task invalid (an unedited mined request). */
  warnings: string[];
}

/** Warnings of a task that need no test run. */
export function taskWarnings(task: Task): string[] {
  return uneditedMinedRequest(task)
    ? [
        `the request is the commit message as mining wrote it (commit ${task.source!.commit.slice(0, 12)}): rewrite it as the issue a developer would have filed, without the solution`,
      ]
    : [];
}

async function validatePr(task: PrTaskSpec, env: GradeEnv, cache: RepoCache, runs: number): Promise<string[]> {
  const problems: string[] = [];
  const patch = await goldPatch(cache, task, task.hidden_tests);
  const collect = async (p: string, label: string): Promise<TestResults[] | string> => {
    const out: TestResults[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await testRunWith(task, p, env, `${label}${i}`);
      if ('infra' in r) return r.infra;
      if ('unappliable' in r) return `${label}: ${r.unappliable}`;
      if (!r.results) return `${label}: the test suite produced no results (${r.problem})`;
      out.push(r.results);
    }
    return out;
  };
  const gold = await collect(patch, 'gold');
  const base = await collect('', 'base');
  if (typeof gold === 'string') return [gold];
  if (typeof base === 'string') return [base];
  const statuses = (rs: TestResults[], id: string): TestStatus[] => rs.map((r) => r.tests.get(id) ?? ('missing' as TestStatus));
  for (const id of task.fail_to_pass) {
    const g = statuses(gold, id);
    const b = statuses(base, id);
    if (g.includes('missing' as TestStatus)) problems.push(`fail_to_pass "${id}" does not exist in the gold run (renamed?)`);
    else if (g.some((s) => s !== 'pass')) problems.push(`fail_to_pass "${id}" does not pass with the gold change (${g.join(', ')})`);
    if (b.some((s) => s === 'pass')) problems.push(`fail_to_pass "${id}" already passes on the base commit`);
    if (new Set(g).size > 1 || new Set(b).size > 1) problems.push(`"${id}" is flaky over ${runs} runs (gold: ${g.join(', ')}; base: ${b.join(', ')})`);
  }
  for (const id of task.pass_to_pass) {
    const g = statuses(gold, id);
    const b = statuses(base, id);
    if (new Set(g).size > 1 || new Set(b).size > 1) problems.push(`"${id}" is flaky over ${runs} runs (gold: ${g.join(', ')}; base: ${b.join(', ')})`);
    else if (g.some((s) => s !== 'pass') || b.some((s) => s !== 'pass'))
      problems.push(`pass_to_pass "${id}" does not pass on both (gold: ${g.join(', ')}; base: ${b.join(', ')})`);
  }
  return problems;
}

async function validateDocs(task: DocsTaskSpec, env: GradeEnv, cache: RepoCache): Promise<string[]> {
  const gold = await gradeDocs(task, await goldPatch(cache, task), env);
  if (gold.status !== 'ok') return [gold.note ?? 'grading the gold change failed'];
  const problems = gold.checks.filter((c) => !c.passed).map((c) => `the gold change fails check "${c.name}": ${c.detail}`);
  const base = await gradeDocs(task, '', env);
  if (base.status !== 'ok') return [...problems, base.note ?? 'grading the base failed'];
  if (base.passed) problems.push('the unchanged base already passes every check: nothing tells the task apart from doing nothing');
  return problems;
}

function validateTriage(task: TriageTaskSpec): string[] {
  const g = gradeTriage(task, JSON.stringify(task.expected));
  const problems: string[] = [];
  if (!g.answer) problems.push(`the expected answer does not parse: ${g.parse_error}`);
  else if (!g.passed || g.scores.labels_f1 !== 1 || !g.scores.priority || !g.scores.component || !g.scores.duplicate || !g.scores.needs_info)
    problems.push(`the expected answer does not grade 100%: ${JSON.stringify(g.scores)}`);
  return problems;
}

export interface ValidateOptions {
  cacheDir: string;
  sandbox: SandboxBackend;
  /** The container runtime when `sandbox` is the container backend: tests run in each task's image. */
  runtime?: ContainerRuntime | null;
  runs: number;
  tasks?: string[];
  onTask?: (v: TaskValidity) => void;
}

export async function validateSuite(suite: Suite, opts: ValidateOptions): Promise<TaskValidity[]> {
  const cache = new RepoCache(opts.cacheDir);
  const root = join(tmpdir(), `bench-validate-${process.pid}`);
  mkdirSync(join(root, 'scratch', 'home'), { recursive: true });
  mkdirSync(join(root, 'scratch', 'tmp'), { recursive: true });
  // Only the repository's own code runs here (gold and base, never an agent's change): hard links are safe and fast.
  const chosen = suite.tasks.filter((t) => !opts.tasks?.length || opts.tasks.includes(t.id));
  const images = opts.sandbox.name === 'container' ? await imagesForTasks(opts.runtime, chosen, { cacheDir: opts.cacheDir, suite }) : null;
  const workspaces = new WorkspaceManager(cache, join(root, 'wt'), { linkEnv: true, images });
  // The same view a replay's grading gets.
  const hidden = hiddenFromAgents({ cacheDir: opts.cacheDir, suite, workRoot: root });
  const out: TaskValidity[] = [];
  try {
    for (const task of chosen) {
      let problems: string[];
      try {
        const missing = (await missingCommits(cache, task)).map(([field, rev]) => `${field}: commit ${rev} not found in ${task.repo.name}`);
        if (missing.length) problems = missing;
        else {
          const isolation = await isolationFor(cache, hidden, task, [], images);
          const env: GradeEnv = {
            workspaces,
            scratch: join(root, 'scratch'),
            runTests: sandboxedTestRunner(join(root, 'scratch'), opts.sandbox, isolation),
            name: task.id,
          };
          problems =
            task.kind === 'pr'
              ? await validatePr(task, env, cache, opts.runs)
              : task.kind === 'docs'
                ? await validateDocs(task, env, cache)
                : validateTriage(task);
        }
      } catch (err) {
        problems = [`could not validate: ${err instanceof Error ? err.message : String(err)}`];
      }
      const v = { id: task.id, kind: task.kind, valid: problems.length === 0, problems, warnings: taskWarnings(task) };
      out.push(v);
      opts.onTask?.(v);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}
