// What the simulated model takes from the repository's AGENTS.md, the way a model follows it: the
// command the project says runs its tests. Both engines send AGENTS.md as a user message in Codex's
// shape ("# AGENTS.md instructions for <cwd>" and the files between <INSTRUCTIONS> tags, the closest
// folder's last), so the sim reads it the same whichever engine it plays under.
import type { Conversation } from '../conversation.ts';

const HEADING = '# AGENTS.md instructions for ';

/** The guidance text a conversation was given (null when none). */
export function guidanceText(conv: Conversation): string | null {
  for (const it of conv.items) {
    if (it.kind !== 'message' || it.role !== 'user' || !it.text.startsWith(HEADING)) continue;
    // Codex sends the environment context in the same message, after it.
    const m = /<INSTRUCTIONS>\n?([\s\S]*?)\n?<\/INSTRUCTIONS>/.exec(it.text);
    return m ? m[1]! : null;
  }
  return null;
}

/** A backticked span that reads as a command rather than a path or a name: it has arguments, or is a runner on its own. */
const RUNNER = /^(npm|pnpm|yarn|bun|npx|node|make|pytest|tox|go|cargo|vitest|jest|mocha|deno|just|gradle|mvn|\.\/\S+)\b/;
function asCommand(span: string): string | null {
  const s = span.trim();
  if (!s || /[\n\r]/.test(s)) return null;
  return /\s/.test(s) || RUNNER.test(s) ? s : null;
}

/**
 * The test command AGENTS.md names: from a line about running the tests (the tests, the test suite, the
 * test command) the first backticked command. The last such line wins, as the closest file comes last
 * and a model takes the nearer guidance over the farther one.
 */
export function guidanceTestCommand(text: string): string | null {
  let found: string | null = null;
  for (const line of text.split('\n')) {
    if (!/\btests\b|\btest suite\b|\btest command\b|\bunit tests?\b/i.test(line)) continue;
    const cmd = [...line.matchAll(/`([^`]+)`/g)].map((m) => asCommand(m[1]!)).find((c) => c !== null);
    if (cmd) found = cmd;
  }
  return found;
}
