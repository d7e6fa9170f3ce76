// What a shell command is, read from its text before it runs: a test run, a network attempt.
// Network attempts are also recognised after the fact from the failure a sandbox without network gives.
import { isAbsolute, join, normalize } from 'node:path';
import { clip } from '../record/events.ts';

const TEST_RUNNER =
  /(^|[;&|(\s])(npm|pnpm|yarn|bun)\s+(run\s+)?test\b|\bnode\s+(--[\w-]+(=\S+)?\s+)*--test\b|\b(vitest|jest|mocha|ava|tap|pytest|tox)\b|\bgo\s+test\b|\bcargo\s+test\b|\bmake\s+(check|test)\b/;

export function isTestCommand(cmd: string): boolean {
  return TEST_RUNNER.test(cmd);
}

const NETWORK_TOOL =
  /\/dev\/(tcp|udp)\/|(^|[;&|(\s`$])(curl|wget|nc|ncat|netcat|telnet|ssh|scp|rsync|ftp|ping|dig|nslookup|host)\b|\bgit\s+(clone|fetch|pull|push|ls-remote)\b|\b(npm|pnpm|yarn)\s+(install|i|add|ci|publish|view|info)\b|\bpip3?\s+install\b|\bfetch\(\s*['"`]https?:\/\/(?!127\.0\.0\.1|localhost)|https?:\/\/(?!127\.0\.0\.1|localhost)/;

/** A command that would reach the network if allowed to (judged from its text). */
export function looksLikeNetwork(cmd: string): boolean {
  return NETWORK_TOOL.test(cmd);
}

/** Commands whose operands are all paths they write (or remove). */
const WRITES_ALL = new Set(['touch', 'rm', 'rmdir', 'mkdir', 'chmod', 'chown', 'chgrp', 'truncate', 'shred', 'unlink', 'tee']);
/** Commands whose last operand is where they write (the others are read). */
const WRITES_LAST = new Set(['cp', 'mv', 'ln', 'install', 'rsync']);
/** Commands whose operands are paths they read. */
const READS_ALL = new Set([
  'cat',
  'head',
  'tail',
  'less',
  'more',
  'ls',
  'stat',
  'file',
  'od',
  'xxd',
  'hexdump',
  'base64',
  'strings',
  'wc',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'cksum',
  'readlink',
  'realpath',
  'du',
  'diff',
  'cmp',
  'source',
  '.',
  'nl',
  'tac',
  'tree',
  'find',
]);
/** Places every command may write: the null and standard devices, and bash's network pseudo-files (the network counters see those). */
const ALWAYS_WRITABLE = ['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty', '/dev/fd', '/proc/self/fd', '/dev/tcp', '/dev/udp'];
/** Commands that act on a link itself, never on what it points to. */
const NO_FOLLOW = new Set(['ln', 'rm', 'unlink', 'rmdir', 'mv']);

/** The shell words of a command, roughly: quotes removed, operators (`;`, `&&`, `|`, redirections) as their own words. */
function words(cmd: string): string[] {
  const out: string[] = [];
  const re = /(<<<|<<-?|\d?>&-?\d*|\d?>>?|&>>?|<|[;&|()]+)|'([^']*)'|"((?:[^"\\]|\\.)*)"|([^\s;&|()<>'"]+)/g;
  for (const m of cmd.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

/**
 * Options that make an otherwise read-only command write, or run another program: long options (an
 * abbreviation counts, as getopt and git take them), letters of short options (alone or in a cluster),
 * and find's actions.
 */
const UNSAFE_OPTIONS: Record<string, { long: string[]; short: string; words?: RegExp }> = {
  find: { long: [], short: '', words: /^-(exec|execdir|ok|okdir|delete|fls|fprint|fprint0|fprintf)$/ },
  rg: { long: ['--pre', '--pre-glob', '--hostname-bin', '--search-zip'], short: 'z' },
  tree: { long: ['--fromfile'], short: 'o' },
  file: { long: ['--compile'], short: 'C' },
  git: { long: ['--open-files-in-pager', '--output', '--ext-diff', '--textconv', '--exec-path', '--git-dir', '--work-tree'], short: 'OcC' },
};

function unsafeOption(name: string, arg: string): boolean {
  const u = UNSAFE_OPTIONS[name];
  if (!u) return false;
  if (u.words?.test(arg)) return true;
  if (arg.startsWith('--')) {
    const opt = arg.split('=')[0]!;
    return opt.length > 2 && u.long.some((l) => l.startsWith(opt));
  }
  return arg.startsWith('-') && [...arg.slice(1)].some((c) => u.short.includes(c));
}
const SAFE_READERS = new Set(['ls', 'cat', 'head', 'tail', 'wc', 'nl', 'pwd', 'echo', 'stat', 'grep', 'find', 'rg', 'tree', 'file', 'sed', 'git']);
const SAFE_GIT = new Set(['status', 'diff', 'log', 'show', 'blame', 'grep', 'ls-files', 'rev-parse', 'branch']);

/**
 * Whether a command is a plain read of the checkout (what Codex's untrusted policy runs without asking):
 * one command, no operators, substitutions or redirections, from a short list of readers, without the
 * options that make them write or run something else (`find -exec`, `rg --pre`, `git grep -O`, ...);
 * `sed` only as `sed -n <lines>p`, `git branch` only to list.
 */
export function isKnownSafeRead(cmd: string): boolean {
  // Operators and substitutions outside quotes (inside single quotes, or double quotes without `$`, a
  // backtick or a backslash, they are text); a quote left open is not a plain read either.
  const bare = cmd.replace(/'[^']*'/g, "''").replace(/"[^"$`\\]*"/g, '""');
  if (/[\n\r;&|`$<>()\\'"]/.test(bare.replace(/''|""/g, ''))) return false;
  const [name, ...args] = words(cmd);
  if (name === undefined || !SAFE_READERS.has(name)) return false;
  if (args.some((a) => unsafeOption(name, a))) return false;
  if (name === 'sed')
    return args.length >= 2 && args[0] === '-n' && /^(\d+|\d+,\d+|\$|\d+,\$)p$/.test(args[1]!) && args.slice(2).every((a) => !a.startsWith('-'));
  if (name === 'git') {
    const [sub, ...rest] = args;
    if (sub === undefined || !SAFE_GIT.has(sub)) return false;
    if (sub === 'branch') return rest.every((a) => /^(-a|-r|-v|-vv|--list|-l|--show-current|--all|--remotes|--no-color)$/.test(a));
  }
  return true;
}

/** The paths a command's text plainly reads and writes: redirections, and the operands of the commands above. */
export function pathOperands(cmd: string): { reads: string[]; writes: string[]; noFollow: Set<string> } {
  const w = words(cmd);
  const reads: string[] = [];
  const writes: string[] = [];
  const noFollow = new Set<string>();
  let cmdStart = true;
  let current: string[] = [];
  const flush = () => {
    const [name, ...args] = current;
    const base = name?.split('/').at(-1) ?? '';
    let operands = args.filter((a) => !a.startsWith('-'));
    if (base === 'find')
      operands = args.slice(0, Math.max(0, args.findIndex((a) => /^[-(!]/.test(a)) === -1 ? args.length : args.findIndex((a) => /^[-(!]/.test(a))));
    if (NO_FOLLOW.has(base)) for (const o of base === 'ln' || base === 'mv' ? operands.slice(-1) : operands) noFollow.add(o);
    if (WRITES_ALL.has(base)) writes.push(...operands);
    else if (WRITES_LAST.has(base) && operands.length > 1) {
      writes.push(operands.at(-1)!);
      // ln's first operands are the text of the link, not something it reads.
      if (base !== 'ln') reads.push(...operands.slice(0, -1));
    } else if (base === 'dd') for (const a of args) (a.startsWith('of=') ? writes : a.startsWith('if=') ? reads : []).push(a.slice(3));
    else if (READS_ALL.has(base)) reads.push(...operands);
    current = [];
  };
  for (let i = 0; i < w.length; i++) {
    const t = w[i]!;
    if (/^\d?>&-?\d*$/.test(t)) continue; // to another descriptor: not a path
    if (/^(\d?>>?|&>>?)$/.test(t)) {
      if (w[i + 1] !== undefined && !w[i + 1]!.startsWith('&')) writes.push(w[i + 1]!);
      i++;
      continue;
    }
    if (t === '<') {
      if (w[i + 1] !== undefined) reads.push(w[i + 1]!);
      i++;
      continue;
    }
    if (t.startsWith('<<')) {
      i++; // a here-document's delimiter, or a here-string: text, not a path
      continue;
    }
    if (/^[;&|()]+$/.test(t)) {
      flush();
      cmdStart = true;
      continue;
    }
    if (cmdStart && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) continue; // VAR=value before a command
    cmdStart = false;
    current.push(t);
  }
  flush();
  return { reads, writes, noFollow };
}

/** A path operand as an absolute path (null when the shell would expand it: not known from the text). */
function absolute(raw: string, cwd: string, home: string): string | null {
  if (!raw || /[$`*?]/.test(raw)) return null;
  const p = raw.startsWith('~') ? join(home, raw.slice(1)) : isAbsolute(raw) ? raw : join(cwd, raw);
  return normalize(p);
}

const within = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/**
 * Paths a shell command plainly writes outside the places it may (the worktree, HOME, TMPDIR, /tmp):
 * redirection targets, and the operands of touch, rm, mkdir, cp, mv, ln, tee, dd of=... Read from the
 * command's text, as network commands are: without an OS sandbox such a command is refused; with one, it
 * is counted as a blocked attempt even when the command hides its error (nothing outside is in its view).
 */
export function outsideWrites(
  cmd: string,
  o: {
    cwd: string;
    home: string;
    writable: string[];
    /** A path inside a writable folder that leads out of it through a link (`follow`: a link at the path itself counts too). */
    leadsOut?: (inside: string, follow: boolean) => boolean;
    /** A path that is the command's own throwaway space (a /tmp of its own), not the host's. */
    scratch?: (path: string) => boolean;
  },
): string[] {
  const allowed = [...o.writable, ...ALWAYS_WRITABLE];
  const outside: string[] = [];
  const ops = pathOperands(cmd);
  for (const raw of ops.writes) {
    const p = absolute(raw, o.cwd, o.home);
    if (p === null) continue;
    const inAllowed = allowed.some((a) => within(p, a));
    if (inAllowed ? o.leadsOut?.(p, !ops.noFollow.has(raw)) : !o.scratch?.(p)) outside.push(raw);
  }
  return [...new Set(outside)];
}

/**
 * Paths a shell command plainly reads that are not in its view: folders the sandbox does not show (home
 * folders, other checkouts, the suite, the results, the cache), and the secret files it masks. `visible`
 * are the roots the sandbox shows; a path above one of them (a folder it passes through) is in view.
 */
export function outsideReads(
  cmd: string,
  o: { cwd: string; home: string; visible: string[]; masked: string[]; leadsOut?: (inside: string) => boolean },
): string[] {
  const outside: string[] = [];
  for (const raw of pathOperands(cmd).reads) {
    const p = absolute(raw, o.cwd, o.home);
    if (p === null) continue;
    // The deepest folder holding the path decides: a worktree shown inside a hidden folder is shown.
    let best: { len: number; shown: boolean } | null = null;
    for (const [roots, shown] of [
      [o.visible, true],
      [o.masked, false],
    ] as const)
      for (const r of roots) if (within(p, r) && (!best || r.length >= best.len)) best = { len: r.length, shown };
    const shown = best ? best.shown : o.visible.some((v) => within(v, p));
    if (!shown || o.leadsOut?.(p)) outside.push(raw);
  }
  return [...new Set(outside)];
}

const NETWORK_FAILURE =
  /Could not resolve host|Temporary failure in name resolution|getaddrinfo (ENOTFOUND|EAI_AGAIN)|Network is unreachable|ENETUNREACH|EAI_AGAIN|connect ECONNREFUSED|Failed to connect to|Connection refused|fetch failed/i;

/** Output that shows a command tried the network and was stopped (by the sandbox or the machine). */
export function showsNetworkFailure(output: string): boolean {
  return NETWORK_FAILURE.test(output);
}

/** A write the kernel refused because the mount is read-only: the error line shells, coreutils, Node and Python print. */
const READ_ONLY_LINE = /^.*(?:: Read-only file system\s*$|\bEROFS: read-only file system\b|\[Errno 30\] Read-only file system\b).*$/im;
const READ_ONLY = /Read-only file system|\bEROFS\b/i;
/** A write refused by a sandbox (read-only mount, permissions, Codex's writable roots). */
const WRITE_REFUSED =
  /Read-only file system|\bEROFS\b|Permission denied|\bEACCES\b|Failed to write file|outside (?:of )?(?:the )?writable|not in writable roots/i;

/** Output that shows a command or edit failed because the sandbox stopped it (a write refused, or the network). */
export function showsSandboxFailure(output: string): boolean {
  return WRITE_REFUSED.test(output) || showsNetworkFailure(output);
}

export interface ToolEventBase {
  role: string;
  call_id: string;
  tool: string;
}

/** The `tool_call` event, the same for every engine: the input, and for commands the command and whether it runs tests. */
export function toolCallEvent(base: ToolEventBase, input: string, cmd: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...base,
    input: clip(input, 1000),
    ...(cmd !== undefined ? { command: clip(cmd, 1000), test: isTestCommand(cmd) } : {}),
    ...extra,
  };
}

/** Hosts a command names: in URLs (any scheme, user info left out) and bash's /dev/tcp and /dev/udp. */
const HOSTS = /\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s/@'"]*@)?([^\s/:?#'"]+)|\/dev\/(?:tcp|udp)\/([^\s/'"]+)/gi;
const PATCH_FILE = /^\*\*\* (?:Add|Update|Delete) File: (.+)$/gm;

