// AGENTS.md composed the way Codex composes it (root first, one file per folder, override first, the
// byte cap, fallback names), read through the safe file layer (a link out of the worktree refused).
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { AGENTS_MD_HEADING, candidateNames, composeGuidance, DEFAULT_GUIDANCE } from '../../src/engine/agentsMd.ts';
import { countText } from '../../src/model/tokens.ts';
import { guidanceTestCommand, guidanceText } from '../../src/model/sim/guidance.ts';
import type { Conversation } from '../../src/model/conversation.ts';
import { InputErrors } from '../../src/errors.ts';
import { describeWorkflow } from '../../src/cli/workflowText.ts';
import { EventLog } from '../../src/record/events.ts';
import { agentsMdFigures } from '../../src/replay/trial.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { DEFAULT_PROJECT_DOC_MAX_BYTES } from '../../src/workflow/types.ts';
import { tmp, writeFiles } from '../helpers/fixtures.ts';
import { workflowCopy } from '../helpers/workflows.ts';

/** A worktree: a .git marker (a file, as in a git worktree) and the given files. */
function worktree(files: Record<string, string>): string {
  const dir = tmp('bench-agentsmd-');
  writeFiles(dir, { '.git': 'gitdir: /nowhere\n', ...files });
  return dir;
}

const body = (message: string | null) => /<INSTRUCTIONS>\n([\s\S]*)\n<\/INSTRUCTIONS>$/.exec(message ?? '')?.[1];

