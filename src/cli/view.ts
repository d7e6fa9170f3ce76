// `bench view [results-dir]`: a local, read-only browser over every run folder (run list, each run's
// report, task grid, trial timelines, patches against the gold ones, compare) on 127.0.0.1.
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { defaultCacheDir, intArg } from './args.ts';

/** A TCP port: 0 (any free one) to 65535. */
function portArg(v: string): number {
  const n = intArg('--port', 0)(v);
  if (n > 65535) throw new InvalidArgumentError(`--port takes a port from 0 to 65535, got "${v}"`);
  return n;
}

export function viewCommand(program: Command): void {
  program
    .command('view')
    .description('browse every run of a results folder in a local read-only web page on 127.0.0.1 (offline; runs still going show up as they write)')
    .argument('[results-dir]', 'folder of run folders', 'results')
    .option('--port <n>', 'port to listen on (0 = any free port)', portArg, 7447)
    .action(async (dir: string, flags: { port: number }) => {
      const { ViewServer } = await import('../report/view/server.ts');
      const server = new ViewServer({ resultsDir: resolve(dir), label: dir, port: flags.port, cacheDir: defaultCacheDir() });
      const url = await server.start();
      const runs = server.results.ids().length;
      process.stdout.write(`bench view: ${url}  (${runs} run${runs === 1 ? '' : 's'} in ${dir})\n(Ctrl-C to stop)\n`);
      await new Promise<void>((done) => {
        const stop = () => server.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
