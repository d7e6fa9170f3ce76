// Grading runs the project's own tests, which now include the agent's code: in the sandbox too (no
// network, only the checkout and the report folder writable), with the clean environment of agent commands.
import { commandEnv, runSandboxed, type SandboxBackend } from '../control/sandbox.ts';
import type { TestRunner } from './pr.ts';

export function sandboxedTestRunner(scratch: string, sandbox: SandboxBackend, isolation: { hidden: string[]; reveal: string[] }): TestRunner {
  const { env, home, tmp } = commandEnv(scratch);
  return (cmd, opts) =>
    runSandboxed(
      sandbox,
      cmd,
      { mode: 'workspace-write', network: false, workspace: opts.cwd, writable: [home, tmp, ...opts.writable], ...isolation, cwd: opts.cwd },
      {
        env: { ...env, ...opts.env },
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        maxOutputBytes: 512 * 1024,
      },
    );
}
