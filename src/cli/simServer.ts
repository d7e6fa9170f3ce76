// `bench sim-server <suite>`: the simulated model as an OpenAI-compatible server on loopback, so the
// real-model path (`--model openai:... --base-url ...`) can be tried and tested with no key.
import type { Command } from 'commander';
import { defaultCacheDir, intArg } from './args.ts';

export function simServerCommand(program: Command): void {
  program
    .command('sim-server')
    .description('serve the simulated model for a suite as an OpenAI-compatible API (Responses and Chat Completions) on 127.0.0.1')
    .argument('<suite>', 'suite folder whose tasks the model will be asked about')
    .option('--port <n>', 'port to listen on (0 = any free port)', intArg('--port', 0), 8787)
    .option('--seed <n>', 'the run seed the replay uses (trial seeds derive from it)', intArg('--seed', 0), 0)
    .option('--sim-profile <file>', 'YAML behaviour profile for the simulated model')
    .action(async (suiteDir: string, flags: { port: number; seed: number; simProfile?: string }) => {
      const [{ loadSimProfile }, { SimResponder }, { SimServer }, { suiteSimResolver }, { loadSuite }, { RepoCache }] = await Promise.all([
        import('../model/sim/profile.ts'),
        import('../model/sim/respond.ts'),
        import('../model/sim/server.ts'),
        import('../replay/simResolver.ts'),
        import('../suite/load.ts'),
        import('../workspace/repos.ts'),
      ]);
      const suite = loadSuite(suiteDir);
      const server = new SimServer({
        responder: new SimResponder(loadSimProfile(flags.simProfile)),
        resolve: suiteSimResolver(suite, new RepoCache(defaultCacheDir()), flags.seed),
      });
      const url = await server.start(flags.port);
      process.stdout.write(
        `simulated model for suite ${suite.name} at ${url}\n  try: bench replay ${suiteDir} --model openai:sim --base-url ${url} --seed ${flags.seed}\n(Ctrl-C to stop)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
