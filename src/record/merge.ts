// `bench merge`: shards (or any runs of the same suite, workflows and harness) joined into one run
// folder that report and gate read like any other. Runs that do not belong together are refused
// unless forced; a trial in two runs is always refused.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, InputErrors } from '../errors.ts';
import { RunDir, runFolder } from './runDir.ts';
import type { RunManifest, TrialRecord } from './schema.ts';

export interface MergeOptions {
  /** Join runs that differ in suite, workflows, model, seed or harness (the differences are listed in the manifest's merged_from). */
  force?: boolean;
  command: string[];
}

export interface MergeResult {
  runDir: RunDir;
  manifest: RunManifest;
  records: number;
  /** Things worth knowing that do not stop the merge (a missing shard, forced differences). */
  warnings: string[];
}

/** Run folders from the arguments: a folder without run.json stands for the run folders inside it (a downloaded artifact tree). */
export function expandRunDirs(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (existsSync(join(a, 'run.json')) || !existsSync(a) || !statSync(a).isDirectory()) {
      out.push(a);
      continue;
    }
    const inner = readdirSync(a)
      .map((d) => join(a, d))
      .filter((d) => existsSync(join(d, 'run.json')))
      .sort();
    out.push(...(inner.length ? inner : [a]));
  }
  return out;
}

export type ManifestAspect = 'suite' | 'workflows' | 'harness version' | 'engine' | 'model' | 'seed' | 'repeat' | 'shard' | 'task filter' | 'task environments';

/**
 * The task environments two runs used, said so that they differ only where a task ran on another toolchain:
 * one on the host and the other in containers, or an environment both declare pinned to different images
 * (shards of one run may each use only some of the suite's environments).
 */
function environmentsOf(a: RunManifest, b: RunManifest): [string, string] {
  const say = (m: RunManifest, keys: Set<string>) =>
    m.environments.length
      ? m.environments
          .filter((e) => keys.has(e.declared))
          .map((e) => `${e.declared}=${e.image_id.slice(0, 19)}`)
          .sort()
          .join(', ') || 'containers'
      : 'the host';
  const both = new Set(a.environments.map((e) => e.declared).filter((d) => b.environments.some((e) => e.declared === d)));
  return [say(a, both), say(b, both)];
}

/** How two runs' manifests differ in what makes their trials comparable: [what, a's, b's] for each aspect that differs. */
export function manifestDifferences(a: RunManifest, b: RunManifest): Array<[ManifestAspect, string, string]> {
  const aspects: Array<[ManifestAspect, (m: RunManifest) => string]> = [
    ['suite', (m) => `${m.suite.name}@${m.suite.digest.slice(0, 19)}`],
    [
      'workflows',
      (m) =>
        m.workflows
          .map((w) => `${w.name}@${w.digest.slice(0, 19)}`)
          .sort()
          .join(', '),
    ],
    ['harness version', (m) => `${m.harness.version}${m.harness.git_sha ? ` (${m.harness.git_sha.slice(0, 10)})` : ''}`],
    ['engine', (m) => m.engine],
    ['model', (m) => `${m.model.backend}:${m.model.name}`],
    ['seed', (m) => String(m.seed)],
    ['repeat', (m) => String(m.repeat)],
    ['shard', (m) => (m.shard ? `${m.shard.index}/${m.shard.total}` : 'none')],
    [
      'task filter',
      (m) =>
        [
          m.filters.limit === null ? '' : `--limit ${m.filters.limit}`,
          ...[...m.filters.tasks].sort().map((t) => `--task ${t}`),
          ...[...m.filters.tags].sort().map((t) => `--tag ${t}`),
        ]
          .filter(Boolean)
          .join(' ') || 'none',
    ],
  ];
  const envs = environmentsOf(a, b);
  return [
    ...aspects.flatMap(([what, f]): Array<[ManifestAspect, string, string]> => (f(a) === f(b) ? [] : [[what, f(a), f(b)]])),
    ...(envs[0] === envs[1] ? [] : [['task environments', ...envs] as [ManifestAspect, string, string]]),
  ];
}

