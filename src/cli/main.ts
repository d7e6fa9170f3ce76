// The `bench` program: commands are registered here; each lives in its own file, which defines its
// flags and loads the modules doing the work only when it runs (`bench gate` never loads the Agents
// SDK, `bench merge --help` loads nothing but commander).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { InputError } from '../errors.ts';
import { closeInheritedDescriptors } from '../exec/run.ts';
import { cacheCommand } from './cache.ts';
import { ciCommand } from './ci.ts';
import { gateCommand } from './gate.ts';
import { initCommand } from './init.ts';
import { mergeCommand } from './merge.ts';
import { regradeCommand } from './regrade.ts';
import { replayCommand } from './replay.ts';
import { reportCommand } from './report.ts';
import { simServerCommand } from './simServer.ts';
import { suiteCommand } from './suite.ts';
import { viewCommand } from './view.ts';
import { workflowCommand } from './workflow.ts';

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function program(): Command {
  const p = new Command('bench')
    .description('replay historical tasks through coding-agent workflows, compare them, and gate rollouts')
    .version(version())
    .showHelpAfterError()
    .exitOverride();
  initCommand(p);
  replayCommand(p);
  reportCommand(p);
  viewCommand(p);
  mergeCommand(p);
  regradeCommand(p);
  gateCommand(p);
  ciCommand(p);
  simServerCommand(p);
  workflowCommand(p);
  suiteCommand(p);
  cacheCommand(p);
  return p;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 bad input). */
export async function main(argv: string[]): Promise<number> {
  // Nothing bench starts (agent commands, hooks) may write to what the process that started bench left open.
  closeInheritedDescriptors();
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof InputError) {
      process.stderr.write(`error: ${err.format()}\n`);
      return 2;
    }
    process.stderr.write(`bench: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
