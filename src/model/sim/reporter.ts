// The simulated model as an issue reporter (`bench suite mine --model sim`): it writes the issue a
// developer would have filed from what the tests of a change expect, the way the shipped suites'
// requests read (what does not work, what should happen). It reads only the prompt, and of the
// prompt only the failing tests and the test code, never the commit message: so it can name nothing
// of the solution that the tests do not already name.

import type { Conversation } from '../conversation.ts';

/** The phrase that casts a model as the reporter (the prompt bench sends starts with it). */
export const REPORTER_ROLE = 'You are an issue reporter';

export function isReporterConversation(conv: Conversation): boolean {
  return conv.instructions.trimStart().startsWith(REPORTER_ROLE) && conv.tools.length === 0;
}

/** The prompt's section headings the reporter reads (a real model reads them as plain Markdown). */
export const FAILING_HEADING = '## Tests that fail before the change and pass after it';
export const TEST_CODE_HEADING = '## The test code the change added';

/** Splits call arguments at top-level commas (not inside brackets, strings or template literals). */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') {
        cur += ch + (text[++i] ?? '');
        continue;
      }
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The text inside the parentheses that open at `start` (which is just after a '('), or null when unbalanced. */
function balanced(text: string, start: number): string | null {
  let depth = 1;
  let quote: string | null = null;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return text.slice(start, i);
  }
  return null;
}

const code = (s: string) => `\`${s.replace(/^\(\)\s*=>\s*/, '').replace(/`/g, "'")}\``;

/** What one line of test code expects, in words ("`clamp(5, 0, 10)` should be `5`"), or null. */
export function expectationOf(line: string): string | null {
  const node = /\bassert\.(\w+)\s*\(/.exec(line) ?? /\bassert\s*\(/.exec(line);
  if (node) {
    const args = balanced(line, node.index + node[0].length);
    if (args === null) return null;
    const [a, b] = splitArgs(args);
    if (!a) return null;
    const fn = node[1] ?? 'ok';
    if (/^(equal|strictEqual|deepEqual|deepStrictEqual|is|eq)$/.test(fn) && b) return `${code(a)} should be ${code(b)}`;
    if (/^not(Equal|StrictEqual|DeepEqual|DeepStrictEqual)$/.test(fn) && b) return `${code(a)} should not be ${code(b)}`;
    if (/^(throws|rejects)$/.test(fn)) return `${code(a)} should ${fn === 'throws' ? 'throw' : 'reject'}${b ? ` (${code(b)})` : ''}`;
    if (/^(doesNotThrow|doesNotReject)$/.test(fn)) return `${code(a)} should not ${fn === 'doesNotThrow' ? 'throw' : 'reject'}`;
    if (/^(match)$/.test(fn) && b) return `${code(a)} should match ${code(b)}`;
    if (/^(ok|strict)$/.test(fn)) return `${code(a)} should hold`;
    return null;
  }
  const expect = /\bexpect\s*\(/.exec(line);
  if (expect) {
    const subject = balanced(line, expect.index + expect[0].length);
    if (subject === null) return null;
    const rest = line.slice(expect.index + expect[0].length + subject.length + 1);
    const m = /^\s*\.(not\.)?(\w+)\s*\(/.exec(rest);
    if (!m) return null;
    const arg = balanced(rest, m[0].length) ?? '';
    const not = m[1] ? ' not' : '';
    if (/^(toBe|toEqual|toStrictEqual)$/.test(m[2]!)) return `${code(subject)} should${not} be ${code(arg)}`;
    if (/^toThrow/.test(m[2]!)) return `${code(subject)} should${not} throw${arg ? ` (${code(arg)})` : ''}`;
    if (/^(toContain|toMatch)$/.test(m[2]!)) return `${code(subject)} should${not} ${m[2] === 'toContain' ? 'contain' : 'match'} ${code(arg)}`;
    if (/^(toBeTruthy|toBeDefined)$/.test(m[2]!)) return `${code(subject)} should${not} hold`;
    if (m[2] === 'toBeNull') return `${code(subject)} should${not} be null`;
    return null;
  }
  const py = /^\s*assert\s+(.+?)\s*(==|!=)\s*(.+?)\s*$/.exec(line);
  if (py) return `${code(py[1]!)} should${py[2] === '!=' ? ' not' : ''} be ${code(py[3]!)}`;
  return null;
}

/** Test names in test code: it()/test() titles (JS), test_ functions (Python), Test functions (Go). */
function testNameOf(line: string): string | null {
  const js = /\b(?:it|test|specify)(?:\.\w+)?\s*\(\s*(['"`])((?:\\.|(?!\1).)*)\1/.exec(line);
  if (js) return js[2]!;
  const other = /\bdef\s+(test_\w+)|\bfunc\s+(Test\w+)/.exec(line);
  return other ? (other[1] ?? other[2]!) : null;
}

function section(text: string, heading: string): string {
  const at = text.indexOf(heading);
  if (at < 0) return '';
  const rest = text.slice(at + heading.length);
  const next = rest.search(/\n## /);
  return next < 0 ? rest : rest.slice(0, next);
}

/** The issue, title first: what the failing tests expect and the current code does not do. */
export function reporterIssue(conv: Conversation): string {
  const prompt = conv.items.map((i) => (i.kind === 'message' && i.role === 'user' ? i.text : '')).join('\n');
  const failing = section(prompt, FAILING_HEADING)
    .split('\n')
    .map((l) => /^\s*-\s+(.+)$/.exec(l)?.[1]?.trim())
    .filter((l): l is string => !!l);
  // Test ids read "file > group > name": the group is what the reporter talks about.
  const parts = failing.map((id) => id.split(' > '));
  const names = parts.map((p) => p[p.length - 1]!);
  const groups = parts.map((p) => (p.length > 2 ? p.slice(1, -1).join(' ') : ''));
  const group = groups.find(Boolean) ?? '';

  // The added lines of the test code, each expectation under the test it belongs to.
  const byTest = new Map<string, string[]>();
  let current: string | null = null;
  for (const raw of section(prompt, TEST_CODE_HEADING).split('\n')) {
    if (!raw.startsWith('+') || raw.startsWith('+++')) continue;
    const line = raw.slice(1);
    const name = testNameOf(line);
    if (name !== null) current = name;
    const e = expectationOf(line);
    if (e && current !== null) byTest.set(current, [...(byTest.get(current) ?? []), e]);
  }

  const more = names.length > 1 ? ` (and ${names.length - 1} more case${names.length > 2 ? 's' : ''})` : '';
  const title = names.length ? `${group ? `${group}: ` : ''}"${names[0]}" does not hold${more}` : 'Behaviour the tests expect does not hold';
  const cases = names.map((n, i) => {
    const lines = byTest.get(n) ?? [];
    const head = `- ${[groups[i], n].filter(Boolean).join(' ')}`;
    return lines.length ? `${head}:\n${[...new Set(lines)].map((l) => `  - ${l}`).join('\n')}` : head;
  });
  const body = [
    `With the current code${group ? `, ${group}` : ''} does not do what is expected of it. What should happen:`,
    cases.join('\n') || '- (no failing test was named)',
    'None of this holds today. Everything else should keep working as it does now.',
  ];
  return `${title}\n\n${body.join('\n\n')}\n`;
}
