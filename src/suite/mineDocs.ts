// Mining documentation tasks: commits that change only documentation become docs tasks whose checks
// are derived from what the change did (headings and code symbols it added, quoted phrases it
// introduced, sentences and examples it removed), then proven the way `bench suite validate` proves
// them: the docs grader runs on the historical change and on the untouched base, requirements that do
// not tell the two apart are dropped, and a task is written only when the change passes every check and
// the base fails at least one.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { marked, type Tokens } from 'marked';
import { stringify } from 'yaml';
import type { SandboxBackend } from '../control/sandbox.ts';
import { InputError } from '../errors.ts';
import { gradeDocs, headingsOf, walk, type Doc, type DocsGrade } from '../grade/docs.ts';
import type { GradeEnv } from '../grade/pr.ts';
import { sandboxedTestRunner } from '../grade/runner.ts';
import { git, goldPatch, RepoCache } from '../workspace/repos.ts';
import { WorkspaceManager } from '../workspace/workspace.ts';
import type { DocsTaskSpec } from './load.ts';
import { DOC_FILE, repoRef, slugify, type Rejected } from './mine.ts';
import { commitRequest, requestDigest } from './requests.ts';
import { ensureSuiteFile, firstParentLog, oneCommit, type HistoryCommit, schemaComment } from './mineShared.ts';
import type { DocsRequirement } from './schema.ts';

export interface DocsMineOptions {
  repo: string;
  out: string;
  since?: string;
  limit: number;
  commit?: string;
  setup?: string | null;
  cacheDir: string;
  sandbox: SandboxBackend;
  onProgress?: (line: string) => void;
}

export interface MinedDocsTask {
  id: string;
  commit: string;
  file: string;
  required: number;
}

/** Enough assertions to pin down what the change did; more would grade the wording rather than the work. */
const MAX_REQUIRED = 6;
const isMarkdown = (f: string) => /\.(md|markdown)$/i.test(f);

const doc = (text: string): Doc => ({ text, tokens: marked.lexer(text) });

function codeTexts(d: Doc): { spans: string[]; blocks: string[] } {
  const spans: string[] = [];
  const blocks: string[] = [];
  walk(d.tokens, (t) => {
    if (t.type === 'codespan') spans.push((t as Tokens.Codespan).text);
    if (t.type === 'code') blocks.push((t as Tokens.Code).text);
  });
  return { spans, blocks };
}

/** Lines of `text` outside fenced code blocks (prose, headings, lists, tables). */
function proseLines(text: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (!fence) fence = m[1]!;
      else if (m[1]![0] === fence[0] && m[1]!.length >= fence.length) fence = null;
      continue;
    }
    if (!fence) out.push(line);
  }
  return out;
}

