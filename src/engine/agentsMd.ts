// Repository guidance as Codex composes it (codex-rs core/src/project_doc.rs, Codex 0.169): the
// global file of CODEX_HOME, then one file per folder from the project root down to the working
// directory (AGENTS.override.md, else AGENTS.md, else a project_doc_fallback_filenames name), joined
// root-first so the closest file comes last, empty ones skipped, the project files together capped at
// project_doc_max_bytes. Codex sends the result as a user message; bench's sdk engine sends the same
// message, so a model sees the same text under both engines.
//
// Where bench parts from Codex: the files are in the trial's worktree, which the agent controls (a role
// may rewrite AGENTS.md, or plant a link, for the roles after it), so they are read through the safe
// file layer: a link is followed only while it stays inside the worktree, and never a FIFO or a device
// (Codex would follow the link anywhere, and block on a FIFO). What is refused is recorded.
import { countText } from '../model/tokens.ts';
import { SafeFsError, SafeRoot } from '../control/safefs.ts';
import { DEFAULT_PROJECT_DOC_MAX_BYTES, type GuidanceConfig } from '../workflow/types.ts';

export const OVERRIDE_NAME = 'AGENTS.override.md';
export const DEFAULT_NAME = 'AGENTS.md';
/** What the message starts with, in Codex and here (the simulated model finds it by this). */
export const AGENTS_MD_HEADING = '# AGENTS.md instructions for ';
const PROJECT_DOC_SEPARATOR = '\n\n--- project-doc ---\n\n';

export const DEFAULT_GUIDANCE: GuidanceConfig = { global: null, maxBytes: DEFAULT_PROJECT_DOC_MAX_BYTES, fallbackFilenames: [] };

export interface GuidanceFile {
  /** Relative to the worktree ('/'-separated), or `$CODEX_HOME/<name>` for the global file. */
  path: string;
  /** Bytes of it given (after the cap). */
  bytes: number;
  /** It was cut at the cap. */
  truncated: boolean;
}

export interface Guidance {
  /** The user message the role gets, or null when there is nothing to give. */
  message: string | null;
  files: GuidanceFile[];
  /** Bytes of guidance given (the files' bytes together). */
  bytes: number;
  /** Tokens of the whole message (o200k), as the rest of a prompt is counted. */
  tokens: number;
  /** Files chosen but not read, and why (a link out of the worktree, not a regular file). */
  refused: Array<{ path: string; reason: string }>;
}

/** The names tried in each folder, in Codex's order, without repeats or empty names. */
export function candidateNames(fallbacks: readonly string[]): string[] {
  const names = [OVERRIDE_NAME, DEFAULT_NAME];
  for (const f of fallbacks) if (f && !names.includes(f)) names.push(f);
  return names;
}

/** The folders from the root down to `cwd` ('.'-relative, '/'-separated): '.', 'a', 'a/b'. */
function foldersDown(cwd: string): string[] {
  const parts = cwd.split('/').filter((p) => p && p !== '.');
  if (parts.includes('..')) throw new Error(`the working directory ${cwd} is not inside the worktree`);
  return ['.', ...parts.map((_, i) => parts.slice(0, i + 1).join('/'))];
}

const joinRel = (dir: string, name: string) => (dir === '.' ? name : `${dir}/${name}`);

/**
 * Composes the guidance a role gets in `workspace` (the git root) working in `cwd` (relative to it).
 * `shownCwd` is the working directory as the message names it. Codex names the absolute path; bench
 * names it relative to the worktree ('.') unless told otherwise, so that what a model is sent does not
 * depend on where the trial's worktree happens to be (cassette keys, the simulated model's token counts).
 */
export function composeGuidance(workspace: string, config: GuidanceConfig, opts: { cwd?: string; shownCwd?: string } = {}): Guidance {
  const root = new SafeRoot(workspace);
  const files: GuidanceFile[] = [];
  const refused: Guidance['refused'] = [];
  const parts: string[] = [];
  if (config.maxBytes > 0) {
    const names = candidateNames(config.fallbackFilenames);
    let remaining = config.maxBytes;
    for (const dir of foldersDown(opts.cwd ?? '.')) {
      if (remaining <= 0) break;
      // Codex takes the first name present as a file or a link (a folder of that name does not count), at most one per folder.
      const chosen = names
        .map((n) => joinRel(dir, n))
        .find((p) => {
          const kind = safeKind(root, p);
          return kind === 'file' || kind === 'link';
        });
      if (!chosen) continue;
      let read;
      try {
        read = root.read(chosen, remaining);
      } catch (err) {
        if (!(err instanceof SafeFsError)) throw err;
        refused.push({ path: chosen, reason: err.message });
        continue;
      }
      // Codex cuts at a byte, not a character; a cut character becomes U+FFFD, as from_utf8_lossy makes it.
      const text = read.data.toString('utf8');
      if (!text.trim()) continue;
      parts.push(text);
      files.push({ path: chosen, bytes: read.data.length, truncated: read.truncated });
      remaining -= read.data.length;
    }
  }
  let body = '';
  if (config.global) {
    body = config.global.text;
    files.unshift({ path: `$CODEX_HOME/${config.global.name}`, bytes: Buffer.byteLength(config.global.text), truncated: false });
  }
  if (parts.length) body += `${body ? PROJECT_DOC_SEPARATOR : ''}${parts.join('\n\n')}`;
  const message = body ? `${AGENTS_MD_HEADING}${opts.shownCwd ?? opts.cwd ?? '.'}\n\n<INSTRUCTIONS>\n${body}\n</INSTRUCTIONS>` : null;
  return {
    message,
    files,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    tokens: message ? countText(message) : 0,
    refused,
  };
}

function safeKind(root: SafeRoot, path: string): ReturnType<SafeRoot['kind']> {
  try {
    return root.kind(path);
  } catch (err) {
    // A folder on the way that is a link out of the worktree: nothing bench will read there.
    if (err instanceof SafeFsError) return null;
    throw err;
  }
}
