// Grading runs the project's own tests, which now include the agent's code: in the sandbox too (no
// network, only the checkout and the report folder writable), with the clean environment of agent
// commands. What that code tried and the sandbox stopped (the network, writes outside) is logged as the
// trial's control events, stage `grade`: the agent's code made the attempt, even if the agent did not.
import { observedDenials } from '../control/classify.ts';
import { commandEnv, MARK_ENV, runSandboxed, type SandboxBackend } from '../control/sandbox.ts';
import type { EventLog } from '../record/events.ts';
import type { Isolation } from '../workspace/isolation.ts';
import type { TestRunner } from './pr.ts';

export function sandboxedTestRunner(scratch: string, sandbox: SandboxBackend, isolation: Isolation, events?: EventLog, mark?: string): TestRunner {
  const { env, home, tmp } = commandEnv(scratch, mark ? { [MARK_ENV]: mark } : {});
  let runs = 0;
  return async (cmd, opts) => {
    const res = await runSandboxed(
      sandbox,
      cmd,
      { mode: 'workspace-write', network: false, workspace: opts.cwd, writable: [home, tmp, ...opts.writable], ...isolation, cwd: opts.workdir ?? opts.cwd },
      {
        env: { ...env, ...opts.env },
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        maxOutputBytes: 512 * 1024,
      },
    );
    // The untouched base's run (telling a broken suite from a broken patch) is the project's, not the agent's.
    if (events && opts.label !== 'pristine' && sandbox.name !== 'none') {
      const base = { role: 'grader', call_id: `grade-${++runs}`, tool: 'test_run' };
      for (const d of observedDenials(base, {
        command: cmd,
        output: res.output,
        exitCode: res.exitCode,
        networkOff: true,
        sandboxed: true,
        attempts: res.observed.networkAttempts,
      }))
        events.emit(d.type, { ...d.data, stage: 'grade' });
      if (res.observed.tamper)
        events.emit('decision', { ...base, stage: 'grade', class: 'tamper', verdict: 'deny', observed: true, reason: res.observed.tamper });
    }
    return res;
  };
}
