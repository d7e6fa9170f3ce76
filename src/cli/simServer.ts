// `bench sim-server <suite>`: the simulated model as an OpenAI-compatible server on loopback, so the
// real-model path (`--model openai:... --base-url ...`) can be tried and tested with no key.
import type { Command } from 'commander';
import { loadSimProfile } from '../model/sim/profile.ts';
import { SimResponder } from '../model/sim/respond.ts';
import { SimServer } from '../model/sim/server.ts';
import { suiteSimResolver } from '../replay/simResolver.ts';
import { loadSuite } from '../suite/load.ts';
import { RepoCache } from '../workspace/repos.ts';
import { intArg } from './args.ts';
import { defaultCacheDir } from './replay.ts';

export function simServerCommand(program: Command): void {
  program
    .command('sim-server')
    .description('serve the simulated model for a suite as an OpenAI-compatible API (Responses and Chat Completions) on 127.0.0.1')
    .argument('<suite>', 'suite folder whose tasks the model will be asked about')
    .option('--port <n>', 'port to listen on (0 = any free port)', intArg('--port', 0), 8787)
    .option('--seed <n>', 'the run seed the replay uses (trial seeds derive from it)', intArg('--seed', 0), 0)
    .option('--sim-profile <file>', 'YAML behaviour profile for the simulated model')
    .action(async (suiteDir: string, flags: { port: number; seed: number; simProfile?: string }) => {
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
