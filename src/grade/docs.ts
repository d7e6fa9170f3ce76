// Grading a documentation task: the saved patch on a fresh checkout, then checks, each with its own
// result: scope (changed files within the allowed paths), the task's content assertions (headings,
// phrases, code symbols, phrases that must be gone), relative links and anchors resolve, fenced examples
// marked `run` still run, and every code fence is closed.
import { dirname, join, relative, resolve } from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import picomatch from 'picomatch';
import { SafeFsError, SafeRoot } from '../control/safefs.ts';
import type { DocsRequirement } from '../suite/schema.ts';
import type { DocsTaskSpec } from '../suite/load.ts';
import { changedFiles, correctionLines } from './correction.ts';
import type { GradeEnv } from './pr.ts';

export interface DocsCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface DocsGrade {
  status: 'ok' | 'infra_error';
  correctionLines: number | null;
  passed: boolean | null;
  checks: DocsCheck[];
  note: string | null;
  log: string;
}

/** GitHub's heading anchors: lower case, punctuation dropped (hyphens and spaces kept), spaces to hyphens. */
export function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** A link's path with its percent-escapes decoded, or null when they are not valid (`%zz`, a lone `%`). */
function decodedPath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

export function walk(tokens: Token[], visit: (t: Token) => void): void {
  for (const t of tokens) {
    visit(t);
    const inner = (t as { tokens?: Token[] }).tokens;
    if (inner) walk(inner, visit);
    if (t.type === 'list') for (const item of (t as Tokens.List).items) walk(item.tokens, visit);
    if (t.type === 'table') {
      const tt = t as Tokens.Table;
      for (const cell of [...tt.header, ...tt.rows.flat()]) walk(cell.tokens, visit);
    }
  }
}

export interface Doc {
  text: string;
  tokens: Token[];
}

/** Documents larger than this are not read (the checkout is the agent's: a file may be anything). */
const MAX_DOC_BYTES = 4 << 20;

/** A file of the checkout as text, never following a link out of it: null when absent, not a file, or too large. */
function readText(root: string, file: string): string | null {
  try {
    return new SafeRoot(root).readText(file, MAX_DOC_BYTES);
  } catch (err) {
    if (err instanceof SafeFsError) return null;
    throw err;
  }
}

function readDoc(root: string, file: string, cache: Map<string, Doc | null>): Doc | null {
  if (!cache.has(file)) {
    const text = readText(root, file);
    cache.set(file, text === null ? null : { text, tokens: marked.lexer(text) });
  }
  return cache.get(file)!;
}

/** Whether a path exists inside the checkout (a link counts as what it is, and is not followed out). */
function existsIn(root: string, path: string): boolean {
  try {
    return new SafeRoot(root).kind(path) !== null;
  } catch {
    return false;
  }
}

