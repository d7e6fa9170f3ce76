// Per-test results from what test runners print: JUnit XML (node --test, jest-junit, vitest, mocha,
// pytest, go-junit-report, ...), jest's own JSON report (jest has no built-in JUnit) and TAP. A test id is `<file> > <suite> > ... > <test name>`, the file
// made relative to the checkout root: an absolute path is taken relative to it, a relative one is read
// relative to the folder the tests ran in (`at`: a monorepo package's folder, '' for the root).
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, posix, relative } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export type TestStatus = 'pass' | 'fail' | 'skip';

export interface TestResults {
  /** Test id -> status (the worst status when an id repeats). */
  tests: Map<string, TestStatus>;
}

const RANK: Record<TestStatus, number> = { pass: 0, skip: 1, fail: 2 };

function put(tests: Map<string, TestStatus>, id: string, status: TestStatus): void {
  const prev = tests.get(id);
  if (!prev || RANK[status] > RANK[prev]) tests.set(id, status);
}

export class ReportError extends Error {}

type Node = Record<string, unknown>;
const asList = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);

function relFile(file: string | undefined, root: string, at: string): string | undefined {
  if (!file) return undefined;
  if (!isAbsolute(file)) return at ? posix.join(at, file) : file;
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    // keep as given
  }
  for (const r of [realRoot, root]) {
    const rel = relative(r, file);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return rel;
  }
  return file;
}

export function parseJUnit(xml: string, root: string, at = ''): TestResults {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
    processEntities: true,
  });
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (err) {
    throw new ReportError(`the JUnit report is not valid XML: ${(err as Error).message}`);
  }
  const top = (doc.testsuites ?? doc) as Node;
  if (!doc.testsuites && !doc.testsuite) throw new ReportError('the JUnit report has no <testsuites> or <testsuite> element');
  const tests = new Map<string, TestStatus>();
  const visitCase = (tc: Node, chain: string[], suiteFile: string | undefined) => {
    let file = relFile((tc.file as string | undefined) ?? suiteFile, root, at);
    const names = [...chain];
    // vitest names a file's suite by its path from where it ran, and gives no file attribute: in a
    // package's folder, a top suite naming one of its files is that file.
    if (!file && at && names[0] && !isAbsolute(names[0]) && existsSync(join(root, at, names[0]))) file = posix.join(at, names.shift()!);
    if (file && names[0] === file) names.shift(); // jest-junit names the top suite after the file
    const id = [file, ...names, String(tc.name ?? '')].filter((p) => p !== undefined && p !== '').join(' > ');
    const status: TestStatus = tc.failure || tc.error ? 'fail' : tc.skipped ? 'skip' : 'pass';
    put(tests, id, status);
  };
  const visitSuite = (s: Node, chain: string[]) => {
    const name = s.name === undefined ? undefined : String(s.name);
    const next = name === undefined ? chain : [...chain, name];
    const file = s.file as string | undefined;
    // mocha's xunit reporter: one suite named "Mocha Tests" (its default), each case with its file and its
    // describe titles joined by spaces in classname; the id is file > describe titles > test.
    if (name === 'Mocha Tests' && !chain.length) {
      for (const tc of asList(s.testcase)) visitCase(tc, tc.classname ? [String(tc.classname)] : [], file);
      return;
    }
    // pytest (-o junit_family=xunit1, which names each case's file): one suite named "pytest", classname the
    // dotted module path and then the test class; the id is file > class > test.
    if (name === 'pytest' && !chain.length) {
      for (const tc of asList(s.testcase)) {
        const module = typeof tc.file === 'string' ? tc.file.replace(/\.py$/, '').replace(/[\\/]/g, '.') : '';
        const cls = String(tc.classname ?? '');
        const inner = module && cls.startsWith(`${module}.`) ? cls.slice(module.length + 1).split('.') : [];
        visitCase(tc, inner, file);
      }
      return;
    }
    for (const tc of asList(s.testcase)) visitCase(tc, next, file);
    for (const inner of asList(s.testsuite)) visitSuite(inner, next);
  };
  for (const tc of asList(top.testcase)) visitCase(tc, [], undefined);
  for (const s of asList(top.testsuite)) visitSuite(s, []);
  return { tests };
}

