// Asking a model to write the issue a developer would have filed before a change existed, from the
// change's message and its tests (never its source diff: what the model is not shown it cannot leak).
// Any backend replay uses serves: sim offline, or an OpenAI-compatible server.
import { NoopTrace, withTrace } from '@openai/agents';
import type { ModelBackend } from './backend.ts';
import type { SimContext } from './sim/oracle.ts';
import { FAILING_HEADING, REPORTER_ROLE, TEST_CODE_HEADING } from './sim/reporter.ts';

export interface ReporterInput {
  /** Names the request (`x-bench-trial` header, cassette key): e.g. `mine-<sha>`. */
  key: string;
  message: string;
  /** The pull request the change came from, when one is known (title and stripped description). */
  pullRequest?: { title: string; body: string } | null;
  /** Test ids that fail before the change and pass after it. */
  failingTests: string[];
  /** The unified diff of the test files. */
  testDiff: string;
}

export const REPORTER_INSTRUCTIONS = `${REPORTER_ROLE}. A developer is about to open an issue on a project's tracker, before anyone has worked on it. From the commit message and the tests below (a later change made these tests pass), write that issue as its reporter would have: what they observed (the wrong behaviour or the missing feature, seen from outside: inputs, outputs, errors) and what they expected instead.

Rules:
- Do not describe or suggest a solution, and do not say how the code should change.
- Do not name functions, variables, types or files that the fix adds or changes, unless the tests below name them too.
- Do not mention the tests, the commit or the pull request: the reporter has not seen them.
- Reply with the issue only: the title on the first line, then a blank line, then the body in Markdown.`;

/** Test code shown to the model at most (a change that adds a large fixture would not fit a context window otherwise). */
const MAX_TEST_DIFF = 60_000;

export function reporterPrompt(input: ReporterInput): string {
  const pr = input.pullRequest;
  const diff = input.testDiff.trimEnd();
  const shown = diff.length > MAX_TEST_DIFF ? `${diff.slice(0, MAX_TEST_DIFF)}\n… (cut: ${diff.length - MAX_TEST_DIFF} more characters)` : diff;
  return [
    '## Commit message',
    input.message.trim(),
    ...(pr ? ['## Pull request', [pr.title, pr.body].filter(Boolean).join('\n\n')] : []),
    FAILING_HEADING,
    input.failingTests.map((t) => `- ${t}`).join('\n'),
    TEST_CODE_HEADING,
    `\`\`\`diff\n${shown}\n\`\`\``,
  ].join('\n\n');
}

export interface WrittenIssue {
  title: string;
  request: string;
  model: string;
}

/** Title and request from a model's reply: the first line (less Markdown heading marks or "Title:") and the whole text. */
export function parseIssueReply(text: string): { title: string; request: string } | null {
  const lines = text.replace(/\r\n?/g, '\n').trim().split('\n');
  const first = lines.findIndex((l) => l.trim());
  if (first < 0) return null;
  const title = lines[first]!.replace(/^\s*#+\s*/, '')
    .replace(/^\s*\**title:?\**:?\s*/i, '')
    .replace(/^\*\*(.*)\*\*$/, '$1')
    .trim();
  const body = lines
    .slice(first + 1)
    .join('\n')
    .trim();
  if (!title) return null;
  return { title, request: `${[title, body].filter(Boolean).join('\n\n')}\n` };
}

export async function writeIssue(backend: ModelBackend, input: ReporterInput, signal?: AbortSignal): Promise<WrittenIssue> {
  // The simulated reporter reads only the prompt; it still needs a context to be built with.
  const sim: SimContext | undefined = backend.needsOracle
    ? { oracle: { taskId: input.key, kind: 'pr', request: '', changes: [], testCommand: '', outOfScope: [] }, seed: 0 }
    : undefined;
  const { model, name } = backend.model({ trialId: input.key, role: 'reporter', sim }, undefined);
  // The SDK's OpenAI models open spans, which need a current trace: a no-op one, so nothing is
  // exported (the SDK's default exporter would POST traces to api.openai.com).
  const res = await withTrace(new NoopTrace(), () =>
    model.getResponse({
      systemInstructions: REPORTER_INSTRUCTIONS,
      input: reporterPrompt(input),
      modelSettings: {},
      tools: [],
      outputType: 'text',
      handoffs: [],
      tracing: false,
      signal,
    }),
  );
  const text = res.output
    .flatMap((item) => (item.type === 'message' && item.role === 'assistant' ? item.content : []))
    .map((c) => (c.type === 'output_text' ? c.text : ''))
    .join('');
  const parsed = parseIssueReply(text);
  if (!parsed) throw new Error(`the model ${name} answered with no issue text`);
  return { ...parsed, model: name };
}
