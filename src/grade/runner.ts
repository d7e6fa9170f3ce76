// Grading runs the project's own tests, which now include the agent's code: in the sandbox too (no
// network, only the checkout and the report folder writable), with the clean environment of agent commands.
import { join } from 'node:path';
import { runSandboxed, type SandboxBackend } from '../control/sandbox.ts';
import type { TestRunner } from './pr.ts';

export function sandboxedTestRunner(scratch: string, sandbox: SandboxBackend, isolation: { hidden: string[]; reveal: string[] }): TestRunner {
  const home = join(scratch, 'home');
  const tmp = join(scratch, 'tmp');
  return (cmd, opts) =>
    runSandboxed(
      sandbox,
      cmd,
      { mode: 'workspace-write', network: false, workspace: opts.cwd, writable: [home, tmp, ...opts.writable], ...isolation, cwd: opts.cwd },
      {
        env: { PATH: process.env.PATH, HOME: home, TMPDIR: tmp, LANG: 'C.UTF-8', TERM: 'dumb', NO_COLOR: '1', CI: '1', ...opts.env },
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        maxOutputBytes: 512 * 1024,
      },
    );
}
