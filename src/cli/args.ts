// What several commands share: flag value parsers, the cache folder, the OS sandbox choice and the check
// of two runs about to be compared. Kept light (no stage modules) because every command file imports it
// at start-up.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Comparability } from '../analyze/comparability.ts';
import type { SandboxChoice } from '../control/sandbox.ts';
import { InputError } from '../errors.ts';

export function intArg(name: string, min: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} takes a whole number >= ${min}, got "${v}"`);
    return n;
  };
}

/** What a command says on stderr about its input without stopping (a torn last line of a run's records). */
export const warn = (message: string): void => void process.stderr.write(`warning: ${message}\n`);

/** For repeatable flags: `--task a --task b` gives ['a', 'b']. */
export const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function defaultCacheDir(): string {
  return process.env.BENCH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bench');
}

/**
 * The sandbox for tasks (`--sandbox auto|bwrap|container|none`): the container backend when asked, or under
 * auto when a task names an environment, with the runtime that runs it; otherwise the host's OS sandbox.
 */
export async function sandboxForTasks(choice: string, tasks: readonly { environment: unknown }[], runtimeChoice = 'auto') {
  const wanted = choice === 'container' || (choice === 'auto' && tasks.some((t) => t.environment));
  if (!wanted) return { sandbox: await sandboxFor(choice), runtime: null };
  if (!['auto', 'podman', 'docker'].includes(runtimeChoice))
    throw new InputError(`unknown container runtime "${runtimeChoice}"`, { field: '--container-runtime', fix: 'use auto, podman or docker' });
  const { detectRuntime } = await import('../exec/container.ts');
  const runtime = await detectRuntime(runtimeChoice as 'auto' | 'podman' | 'docker');
  if ('error' in runtime)
    throw new InputError(`${choice === 'auto' ? 'the suite names container environments, but ' : ''}${runtime.error}`, {
      field: '--sandbox',
      fix: 'install Podman (apt-get install podman runc; see docs/containers.md), or pass --sandbox bwrap to run on the host toolchain',
    });
  const { containerBackend } = await import('../control/container.ts');
  const host = await sandboxFor('auto');
  return { sandbox: containerBackend({ runtime, scratch: join(defaultCacheDir(), 'seccomp'), host }), runtime };
}

/** The OS sandbox for `--sandbox auto|bwrap|none`, or an input error saying how to get one. */
export async function sandboxFor(choice: string) {
  if (choice === 'container')
    throw new InputError('this command runs on the host: it takes no container environment', { field: '--sandbox', fix: 'use auto, bwrap or none' });
  if (!['auto', 'bwrap', 'none'].includes(choice))
    throw new InputError(`unknown sandbox "${choice}"`, { field: '--sandbox', fix: 'use auto, bwrap, container or none' });
  const { detectSandbox } = await import('../control/sandbox.ts');
  const s = detectSandbox(choice as SandboxChoice);
  if ('error' in s)
    throw new InputError(s.error, {
      field: '--sandbox',
      fix: 'install bubblewrap (apt-get install bubblewrap), or pass --sandbox none to run without an OS sandbox',
    });
  return s;
}

/**
 * Two runs about to be compared (--compare, --baseline): what may explain a difference is warned, one line
 * each on stderr; runs with nothing in common are refused (exit 2) unless --force.
 */
export function checkComparable(c: Comparability, opts: { field: string; force?: boolean }): void {
  for (const w of c.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!c.refusal) return;
  if (opts.force) {
    process.stderr.write(`warning: ${c.refusal}; compared anyway (--force)\n`);
    return;
  }
  throw new InputError(c.refusal, {
    field: opts.field,
    fix: `pass as ${opts.field} a run of the same suite (or replay one on these tasks), or add --force to compare anyway`,
  });
}
