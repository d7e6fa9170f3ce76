// Running the real `bench` executable as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const BENCH = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bench.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function bench(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; onSpawn?: (p: ChildProcess) => void } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    opts.onSpawn?.(child);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
