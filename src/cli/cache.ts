// `bench cache ls | prune`: what the repository cache holds (mirrors, base repositories, environments,
// package-manager caches) and removing the least recently used of it by age and size.
import { type Command, InvalidArgumentError } from 'commander';
import { defaultCacheDir } from './args.ts';

const numberArg =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} takes a number >= 0, got "${v}"`);
    return n;
  };

const ago = (ms: number, now: number) => {
  const d = (now - ms) / 86_400_000;
  return d >= 1 ? `${Math.floor(d)}d ago` : `${Math.max(0, Math.floor(d * 24))}h ago`;
};

export function cacheCommand(program: Command): void {
  const cache = program.command('cache').description(`the repository cache (${'$'}BENCH_CACHE_DIR, default ~/.cache/bench): list and prune it`);

  cache
    .command('ls')
    .description('what is cached: mirrors, base repositories, set-up environments and package-manager caches, with size and last use (least recent first)')
    .option('--json', 'print {"root","entries":[{kind,name,path,bytes,lastUsed,heldBy}],"bytes"}')
    .action(async (flags: { json?: boolean }) => {
      const { listCache, formatBytes } = await import('../workspace/cacheAdmin.ts');
      const root = defaultCacheDir();
      const entries = await listCache(root);
      const bytes = entries.reduce((n, e) => n + e.bytes, 0);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ root, entries: entries.map((e) => ({ ...e, lastUsed: new Date(e.lastUsed).toISOString() })), bytes }, null, 2)}\n`,
        );
        return;
      }
      const now = Date.now();
      for (const e of entries)
        process.stdout.write(
          `${e.kind.padEnd(6)} ${formatBytes(e.bytes).padStart(9)}  ${ago(e.lastUsed, now).padStart(8)}  ${e.name}${e.heldBy ? `  (${e.heldBy})` : ''}\n`,
        );
      process.stdout.write(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, ${formatBytes(bytes)} in ${root}\n`);
    });

  cache
    .command('prune')
    .description('remove cached entries least recently used first: by age and/or down to a size; never what a running bench holds (default: down to the cap)')
    .option('--older-than <days>', 'remove what was last used more than this many days ago', numberArg('--older-than'))
    .option('--max-size <GB>', 'then remove least recently used entries until the cache is at most this size', numberArg('--max-size'))
    .option('--dry-run', 'say what would be removed, remove nothing')
    .action(async (flags: { olderThan?: number; maxSize?: number; dryRun?: boolean }) => {
      const { cacheCap, pruneCache, formatBytes } = await import('../workspace/cacheAdmin.ts');
      const root = defaultCacheDir();
      const none = flags.olderThan === undefined && flags.maxSize === undefined;
      const maxBytes = flags.maxSize !== undefined ? flags.maxSize * 1e9 : none ? (cacheCap() ?? undefined) : undefined;
      const res = await pruneCache(root, { olderThanDays: flags.olderThan, maxBytes, dryRun: flags.dryRun });
      for (const e of res.removed) process.stdout.write(`${flags.dryRun ? 'would remove' : 'removed'} ${e.kind} ${e.name} (${formatBytes(e.bytes)})\n`);
      for (const e of res.held) process.stdout.write(`kept ${e.kind} ${e.name}: ${e.heldBy}\n`);
      process.stdout.write(
        `${res.removed.length} entr${res.removed.length === 1 ? 'y' : 'ies'} ${flags.dryRun ? 'to remove' : 'removed'}; ${formatBytes(res.bytesAfter)} left in ${root}\n`,
      );
    });
}