export function headingsOf(doc: Doc): string[] {
  const out: string[] = [];
  walk(doc.tokens, (t) => {
    if (t.type === 'heading') out.push((t as Tokens.Heading).text);
  });
  // HTML anchors (<a name="x"> / id="x") count as link targets too.
  for (const m of doc.text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.push(m[1]!);
  return out;
}

function anchorsOf(doc: Doc): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headingsOf(doc)) {
    const base = slug(h);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** One content assertion of the task, as a check. */
export function requirementCheck(root: string, r: DocsRequirement, cache: Map<string, Doc | null>): DocsCheck {
  const doc = readDoc(root, r.file, cache);
  const what =
    'heading' in r ? `heading "${r.heading}"` : 'contains' in r ? `phrase "${r.contains}"` : 'symbol' in r ? `symbol \`${r.symbol}\`` : `no "${r.absent}"`;
  const name = `${r.file}: ${what}`;
  if (!doc) return { name, passed: 'absent' in r, detail: `${r.file} does not exist` };
  if ('heading' in r) {
    const hit = headingsOf(doc).some((h) => h.includes(r.heading));
    return { name, passed: hit, detail: hit ? 'found' : `no heading contains "${r.heading}"` };
  }
  if ('contains' in r) {
    const hit = doc.text.includes(r.contains);
    return { name, passed: hit, detail: hit ? 'found' : 'not found' };
  }
  if ('symbol' in r) {
    let hit = false;
    walk(doc.tokens, (t) => {
      if ((t.type === 'codespan' || t.type === 'code') && (t as Tokens.Code).text.includes(r.symbol)) hit = true;
    });
    return { name, passed: hit, detail: hit ? 'found in code' : 'not in inline code or a code block' };
  }
  const hit = doc.text.includes(r.absent);
  return { name, passed: !hit, detail: hit ? 'still present' : 'gone' };
}

/** Relative links and their #anchors resolve (external links are not fetched). */
export function linkCheck(root: string, files: string[], cache: Map<string, Doc | null>): DocsCheck {
  const broken: string[] = [];
  let count = 0;
  for (const file of files) {
    const doc = readDoc(root, file, cache);
    if (!doc) continue;
    const hrefs: string[] = [];
    walk(doc.tokens, (t) => {
      if (t.type === 'link' || t.type === 'image') hrefs.push((t as Tokens.Link).href);
    });
    for (const m of doc.text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*(\S+)/gm)) hrefs.push(m[1]!);
    for (const href of hrefs) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue; // http:, mailto:, ...
      count++;
      const [pathPart, anchor] = href.split('#', 2) as [string, string | undefined];
      const decoded = pathPart ? decodedPath(pathPart) : file;
      if (decoded === null) {
        broken.push(`${file}: ${href} (not a valid link: bad percent-encoding)`);
        continue;
      }
      const target = pathPart ? relative(root, resolve(dirname(join(root, file)), decoded)) : file;
      if (target.startsWith('..') || !existsIn(root, target)) {
        broken.push(`${file}: ${href} (no ${target})`);
        continue;
      }
      if (anchor && /\.md$/i.test(target)) {
        const tdoc = readDoc(root, target, cache);
        if (tdoc && !anchorsOf(tdoc).has(anchor.toLowerCase())) broken.push(`${file}: ${href} (no heading #${anchor} in ${target})`);
      }
    }
  }
  return { name: 'links', passed: !broken.length, detail: broken.length ? broken.join('; ') : `${count} relative link(s) resolve` };
}

/** Every code fence is closed (an unclosed fence swallows the rest of the page). */
export function markdownCheck(root: string, files: string[]): DocsCheck {
  const bad: string[] = [];
  for (const file of files) {
    const text = readText(root, file);
    if (text === null) continue;
    let open: { char: string; len: number; line: number } | null = null;
    text.split('\n').forEach((line, i) => {
      const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
      if (!m) return;
      const fence = m[1]!;
      if (!open) open = { char: fence[0]!, len: fence.length, line: i + 1 };
      else if (fence[0] === open.char && fence.length >= open.len && !m[2]!.trim()) open = null;
    });
    if (open) bad.push(`${file}:${(open as { line: number }).line}: code fence never closed`);
  }
  return { name: 'markdown', passed: !bad.length, detail: bad.length ? bad.join('; ') : `${files.length} file(s) well-formed` };
}

interface Example {
  file: string;
  lang: string;
  code: string;
  index: number;
}

export function runnableExamples(root: string, files: string[], cache: Map<string, Doc | null>): Example[] {
  const out: Example[] = [];
  for (const file of files) {
    const doc = readDoc(root, file, cache);
    if (!doc) continue;
    walk(doc.tokens, (t) => {
      if (t.type !== 'code') return;
      const info = ((t as Tokens.Code).lang ?? '').trim().split(/\s+/);
      if (!info.includes('run')) return;
      out.push({ file, lang: info[0] ?? '', code: (t as Tokens.Code).text, index: out.length });
    });
  }
  return out;
}

