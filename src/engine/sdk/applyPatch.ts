// Codex's apply_patch format: an envelope of file operations, updates written as V4A hunks.
//   *** Begin Patch / *** Add File: p (+lines) / *** Delete File: p / *** Update File: p
//   [*** Move to: q] / @@ [anchor] (' ', '-', '+' lines) ... / *** End Patch
// Parsing is separate from applying so the control plane can check every path before anything is written.
import { applyDiff } from '@openai/agents';

export type PatchOp =
  { type: 'add'; path: string; content: string } | { type: 'delete'; path: string } | { type: 'update'; path: string; moveTo?: string; diff: string };

export class PatchError extends Error {}

const HEADER = /^\*\*\* (Add File|Delete File|Update File|Move to): (.+)$/;

export function parsePatch(text: string): PatchOp[] {
  // Models sometimes wrap the patch in a heredoc (`apply_patch <<'EOF' ... EOF`) or code fences.
  let lines = text.replace(/\r\n/g, '\n').split('\n');
  const begin = lines.findIndex((l) => l.trim() === '*** Begin Patch');
  const end = lines.findLastIndex((l) => l.trim() === '*** End Patch');
  if (begin >= 0) lines = lines.slice(begin + 1, end > begin ? end : undefined);
  const ops: PatchOp[] = [];
  let current: PatchOp | null = null;
  let body: string[] = [];
  const flush = () => {
    if (!current) return;
    if (current.type === 'add') current.content = body.map((l) => l.slice(1)).join('\n') + (body.length ? '\n' : '');
    if (current.type === 'update') {
      if (!body.some((l) => l.startsWith('+') || l.startsWith('-')) && !current.moveTo)
        throw new PatchError(`Update File ${current.path}: no changes in the hunk`);
      current.diff = body.join('\n');
    }
    ops.push(current);
    current = null;
    body = [];
  };
  for (const line of lines) {
    const m = HEADER.exec(line);
    if (m) {
      const [, kind, rawPath] = m;
      const path = rawPath!.trim();
      if (kind === 'Move to') {
        if (current?.type !== 'update') throw new PatchError('"*** Move to:" must follow "*** Update File:"');
        current.moveTo = path;
        continue;
      }
      flush();
      current =
        kind === 'Add File' ? { type: 'add', path, content: '' } : kind === 'Delete File' ? { type: 'delete', path } : { type: 'update', path, diff: '' };
      continue;
    }
    if (line === '*** End of File') continue;
    if (!current) {
      if (line.trim() === '') continue;
      throw new PatchError(`unexpected line before the first file header: ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (current.type === 'add') {
      if (!line.startsWith('+') && line !== '') throw new PatchError(`Add File ${current.path}: every line must start with "+"`);
      if (line !== '' || body.length) body.push(line || '+');
    } else if (current.type === 'update') body.push(line);
    else if (line.trim()) throw new PatchError(`Delete File ${current.path}: unexpected content`);
  }
  flush();
  // A trailing blank line inside an Add File body is an artefact of splitting, not content.
  for (const op of ops) if (op.type === 'add') op.content = op.content.replace(/\n\n$/, '\n');
  if (!ops.length) throw new PatchError('the patch contains no file operations');
  return ops;
}

/** Paths a patch writes (for the sandbox check), as named in it. */
export function patchWrites(ops: PatchOp[]): string[] {
  return ops.flatMap((op) => (op.type === 'update' && op.moveTo ? [op.path, op.moveTo] : [op.path]));
}

export interface FileIO {
  read(path: string): Promise<string | null>;
  write(path: string, content: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** Applies every operation or none: all new contents are computed before the first write. */
export async function applyPatch(ops: PatchOp[], io: FileIO): Promise<string> {
  const writes: Array<{ path: string; content: string | null; mark: string }> = [];
  for (const op of ops) {
    if (op.type === 'add') writes.push({ path: op.path, content: op.content, mark: 'A' });
    else if (op.type === 'delete') {
      if ((await io.read(op.path)) === null) throw new PatchError(`Delete File ${op.path}: no such file`);
      writes.push({ path: op.path, content: null, mark: 'D' });
    } else {
      const before = await io.read(op.path);
      if (before === null) throw new PatchError(`Update File ${op.path}: no such file`);
      let after: string;
      try {
        after = op.diff.trim() ? applyDiff(before, op.diff) : before;
      } catch (err) {
        throw new PatchError(`Update File ${op.path}: the hunk does not match the file (${(err as Error).message.split('\n')[0]})`);
      }
      if (op.moveTo) {
        writes.push({ path: op.moveTo, content: after, mark: 'M' });
        writes.push({ path: op.path, content: null, mark: 'D' });
      } else writes.push({ path: op.path, content: after, mark: 'M' });
    }
  }
  for (const w of writes) {
    if (w.content === null) await io.remove(w.path);
    else await io.write(w.path, w.content);
  }
  return `Success. Updated the following files:\n${writes.map((w) => `${w.mark} ${w.path}`).join('\n')}`;
}
