// What docs and triage mining share: walking a repository's first-parent history, and the suite.yaml
// written next to mined tasks when the suite folder has none.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
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

/** Writes <out>/suite.yaml naming the repository when there is none; says so when an existing one does not name it. */
export function ensureSuiteFile(
  outDir: string,
  repo: ResolvedRepo,
  spec: string,
  defaults: Record<string, unknown>,
  onProgress?: (line: string) => void,
): string {
  const suiteFile = join(outDir, 'suite.yaml');
  if (!existsSync(suiteFile)) {
    const rel = relative(outDir, repo.location);
    // Relative when the suite sits near the repository; absolute when it would climb out to the root.
    const location = repo.kind === 'url' || isAbsolute(rel) || rel.split('/').filter((s) => s === '..').length > 2 ? repo.location : rel;
    writeFileSync(
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
  } else if (!readFileSync(suiteFile, 'utf8').includes(`${repo.name}:`)) {
    onProgress?.(`note: ${suiteFile} does not declare a repo named "${repo.name}": add it under repos:`);
  }
  return suiteFile;
}
