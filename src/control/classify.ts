// What a shell command is, read from its text before it runs: a test run, a network attempt.
// Network attempts are also recognised after the fact from the failure a sandbox without network gives.
import { clip } from '../record/events.ts';

const TEST_RUNNER =
  /(^|[;&|(\s])(npm|pnpm|yarn|bun)\s+(run\s+)?test\b|\bnode\s+(--[\w-]+(=\S+)?\s+)*--test\b|\b(vitest|jest|mocha|ava|tap|pytest|tox)\b|\bgo\s+test\b|\bcargo\s+test\b|\bmake\s+(check|test)\b/;

export function isTestCommand(cmd: string): boolean {
  return TEST_RUNNER.test(cmd);
}

const NETWORK_TOOL =
  /(^|[;&|(\s`$])(curl|wget|nc|ncat|netcat|telnet|ssh|scp|rsync|ftp|ping|dig|nslookup|host)\b|\bgit\s+(clone|fetch|pull|push|ls-remote)\b|\b(npm|pnpm|yarn)\s+(install|i|add|ci|publish|view|info)\b|\bpip3?\s+install\b|\bfetch\(\s*['"`]https?:\/\/(?!127\.0\.0\.1|localhost)|https?:\/\/(?!127\.0\.0\.1|localhost)/;

/** A command that would reach the network if allowed to (judged from its text). */
export function looksLikeNetwork(cmd: string): boolean {
  return NETWORK_TOOL.test(cmd);
}

const NETWORK_FAILURE =
  /Could not resolve host|Temporary failure in name resolution|getaddrinfo (ENOTFOUND|EAI_AGAIN)|Network is unreachable|ENETUNREACH|EAI_AGAIN|connect ECONNREFUSED|Failed to connect to|Connection refused|fetch failed/i;

/** Output that shows a command tried the network and was stopped (by the sandbox or the machine). */
export function showsNetworkFailure(output: string): boolean {
  return NETWORK_FAILURE.test(output);
}

/** A write the kernel refused because the mount is read-only: the error line shells, coreutils, Node and Python print. */
const READ_ONLY_LINE = /^.*(?:: Read-only file system\s*$|\bEROFS: read-only file system\b|\[Errno 30\] Read-only file system\b).*$/im;
const READ_ONLY = /Read-only file system|\bEROFS\b/i;
/** A write refused by a sandbox (read-only mount, permissions, Codex's writable roots). */
const WRITE_REFUSED =
  /Read-only file system|\bEROFS\b|Permission denied|\bEACCES\b|Failed to write file|outside (?:of )?(?:the )?writable|not in writable roots/i;

/** Output that shows a command or edit failed because the sandbox stopped it (a write refused, or the network). */
export function showsSandboxFailure(output: string): boolean {
  return WRITE_REFUSED.test(output) || showsNetworkFailure(output);
}

export interface ToolEventBase {
  role: string;
  call_id: string;
  tool: string;
}

/** The `tool_call` event, the same for every engine: the input, and for commands the command and whether it runs tests. */
export function toolCallEvent(base: ToolEventBase, input: string, cmd: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...base,
    input: clip(input, 1000),
    ...(cmd !== undefined ? { command: clip(cmd, 1000), test: isTestCommand(cmd) } : {}),
    ...extra,
  };
}

export interface FinishedCall {
  /** The shell command, for a command; undefined for an edit. */
  command?: string;
  output: string;
  /** The exit code (null: killed; undefined: not known, e.g. an edit). */
  exitCode?: number | null;
  /** An edit: whether it was applied. */
  applied?: boolean;
  /** The call's commands had no network (the sandbox cut it, and no escalation lifted that). */
  networkOff: boolean;
  /** A sandbox enforced the role's write limits on this call. */
  sandboxed: boolean;
}

/**
 * What a sandbox stopped, seen in a call's result after it ran (engines that learn of refusals only
 * from the output: bench's bwrap commands, Codex's own sandbox): `network` and sandbox `decision` events.
 *   network   the command tried the network and failed: a network failure in its output, or a command
 *             that reads as a network one and exited non-zero;
 *   command   a read-only mount refused a write: the kernel's error line (a compound command may still
 *             exit 0), or the message in the output of a command that failed;
 *   edit      not applied, with a refused write in its output.
 */
export function observedDenials(base: ToolEventBase, c: FinishedCall): Array<{ type: 'network' | 'decision'; data: Record<string, unknown> }> {
  const out: Array<{ type: 'network' | 'decision'; data: Record<string, unknown> }> = [];
  const failed = c.exitCode !== undefined && c.exitCode !== 0;
  const deny = (line: string | undefined) =>
    out.push({ type: 'decision', data: { ...base, stage: 'sandbox', verdict: 'deny', observed: true, reason: clip((line ?? c.output).trim(), 300) } });
  if (c.command !== undefined) {
    const classified = looksLikeNetwork(c.command);
    const netFailure = showsNetworkFailure(c.output);
    if (c.networkOff && (netFailure || (classified && failed)))
      out.push({ type: 'network', data: { ...base, verdict: 'blocked', source: classified ? 'classified' : 'observed', command: clip(c.command, 300) } });
    if (c.sandboxed) {
      const line = READ_ONLY_LINE.exec(c.output)?.[0];
      if (line !== undefined || (failed && READ_ONLY.test(c.output))) deny(line ?? c.output.split('\n').find((l) => READ_ONLY.test(l)));
    }
  } else if (c.sandboxed && c.applied === false && WRITE_REFUSED.test(c.output)) {
    deny(c.output.split('\n').find((l) => WRITE_REFUSED.test(l)));
  }
  return out;
}