describe('composing AGENTS.md as Codex does', () => {
  test('root first, then each folder down to the working directory, the closest last; the message in Codex’s shape', () => {
    const ws = worktree({ 'AGENTS.md': 'ROOT', 'pkg/AGENTS.md': 'PKG', 'pkg/sub/AGENTS.md': 'SUB', 'other/AGENTS.md': 'OTHER' });
    const g = composeGuidance(ws, DEFAULT_GUIDANCE, { cwd: 'pkg/sub' });
    expect(g.files.map((f) => f.path)).toEqual(['AGENTS.md', 'pkg/AGENTS.md', 'pkg/sub/AGENTS.md']);
    expect(g.message).toBe(`${AGENTS_MD_HEADING}pkg/sub\n\n<INSTRUCTIONS>\nROOT\n\nPKG\n\nSUB\n</INSTRUCTIONS>`);
    expect(g.bytes).toBe(10);
    expect(g.tokens).toBe(countText(g.message!));
    // At the root only the root's file: a folder below the working directory is not read.
    expect(composeGuidance(ws, DEFAULT_GUIDANCE).files.map((f) => f.path)).toEqual(['AGENTS.md']);
  });

  test('AGENTS.override.md wins in its folder; fallback names come after both, in the configured order; a folder named AGENTS.md does not count', () => {
    const ws = worktree({
      'AGENTS.md': 'ROOT',
      'AGENTS.override.md': 'ROOT-OVERRIDE',
      'a/AGENTS.md/keep': 'a folder, not a file',
      'a/TEAM.md': 'A-TEAM',
      'a/NOTES.md': 'A-NOTES',
      'a/b/NOTES.md': 'B-NOTES',
    });
    const config = { ...DEFAULT_GUIDANCE, fallbackFilenames: ['TEAM.md', '', 'NOTES.md', 'AGENTS.md'] };
    expect(candidateNames(config.fallbackFilenames)).toEqual(['AGENTS.override.md', 'AGENTS.md', 'TEAM.md', 'NOTES.md']);
    const g = composeGuidance(ws, config, { cwd: 'a/b' });
    expect(g.files.map((f) => f.path)).toEqual(['AGENTS.override.md', 'a/TEAM.md', 'a/b/NOTES.md']);
    expect(body(g.message)).toBe('ROOT-OVERRIDE\n\nA-TEAM\n\nB-NOTES');
    // Without the fallback names, folders a and a/b give nothing.
    expect(composeGuidance(ws, DEFAULT_GUIDANCE, { cwd: 'a/b' }).files.map((f) => f.path)).toEqual(['AGENTS.override.md']);
  });

  test('project_doc_max_bytes caps the project files together: the file that crosses it is cut, the ones after are not read; 0 gives none', () => {
    const ws = worktree({ 'AGENTS.md': 'A'.repeat(30), 'x/AGENTS.md': 'B'.repeat(30), 'x/y/AGENTS.md': 'C'.repeat(30) });
    const g = composeGuidance(ws, { ...DEFAULT_GUIDANCE, maxBytes: 50 }, { cwd: 'x/y' });
    expect(g.files).toEqual([
      { path: 'AGENTS.md', bytes: 30, truncated: false },
      { path: 'x/AGENTS.md', bytes: 20, truncated: true },
    ]);
    expect(body(g.message)).toBe(`${'A'.repeat(30)}\n\n${'B'.repeat(20)}`);
    expect(composeGuidance(ws, { ...DEFAULT_GUIDANCE, maxBytes: 0 }, { cwd: 'x/y' })).toMatchObject({ message: null, files: [], bytes: 0, tokens: 0 });
    expect(DEFAULT_GUIDANCE.maxBytes).toBe(32 * 1024);
    // A large file is cut at the default cap.
    const big = worktree({ 'AGENTS.md': 'z'.repeat(40_000) });
    expect(composeGuidance(big, DEFAULT_GUIDANCE).files).toEqual([{ path: 'AGENTS.md', bytes: DEFAULT_PROJECT_DOC_MAX_BYTES, truncated: true }]);
  });

  test('empty files are skipped without using up their folder’s turn for another name (as Codex: one name per folder, the first present)', () => {
    const ws = worktree({ 'AGENTS.override.md': '  \n\n', 'AGENTS.md': 'ROOT', 'sub/AGENTS.md': 'SUB' });
    const g = composeGuidance(ws, DEFAULT_GUIDANCE, { cwd: 'sub' });
    // The empty override is chosen (it exists) and gives nothing: the root's AGENTS.md is not read instead.
    expect(g.files.map((f) => f.path)).toEqual(['sub/AGENTS.md']);
    expect(composeGuidance(worktree({}), DEFAULT_GUIDANCE)).toMatchObject({ message: null, files: [], refused: [] });
  });

  test('the global file comes first, before the project-doc separator; it is not counted against the cap', () => {
    const ws = worktree({ 'AGENTS.md': 'ROOT' });
    const config = { ...DEFAULT_GUIDANCE, global: { name: 'AGENTS.md', text: 'GLOBAL' }, maxBytes: 4 };
    const g = composeGuidance(ws, config);
    expect(body(g.message)).toBe('GLOBAL\n\n--- project-doc ---\n\nROOT');
    expect(g.files).toEqual([
      { path: '$CODEX_HOME/AGENTS.md', bytes: 6, truncated: false },
      { path: 'AGENTS.md', bytes: 4, truncated: false },
    ]);
    expect(body(composeGuidance(worktree({}), config).message)).toBe('GLOBAL');
  });

  test('the agent’s links: one inside the worktree is followed, one leading out (or through a folder link out) is refused and recorded, a FIFO is never opened', () => {
    const outside = tmp('bench-agentsmd-outside-');
    writeFileSync(join(outside, 'secret.md'), 'SECRET OUTSIDE THE WORKTREE');
    const ws = worktree({ 'docs/guide.md': 'GUIDE', 'a/keep': '' });
    symlinkSync('docs/guide.md', join(ws, 'AGENTS.md'));
    symlinkSync(join(outside, 'secret.md'), join(ws, 'a', 'AGENTS.md'));
    symlinkSync(outside, join(ws, 'b'));
    mkdirSync(join(ws, 'c'));
    execFileSync('mkfifo', [join(ws, 'c', 'pipe')]);
    symlinkSync('pipe', join(ws, 'c', 'AGENTS.md'));
    // A FIFO itself is not a file or a link: Codex passes it over, and so does bench.
    mkdirSync(join(ws, 'd'));
    execFileSync('mkfifo', [join(ws, 'd', 'AGENTS.md')]);
    expect(composeGuidance(ws, DEFAULT_GUIDANCE, { cwd: 'd' })).toMatchObject({ files: [{ path: 'AGENTS.md' }], refused: [] });
    const g = composeGuidance(ws, DEFAULT_GUIDANCE, { cwd: 'a' });
    expect(g.files.map((f) => f.path)).toEqual(['AGENTS.md']);
    expect(body(g.message)).toBe('GUIDE');
    expect(g.refused).toEqual([{ path: 'a/AGENTS.md', reason: expect.stringMatching(/outside the workspace/) }]);
    expect(g.message).not.toContain('SECRET');
    // b is a link to the outside folder: nothing under it is read (its AGENTS.md would be outside).
    writeFileSync(join(outside, 'AGENTS.md'), 'SECRET VIA FOLDER LINK');
    expect(JSON.stringify(composeGuidance(ws, DEFAULT_GUIDANCE, { cwd: 'b' }))).not.toContain('SECRET');
    // A link to a FIFO is chosen, as Codex chooses links, but never opened: it would block a reader forever.
    const fifo = composeGuidance(ws, DEFAULT_GUIDANCE, { cwd: 'c' });
    expect(fifo.refused).toEqual([{ path: 'c/AGENTS.md', reason: expect.stringMatching(/not a regular file/) }]);
  });
});

