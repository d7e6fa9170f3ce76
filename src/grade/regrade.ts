// `bench regrade`: the saved patches and answers of a run graded again against the suite as it is now
// (a task's tests fixed, a docs check corrected), without running any agent. Writes a new run folder
// that names the old one; what the agents did (events, tokens, time, control figures) is carried over.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxBackend } from '../control/sandbox.ts';
import type { ContainerRuntime } from '../exec/container.ts';
import { imagesForTasks } from '../workspace/images.ts';
import { InputError, InputErrors, errorMessage } from '../errors.ts';
import { runPool } from '../exec/pool.ts';
import { RunDir, runFolder } from '../record/runDir.ts';
import type { RunManifest, TrialRecord } from '../record/schema.ts';
import type { Suite } from '../suite/load.ts';
import { hiddenFromAgents, isolationFor } from '../workspace/isolation.ts';
import { RepoCache } from '../workspace/repos.ts';
import { WorkspaceManager } from '../workspace/workspace.ts';
import { gradeTask, judgedFields } from './grade.ts';
import { sandboxedTestRunner } from './runner.ts';

export interface RegradeOptions {
  from: string;
  suite: Suite;
  outDir: string;
  runId: string;
  cacheDir: string;
  sandbox: SandboxBackend;
  /** The container runtime when `sandbox` is the container backend: tests run in each task's image. */
  runtime?: ContainerRuntime | null;
  concurrency: number;
  command: string[];
  signal: AbortSignal;
  onTrial?: (e: { done: number; total: number; record: TrialRecord; before: TrialRecord }) => void;
}

export interface RegradeResult {
  runDir: RunDir;
  records: TrialRecord[];
  regraded: number;
  /** Trials whose resolved verdict changed. */
  changed: Array<{ trial_id: string; before: boolean | null; after: boolean | null }>;
  /** Stopped by Ctrl-C: nothing was written (the original run is untouched). */
  interrupted: boolean;
}

/** Trials a regrade grades: those that reached grading (completed, or failed while grading). */
const gradable = (r: TrialRecord) => r.status === 'ok' || (r.status === 'infra_error' && r.error?.stage === 'grade');

export async function regrade(opts: RegradeOptions): Promise<RegradeResult> {
  const source = new RunDir(opts.from);
  const manifest = source.readManifest();
  const before = source.readRecords();
  const tasks = new Map(opts.suite.tasks.map((t) => [t.id, t]));
  const missing = [...new Set(before.filter(gradable).map((r) => r.task_id))].filter((id) => !tasks.has(id));
  if (missing.length) {
    throw new InputErrors(
      missing.map(
        (id) =>
          new InputError(`task "${id}" of run ${manifest.run_id} is not in suite ${opts.suite.name}`, {
            file: opts.suite.dir,
            fix: 'regrade against the suite the run replayed (--suite <dir>), or restore the task',
          }),
      ),
    );
  }
  // The tests run in each task's image, as in the replay: resolved (built) before anything is written.
  const images =
    opts.sandbox.name === 'container'
      ? await imagesForTasks(opts.runtime, [...new Set(before.filter(gradable).map((r) => tasks.get(r.task_id)!))], {
          cacheDir: opts.cacheDir,
          suite: opts.suite,
          signal: opts.signal,
        })
      : null;
  const out = new RunDir(runFolder(opts.outDir, opts.runId));
  if (out.exists()) throw new InputError(`run "${opts.runId}" already exists`, { file: out.dir, field: '--run-id', fix: 'choose another --run-id' });

  const next: RunManifest = {
    ...manifest,
    run_id: opts.runId,
    created_at: new Date().toISOString(),
    suite: { ...manifest.suite, digest: opts.suite.digest, tasks: opts.suite.tasks.length },
    command: opts.command,
    regraded_from: { run_id: manifest.run_id, dir: opts.from, suite_digest: manifest.suite.digest },
  };
  out.writeManifest(next);

  const workRoot = join(tmpdir(), `bench-regrade-${process.pid}-${opts.runId.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  const cache = new RepoCache(opts.cacheDir);
  const workspaces = new WorkspaceManager(cache, join(workRoot, 'wt'), { images });
  const hidden = hiddenFromAgents({ cacheDir: opts.cacheDir, suite: opts.suite, outDir: opts.outDir, workRoot });
  const records: TrialRecord[] = new Array(before.length);
  const todo = before.map((r, i) => i).filter((i) => gradable(before[i]!));
  let done = 0;

  const regradeOne = async (old: TrialRecord): Promise<TrialRecord> => {
    const task = tasks.get(old.task_id)!;
    const dir = out.trialDir(old.trial_id);
    const patchFile = join(dir, 'patch.diff');
    const patch = existsSync(patchFile) ? readFileSync(patchFile, 'utf8') : '';
    const answerFile = join(dir, 'answer.txt');
    const answer = existsSync(answerFile) ? readFileSync(answerFile, 'utf8') : old.output.final_message;
    const scratch = join(workRoot, 'scratch', old.trial_id);
    mkdirSync(join(scratch, 'home'), { recursive: true });
    mkdirSync(join(scratch, 'tmp'), { recursive: true });
    const t0 = performance.now();
    try {
      const isolation = await isolationFor(cache, hidden, task, [], images);
      const grade = await gradeTask(task, patch, answer, {
        workspaces,
        scratch,
        runTests: sandboxedTestRunner(scratch, opts.sandbox, isolation),
        name: old.trial_id,
        signal: opts.signal,
      });
      writeFileSync(join(dir, 'grade.log'), `${grade.note ? `note: ${grade.note}\n` : ''}${grade.log}`);
      const { out_of_scope, ...judged } = judgedFields(task, grade, { accepted: old.quality.accepted, files: old.output.files });
      const failed = grade.status === 'infra_error';
      return {
        ...old,
        run_id: opts.runId,
        status: failed ? 'infra_error' : 'ok',
        error: failed ? { stage: 'grade', message: grade.note ?? 'grading failed' } : null,
        time: { ...old.time, grade_ms: Math.round(performance.now() - t0) },
        output: { ...old.output, out_of_scope },
        ...judged,
      };
    } catch (err) {
      return { ...old, run_id: opts.runId, status: 'infra_error', error: { stage: 'grade', message: errorMessage(err) } };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  };

  // The trial folders first (events, patches, answers), then grading in a pool.
  for (const r of before) {
    const src = join(opts.from, 'trials', r.trial_id);
    if (existsSync(src)) cpSync(src, join(out.dir, 'trials', r.trial_id), { recursive: true });
  }
  before.forEach((r, i) => {
    if (!gradable(r)) records[i] = { ...r, run_id: opts.runId };
  });
  try {
    await runPool(todo, opts.concurrency, opts.signal, async (i) => {
      records[i] = await regradeOne(before[i]!);
      opts.onTrial?.({ done: ++done, total: todo.length, record: records[i]!, before: before[i]! });
    });
  } finally {
    workspaces.removeAllSync();
    rmSync(workRoot, { recursive: true, force: true });
  }
  if (opts.signal.aborted) {
    rmSync(out.dir, { recursive: true, force: true });
    return { runDir: out, records: [], regraded: 0, changed: [], interrupted: true };
  }
  out.writeRecords(records);
  const changed = records
    .map((r, i) => ({ trial_id: r.trial_id, before: before[i]!.quality.resolved, after: r.quality.resolved }))
    .filter((c) => c.before !== c.after);
  return { runDir: out, records, regraded: todo.length, changed, interrupted: false };
}
