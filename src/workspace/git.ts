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

/** A file of a commit, as bytes (null when the commit has no such file), with its mode (100644, 100755, 120000 for a link). */
export async function gitFile(repo: string, rev: string, path: string, maxBytes = 64 << 20): Promise<{ data: Buffer; mode: string } | null> {
  const entry = (await gitOut({ gitDir: repo }, ['ls-tree', '-z', '--full-tree', rev, '--', path])).split('\0')[0];
  const m = entry ? /^(\d+) blob ([0-9a-f]+)\t/.exec(entry) : null;
  if (!m) return null;
  const res = await runGit({ gitDir: repo }, ['cat-file', 'blob', m[2]!], { rawStdout: true, maxOutputBytes: maxBytes });
  if (res.exitCode !== 0) throw new GitError(`git cat-file failed: ${res.stderr.trim()}`, res.stderr);
  if (res.omittedBytes) throw new GitError(`${rev}:${path} is larger than ${maxBytes} bytes`, '');
  return { data: res.stdoutRaw!, mode: m[1]! };
}
