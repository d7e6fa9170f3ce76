// What docs and triage mining share: walking a repository's first-parent history, and the suite.yaml
// written next to mined tasks when the suite folder has none.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, parseDocument, stringify } from 'yaml';
import { InputError } from '../errors.ts';
import { git } from '../workspace/repos.ts';
import type { ResolvedRepo } from './load.ts';

/** bench's JSON Schemas for suite and task files (see emitSchemas.ts). */
const SCHEMAS = fileURLToPath(new URL('../../suites/schemas/', import.meta.url));

/**
 * The editor hint at the top of a mined file: its schema, by a path relative to the file (wherever the
 * suite is written, inside bench's suites/ or in the user's repository).
 */
export function schemaComment(file: string, kind: 'task' | 'suite'): string {
  return `# yaml-language-server: $schema=${relative(dirname(file), join(SCHEMAS, `${kind}.schema.json`))}`;
}

export interface HistoryCommit {
  sha: string;
  parent: string;
  subject: string;
  body: string;
  /** Committer date, ISO 8601. */
  date: string;
}

/** First-parent history, newest first (a merge stands for its whole branch, compared with its first parent). */
export async function firstParentLog(mirror: string, opts: { since?: string; rev?: string } = {}): Promise<HistoryCommit[]> {
  const log = await git(mirror, [
    'log',
    '--first-parent',
    '--format=%H%x00%P%x00%cI%x00%s%x00%b%x1e',
    ...(opts.since ? [`--since=${opts.since}`] : []),
    opts.rev ?? 'HEAD',
  ]);
  return log
    .split('\x1e')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => {
      const [sha, parents, date, subject, body] = e.split('\0');
      return { sha: sha!, parent: parents!.split(' ')[0] ?? '', date: date!, subject: subject!, body: (body ?? '').trim() };
    });
}

/** One commit, looked up the same way (for --commit). */
export async function oneCommit(mirror: string, sha: string): Promise<HistoryCommit> {
  const [parents, date, subject, body] = (await git(mirror, ['show', '-s', '--format=%P%x00%cI%x00%s%x00%b', sha])).split('\0');
  return { sha, parent: parents!.split(' ')[0] ?? '', date: date!.trim(), subject: subject!, body: body!.trim() };
}

/**
 * Writes <out>/suite.yaml naming the repository when there is none, and adds the repository to an existing
 * one that does not declare it (see checkRepoKey for a key already taken).
 */
export function ensureSuiteFile(
  outDir: string,
  repo: ResolvedRepo,
  spec: string,
  defaults: Record<string, unknown>,
  onProgress?: (line: string) => void,
): string {
  const suiteFile = join(outDir, 'suite.yaml');
  const rel = relative(outDir, repo.location);
  // Relative when the suite sits near the repository; absolute when it would climb out to the root.
  const location = repo.kind === 'url' || isAbsolute(rel) || rel.split('/').filter((s) => s === '..').length > 2 ? repo.location : rel;
  if (!existsSync(suiteFile)) {
    writeAtomic(
      suiteFile,
      `${schemaComment(suiteFile, 'suite')}\n${stringify(
        {
          name: basename(outDir).replace(/[^A-Za-z0-9._-]/g, '-'),
          description: `Tasks mined from ${spec}`,
          repos: { [repo.name]: { [repo.kind]: location } },
          defaults,
        },
        { lineWidth: 0 },
      )}`,
    );
    return suiteFile;
  }
  checkRepoKey(outDir, repo);
  const doc = parseDocument(readFileSync(suiteFile, 'utf8'));
  const declared = doc.getIn(['repos', repo.name]) as unknown;
  if (declared === undefined) {
    if (doc.errors.length || (doc.get('repos') !== undefined && !isMap(doc.get('repos')))) {
      onProgress?.(`note: ${suiteFile} does not declare a repo named "${repo.name}": add it under repos:`);
      return suiteFile;
    }
    doc.setIn(['repos', repo.name], doc.createNode({ [repo.kind]: location }));
    writeAtomic(suiteFile, doc.toString({ lineWidth: 0 }));
    onProgress?.(`added repository "${repo.name}" to ${suiteFile}`);
    return suiteFile;
  }
  return suiteFile;
}

/**
 * Refuses, before any work, a repository key the suite at <out> already gives to another repository (two
 * repositories of the same name would collide): the fix is `--name`.
 */
export function checkRepoKey(outDir: string, repo: ResolvedRepo): void {
  const suiteFile = join(outDir, 'suite.yaml');
  if (!existsSync(suiteFile)) return;
  const declared = parseDocument(readFileSync(suiteFile, 'utf8')).getIn(['repos', repo.name]) as unknown;
  if (declared === undefined) return;
  const ref = (isMap(declared) ? declared.toJSON() : {}) as Record<string, unknown>;
  const raw = ref.url ?? ref.path ?? ref.bundle;
  const same = typeof raw === 'string' && (ref.url !== undefined ? raw === repo.location : resolve(outDir, raw) === repo.location);
  if (!same)
    throw new InputError(`the suite already has a repository named "${repo.name}" (${String(raw)}), not ${repo.location}`, {
      file: suiteFile,
      field: `repos.${repo.name}`,
      fix: 'give this repository another key with --name <key>',
    });
}

/** Replaces a file whole (a reader, or an interrupted run, never sees half of it). */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
