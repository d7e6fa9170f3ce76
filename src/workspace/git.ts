// git as the harness runs it on its own repositories and on worktrees the agent has touched. Nothing
// git could take from a place the agent wrote is used: the git dir and the work tree are named
// explicitly (a worktree's `.git` file is never read), the index and any objects git writes live in a
// folder of the harness's (so one trial's blobs never reach another trial's view), and hooks,
// fsmonitor, external diff, textconv, pagers, credential helpers and every config file but the
// repository's own are off, in an environment with none of the harness's variables.
import { runProcess, type RunResult } from '../exec/run.ts';

/** Where a git command works: a bare repository, or a work tree with its git dir named explicitly. */
export interface GitPlace {
  /** The repository (bare), or a worktree's admin folder inside its repository (`<repo>/worktrees/<name>`). */
  gitDir: string;
  /** The work tree, when the command looks at files. */
  workTree?: string;
  /** An index file of the harness's own. */
  index?: string;
  /** Where new objects go (then the repository's own are read as alternates). */
  objects?: { dir: string; alternates: string[] };
}

const SAFE_CONFIG = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.untrackedCache=false',
  'core.pager=cat',
  'core.askPass=',
  'core.sshCommand=false',
  'core.attributesFile=/dev/null',
  'core.excludesFile=/dev/null',
  'core.symlinks=true',
  'credential.helper=',
  'diff.external=',
  'protocol.allow=never',
  'safe.directory=*',
  'gc.auto=0',
  'maintenance.auto=false',
];

export class GitError extends Error {
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.name = 'GitError';
    this.stderr = stderr;
  }
}

export function gitEnv(place: GitPlace): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_DIR: place.gitDir,
    ...(place.workTree ? { GIT_WORK_TREE: place.workTree } : {}),
    ...(place.index ? { GIT_INDEX_FILE: place.index } : {}),
    ...(place.objects ? { GIT_OBJECT_DIRECTORY: place.objects.dir, GIT_ALTERNATE_OBJECT_DIRECTORIES: place.objects.alternates.join(':') } : {}),
  };
}

export interface GitRunOptions {
  input?: string;
  rawStdout?: boolean;
  maxOutputBytes?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Runs git hardened; the result as it is (the caller reads the exit code). */
export function runGit(place: GitPlace, args: string[], opts: GitRunOptions = {}): Promise<RunResult> {
  return runProcess(['git', ...SAFE_CONFIG.flatMap((c) => ['-c', c]), ...args], {
    cwd: place.workTree ?? place.gitDir,
    env: gitEnv(place),
    input: opts.input,
    rawStdout: opts.rawStdout,
    maxOutputBytes: opts.maxOutputBytes ?? 64 << 20,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 10 * 60_000,
  });
}

/** Runs git hardened; its stdout untrimmed, throwing on a non-zero exit or on output over the cap (a cut patch is no patch). */
export async function gitOut(place: GitPlace, args: string[], opts: GitRunOptions = {}): Promise<string> {
  const res = await runGit(place, args, opts);
  if (res.exitCode !== 0) throw new GitError(`git ${args[0]} failed: ${res.stderr.trim() || `exit ${res.exitCode ?? res.signal}`}`, res.stderr);
  if (res.omittedBytes) throw new GitError(`git ${args[0]} printed more than ${opts.maxOutputBytes ?? 64 << 20} bytes`, '');
  return res.stdout;
}

/**
 * Files of a commit, as bytes, read with one git process: a path the commit does not have (or that is not
 * a file) maps to null. Modes come from `ls-tree` (100644, 100755; 120000 for a link) when asked for.
 */
export async function gitFiles(
  repo: string,
  rev: string,
  paths: string[],
  opts: { modes?: boolean; maxBytes?: number } = {},
): Promise<Map<string, { data: Buffer; mode: string } | null>> {
  const out = new Map<string, { data: Buffer; mode: string } | null>();
  if (!paths.length) return out;
  const modes = new Map<string, string>();
  if (opts.modes)
    for (const entry of (await gitOut({ gitDir: repo }, ['ls-tree', '-z', '--full-tree', rev, '--', ...paths.map((p) => `:(literal)${p}`)])).split('\0')) {
      const m = /^(\d+) blob [0-9a-f]+\t(.*)$/s.exec(entry);
      if (m) modes.set(m[2]!, m[1]!);
    }
  const res = await runGit({ gitDir: repo }, ['cat-file', '--batch'], {
    input: paths.map((p) => `${rev}:${p}\n`).join(''),
    rawStdout: true,
    maxOutputBytes: opts.maxBytes ?? 256 << 20,
  });
  if (res.exitCode !== 0 || res.omittedBytes) throw new GitError(`git cat-file --batch failed: ${res.stderr.trim() || 'output over the cap'}`, res.stderr);
  const buf = res.stdoutRaw!;
  let at = 0;
  for (const p of paths) {
    const nl = buf.indexOf(10, at);
    const header = buf.subarray(at, nl).toString('utf8');
    at = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) {
      out.set(p, null); // "<object> missing" (or ambiguous): no such file in the commit
      continue;
    }
    const size = Number(m[2]);
    const data = buf.subarray(at, at + size);
    at += size + 1;
    out.set(p, m[1] === 'blob' ? { data: Buffer.from(data), mode: modes.get(p) ?? '100644' } : null);
  }
  return out;
}
