// How the roles of a trial worked together, from its event log: the route (role calls in order, with
// the size of what each was handed), which files each role call read and wrote (the access matrix),
// the writes of one file by two role calls running at once, and the reads of a file that another role
// call, still running, had just written (a dependency on unfinished work).
//
// Accesses come from what the tools report: read_file's file, grep_files's matching files, the files an
// edit wrote; for shell commands, the files the worktree shows changed between the command's start and
// end, and the files its text names as read. A command's other reads cannot be seen (no tracing).
import { callTarget, pathOperands } from '../control/classify.ts';
import type { FileAccess, RoleCall, TeamRecord, TrialEvent } from '../record/schema.ts';
import { routeMatches, ruleFor, type RouteKind, type RouteRule } from '../workflow/routes.ts';

const MAX_ACCESS = 500;

/** A path as the worktree knows it: '/'-separated, no leading './', no trailing '/'. */
function norm(p: string): string {
  const parts: string[] = [];
  for (const s of p.replace(/\\/g, '/').split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return parts.join('/');
}

interface Call extends RoleCall {
  /** The end as a number for interval arithmetic (a call never ended runs to the end of the log). */
  until: number;
}

function routeOf(events: TrialEvent[]): Call[] {
  const calls = new Map<string, Call>();
  const last = events.at(-1)?.t ?? 0;
  for (const e of events) {
    if (e.type !== 'subagent') continue;
    const id = String(e.agent ?? e.call_id ?? '');
    const key = String(e.call_id ?? '');
    if (e.state === 'start' && !calls.has(key)) {
      const bytes = typeof e.input_bytes === 'number' ? e.input_bytes : null;
      calls.set(key, {
        role: String(e.role ?? ''),
        call: id,
        start_ms: e.t,
        end_ms: null,
        input_bytes: bytes,
        input_tokens: typeof e.input_tokens === 'number' ? e.input_tokens : null,
        until: last,
      });
    } else if (e.state === 'end') {
      const c = calls.get(key);
      if (c && c.end_ms === null) {
        c.end_ms = e.t;
        c.until = e.t;
      }
    }
  }
  return [...calls.values()].sort((a, b) => a.start_ms - b.start_ms);
}

/** The files an apply_patch input names (bench logs {"input": patch}, Codex the patch itself). */
function patchFiles(input: string): string[] {
  const target = callTarget('apply_patch', input);
  return target.startsWith('apply_patch files ') ? target.slice('apply_patch files '.length).split(' ') : [];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Every access the tools and the worktree snapshots report, attributed to its role call. */
function accessesOf(events: TrialEvent[], calls: Call[]): FileAccess[] {
  const byCall = new Map<string, TrialEvent>();
  const out: FileAccess[] = [];
  /** Observed writes, with when their command started: the worktree changed somewhere between then and its end. */
  const observedFrom = new Map<FileAccess, number>();
  for (const e of events) {
    // By role and id: two role calls running at once may be handed the same call id by their models.
    if (e.type === 'tool_call') byCall.set(`${e.role}\0${e.call_id}`, e);
    if (e.type !== 'tool_result' || e.denied === true || e.ok === false) continue;
    const id = String(e.call_id ?? '');
    const started = byCall.get(`${e.role}\0${e.call_id}`);
    const role = String(e.role ?? started?.role ?? '');
    // Its role call: the one the engine named (sdk), else the call of this role running then (codex).
    const named = typeof started?.agent === 'string' ? started.agent : null;
    const open = calls.filter((c) => c.role === role && c.start_ms <= e.t && e.t <= c.until).at(-1);
    const call = named ?? open?.call ?? null;
    const add = (file: string, op: FileAccess['op'], source: FileAccess['source']) => {
      const f = norm(file);
      if (f && !f.startsWith('.git/') && f !== '.git') out.push({ role, call, file: f, op, source, t_ms: e.t, tool_call: id });
    };
    switch (e.tool) {
      case 'read_file':
        if (typeof e.file === 'string' && e.error !== true) add(e.file, 'read', 'tool');
        break;
      case 'grep_files':
        for (const f of strings(e.files)) add(f, 'read', 'tool');
        break;
      case 'apply_patch': {
        const files = Array.isArray(e.files) ? strings(e.files) : e.applied === false ? [] : patchFiles(String(started?.input ?? ''));
        for (const f of files) add(f, 'write', 'tool');
        break;
      }
      case 'exec_command':
        for (const f of strings(e.writes)) {
          add(f, 'write', 'observed');
          if (out.at(-1)?.file === norm(f)) observedFrom.set(out.at(-1)!, started?.t ?? e.t);
        }
        // bench's tool lists the files a command's text reads; for Codex's commands they are read from the logged command.
        for (const f of 'reads_named' in e ? strings(e.reads_named) : typeof started?.command === 'string' ? pathOperands(started.command).reads : [])
          if (!f.startsWith('/')) add(f, 'read', 'named');
        break;
    }
  }
  // A change seen while a command ran may be another role call's edit made meanwhile: the edit explains it.
  const edits = out.filter((a) => a.op === 'write' && a.source === 'tool');
  return out.filter((a) => {
    const from = observedFrom.get(a);
    return from === undefined || !edits.some((w) => w.file === a.file && w.call !== a.call && from <= w.t_ms && w.t_ms <= a.t_ms);
  });
}

/** The interval a call id runs over: a role call's, or the whole trial for the entry role's own calls. */
function spanOf(call: string | null, calls: Map<string, Call>, end: number): { from: number; to: number } {
  const c = call === null ? undefined : calls.get(call);
  return c ? { from: c.start_ms, to: c.until } : { from: 0, to: end };
}

const during = (t: number, s: { from: number; to: number }) => s.from <= t && t <= s.to;

export interface TeamInput {
  events: TrialEvent[];
  kind: 'pr' | 'docs' | 'triage';
  routes?: Partial<Record<RouteKind, RouteRule>>;
}

export function teamFigures({ events, kind, routes }: TeamInput): TeamRecord {
  const calls = routeOf(events);
  const byId = new Map(calls.map((c) => [c.call, c]));
  const end = events.at(-1)?.t ?? 0;
  const access = accessesOf(events, calls);
  const key = (c: string | null) => c ?? '(entry)';

  // Writes of one file by two role calls, each made while the other call was running.
  const writes = access.filter((a) => a.op === 'write');
  const overlaps = new Map<string, TeamRecord['write_overlaps'][number]>();
  for (const a of writes) {
    for (const b of writes) {
      if (a.file !== b.file || key(a.call) >= key(b.call)) continue;
      if (!during(a.t_ms, spanOf(b.call, byId, end)) || !during(b.t_ms, spanOf(a.call, byId, end))) continue;
      const k = `${a.file}\0${key(a.call)}\0${key(b.call)}`;
      const t = Math.max(a.t_ms, b.t_ms);
      const prev = overlaps.get(k);
      if (!prev || t < prev.t_ms) overlaps.set(k, { file: a.file, calls: [key(a.call), key(b.call)], roles: [a.role, b.role], t_ms: t });
    }
  }

  // Reads of a file another role call wrote earlier and was still running at the read.
  const deps = new Map<string, TeamRecord['concurrent_dependencies'][number]>();
  for (const r of access) {
    if (r.op !== 'read') continue;
    for (const w of writes) {
      if (w.file !== r.file || key(w.call) === key(r.call) || w.t_ms > r.t_ms) continue;
      if (!during(r.t_ms, spanOf(w.call, byId, end))) continue;
      const k = `${r.file}\0${key(r.call)}\0${key(w.call)}`;
      if (!deps.has(k)) deps.set(k, { file: r.file, reader: key(r.call), writer: key(w.call), reader_role: r.role, writer_role: w.role, t_ms: r.t_ms });
    }
  }

  const rule = routes ? ruleFor(routes, kind) : null;
  return {
    route: calls.map(({ until: _until, ...c }) => c),
    expected_route: rule?.text ?? null,
    misrouted: rule
      ? !routeMatches(
          rule,
          calls.map((c) => c.role),
        )
      : null,
    access: access.slice(0, MAX_ACCESS),
    access_dropped: Math.max(0, access.length - MAX_ACCESS),
    write_overlaps: [...overlaps.values()],
    concurrent_dependencies: [...deps.values()],
  };
}