const isMarkdown = (f: string) => /\.(md|markdown)$/i.test(f);

export async function gradeDocs(task: DocsTaskSpec, patch: string, env: GradeEnv): Promise<DocsGrade> {
  const spec = { repo: task.repo, base: task.base, setup: task.setup, environment: task.environment };
  const ws = await env.workspaces.create(spec, `${env.name}-grade`, env.signal);
  const log: string[] = [];
  try {
    // A change that does not apply to a clean checkout was made so by the agent: judged, not an error.
    const problem = await env.workspaces.applyPatch(ws, patch);
    if (problem) {
      const note = `the change cannot be applied to a clean checkout of the base commit: ${problem}`;
      return { status: 'ok', correctionLines: null, passed: false, checks: [{ name: 'patch', passed: false, detail: note }], note, log: '' };
    }
    // The files the check covers: what the agent changed, and what the historical change touched.
    const mirror = await env.workspaces.cache.mirror(task.repo);
    const files = await changedFiles(env.workspaces, ws, mirror, task.base, task.gold);
    const changed = files.agent;
    const docs = [...new Set([...changed, ...files.gold])].filter(isMarkdown);
    const cache = new Map<string, Doc | null>();
    const checks: DocsCheck[] = [];

    const inScope = picomatch(task.allowed_paths, { dot: true });
    const outside = changed.filter((f) => !inScope(f));
    checks.push({
      name: 'scope',
      passed: !outside.length,
      detail: outside.length ? `outside ${task.allowed_paths.join(', ')}: ${outside.join(', ')}` : `${changed.length} changed file(s) in scope`,
    });
    for (const r of task.checks.required) checks.push(requirementCheck(ws.dir, r, cache));
    if (task.checks.links) checks.push(linkCheck(ws.dir, docs, cache));
    if (task.checks.markdown) checks.push(markdownCheck(ws.dir, docs));
    if (task.checks.examples) {
      const failures: string[] = [];
      const examples = runnableExamples(ws.dir, docs, cache);
      for (const ex of examples) {
        const js = /^(js|javascript|mjs)$/i.test(ex.lang);
        const sh = /^(sh|bash|shell|console)$/i.test(ex.lang);
        if (!js && !sh) {
          failures.push(`${ex.file} example ${ex.index + 1}: cannot run a "${ex.lang}" block`);
          continue;
        }
        let cmd = ex.code;
        if (js) {
          // At the root, so the example's relative imports resolve as a reader's would; put in place
          // whatever the agent left at that name (a link is replaced, never written through).
          const script = new SafeRoot(ws.dir).put(`.bench-example-${ex.index}.mjs`, ex.code);
          cmd = `node ${JSON.stringify(join(ws.dir, script))}`;
        }
        const res = await env.runTests(js ? cmd : `set -e\n${cmd}`, { cwd: ws.dir, env: {}, timeoutMs: 60_000, signal: env.signal, writable: [env.scratch] });
        log.push(`$ (${ex.file} example ${ex.index + 1}, ${ex.lang})\n${ex.code}\n-> exit ${res.exitCode}${res.timedOut ? ' (timed out)' : ''}\n${res.output}`);
        if (res.exitCode !== 0)
          failures.push(
            `${ex.file} example ${ex.index + 1} (${ex.lang}) exits ${res.timedOut ? 'on timeout' : res.exitCode}: ${res.output.trim().split('\n').at(-1) ?? ''}`,
          );
      }
      checks.push({
        name: 'examples',
        passed: !failures.length,
        detail: failures.length ? failures.join('; ') : `${examples.length} runnable example(s) pass`,
      });
    }
    const correction = await correctionLines(ws, mirror, task.gold.to, files);
    return { status: 'ok', correctionLines: correction, passed: checks.every((c) => c.passed), checks, note: null, log: log.join('\n\n') };
  } finally {
    await env.workspaces.remove(ws);
  }
}
