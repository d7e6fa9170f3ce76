// What a shell command is, read from its text before it runs: a test run, a network attempt.
// Network attempts are also recognised after the fact from the failure a sandbox without network gives.

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