export function mergeRuns(dirs: string[], outDir: string, opts: MergeOptions): MergeResult {
  if (dirs.length < 1) throw new InputError('nothing to merge', { field: '<run...>', fix: 'name the run folders (shards) to join' });
  // The folder's name becomes the run id.
  const out = new RunDir(runFolder(dirname(outDir), basename(outDir), '--out'));
  if (out.exists() || (existsSync(outDir) && readdirSync(outDir).length)) {
    throw new InputError('the output folder already exists and is not empty', {
      file: outDir,
      field: '--out',
      fix: 'choose a new --out folder, or remove this one',
    });
  }
  const warnings: string[] = [];
  const runs = dirs.map((d) => {
    const run = new RunDir(d);
    return { dir: d, manifest: run.readManifest(), records: run.readRecords({ warn: (w) => warnings.push(w) }), run };
  });
  const first = runs[0]!;
  const problems: InputError[] = [];
  for (const r of runs.slice(1)) {
    // Shards of one run differ in their shard by design; runs of other tasks of the suite may be joined.
    const diff = manifestDifferences(first.manifest, r.manifest)
      .filter(([what]) => what !== 'shard' && what !== 'task filter')
      .map(([what, a, b]) => `${what}: ${a} vs ${b}`);
    if (!diff.length) continue;
    if (opts.force) warnings.push(`${r.manifest.run_id} differs from ${first.manifest.run_id} (${diff.join('; ')}): merged because of --force`);
    else
      problems.push(
        new InputError(`run ${r.manifest.run_id} does not belong with ${first.manifest.run_id}: ${diff.join('; ')}`, {
          file: r.dir,
          fix: 'merge shards of one replay (same suite, workflows, model, seed and bench version), or pass --force to join them anyway',
        }),
      );
  }
  const seen = new Map<string, string>();
  for (const r of runs) {
    for (const rec of r.records) {
      const other = seen.get(rec.trial_id);
      if (other !== undefined) {
        problems.push(
          new InputError(`trial ${rec.trial_id} is in both ${other} and ${r.manifest.run_id}`, {
            file: r.dir,
            fix: 'merge each shard once (a run given twice, or two runs of the same shard?)',
          }),
        );
      }
      seen.set(rec.trial_id, r.manifest.run_id);
    }
  }
  if (problems.length) throw new InputErrors(problems);

  const shards = runs.map((r) => r.manifest.shard);
  let planned = runs.reduce((n, r) => n + r.manifest.trials_planned, 0);
  if (shards.every((s) => s !== null) && new Set(shards.map((s) => s!.total)).size === 1) {
    const total = shards[0]!.total;
    const have = new Set(shards.map((s) => s!.index));
    const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !have.has(i));
    planned = Math.max(planned, shards[0]!.trials_total);
    if (missing.length) warnings.push(`shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${total} missing: the merged run is incomplete`);
  }
  const recorded = runs.reduce((n, r) => n + r.records.length, 0);
  if (recorded < planned) warnings.push(`${recorded} of ${planned} planned trials recorded`);

  const runId = basename(outDir);
  const manifest: RunManifest = {
    ...first.manifest,
    run_id: runId,
    created_at: new Date().toISOString(),
    concurrency: Math.max(...runs.map((r) => r.manifest.concurrency)),
    shard: null,
    trials_planned: planned,
    command: opts.command,
    merged_from: runs.map((r) => ({
      run_id: r.manifest.run_id,
      dir: r.dir,
      shard: r.manifest.shard ? { index: r.manifest.shard.index, total: r.manifest.shard.total } : null,
      trials: r.records.length,
    })),
  };
  out.writeManifest(manifest);
  const merged: TrialRecord[] = [];
  for (const r of runs) {
    for (const rec of r.records) {
      const src = join(r.dir, 'trials', rec.trial_id);
      if (existsSync(src)) cpSync(src, join(outDir, 'trials', rec.trial_id), { recursive: true });
      merged.push({ ...rec, run_id: runId });
    }
  }
  out.writeRecords(merged);
  return { runDir: out, manifest, records: merged.length, warnings };
}
