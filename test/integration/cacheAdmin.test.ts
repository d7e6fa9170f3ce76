// `bench cache ls | prune` and the size cap, on a real cache made by mining a repository made here, in a
// temp BENCH_CACHE_DIR: what is listed, what goes (least recently used, by age, by size), and what a
// running bench holds staying.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bench } from '../helpers/cli.ts';
import { calcFixture, tmp } from '../helpers/fixtures.ts';

const SETUP = 'mkdir -p node_modules/dep && head -c 200000 /dev/urandom > node_modules/dep/blob.bin';
const REPOS = join(import.meta.dirname, '..', '..', 'src', 'workspace', 'repos.ts');

interface Listed {
  kind: string;
  name: string;
  path: string;
  bytes: number;
  heldBy: string | null;
}

async function ls(cacheDir: string): Promise<Listed[]> {
  const res = await bench(['cache', 'ls', '--json'], { env: { BENCH_CACHE_DIR: cacheDir } });
  expect(res.code, res.stderr).toBe(0);
  return (JSON.parse(res.stdout) as { entries: Listed[] }).entries;
}

/** A cache holding calc's mirror, base repository and environment (mined by a bench process that has exited). */
async function minedCache(): Promise<{ cacheDir: string; repo: string }> {
  const f = calcFixture({}, { 'package-lock.json': '{"lockfileVersion":3}\n' });
  const cacheDir = tmp();
  const res = await bench(['suite', 'mine', '--repo', f.repo, '--out', join(tmp(), 'suite'), '--limit', '1', '--setup', SETUP], {
    env: { BENCH_CACHE_DIR: cacheDir },
  });
  expect(res.stdout, res.stderr).toMatch(/^1 task\(s\) written/m);
  return { cacheDir, repo: f.repo };
}

const daysAgo = (path: string, days: number) => {
  const t = new Date(Date.now() - days * 86_400_000);
  utimesSync(path, t, t);
};

describe('bench cache', () => {
  test('ls lists mirrors, base repositories and environments with their size; prune --older-than removes what was last used before', async () => {
    const { cacheDir } = await minedCache();
    const entries = await ls(cacheDir);
    const kinds = entries.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['mirror', 'base', 'env']));
    const env = entries.find((e) => e.kind === 'env')!;
    expect(env.bytes).toBeGreaterThan(200_000);
    const text = await bench(['cache', 'ls'], { env: { BENCH_CACHE_DIR: cacheDir } });
    expect(text.stdout).toMatch(new RegExp(`^env +\\d+ kB +0h ago  ${env.name}$`, 'm'));
    expect(text.stdout).toMatch(/^3 entries, \d+ kB in /m);

    // The environment was last used 10 days ago; the rest today.
    daysAgo(`${env.path}.json`, 10);
    const pruned = await bench(['cache', 'prune', '--older-than', '5'], { env: { BENCH_CACHE_DIR: cacheDir } });
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain(`removed env ${env.name}`);
    const after = await ls(cacheDir);
    expect(after.map((e) => e.kind).sort()).toEqual(kinds.filter((k) => k !== 'env').sort());
    expect(readdirSync(join(cacheDir, 'env')).filter((n) => n.startsWith(env.name))).toEqual([]);
  });

  test('prune --max-size removes least recently used first, and never what a running bench holds', async () => {
    const { cacheDir, repo } = await minedCache();
    const entries = await ls(cacheDir);
    const mirror = entries.find((e) => e.kind === 'mirror')!;
    const base = entries.find((e) => e.kind === 'base')!;
    const env = entries.find((e) => e.kind === 'env')!;
    for (const e of entries) daysAgo(e.kind === 'env' ? `${e.path}.json` : e.path, 3);
    daysAgo(base.path, 1);

    // A running bench uses the mirror (a real process opening the cache), and another builds the environment (its lock).
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { RepoCache } from ${JSON.stringify(REPOS)}; import { resolveRepo } from ${JSON.stringify(REPOS.replace('workspace/repos.ts', 'suite/load.ts'))};
         await new RepoCache(${JSON.stringify(cacheDir)}).mirror(resolveRepo({ path: ${JSON.stringify(repo)} }, 'calc', '/'));
         console.log('ready'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
      mkdirSync(`${env.path}.lock`);
      writeFileSync(`${env.path}.lock/pid`, `${holder.pid}`);

      const held = await ls(cacheDir);
      expect(held.find((e) => e.path === mirror.path)!.heldBy).toBe('used by a running bench');
      expect(held.find((e) => e.path === env.path)!.heldBy).toBe('being built by a running bench');
      expect(held.find((e) => e.path === base.path)!.heldBy).toBeNull();

      const res = await bench(['cache', 'prune', '--max-size', '0'], { env: { BENCH_CACHE_DIR: cacheDir } });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain(`removed base ${base.name}`);
      expect(res.stdout).toContain(`kept mirror ${mirror.name}: used by a running bench`);
      expect(res.stdout).toContain(`kept env ${env.name}: being built by a running bench`);
      expect((await ls(cacheDir)).map((e) => e.path).sort()).toEqual([mirror.path, env.path].sort());
    } finally {
      holder.kill();
    }
    // Once it has exited, nothing holds them.
    await new Promise((r) => holder.once('exit', r));
    const res = await bench(['cache', 'prune', '--max-size', '0'], { env: { BENCH_CACHE_DIR: cacheDir } });
    expect(res.stdout).toContain(`removed mirror ${mirror.name}`);
  });

  /** A cache holding only an environment from long ago, 2 MB. */
  const oldCache = () => {
    const cacheDir = tmp();
    const old = join(cacheDir, 'env', 'old-lock-0123456789abcdef');
    mkdirSync(join(old, 'node_modules'), { recursive: true });
    writeFileSync(join(old, 'node_modules', 'big.bin'), Buffer.alloc(2_000_000, 1));
    writeFileSync(`${old}.json`, '{}');
    daysAgo(`${old}.json`, 30);
    return cacheDir;
  };

  test('after a replay, the cache is cut down to BENCH_CACHE_MAX_GB', async () => {
    const f = calcFixture();
    const cacheDir = oldCache();
    const res = await bench(['replay', f.suite, '--out', tmp(), '--run-id', 'cap'], { env: { BENCH_CACHE_DIR: cacheDir, BENCH_CACHE_MAX_GB: '0.001' } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/cache: removed 1 least recently used entry \(2\.\d MB\) to stay under 1\.0 MB/);
    expect((await ls(cacheDir)).map((e) => e.kind).sort()).toEqual(['base', 'mirror']);
  });

  test('after a mine, the cache is cut down to BENCH_CACHE_MAX_GB, least recently used first', async () => {
    const f = calcFixture({}, { 'package-lock.json': '{"lockfileVersion":3}\n' });
    const cacheDir = oldCache();
    const res = await bench(['suite', 'mine', '--repo', f.repo, '--out', join(tmp(), 'suite'), '--limit', '1', '--setup', SETUP], {
      env: { BENCH_CACHE_DIR: cacheDir, BENCH_CACHE_MAX_GB: '0.001' },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/cache: removed 1 least recently used entry \(2\.\d MB\) to stay under 1\.0 MB \(BENCH_CACHE_MAX_GB\)/);
    const left = await ls(cacheDir);
    expect(left.map((e) => e.name)).not.toContain('old-lock-0123456789abcdef');
    expect(left.map((e) => e.kind)).toEqual(expect.arrayContaining(['mirror', 'base', 'env']));
  });
});