/** A string argument of a call whose input is a JSON object. */
function argument(input: string, key: string): string | undefined {
  try {
    const v = (JSON.parse(input) as Record<string, unknown> | null)?.[key];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a call goes for, to tell a retry from another call: a command's hosts when it names any (curl and
 * wget of one URL go for the same thing), else the paths it reads and writes, else its text (white space
 * collapsed); the files an edit's patch names; the path a file tool is given; else the call's input. Two
 * calls go for the same thing when their tool and target are equal.
 */
export function callTarget(tool: string, input: string, command?: string): string {
  const set = (xs: string[]) => [...new Set(xs.map((x) => normalize(x)))].sort().join(' ');
  if (command !== undefined) {
    const hosts = [...command.matchAll(HOSTS)].map((m) => (m[1] ?? m[2]!).toLowerCase());
    if (hosts.length) return `${tool} hosts ${[...new Set(hosts)].sort().join(' ')}`;
    const { reads, writes } = pathOperands(command);
    if (reads.length || writes.length) return `${tool} reads ${set(reads)} writes ${set(writes)}`;
    return `${tool} ${command.trim().replace(/\s+/g, ' ')}`;
  }
  // bench logs an edit's input as {"input": patch}, Codex as the patch itself.
  const files = [...(argument(input, 'input') ?? input).matchAll(PATCH_FILE)].map((m) => m[1]!.trim());
  if (files.length) return `${tool} files ${set(files)}`;
  const path = argument(input, 'path');
  return path !== undefined ? `${tool} path ${normalize(path)}` : `${tool} ${input}`;
}

export interface FinishedCall {
  /** The shell command, for a command; undefined for an edit. */
  command?: string;
  output: string;
  /** The exit code (null: killed; undefined: not known, e.g. an edit). */
  exitCode?: number | null;
  /** An edit: whether it was applied. */
  applied?: boolean;
  /** The call's commands had no network (the sandbox cut it, and no escalation lifted that). */
  networkOff: boolean;
  /** A sandbox enforced the role's write limits on this call. */
  sandboxed: boolean;
  /** Packets the sandbox's network namespace counted going nowhere (null: not observable). */
  attempts?: number | null;
}

/**
 * What a sandbox stopped, seen in a call's result after it ran (engines that learn of refusals only
 * from the output: bench's bwrap commands, Codex's own sandbox): `network` and sandbox `decision` events.
 *   network   the command tried the network and was stopped: the sandbox's network namespace counted
 *             packets that had nowhere to go (even when the command hid its error), a network failure in
 *             its output, or a command that reads as a network one and exited non-zero;
 *   command   a read-only mount refused a write: the kernel's error line (a compound command may still
 *             exit 0), or the message in the output of a command that failed;
 *   edit      not applied, with a refused write in its output.
 */
export function observedDenials(base: ToolEventBase, c: FinishedCall): Array<{ type: 'network' | 'decision'; data: Record<string, unknown> }> {
  const out: Array<{ type: 'network' | 'decision'; data: Record<string, unknown> }> = [];
  const failed = c.exitCode !== undefined && c.exitCode !== 0;
  // A refused write into git metadata (the worktree's .git, a base repository's config) is an attempt on git.
  const deny = (line: string | undefined) =>
    out.push({
      type: 'decision',
      data: {
        ...base,
        stage: 'sandbox',
        class: /\.git\b|config file|\.lock\b/.test(line ?? '') ? 'git' : 'write',
        verdict: 'deny',
        observed: true,
        reason: clip((line ?? c.output).trim(), 300),
      },
    });
  if (c.command !== undefined) {
    const classified = looksLikeNetwork(c.command);
    const netFailure = showsNetworkFailure(c.output);
    const counted = c.attempts ?? 0;
    if (c.networkOff && (counted > 0 || netFailure || (classified && failed)))
      out.push({
        type: 'network',
        data: {
          ...base,
          verdict: 'blocked',
          source: counted > 0 ? 'counted' : classified ? 'classified' : 'observed',
          ...(c.attempts !== undefined && c.attempts !== null ? { packets: c.attempts } : {}),
          command: clip(c.command, 300),
        },
      });
    if (c.sandboxed) {
      const line = READ_ONLY_LINE.exec(c.output)?.[0];
      if (line !== undefined || (failed && READ_ONLY.test(c.output))) deny(line ?? c.output.split('\n').find((l) => READ_ONLY.test(l)));
    }
  } else if (c.sandboxed && c.applied === false && WRITE_REFUSED.test(c.output)) {
    deny(c.output.split('\n').find((l) => WRITE_REFUSED.test(l)));
  }
  return out;
}