/**
 * jest's `--json --outputFile` report: one entry per test file (`name`, absolute), each test with its
 * describe chain (`ancestorTitles`) and `title`; ids in the same `file > describe > test` shape as JUnit.
 * A file that failed to load (no assertion results, status failed) is one failing entry for that file.
 */
export function parseJestJson(text: string, root: string, at = ''): TestResults {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ReportError(`the jest report is not valid JSON: ${(err as Error).message}`);
  }
  const files = (doc as { testResults?: unknown }).testResults;
  if (!Array.isArray(files)) throw new ReportError('the jest report has no testResults list');
  const tests = new Map<string, TestStatus>();
  for (const f of files as Node[]) {
    const file = relFile(typeof f.name === 'string' ? f.name : undefined, root, at) ?? '';
    const cases = asList(f.assertionResults);
    if (!cases.length && f.status === 'failed') put(tests, file, 'fail');
    for (const tc of cases) {
      const chain = Array.isArray(tc.ancestorTitles) ? tc.ancestorTitles.map(String) : [];
      const id = [file, ...chain, String(tc.title ?? '')].filter((p) => p !== '').join(' > ');
      const status: TestStatus = tc.status === 'passed' ? 'pass' : tc.status === 'failed' ? 'fail' : 'skip';
      put(tests, id, status);
    }
  }
  return { tests };
}

/** A TAP name as written: the spec escapes `#` (which would start a directive) as `\#`, and `\` as `\\`. */
const tapName = (escaped: string) => escaped.replace(/\\([\\#])/g, '$1');

/** TAP (13/14, with node's indented subtests): ids are the chain of (sub)test names, unescaped. */
export function parseTap(text: string): TestResults {
  const tests = new Map<string, TestStatus>();
  // Every id that is a proper ancestor of a recorded one (ends where a recorded id has " > ").
  const ancestors = new Set<string>();
  const stack: Array<{ indent: number; name: string }> = [];
  let sawPlanOrTest = false;
  for (const raw of text.split('\n')) {
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    const sub = /^# Subtest: (.*)$/.exec(line);
    if (sub) {
      while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
      stack.push({ indent, name: tapName(sub[1]!) });
      continue;
    }
    // Everything after an unescaped `#` is a directive: SKIP and TODO count, others (node-tap's `# time=12ms`) are dropped.
    const m = /^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?((?:[^#\\]|\\.)*?)\s*(?:#\s*(?:(SKIP|TODO)\b)?.*)?$/i.exec(line);
    if (!m) {
      if (/^1\.\.\d+/.test(line)) sawPlanOrTest = true;
      continue;
    }
    sawPlanOrTest = true;
    while (stack.length && stack.at(-1)!.indent > indent) stack.pop();
    const parents = stack.filter((s) => s.indent < indent).map((s) => s.name);
    const name = tapName(m[3]!.trim());
    // A result line closes the subtest of the same name and indentation; parents are results too,
    // but only leaves (tests without subtests) are recorded.
    const own = stack.at(-1);
    const id = [...parents, name].join(' > ');
    if (own && own.indent === indent && own.name === name) stack.pop();
    if (ancestors.has(id)) continue;
    const status: TestStatus = m[4] ? 'skip' : m[1]!.toLowerCase() === 'ok' ? 'pass' : 'fail';
    put(tests, id, status);
    for (let i = id.indexOf(' > '); i !== -1; i = id.indexOf(' > ', i + 1)) ancestors.add(id.slice(0, i));
  }
  if (!sawPlanOrTest) throw new ReportError('no TAP test lines in the output');
  return { tests };
}
