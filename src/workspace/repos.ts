// The repository cache: each source repository is cloned once into a bare mirror; each base commit
// gets a small bare "base repo" whose only refs are that commit (and the tags before it), sharing the
// mirror's objects through git alternates. Worktrees are made from the base repo, so an agent running
// `git log --all` sees the history up to its base commit and never the gold change or later work.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { InputError } from '../errors.ts';
import { runProcess } from '../exec/run.ts';
import type { ResolvedRepo, Task } from '../suite/load.ts';
import { withLock } from './lock.ts';

/** simple-git, for commands whose trimmed output is fine (names, shas). */
export function gitAt(dir: string, signal?: AbortSignal): SimpleGit {
  return simpleGit({ baseDir: dir, abort: signal, trimmed: true });
}

/**
 * A git command's stdout, untrimmed (a patch or a file keeps its final newline), throwing on a non-zero
 * exit. Run directly rather than through simple-git, which also waits 50 ms after any command that
 * printed nothing (its completion detection): most of the per-trial ones (add, reset).
 */
export async function git(dir: string, args: string[], opts: { maxOutputBytes?: number; signal?: AbortSignal } = {}): Promise<string> {
  const res = await runProcess(['git', ...args], { cwd: dir, maxOutputBytes: opts.maxOutputBytes ?? 64 << 20, signal: opts.signal });
  if (res.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${res.stderr.trim() || `exit ${res.exitCode ?? res.signal}`}`);
  return res.stdout;
}

/** The historical change of a task (gold.from to gold.to) as a binary patch, optionally without some files (the hidden tests). */
export async function goldPatch(cache: RepoCache, task: { repo: ResolvedRepo; gold: { from: string; to: string } }, without: string[] = []): Promise<string> {
  return git(await cache.mirror(task.repo), [
    'diff',
    '--binary',
    '--no-color',
    '--no-ext-diff',
    task.gold.from,
    task.gold.to,
    '--',
    '.',
    ...without.map((p) => `:(exclude,top)${p}`),
  ]);
}

export class RepoCache {
  readonly root: string;
  private readonly mirrors = new Map<string, Promise<string>>();
  private readonly bases = new Map<string, Promise<string>>();

  constructor(root: string) {
    this.root = root;
    mkdirSync(join(root, 'repos'), { recursive: true });
    mkdirSync(join(root, 'bases'), { recursive: true });
  }

  private mirrorPath(repo: ResolvedRepo): string {
    return join(this.root, 'repos', `${repo.key}.git`);
  }

  /** Clones the repository into the cache once (per process, and across processes by a lock). */
  mirror(repo: ResolvedRepo): Promise<string> {
    let p = this.mirrors.get(repo.key);
    if (!p) {
      p = this.cloneMirror(repo);
      this.mirrors.set(repo.key, p);
      p.catch(() => this.mirrors.delete(repo.key));
    }
    return p;
  }

  private async cloneMirror(repo: ResolvedRepo): Promise<string> {
    const dest = this.mirrorPath(repo);
    return withLock(dest, async () => {
      if (existsSync(join(dest, 'HEAD'))) return dest;
      const tmp = `${dest}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      try {
        await simpleGit().raw(['clone', '--mirror', '--quiet', repo.location, tmp]);
      } catch (err) {
        rmSync(tmp, { recursive: true, force: true });
        throw new InputError(`cannot clone repository "${repo.name}" from ${repo.location}: ${String((err as Error).message).trim()}`, {
          field: `repos.${repo.name}`,
          fix: repo.kind === 'url' ? 'check the URL and your network/credentials' : 'check that the path is a git repository or bundle',
        });
      }
      renameSync(tmp, dest);
      return dest;
    });
  }

  /** Full sha of `rev` in the mirror, fetching from the source once if it is missing; null if it does not exist. */
  async resolveCommit(repo: ResolvedRepo, rev: string): Promise<string | null> {
    const mirror = await this.mirror(repo);
    const git = gitAt(mirror);
    const lookup = async () => {
      try {
        return (await git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])) || null;
      } catch {
        return null;
      }
    };
    const found = await lookup();
    if (found) return found;
    await withLock(mirror, () => git.raw(['fetch', '--quiet', '--prune', repo.location, '+refs/*:refs/*']).catch(() => ''));
    return lookup();
  }

  /** A bare repo whose refs stop at `sha`; objects come from the mirror via alternates. */
  baseRepo(repo: ResolvedRepo, sha: string): Promise<string> {
    const key = `${repo.key}-${sha}`;
    let p = this.bases.get(key);
    if (!p) {
      p = this.makeBaseRepo(repo, sha);
      this.bases.set(key, p);
      p.catch(() => this.bases.delete(key));
    }
    return p;
  }

  private async makeBaseRepo(repo: ResolvedRepo, sha: string): Promise<string> {
    const mirror = await this.mirror(repo);
    const dest = join(this.root, 'bases', `${repo.key}-${sha.slice(0, 16)}.git`);
    return withLock(dest, async () => {
      if (existsSync(join(dest, 'bench-base'))) return dest;
      rmSync(dest, { recursive: true, force: true });
      const tmp = `${dest}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', tmp]);
      writeFileSync(join(tmp, 'objects', 'info', 'alternates'), `${join(mirror, 'objects')}\n`);
      const git = gitAt(tmp);
      await git.raw(['update-ref', 'refs/heads/main', sha]);
      const tags = (await gitAt(mirror).raw(['for-each-ref', '--merged', sha, '--format=%(refname) %(objectname)', 'refs/tags'])).split('\n').filter(Boolean);
      for (const line of tags) {
        const [ref, obj] = line.split(' ');
        await git.raw(['update-ref', ref!, obj!]);
      }
      writeFileSync(join(tmp, 'bench-base'), `${sha}\n`);
      renameSync(tmp, dest);
      return dest;
    });
  }
}

/** The commits a task names that its repository does not have: [field, commit] pairs (base, gold.to as "gold", gold.from when it is not the base). */
export async function missingCommits(cache: RepoCache, task: Task): Promise<Array<[string, string]>> {
  const checks: Array<[string, string]> = [['base', task.base]];
  if (task.kind !== 'triage') {
    checks.push(['gold', task.gold.to]);
    if (task.gold.from !== task.base) checks.push(['gold.from', task.gold.from]);
  }
  const missing: Array<[string, string]> = [];
  for (const [field, rev] of checks) if (!(await cache.resolveCommit(task.repo, rev))) missing.push([field, rev]);
  return missing;
}