/** Words a reader would search for in code: calls, flags, environment variables, dotted names. */
const CODE_TOKEN = /--[a-z][\w-]+|\b[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?=\()|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g;
const hasLetter = (s: string) => /\p{L}/u.test(s);
/** A name every JavaScript runtime defines (`Date`, `setTimeout`, `console.log`) says nothing about this project. */
const isRuntimeGlobal = (s: string) => /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(s) && s.split('.')[0]! in globalThis;

/**
 * The strongest assertions a docs change supports for one file, strongest first: headings it added,
 * code symbols it introduced, things it removed (a sentence, an example line, a code name) that are not
 * back anywhere in the file, and quoted phrases it added. Each is chosen so that the file after the
 * change satisfies it and the file before does not.
 */
export function deriveRequirements(file: string, before: string | null, after: string): DocsRequirement[] {
  const old = before ?? '';
  const md = isMarkdown(file);
  const headings: DocsRequirement[] = [];
  const symbols: DocsRequirement[] = [];
  const absent: DocsRequirement[] = [];
  const contains: DocsRequirement[] = [];
  const seen = new Set<string>();
  const add = (list: DocsRequirement[], r: DocsRequirement, key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    list.push(r);
  };
  const oldDoc = doc(old);
  const newDoc = doc(after);

  if (md) {
    const oldHeadings = headingsOf(oldDoc);
    for (const h of headingsOf(newDoc)) {
      const text = h.trim();
      // The grader matches a heading containing the text: the base must have no heading containing it.
      if (text.length >= 3 && text.length <= 80 && !oldHeadings.some((o) => o.includes(text))) add(headings, { file, heading: text }, `h:${text}`);
    }
    const oldCode = codeTexts(oldDoc);
    const oldAll = [...oldCode.spans, ...oldCode.blocks];
    const inOldCode = (s: string) => oldAll.some((c) => c.includes(s));
    const newCode = codeTexts(newDoc);
    for (const s of newCode.spans) {
      const text = s.trim();
      if (text.length >= 3 && text.length <= 60 && hasLetter(text) && !isRuntimeGlobal(text) && !inOldCode(text))
        add(symbols, { file, symbol: text }, `s:${text}`);
    }
    const oldBlockLines = new Set(oldCode.blocks.flatMap((b) => b.split('\n').map((l) => l.trim())));
    for (const b of newCode.blocks)
      for (const line of b.split('\n'))
        if (!oldBlockLines.has(line.trim()))
          for (const m of line.matchAll(CODE_TOKEN)) {
            const text = m[0];
            if (text.length >= 3 && !isRuntimeGlobal(text) && !inOldCode(text)) add(symbols, { file, symbol: text }, `s:${text}`);
          }
    // Code the change took out of the file entirely: an outdated example line, a renamed function.
    const newBlockLines = new Set(newCode.blocks.flatMap((b) => b.split('\n').map((l) => l.trim())));
    for (const b of oldCode.blocks)
      for (const raw of b.split('\n')) {
        const line = raw.trim();
        if (line.length >= 8 && line.length <= 100 && hasLetter(line) && !newBlockLines.has(line) && !after.includes(line))
          add(absent, { file, absent: line }, `a:${line}`);
      }
    for (const s of oldCode.spans) {
      const text = s.trim();
      if (text.length >= 4 && text.length <= 60 && hasLetter(text) && !after.includes(text)) add(absent, { file, absent: text }, `a:${text}`);
    }
  }

  // Removed sentences, not re-added: each is a piece of one line of the old file, so the base contains it exactly.
  const newLines = new Set(after.split('\n').map((l) => l.trim()));
  for (const raw of md ? proseLines(old) : old.split('\n')) {
    const line = raw.trim();
    if (!line || newLines.has(line)) continue;
    const body = line.replace(/^(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)+/, '');
    for (const sentence of body.split(/(?<=[.!?:])\s+/)) {
      const s = sentence.trim();
      if (s.length >= 16 && s.length <= 120 && hasLetter(s) && !/^\|/.test(s) && !after.includes(s)) add(absent, { file, absent: s }, `a:${s}`);
    }
  }

  // Quoted phrases the change added: error messages, setting values, titles a reader would search for.
  for (const raw of md ? proseLines(after) : after.split('\n')) {
    for (const m of raw.matchAll(/"([^"\n]{4,80})"|“([^”\n]{4,80})”|\*\*([^*\n]{4,60})\*\*/g)) {
      const text = (m[1] ?? m[2] ?? m[3])!.trim();
      if (hasLetter(text) && !old.includes(text)) add(contains, { file, contains: text }, `c:${text}`);
    }
  }
  return [...headings.slice(0, 3), ...symbols.slice(0, 2), ...absent.slice(0, 2), ...contains.slice(0, 2)];
}

/** A handful across the changed files, taking each file's strongest first in turn. */
export function pickRequirements(perFile: DocsRequirement[][], max = MAX_REQUIRED): DocsRequirement[] {
  const out: DocsRequirement[] = [];
  for (let i = 0; out.length < max && perFile.some((l) => i < l.length); i++)
    for (const list of perFile) if (i < list.length && out.length < max) out.push(list[i]!);
  return out;
}

