// Running a child process the way every stage needs it: in its own process group (so the whole group
// can be killed), with a timeout, an AbortSignal, and capped output that keeps the head and the tail.
import { spawn } from 'node:child_process';
import { closeSync, readdirSync, readFileSync } from 'node:fs';

/** O_CLOEXEC as /proc/self/fdinfo shows it (octal 02000000 on Linux). */
const O_CLOEXEC = 0o2000000;

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process group after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Bytes of output kept per stream (half head, half tail). Default 1 MiB. */
  maxOutputBytes?: number;
  /** Written to stdin, then stdin is closed. Without it stdin is /dev/null. */
  input?: string;
  /** Called once the child exists, with its pid (which is also its process-group id). */
  onSpawn?: (pid: number) => void;
  /** Descriptors from 3 on: `feed` is written to the child and closed; `collect` gathers what it writes there (at most that many bytes). */
  fds?: Array<{ feed: Buffer } | { collect: number }>;
  /** Also return stdout as bytes (`stdoutRaw`). */
  rawStdout?: boolean;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order (capped like each stream). */
  output: string;
  timedOut: boolean;
  aborted: boolean;
  /** The program could not be started at all (ENOENT, EACCES). */
  spawnError?: string;
  durationMs: number;
  /** Bytes dropped from the middle of the combined output by the cap. */
  omittedBytes: number;
  /** What the child wrote to each `collect` descriptor (by position in `fds`; '' for a `feed`). */
  fds: string[];
  /** stdout as bytes, when `rawStdout` was asked for (binary output: a blob). */
  stdoutRaw?: Buffer;
}

const KILL_GRACE_MS = 2000;

/** Keeps the first and last `limit / 2` bytes of a stream. */
export class CappedBuffer {
  private head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  omitted = 0;
  private readonly half: number;
  constructor(limit: number) {
    this.half = Math.max(1, Math.floor(limit / 2));
  }
  push(chunk: Buffer): void {
    if (this.headLen < this.half) {
      const take = Math.min(chunk.length, this.half - this.headLen);
      this.head.push(chunk.subarray(0, take));
      this.headLen += take;
      chunk = chunk.subarray(take);
      if (!chunk.length) return;
    }
    this.tail.push(chunk);
    this.tailLen += chunk.length;
    while (this.tailLen > this.half) {
      const first = this.tail[0]!;
      const excess = this.tailLen - this.half;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailLen -= first.length;
        this.omitted += first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailLen -= excess;
        this.omitted += excess;
      }
    }
  }
  /** The bytes kept (head and tail, without the marker: check `omitted` first). */
  bytes(): Buffer {
    return Buffer.concat([...this.head, ...this.tail]);
  }
  toString(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    return this.omitted ? `${head}\n…[${this.omitted} bytes omitted]…\n${tail}` : head + tail;
  }
}

export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

export function runProcess(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const limit = opts.maxOutputBytes ?? 1 << 20;
  const started = performance.now();
  return new Promise((resolvePromise) => {
    const stdout = new CappedBuffer(limit);
    const stderr = new CappedBuffer(limit);
    const combined = new CappedBuffer(limit);
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const extra = opts.fds ?? [];
    const collected = extra.map(() => [] as Buffer[]);
    const collectedBytes = extra.map(() => 0);
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true, // setsid(): the child leads a new process group we can kill as a whole
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', ...extra.map(() => 'pipe' as const)],
    });
    const pid = child.pid;

    const stop = (why: 'timeout' | 'abort') => {
      if (settled || pid === undefined) return;
      if (why === 'timeout') timedOut = true;
      else aborted = true;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined;
    const onAbort = () => stop('abort');
    if (opts.signal?.aborted) queueMicrotask(onAbort);
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolvePromise({
        exitCode,
        signal,
        stdout: stdout.toString(),
        stderr: stderr.toString(),
        output: combined.toString(),
        timedOut,
        aborted,
        spawnError,
        durationMs: performance.now() - started,
        omittedBytes: combined.omitted,
        fds: collected.map((c) => Buffer.concat(c).toString('utf8')),
        ...(opts.rawStdout ? { stdoutRaw: stdout.bytes() } : {}),
      });
    };

    if (pid !== undefined) opts.onSpawn?.(pid);
    child.stdout!.on('data', (c: Buffer) => {
      stdout.push(c);
      combined.push(c);
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr.push(c);
      combined.push(c);
    });
    extra.forEach((fd, i) => {
      const stream = child.stdio[3 + i] as NodeJS.ReadWriteStream | null;
      if (!stream) return;
      stream.on('error', () => {}); // the child may close its end first
      if ('feed' in fd) stream.end(fd.feed);
      else
        stream.on('data', (c: Buffer) => {
          if (collectedBytes[i]! >= fd.collect) return;
          collected[i]!.push(c.subarray(0, fd.collect - collectedBytes[i]!));
          collectedBytes[i]! += c.length;
        });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // the child may exit without reading its input
      child.stdin!.end(opts.input);
    }
    child.on('error', (err: NodeJS.ErrnoException) => finish(null, null, `${err.code ?? 'error'}: ${err.message}`));
    child.on('exit', () => {
      // Whatever the command left running in its group (background jobs) goes with it; this also
      // closes pipes a background job inherited, so 'close' below can fire.
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
    });
    child.on('close', (code, sig) => finish(code, sig));
  });
}

/** `bash -c <command>`: the form every user-written command (setup, tests, agent commands) runs in. */
export function runShell(command: string, opts: RunOptions): Promise<RunResult> {
  return runProcess(['bash', '-c', command], opts);
}

/** A string as one POSIX shell word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Closes the descriptors this process inherited open across exec (from the shell or CI runner that
 * started it): Node opens its own with O_CLOEXEC, so these are the only ones every child would inherit,
 * agent commands and hooks included. Linux only (it reads /proc/self/fdinfo); returns how many it closed.
 */
export function closeInheritedDescriptors(): number {
  let closed = 0;
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return 0;
  }
  for (const name of fds) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      if (flags === undefined || (parseInt(flags, 8) & O_CLOEXEC) !== 0) continue;
      closeSync(fd);
      closed++;
    } catch {
      // gone meanwhile (the directory handle of the listing itself)
    }
  }
  return closed;
}
