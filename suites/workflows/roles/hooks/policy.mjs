// PreToolUse policy hook: reads the Codex hook payload on stdin and denies what the team does not allow.
import { readFileSync } from 'node:fs';

const payload = JSON.parse(readFileSync(0, 'utf8'));
const input = payload.tool_input ?? {};
const text = String(input.command ?? '');

const rules =
  payload.tool_name === 'Bash'
    ? [
        [/(^|[\s;&|(])(curl|wget|nc|ssh|scp)\b/, 'network tools are not allowed: work with what is in the repository'],
        [/\bgit\s+(push|commit|reset\s+--hard|clean\s+-[a-z]*f)/, 'do not commit, push or throw work away'],
        [/\b(npm|pnpm|yarn)\s+(publish|add|install\s+\S)/, 'do not add dependencies or publish'],
        [/\brm\s+-[a-z]*r[a-z]*f?\s+(\/|~)/, 'destructive rm outside the workspace'],
      ]
    : [
        [/^\*\*\* (Add|Update|Delete) File: (package-lock\.json|.*\.lock|\.github\/)/m, 'lockfiles and CI configuration are owned by the platform team'],
        [/^\+.*\b(test|it|describe)\.skip\(/m, 'do not skip tests: fix the code instead'],
      ];

for (const [re, reason] of rules) {
  if (re.test(text)) {
    process.stdout.write(JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } }));
    process.exit(0);
  }
}