describe('the workflow supplies the global file and the config keys', () => {
  test('its folder stands for CODEX_HOME: AGENTS.override.md before AGENTS.md, trimmed, the first non-empty one; config.toml sets the cap and fallback names', () => {
    const dir = workflowCopy('roles');
    expect(loadWorkflowDir(dir).guidance).toEqual(DEFAULT_GUIDANCE);
    writeFileSync(join(dir, 'AGENTS.md'), '\nGLOBAL GUIDANCE\n\n');
    writeFileSync(join(dir, 'AGENTS.override.md'), '   \n');
    writeFileSync(join(dir, 'config.toml'), `project_doc_max_bytes = 1000\nproject_doc_fallback_filenames = ["TEAM.md"]\n\n${readConfig(dir)}`);
    const w = loadWorkflowDir(dir);
    expect(w.guidance).toEqual({ global: { name: 'AGENTS.md', text: 'GLOBAL GUIDANCE' }, maxBytes: 1000, fallbackFilenames: ['TEAM.md'] });
    // bench workflow check says so.
    expect(describeWorkflow(w)).toContain(
      "AGENTS.md: global AGENTS.md (15 bytes), then the repository's from its root down, capped at 1000 bytes, fallback names TEAM.md",
    );
    writeFileSync(join(dir, 'config.toml'), `project_doc_max_bytes = -1\n\n${readConfig(dir).replace(/^project_doc.*\n/gm, '')}`);
    try {
      loadWorkflowDir(dir);
      expect.unreachable('a negative cap is refused');
    } catch (err) {
      expect((err as InputErrors).errors.map((e) => e.format()).join('\n')).toMatch(/config\.toml.*project_doc_max_bytes/s);
    }
  });
});

function readConfig(dir: string): string {
  return execFileSync('cat', [join(dir, 'config.toml')], { encoding: 'utf8' });
}

describe('the simulated model reads the test command AGENTS.md names', () => {
  const conv = (text: string): Conversation => ({
    model: 'sim',
    instructions: 'You are the worker.',
    items: [
      { kind: 'message', role: 'user', text },
      { kind: 'message', role: 'user', text: 'Fix the bug.' },
    ],
    tools: [],
    outputSchema: null,
    reasoningEffort: null,
  });

  test('from a line about running the tests, the backticked command; the closest file (last) wins; paths are not commands', () => {
    const ws = worktree({
      'AGENTS.md': '# Project\n\nThe tests live in `test/`. Run the tests with `npm test`.\n',
      'pkg/AGENTS.md': 'Here, run the unit tests with `node --test test/unit` instead.\n',
    });
    const g = composeGuidance(ws, DEFAULT_GUIDANCE, { cwd: 'pkg' });
    const text = guidanceText(conv(g.message!));
    expect(text).toContain('Run the tests with `npm test`');
    expect(guidanceTestCommand(text!)).toBe('node --test test/unit');
    expect(guidanceTestCommand(guidanceText(conv(composeGuidance(ws, DEFAULT_GUIDANCE).message!))!)).toBe('npm test');
    expect(guidanceTestCommand('Tests are in `test/` and `spec/`.')).toBeNull();
    expect(guidanceTestCommand('Use `pnpm` everywhere.')).toBeNull();
    // Only the AGENTS.md message counts: a request quoting a command is not guidance.
    expect(guidanceText(conv('Please run the tests with `make check`.'))).toBeNull();
  });
});

describe('the record’s agents_md, from the events', () => {
  test('the first role run’s files, every role run counted, a change and every refusal kept; the codex engine’s role runs not measured; no event, null', () => {
    const events = new EventLog(null);
    expect(agentsMdFigures(events)).toBeNull();
    const files = [{ path: 'AGENTS.md', bytes: 12, truncated: false }];
    events.emit('agents_md', { role: 'orchestrator', files, bytes: 12, tokens: 30, refused: [], changed: false });
    events.emit('agents_md', { role: 'worker', files, bytes: 12, tokens: 30, refused: [], changed: false });
    events.emit('agents_md', { role: 'reviewer', files: [], bytes: 0, tokens: 0, refused: [{ path: 'AGENTS.md', reason: 'a link out' }], changed: true });
    expect(agentsMdFigures(events)).toEqual({
      files,
      bytes: 12,
      tokens: 30,
      role_runs: 3,
      changed: true,
      refused: [{ path: 'AGENTS.md', reason: 'a link out' }],
    });
    const codex = new EventLog(null);
    codex.emit('agents_md', { role: 'orchestrator', files, bytes: 12, tokens: 30, refused: [], changed: false, engine: 'codex' });
    expect(agentsMdFigures(codex)).toMatchObject({ role_runs: null, changed: false });
  });
});
