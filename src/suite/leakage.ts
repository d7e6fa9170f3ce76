// Does a request name the solution? An agent told "add normalizeSign() to src/sign.js" is not
// solving the task the historical developer solved. The tell is mechanical: identifiers the gold
// change adds to source files, and the files it touches, that the hidden tests do not mention (what
// the tests name, the request may name: the tests are the contract, not the solution). What is
// found here is a candidate: the request writer drops names the repository already had elsewhere.
import { basename } from 'node:path';

export interface GoldText {
  /** Source files (not tests, not docs) the gold change touches, before and after it ('' when absent). */
  sources: Array<{ path: string; before: string; after: string }>;
  /** The hidden test files as the gold change leaves them. */
  tests: string[];
}

const IDENT = /[A-Za-z_$][\w$]*/g;

// Keywords of the languages bench mines (JS/TS, Python, Go): a change adding `throw` or `return` names nothing of its solution.
const KEYWORDS = new Set(
  (
    'async await break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof interface let new null return static super switch this throw true try typeof undefined var void while with yield ' +
    'and as assert def del elif except from global is lambda nonlocal not or pass raise None True False ' +
    'chan defer func go goto map package range select struct type nil'
  ).split(' '),
);

function identifiers(text: string): Set<string> {
  return new Set(text.match(IDENT) ?? []);
}

/** Code-shaped: camelCase, snake_case, digits or `$`; a plain word only counts when the request writes it as code. */
function codeShaped(id: string): boolean {
  return /[a-z][A-Z]|[A-Za-z]_|_[A-Za-z]|\d|\$/.test(id);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The request writes `word` as code: in backticks, called (`word(`, no space: prose says "throw (TypeError)"), or as a member. */
function writtenAsCode(request: string, word: string): boolean {
  const w = escape(word);
  return new RegExp(`\`[^\`\\n]*\\b${w}\\b[^\`\\n]*\`|(?<![\\w$])${w}\\(|[\\w$)\\]]\\.${w}(?![\\w$])`).test(request);
}

/**
 * What of the solution the request names: identifiers the gold change adds to a source file (absent
 * from that file before) and file paths it touches, that the hidden tests do not mention. Sorted.
 */
export function leakedIdentifiers(request: string, gold: GoldText): string[] {
  const testIds = identifiers(gold.tests.join('\n'));
  const testText = gold.tests.join('\n');
  const said = identifiers(request);
  const leaks = new Set<string>();
  for (const f of gold.sources) {
    const before = identifiers(f.before);
    for (const id of identifiers(f.after)) {
      if (id.length < 3 || KEYWORDS.has(id) || before.has(id) || testIds.has(id) || !said.has(id)) continue;
      if (codeShaped(id) || writtenAsCode(request, id)) leaks.add(id);
    }
    // The file itself: by path, or by a file name long enough not to be a word (`src/sign.js`, `sign.js`).
    const name = basename(f.path);
    if (testText.includes(f.path) || testText.includes(name)) continue;
    if (request.includes(f.path) || (/\.\w+$/.test(name) && name.length >= 5 && new RegExp(`(?<![\\w./-])${escape(name)}(?![\\w-])`).test(request)))
      leaks.add(f.path);
  }
  return [...leaks].sort();
}
