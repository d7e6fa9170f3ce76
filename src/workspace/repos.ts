// The repository cache: each source repository is cloned once into a bare mirror; each base commit
// gets a bare "base repo" holding only that commit, the tags before it, and the objects they reach:
// its own pack, no alternates, nothing shared with the mirror. Worktrees are made from the base repo,
// so an agent sees the history up to its base commit, and no plumbing command (cat-file over every
// object, a dangling blob) can find the gold change or anything later: those objects are not there.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { InputError } from '../errors.ts';
import type { ResolvedRepo, Task } from '../suite/load.ts';
import { gitOut } from './git.ts';
import { registerHolder, touchEntry } from './cacheAdmin.ts';
import { withLock } from './lock.ts';

/** simple-git, for commands whose trimmed output is fine (names, shas). */
export function gitAt(dir: string, signal?: AbortSignal): SimpleGit {
  return simpleGit({ baseDir: dir, abort: signal, trimmed: true });
}

/**
 * A git command's stdout in a bare repository of the cache, untrimmed (a patch or a file keeps its
 * final newline), hardened (see git.ts), throwing on a non-zero exit. Run directly rather than through
 * simple-git, which also waits 50 ms after any command that printed nothing (its completion detection).
 */
export function git(repo: string, args: string[], opts: { maxOutputBytes?: number; signal?: AbortSignal; input?: string } = {}): Promise<string> {
  return gitOut({ gitDir: repo }, args, opts);
}

/**
 * What marks a finished base repo of this layout (older ones shared the mirror's objects, or had no
 * per-worktree config for the setup exclusion: they are rebuilt).
 */
const BASE_LAYOUT = 'bench-base-v3';

/** The historical change of a task (gold.from to gold.to) as a binary patch, optionally without some files (the hidden tests). */
export async function goldPatch(cache: RepoCache, task: { repo: ResolvedRepo; gold: { from: string; to: string } }, without: string[] = []): Promise<string> {
  return goldDiff(await cache.mirror(task.repo), task.gold, without);
}

/** The same, read from a mirror that is already there (no lock taken, nothing cloned or fetched: what `bench view` reads). */
export function goldDiff(mirror: string, gold: { from: string; to: string }, without: string[] = []): Promise<string> {
  return git(mirror, ['diff', '--binary', '--no-color', '--no-ext-diff', gold.from, gold.to, '--', '.', ...without.map((p) => `:(exclude,top)${p}`)]);
}

export class RepoCache {
  readonly root: string;
  private readonly mirrors = new Map<string, Promise<string>>();
  private readonly bases = new Map<string, Promise<string>>();

  constructor(root: string) {
    this.root = root;
    mkdirSync(join(root, 'repos'), { recursive: true });
    mkdirSync(join(root, 'bases'), { recursive: true });
    // What this process uses stays cached while it runs (bench cache prune, the size cap).
    registerHolder(root);
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
      if (existsSync(join(dest, 'HEAD'))) {
        touchEntry(dest);
        return dest;
      }
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
      if (existsSync(join(dest, BASE_LAYOUT))) {
        touchEntry(dest);
        return dest;
      }
      rmSync(dest, { recursive: true, force: true });
      const tmp = `${dest}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      await git(tmp, ['init', '--quiet', '--bare', '--initial-branch=main']);
      // Each worktree gets its own config (config.worktree: what setup carried in is excluded there, see
      // workspace.ts). With that on, the common config's core.bare=true would apply to every worktree and
      // make git refuse them ("must be run in a work tree"), so it moves to the bare repo's own config.worktree.
      await git(tmp, ['config', 'extensions.worktreeConfig', 'true']);
      await git(tmp, ['config', '--unset', 'core.bare']);
      await git(tmp, ['config', '--worktree', 'core.bare', 'true']);
      const tags = (await git(mirror, ['for-each-ref', '--merged', sha, '--format=%(refname) %(objectname)', 'refs/tags'])).split('\n').filter(Boolean);
      // Exactly the objects the base commit and its tags reach, packed from the mirror into the base repo's own store.
      const revs = [sha, ...tags.map((l) => l.split(' ')[1]!)];
      await git(mirror, ['pack-objects', '--revs', '--delta-base-offset', '--quiet', join(tmp, 'objects', 'pack', 'pack')], { input: `${revs.join('\n')}\n` });
      await git(tmp, ['update-ref', 'refs/heads/main', sha]);
      for (const line of tags) {
        const [ref, obj] = line.split(' ');
        await git(tmp, ['update-ref', ref!, obj!]);
      }
      writeFileSync(join(tmp, BASE_LAYOUT), `${sha}\n`);
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
