// File access for the agent's file tools (and the harness's own reads and writes in a worktree the
// agent touched), enforced at the moment of the operation. Paths are walked one component at a time
// from an open descriptor of the root: every directory is opened with O_NOFOLLOW relative to the one
// before it (through /proc/self/fd, Node's openat), so a symlink swapped in after a check cannot steer
// the operation elsewhere. Symbolic links are followed only while they stay inside the root (as
// openat2's RESOLVE_BENEATH would); `..` above the root, an absolute link target outside it, a FIFO or
// a device are refused. Writes go to a new file renamed over the target, so they never write through a
// link or into another inode (a hard link). Where /proc/self/fd does not exist (not Linux) the same walk
// runs on path strings, which is only as good as nothing racing it: the docs say so.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;
const MAX_LINK_HOPS = 40;

/**
 * Why an operation was refused. The first three are sandbox denials (the agent asked for something
 * outside its reach); the rest are ordinary errors the model is told about.
 */
export type SafeFsCode = 'outside' | 'link_outside' | 'protected' | 'not_found' | 'not_a_file' | 'not_a_directory' | 'too_large' | 'loop' | 'io';

export const DENIAL_CODES: ReadonlySet<SafeFsCode> = new Set(['outside', 'link_outside', 'protected']);

export class SafeFsError extends Error {
  readonly code: SafeFsCode;
  /** The path as the agent gave it. */
  readonly path: string;
  constructor(code: SafeFsCode, path: string, message: string) {
    super(message);
    this.name = 'SafeFsError';
    this.code = code;
    this.path = path;
  }
  get denied(): boolean {
    return DENIAL_CODES.has(this.code);
  }
}

interface Dir {
  fd: number;
  /** Components from the root. */
  rel: string[];
}

export type EntryKind = 'file' | 'dir' | 'link' | 'other';

export interface ListEntry {
  /** Relative to the listed directory, '/'-separated. */
  path: string;
  kind: EntryKind;
}

export interface ReadResult {
  data: Buffer;
  /** The file's size on disk (it may be larger than what was read). */
  size: number;
  truncated: boolean;
  /** Where the path led, relative to the root ('.' for the root). */
  rel: string;
}

export interface WriteOptions {
  /** Refuses a path (relative, '/'-separated) with a reason, e.g. anything under `.git`. Checked on every directory walked into and on the final target. */
  protect?: (rel: string) => string | null;
  maxBytes?: number;
}

const relText = (parts: readonly string[]) => (parts.length ? parts.join('/') : '.');
const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

export class SafeRoot {
  /** The root with symlinks resolved. */
  readonly root: string;
  /** Other spellings of the root that absolute paths may use (the path as given, before resolving symlinks). */
  private readonly aliases: string[];
  /** Whether operations go through /proc/self/fd (race-free) or path strings (not Linux). */
  readonly raceFree: boolean;

  constructor(root: string) {
    this.root = realpathSync(root);
    this.aliases = [...new Set([this.root, root.replace(/\/+$/, '')])];
    this.raceFree = existsSync('/proc/self/fd');
  }

  /** A path's components relative to the root; absolute paths must lie under it. */
  private parts(given: string): string[] {
    let rest = given;
    if (isAbsolute(given)) {
      const alias = this.aliases.find((a) => given === a || given.startsWith(`${a}${sep}`));
      if (alias === undefined) throw new SafeFsError('outside', given, `${given} is outside the workspace`);
      rest = given.slice(alias.length);
    }
    return rest.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  }

  /** The name of `name` inside an open directory, for the fs calls that take paths. */
  private at(dir: Dir, name: string): string {
    return this.raceFree ? `/proc/self/fd/${dir.fd}/${name}` : join(this.root, ...dir.rel, name);
  }

  private openRoot(): Dir {
    return { fd: openSync(this.root, O_RDONLY | O_DIRECTORY), rel: [] };
  }