/** Paths the task may touch: a file at the root itself, anything else by its folder (new pages go next to old ones). */
export function allowedPathsFor(files: string[]): string[] {
  return [...new Set(files.map((f) => (f.includes('/') ? `${dirname(f)}/**` : f)))].sort();
}

const showAt = async (mirror: string, sha: string, file: string): Promise<string | null> => {
  try {
    return await git(mirror, ['show', `${sha}:${file}`]);
  } catch {
    return null;
  }
};

const failing = (g: DocsGrade) => g.checks.filter((c) => !c.passed);

export async function mineDocs(opts: DocsMineOptions): Promise<{ tasks: MinedDocsTask[]; rejected: Rejected[]; suiteFile: string }> {
  const repo = repoRef(opts.repo);
  const cache = new RepoCache(opts.cacheDir);
  const mirror = await cache.mirror(repo);
  const outDir = resolve(opts.out);
  mkdirSync(join(outDir, 'tasks'), { recursive: true });

  let commits: HistoryCommit[];
  if (opts.commit) {
    const sha = await cache.resolveCommit(repo, opts.commit);
    if (!sha) throw new InputError(`commit ${opts.commit} not found in ${opts.repo}`, { field: '--commit', fix: 'give a commit of that repository' });
    commits = [await oneCommit(mirror, sha)];
  } else commits = (await firstParentLog(mirror, { since: opts.since })).filter((c) => c.parent);

  const root = join(tmpdir(), `bench-mine-docs-${process.pid}`);
  mkdirSync(join(root, 'scratch', 'home'), { recursive: true });
  mkdirSync(join(root, 'scratch', 'tmp'), { recursive: true });
  const workspaces = new WorkspaceManager(cache, join(root, 'wt'));
  const tasks: MinedDocsTask[] = [];
  const rejected: Rejected[] = [];
  try {
    for (const [i, c] of commits.entries()) {
      if (tasks.length >= opts.limit) break;
      const reject = (reason: string) => {
        rejected.push({ commit: c.sha, reason });
        opts.onProgress?.(`skip ${c.sha.slice(0, 8)} ${c.subject}: ${reason}`);
      };
      if (!c.parent) {
        reject('has no parent to start from');
        continue;
      }
      const changed = (await git(mirror, ['diff', '--name-only', '--no-renames', c.parent, c.sha])).split('\n').filter(Boolean);
      const other = changed.filter((f) => !DOC_FILE.test(f));
      if (!changed.length || other.length) {
        reject(changed.length ? `changes files other than documentation (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''})` : 'changes nothing');
        continue;
      }
      opts.onProgress?.(`commit ${i + 1}/${commits.length} ${c.sha.slice(0, 8)} ${c.subject}: grading the change and its base`);
      const kept = (await git(mirror, ['diff', '--name-only', '--no-renames', '--diff-filter=d', c.parent, c.sha])).split('\n').filter(Boolean);
      const perFile: DocsRequirement[][] = [];
      let runnable = false;
      for (const f of kept) {
        const after = (await showAt(mirror, c.sha, f)) ?? '';
        runnable ||= isMarkdown(f) && /^ {0,3}(`{3,}|~{3,})\s*\S+(\s+\S+)*\s+run\b/m.test(after);
        perFile.push(deriveRequirements(f, await showAt(mirror, c.parent, f), after));
      }
      // Runnable examples usually import the project: install it when its lockfile says how.
      const hasLock = runnable && (await git(mirror, ['ls-tree', '--name-only', c.parent])).split('\n').includes('package-lock.json');
      const setup = opts.setup !== undefined ? opts.setup : hasLock ? 'npm ci --no-audit --no-fund --prefer-offline' : null;
      const id = `docs-${slugify(c.subject.replace(/^docs(\([^)]*\))?:\s*/i, '')) || 'change'}-${c.sha.slice(0, 7)}`;
      const file = join(outDir, 'tasks', `${id}.yaml`);
      let spec: DocsTaskSpec = {
        id,
        kind: 'docs',
        title: c.subject,
        repo,
        base: c.parent,
        gold: { from: c.parent, to: c.sha },
        request: commitRequest(c),
        allowed_paths: allowedPathsFor(changed),
        setup,
        environment: null,
        time_limit_s: 900,
        tags: ['mined'],
        checks: { required: pickRequirements(perFile), links: true, examples: true, markdown: true },
        suite: outDir,
        file,
      };
      const env: GradeEnv = {
        workspaces,
        scratch: join(root, 'scratch'),
        runTests: sandboxedTestRunner(join(root, 'scratch'), opts.sandbox, { hidden: [], reveal: [] }),
        name: `mine-${c.sha.slice(0, 8)}`,
      };
      let gold: DocsGrade;
      let base: DocsGrade;
      try {
        // The requirement checks follow the scope check, in the task's order (see gradeDocs).
        const requirementResults = (g: DocsGrade) => spec.checks.required.map((_, k) => g.checks[1 + k]!);
        gold = await gradeDocs(spec, await goldPatch(cache, spec), env);
        if (gold.status !== 'ok') {
          reject(`could not grade the change: ${gold.note ?? 'infrastructure error'}`);
          continue;
        }
        const goldReq = requirementResults(gold);
        base = await gradeDocs(spec, '', env);
        if (base.status !== 'ok') {
          reject(`could not grade the base: ${base.note ?? 'infrastructure error'}`);
          continue;
        }
        const baseReq = requirementResults(base);
        // Keep only what the change passes and the base fails: the rest cannot tell doing the task from not.
        const required = spec.checks.required.filter((_, k) => goldReq[k]!.passed && !baseReq[k]!.passed);
        const dropped = spec.checks.required.length - required.length;
        if (dropped) opts.onProgress?.(`  ${dropped} derived requirement(s) dropped: they do not tell the change from its base`);
        const goldFails = failing(gold).filter((ch) => !goldReq.includes(ch));
        if (goldFails.length) {
          reject(
            `the historical change fails its own check${goldFails.length > 1 ? 's' : ''}: ${goldFails.map((ch) => `${ch.name} (${ch.detail})`).join('; ')}`,
          );
          continue;
        }
        const baseFails = failing(base).filter((ch) => !baseReq.includes(ch));
        spec = { ...spec, checks: { ...spec.checks, required } };
        if (!required.length && !baseFails.length) {
          reject(
            'nothing tells the base from the change: no added heading, code symbol or quoted phrase, no removed sentence, and the base passes the links, examples and markdown checks',
          );
          continue;
        }
      } catch (err) {
        reject(`could not grade: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const task = {
        id,
        kind: 'docs',
        title: c.subject,
        repo: repo.name,
        base: c.parent,
        gold: c.sha,
        request: spec.request,
        allowed_paths: spec.allowed_paths,
        // Written even when none: the task was proven with this setup, whatever the suite's default is.
        setup,
        checks: spec.checks,
        tags: ['mined'],
        // Provenance, where the agent never looks (it is given the title and the request only).
        source: { commit: c.sha, mined_at: new Date().toISOString(), request: 'commit', request_sha256: requestDigest(spec.request) },
      };
      writeFileSync(
        file,
        `${schemaComment(file, 'task')}\n# Mined by bench from ${opts.repo} ${c.sha}; edit the request before use.\n# request: the commit message of ${c.sha.slice(0, 12)}: rewrite it as the request a maintainer would have made, without the solution\n${stringify(task, { lineWidth: 0 })}`,
      );
      tasks.push({ id, commit: c.sha, file, required: spec.checks.required.length });
      opts.onProgress?.(`task ${id}: ${spec.checks.required.length} required check(s)`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  // Tasks carry their own setup; the suite default is none, so tasks that need no install get none.
  const suiteFile = tasks.length ? ensureSuiteFile(outDir, repo, opts.repo, { setup: null }, opts.onProgress) : join(outDir, 'suite.yaml');
  return { tasks, rejected, suiteFile };
}