  private openDir(parent: Dir, name: string): Dir {
    return { fd: openSync(this.at(parent, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW), rel: [...parent.rel, name] };
  }

  /**
   * Walks `queue` (components from the root) to the directory holding its last component, following
   * symlinks inside the root. Returns the open directories (the caller closes them) and the last name,
   * or null when the path is the root itself or `openLast` asked for the last component to be opened as
   * a directory too. `create` makes missing directories on the way; `protect` is asked about each one.
   */
  private walk(
    given: string,
    queue: string[],
    opts: { create?: boolean; openLast?: boolean; protect?: WriteOptions['protect']; hops: { n: number } },
  ): { stack: Dir[]; name: string | null } {
    const stack = [this.openRoot()];
    try {
      while (queue.length) {
        const c = queue.shift()!;
        if (c === '.' || c === '') continue;
        const top = stack.at(-1)!;
        if (c === '..') {
          if (stack.length === 1) throw new SafeFsError('outside', given, `${given} leads outside the workspace`);
          closeSync(stack.pop()!.fd);
          continue;
        }
        if (!queue.length && !opts.openLast) return { stack, name: c };
        const denied = opts.protect?.(relText([...top.rel, c]));
        if (denied) throw new SafeFsError('protected', given, denied);
        try {
          stack.push(this.openDir(top, c));
        } catch (err) {
          const code = errno(err);
          // O_NOFOLLOW with O_DIRECTORY reports a link as ENOTDIR: look at what is there.
          if (code === 'ELOOP' || (code === 'ENOTDIR' && this.isLink(top, c))) {
            // A link: walk again from the root along its target, then the rest.
            queue.unshift(...this.linkTarget(given, top, c, opts.hops));
            while (stack.length > 1) closeSync(stack.pop()!.fd);
          } else if (code === 'ENOENT' && opts.create) {
            mkdirSync(this.at(top, c));
            queue.unshift(c);
          } else if (code === 'ENOENT') throw new SafeFsError('not_found', given, `${given}: no such file or directory`);
          else if (code === 'ENOTDIR') throw new SafeFsError('not_a_directory', given, `${given}: ${relText([...top.rel, c])} is not a directory`);
          else throw err;
        }
      }
      return { stack, name: null };
    } catch (err) {
      this.close(stack);
      if (err instanceof SafeFsError) throw err;
      throw new SafeFsError('io', given, `${given}: ${errno(err) ?? String(err)}`);
    }
  }

  /**
   * The components, from the root, that a symlink at `dir/name` stands for. A relative target is read
   * from the link's directory (`..` may not climb above the root: the walk refuses it); an absolute one
   * must name a place inside the root.
   */
  private linkTarget(given: string, dir: Dir, name: string, hops: { n: number }): string[] {
    if (++hops.n > MAX_LINK_HOPS) throw new SafeFsError('loop', given, `${given}: too many levels of symbolic links`);
    const target = readlinkSync(this.at(dir, name));
    if (!isAbsolute(target)) return [...dir.rel, ...target.split('/')];
    const alias = this.aliases.find((a) => target === a || target.startsWith(`${a}/`));
    if (alias === undefined)
      throw new SafeFsError('link_outside', given, `${given}: ${relText([...dir.rel, name])} is a symbolic link to ${target}, outside the workspace`);
    return target.slice(alias.length).split('/');
  }

  private isLink(dir: Dir, name: string): boolean {
    try {
      return lstatSync(this.at(dir, name)).isSymbolicLink();
    } catch {
      return false;
    }
  }

  private close(stack: Dir[]): void {
    for (const d of stack) closeSync(d.fd);
    stack.length = 0;
  }

  /**
   * Runs `op` on the final component of `given` in its (open) parent directory. When `follow` says a
   * link there is to be followed (it stays inside the root), the walk starts again along its target.
   */
  private final<T>(
    given: string,
    opts: { create?: boolean; protect?: WriteOptions['protect'] },
    op: (dir: Dir, name: string, rel: string) => { follow: true } | { value: T },
  ): T {
    const hops = { n: 0 };
    let queue = this.parts(given);
    for (;;) {
      const { stack, name } = this.walk(given, queue, { ...opts, hops });
      try {
        const dir = stack.at(-1)!;
        if (name === null) throw new SafeFsError('not_a_file', given, `${given} is a directory`);
        const rel = relText([...dir.rel, name]);
        const denied = opts.protect?.(rel);
        if (denied) throw new SafeFsError('protected', given, denied);
        const r = op(dir, name, rel);
        if ('value' in r) return r.value;
        queue = this.linkTarget(given, dir, name, hops);
      } catch (err) {
        if (err instanceof SafeFsError) throw err;
        throw new SafeFsError('io', given, `${given}: ${errno(err) ?? String(err)}`);
      } finally {
        this.close(stack);
      }
    }
  }

  /** Where a path leads, relative to the root, following links inside it ('.' for the root); the target need not exist. */
  resolve(given: string): string {
    const parts = this.parts(given);
    if (!parts.length) return '.';
    return this.final<string>(given, {}, (dir, name, rel) => {
      let link = false;
      try {
        link = lstatSync(this.at(dir, name)).isSymbolicLink();
      } catch {
        // does not exist (yet)
      }
      return link ? { follow: true } : { value: rel };
    });
  }

  /** An existing directory inside the root (links inside it followed), as an absolute path: a command's working directory. */
  dir(given: string): string {
    const { stack } = this.walk(given, this.parts(given), { openLast: true, hops: { n: 0 } });
    const rel = stack.at(-1)!.rel;
    this.close(stack);
    return join(this.root, ...rel);
  }

  /** Reads a regular file (never a FIFO or device: they could block or never end), at most `maxBytes`. */
  read(given: string, maxBytes: number): ReadResult {
    return this.final<ReadResult>(given, {}, (dir, name, rel) => {
      let fd: number;
      try {
        fd = openSync(this.at(dir, name), O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
      } catch (err) {
        const code = errno(err);
        if (code === 'ELOOP') return { follow: true };
        if (code === 'ENOENT') throw new SafeFsError('not_found', given, `${given}: no such file or directory`);
        if (code === 'EISDIR') throw new SafeFsError('not_a_file', given, `${given} is a directory`);
        throw err;
      }
      try {
        const st = fstatSync(fd);
        if (st.isDirectory()) throw new SafeFsError('not_a_file', given, `${given} is a directory`);
        if (!st.isFile()) throw new SafeFsError('not_a_file', given, `${given} is not a regular file`);
        const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
        let n = 0;
        while (n < buf.length) {
          const got = readSync(fd, buf, n, buf.length - n, null);
          if (got === 0) break;
          n += got;
        }
        return { value: { data: buf.subarray(0, Math.min(n, maxBytes)), size: st.size, truncated: n > maxBytes, rel } };
      } finally {
        closeSync(fd);
      }
    });
  }

  /** A file's text, or null when it does not exist; larger than `maxBytes` is an error. */
  readText(given: string, maxBytes: number): string | null {
    try {
      const r = this.read(given, maxBytes);
      if (r.truncated) throw new SafeFsError('too_large', given, `${given} is larger than ${maxBytes} bytes`);
      return r.data.toString('utf8');
    } catch (err) {
      if (err instanceof SafeFsError && err.code === 'not_found') return null;
      throw err;
    }
  }

  /**
   * Writes a file: the content goes to a new file beside the target, renamed over it, so nothing is ever
   * written through a link or into an inode shared with another path. Missing directories are made. A
   * link at the target is followed while it stays inside the root; an existing file's mode is kept.
   */
  write(given: string, content: string | Buffer, opts: WriteOptions = {}): string {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    if (opts.maxBytes !== undefined && data.length > opts.maxBytes)
      throw new SafeFsError('too_large', given, `${given}: ${data.length} bytes is more than the ${opts.maxBytes} a file may have`);
    return this.final<string>(given, { create: true, protect: opts.protect }, (dir, name, rel) => {
      let mode = 0o666;
      let st;
      try {
        st = lstatSync(this.at(dir, name));
      } catch {
        // a new file
      }
      if (st?.isSymbolicLink()) return { follow: true };
      if (st?.isDirectory()) throw new SafeFsError('not_a_file', given, `${given} is a directory`);
      if (st?.isFile()) mode = st.mode & 0o777;
      const tmp = `.${name.slice(0, 100)}.bench-${randomBytes(6).toString('hex')}`;
      const fd = openSync(this.at(dir, tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
      try {
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      } finally {
        closeSync(fd);
      }
      try {
        renameSync(this.at(dir, tmp), this.at(dir, name));
      } catch (err) {
        unlinkSync(this.at(dir, tmp));
        if (errno(err) === 'EISDIR') throw new SafeFsError('not_a_file', given, `${given} is a directory`);
        throw err;
      }
      return { value: rel };
    });
  }

  /**
   * Puts a file at exactly this path whatever is there: links, files or folders standing where a
   * folder or the file must be are removed (never followed), then the file is renamed into place.
   * What the grader uses to put the hidden tests into a checkout the agent's patch shaped.
   */
  put(given: string, content: string | Buffer, mode = 0o644): string {
    const parts = this.parts(given);
    if (!parts.length || parts.includes('..')) throw new SafeFsError('outside', given, `${given} is not a path inside the workspace`);
    const name = parts.pop()!;
    const stack = [this.openRoot()];
    try {
      for (const c of parts) {
        const top = stack.at(-1)!;
        const st = lstatSync(this.at(top, c), { throwIfNoEntry: false });
        if (st && !st.isDirectory()) unlinkSync(this.at(top, c));
        if (!st || !st.isDirectory()) mkdirSync(this.at(top, c));
        stack.push(this.openDir(top, c));
      }
      const dir = stack.at(-1)!;
      const st = lstatSync(this.at(dir, name), { throwIfNoEntry: false });
      if (st?.isDirectory()) rmSync(this.at(dir, name), { recursive: true, force: true });
      const tmp = `.${name.slice(0, 100)}.bench-${randomBytes(6).toString('hex')}`;
      const fd = openSync(this.at(dir, tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
      try {
        const data = typeof content === 'string' ? Buffer.from(content) : content;
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      } finally {
        closeSync(fd);
      }
      renameSync(this.at(dir, tmp), this.at(dir, name));
      return relText([...dir.rel, name]);
    } catch (err) {
      if (err instanceof SafeFsError) throw err;
      throw new SafeFsError('io', given, `${given}: ${errno(err) ?? String(err)}`);
    } finally {
      this.close(stack);
    }
  }

  /** Removes a file or a link (the link itself, never what it points to). */
  remove(given: string, opts: Pick<WriteOptions, 'protect'> = {}): string {
    return this.final<string>(given, { protect: opts.protect }, (dir, name, rel) => {
      try {
        unlinkSync(this.at(dir, name));
      } catch (err) {
        const code = errno(err);
        if (code === 'ENOENT') throw new SafeFsError('not_found', given, `${given}: no such file`);
        if (code === 'EISDIR' || code === 'EPERM') throw new SafeFsError('not_a_file', given, `${given} is a directory`);
        throw err;
      }
      return { value: rel };
    });
  }

  /** The target text of a link (not followed). */
  readLink(given: string): string {
    return this.final<string>(given, {}, (dir, name) => ({ value: readlinkSync(this.at(dir, name)) }));
  }

  /** What is at a path (a final link is reported as a link, not followed), or null when nothing is. */
  kind(given: string): EntryKind | null {
    if (!this.parts(given).length) return 'dir';
    try {
      return this.final<EntryKind>(given, {}, (dir, name) => {
        const st = lstatSync(this.at(dir, name));
        return { value: st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other' };
      });
    } catch (err) {
      if (err instanceof SafeFsError && (err.code === 'not_found' || err.code === 'not_a_directory' || err.code === 'io')) return null;
      throw err;
    }
  }

  /**
   * Lists a directory (links inside the root followed to reach it), `depth` levels deep, never
   * descending into a link. `skip` leaves out entries (and what is below them) by their path from the root.
   */
  list(
    given: string,
    opts: { depth: number; limit: number; skip?: (rel: string, name: string) => boolean; descend?: (rel: string, name: string) => boolean },
  ): { entries: ListEntry[]; truncated: boolean } {
    const { stack } = this.walk(given, this.parts(given), { openLast: true, hops: { n: 0 } });
    const entries: ListEntry[] = [];
    let truncated = false;
    const visit = (dir: Dir, prefix: string, depth: number) => {
      const dirents = readdirSync(this.raceFree ? `/proc/self/fd/${dir.fd}` : join(this.root, ...dir.rel), { withFileTypes: true }).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      for (const e of dirents) {
        if (entries.length >= opts.limit) {
          truncated = true;
          return;
        }
        const rel = relText([...dir.rel, e.name]);
        if (opts.skip?.(rel, e.name)) continue;
        const kind: EntryKind = e.isSymbolicLink() ? 'link' : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
        entries.push({ path: `${prefix}${e.name}`, kind });
        if (kind !== 'dir' || depth <= 1 || opts.descend?.(rel, e.name) === false) continue;
        let child: Dir;
        try {
          child = this.openDir(dir, e.name);
        } catch {
          continue; // replaced or removed meanwhile
        }
        try {
          visit(child, `${prefix}${e.name}/`, depth - 1);
        } finally {
          closeSync(child.fd);
        }
      }
    };
    try {
      visit(stack.at(-1)!, '', opts.depth);
    } finally {
      this.close(stack);
    }
    return { entries, truncated };
  }
}
