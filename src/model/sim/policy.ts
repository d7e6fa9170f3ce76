// The simulated model's decisions. Stateless: every call re-reads the conversation (its own earlier
// tool calls carry their step in the call id) and decides the next step from what the real tools
// answered. What it knows of the right answer comes from the oracle; how often it gets there, and
// what careless or overreaching things it tries, come from the profile and the seed.
import type { Conversation, ReplyItem } from '../conversation.ts';
import type { SimFileChange, SimOracle } from './oracle.ts';
import { addSection, attemptHunk, deleteSection, envelope, hunksBetween, updateSection } from './patch.ts';
import type { SimProfile } from './profile.ts';
import { draw } from './random.ts';

export type RoleKind = 'solo' | 'worker' | 'explorer' | 'reviewer' | 'coordinator';

/** Tools the harness and Codex offer for working in the repository (anything else is a delegate). */
const WORK_TOOLS = new Set(['exec_command', 'apply_patch', 'read_file', 'list_dir', 'grep_files', 'write_stdin', 'view_image', 'shell']);
const CODEX_MISC = new Set(['request_user_input', 'get_goal', 'create_goal', 'update_goal', 'web_search', 'tool_search', 'update_plan']);
const CODEX_AGENT_TOOLS = new Set(['spawn_agent', 'send_input', 'wait_agent', 'close_agent', 'resume_agent']);

export function roleKindOf(conv: Conversation): RoleKind {
  const delegates = conv.tools.filter((t) => !WORK_TOOLS.has(t.name) && !CODEX_MISC.has(t.name) && !CODEX_AGENT_TOOLS.has(t.name));
  if (delegates.length) return 'coordinator';
  const props = new Set(Object.keys((conv.outputSchema?.properties as Record<string, unknown> | undefined) ?? {}));
  if (props.has('verdict')) return 'reviewer';
  if (props.has('files_modified')) return 'worker';
  if (props.has('relevant_files')) return 'explorer';
  const text = conv.instructions.toLowerCase();
  if (/\breview(er|ing)?\b/.test(text)) return 'reviewer';
  if (/\bexplor|\binvestigat|\bread-only\b/.test(text)) return 'explorer';
  if (/\bworker\b|\bimplement/.test(text)) return 'worker';
  return 'solo';
}

interface Step {
  callId: string;
  name: string;
  args: string;
  output?: string;
}

/** The model's own earlier calls in this conversation, by step name (encoded in the call id). */
class Transcript {
  readonly steps = new Map<string, Step>();
  constructor(conv: Conversation) {
    const byId = new Map<string, Step>();
    for (const it of conv.items) {
      if (it.kind === 'call') {
        const step: Step = { callId: it.callId, name: it.name, args: it.args };
        byId.set(it.callId, step);
        const m = /^call_([a-z0-9_]+?)_[0-9a-f]{6}$/.exec(it.callId);
        if (m) this.steps.set(m[1]!, step);
      } else if (it.kind === 'result') {
        const s = byId.get(it.callId);
        if (s) s.output = it.output;
      }
    }
  }
  has(step: string): boolean {
    return this.steps.has(step);
  }
  get(step: string): Step | undefined {
    return this.steps.get(step);
  }
}

export const succeeded = (output: string | undefined): boolean => output !== undefined && /^Success\b/.test(output);
export const exitCodeOf = (output: string | undefined): number | null => {
  const m = output ? /^Exit code: (-?\d+)/m.exec(output) : null;
  return m ? Number(m[1]) : null;
};

export interface Decision {
  items: ReplyItem[];
}

interface Ctx {
  conv: Conversation;
  oracle: SimOracle;
  profile: SimProfile;
  seed: number;
  tr: Transcript;
  role: RoleKind;
  /** Key prefix of this conversation's draws. */
  key: Array<string | number>;
}

function call(ctx: Ctx, step: string, name: string, args: unknown): Decision {
  const suffix = draw(...ctx.key, 'id', step).toString(16).slice(2, 8).padEnd(6, '0');
  const freeform = ctx.conv.tools.find((t) => t.name === name)?.freeform;
  const text = freeform && typeof args === 'object' && args && 'input' in args ? String((args as { input: string }).input) : JSON.stringify(args);
  return { items: [{ kind: 'call', callId: `call_${step}_${suffix}`, name, args: text, freeform }] };
}

function say(text: string): Decision {
  return { items: [{ kind: 'message', text }] };
}

function hasTool(ctx: Ctx, name: string): boolean {
  return ctx.conv.tools.some((t) => t.name === name);
}

/** A name worth searching for: the function or constant the gold change touches. */
function symbolOf(changes: SimFileChange[]): string | null {
  for (const c of changes) {
    for (const h of c.hunks) {
      for (const l of h) {
        const m = /\b(?:function|const|let|class)\s+([A-Za-z_$][\w$]{2,})/.exec(l);
        if (m) return m[1]!;
      }
    }
  }
  return null;
}

/** The patch the model writes on its first attempt at the source change, and whether it slipped. */
function firstAttempt(ctx: Ctx, files: SimFileChange[]): { patch: string; wrong: number } {
  const sections: string[] = [];
  let wrong = 0;
  for (const f of files) {
    if (f.status === 'deleted') sections.push(deleteSection(f.path));
    else if (f.status === 'added') sections.push(addSection(f.path, f.after));
    else {
      const hunks: string[][] = [];
      f.hunks.forEach((h, i) => {
        const a = attemptHunk(h, ctx.profile.skill, ...ctx.key, 'hunk', f.path, i);
        if (a.wrong) wrong++;
        if (a.lines) hunks.push(a.lines);
      });
      if (hunks.length) sections.push(updateSection(f.path, hunks));
    }
  }
  return { patch: sections.length ? envelope(sections) : '', wrong };
}

/** Reads the current content of a file back out of a read_file result. */
function contentOf(output: string | undefined): string | null {
  if (output === undefined || /^(Error|Denied|Blocked)\b/.test(output)) return null;
  return output;
}

function summary(ctx: Ctx, lines: string[]): string {
  const filler =
    'I kept the change small and consistent with the surrounding code, and left the public API as it was apart from what the request asks for.';
  const extra = Math.round(Math.max(0, ctx.profile.verbosity - 0.5) * 2);
  return [...lines, ...Array.from({ length: extra }, () => filler)].join('\n');
}

function finalAnswer(ctx: Ctx, facts: { files: string[]; testsRun: Array<{ command: string; exit: number | null }>; notes: string[] }): Decision {
  const lastRun = facts.testsRun.at(-1);
  const lines = [
    facts.files.length ? `Changed ${facts.files.map((f) => `\`${f}\``).join(', ')}.` : 'I made no changes.',
    lastRun ? `Ran \`${lastRun.command}\`: ${lastRun.exit === 0 ? 'all tests pass' : `it exits ${lastRun.exit}`}.` : 'I did not run the tests.',
    ...facts.notes,
  ];
  if (ctx.conv.outputSchema) {
    return say(
      JSON.stringify(
        fillSchema(ctx.conv.outputSchema, {
          files_modified: facts.files,
          tests_run: facts.testsRun.map((t) => ({ command: t.command, passed: t.exit === 0 })),
          summary: lines.join(' '),
          status: facts.files.length ? 'done' : 'blocked',
        }),
      ),
    );
  }
  return say(summary(ctx, lines));
}

/** A value for a JSON Schema built from known facts, filling what is required with plain defaults. */
export function fillSchema(schema: Record<string, unknown>, facts: Record<string, unknown>): unknown {
  const type = schema.type;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    const props = (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {};
    for (const [k, sub] of Object.entries(props)) {
      if (k in facts) {
        const v = facts[k];
        out[k] = Array.isArray(v) && sub.items && typeof v[0] === 'object' ? v.map((x) => fillSchema(sub.items as Record<string, unknown>, x as Record<string, unknown>)) : v;
        if (Array.isArray(sub.enum) && !sub.enum.includes(v)) out[k] = sub.enum[0];
      } else out[k] = fillSchema(sub, {});
    }
    return out;
  }
  if (type === 'array') return [];
  if (type === 'string') return '';
  if (type === 'number' || type === 'integer') return 0;
  if (type === 'boolean') return false;
  if (Array.isArray(type)) return type.includes('null') ? null : fillSchema({ type: type[0] }, facts);
  if (Array.isArray(schema.anyOf)) return fillSchema(schema.anyOf[0] as Record<string, unknown>, facts);
  return null;
}

const MAX_FIX_ROUNDS = 2;

/** The solo agent and the worker: explore, edit, maybe add tests, maybe run them and fix, report. */
function work(ctx: Ctx): Decision {
  const { tr, oracle, profile } = ctx;
  const source = oracle.changes.filter((c) => !c.isTest);
  const tests = oracle.changes.filter((c) => c.isTest);
  const canRead = hasTool(ctx, 'read_file');
  const canExec = hasTool(ctx, 'exec_command');

  if (!tr.has('orient') && hasTool(ctx, 'list_dir')) return call(ctx, 'orient', 'list_dir', { path: '.' });
  const symbol = symbolOf(source);
  if (symbol && !tr.has('search') && hasTool(ctx, 'grep_files')) return call(ctx, 'search', 'grep_files', { pattern: symbol, path: '.' });
  if (canRead) {
    const toRead = source.filter((c) => c.status === 'modified');
    for (let i = 0; i < toRead.length; i++) if (!tr.has(`read_${i}`)) return call(ctx, `read_${i}`, 'read_file', { path: toRead[i]!.path });
  }
  if (canExec && !tr.has('net') && draw(...ctx.key, 'overreach', 'network') < profile.overreach.network) {
    return call(ctx, 'net', 'exec_command', { cmd: 'curl -sSfL https://registry.npmjs.org/-/ping && echo upstream reachable' });
  }
  if (!tr.has('edit')) {
    const first = firstAttempt(ctx, source);
    if (first.patch) return call(ctx, 'edit', 'apply_patch', { input: first.patch });
  }
  const edit = tr.get('edit');
  const files = new Set<string>();
  if (edit && succeeded(edit.output)) for (const c of source) files.add(c.path);
  const notes: string[] = [];
  if (edit && !succeeded(edit.output)) notes.push(`My edit was not applied: ${edit.output?.split('\n')[0] ?? 'no answer'}.`);

  if (tests.length && draw(...ctx.key, 'writes_tests') < profile.writes_tests) {
    if (!tr.has('tests')) {
      const sections = tests.map((t) => (t.status === 'added' ? addSection(t.path, t.after) : updateSection(t.path, t.hunks)));
      return call(ctx, 'tests', 'apply_patch', { input: envelope(sections) });
    }
    if (succeeded(tr.get('tests')!.output)) for (const t of tests) files.add(t.path);
  }

  if (!tr.has('scope') && draw(...ctx.key, 'overreach', 'scope') < profile.overreach.scope) {
    const note = `# Working notes\n\nTask: ${oracle.taskId}\n\n- looked at ${source.map((c) => c.path).join(', ')}\n`;
    return call(ctx, 'scope', 'apply_patch', { input: envelope([addSection('NOTES.md', note)]) });
  }
  if (tr.has('scope') && succeeded(tr.get('scope')!.output)) files.add('NOTES.md');

  const testsRun: Array<{ command: string; exit: number | null }> = [];
  if (canExec && draw(...ctx.key, 'diligence') < profile.diligence) {
    for (let round = 1; round <= MAX_FIX_ROUNDS + 1; round++) {
      const run = tr.get(`run_${round}`);
      if (!run) return call(ctx, `run_${round}`, 'exec_command', { cmd: oracle.testCommand });
      const exit = exitCodeOf(run.output);
      testsRun.push({ command: oracle.testCommand, exit });
      if (exit === 0 || exit === null || round > MAX_FIX_ROUNDS) break;
      if (draw(...ctx.key, 'fix', round) >= profile.fix_rate) {
        notes.push('Some tests still fail; I could not find the cause.');
        break;
      }
      // Look at the files again and make them right: the model "finds" its slip by rereading.
      const modified = source.filter((c) => c.status === 'modified');
      for (let i = 0; i < modified.length; i++) {
        const id = `reread_${round}_${i}`;
        if (!tr.has(id) && canRead) return call(ctx, id, 'read_file', { path: modified[i]!.path });
      }
      if (!tr.has(`fix_${round}`)) {
        const sections: string[] = [];
        modified.forEach((c, i) => {
          const current = contentOf(tr.get(`reread_${round}_${i}`)?.output);
          if (current === null) return;
          const hunks = hunksBetween(current, c.after);
          if (hunks.length) sections.push(updateSection(c.path, hunks));
        });
        for (const c of source.filter((c) => c.status === 'added')) {
          if (!files.has(c.path)) sections.push(addSection(c.path, c.after));
        }
        if (!sections.length) {
          notes.push('The failing tests do not seem to be caused by my change.');
          break;
        }
        return call(ctx, `fix_${round}`, 'apply_patch', { input: envelope(sections) });
      }
      if (succeeded(tr.get(`fix_${round}`)!.output)) for (const c of source) files.add(c.path);
    }
  }
  return finalAnswer(ctx, { files: [...files], testsRun, notes });
}

export function decide(conv: Conversation, oracle: SimOracle, profile: SimProfile, seed: number): Decision {
  const role = roleKindOf(conv);
  const ctx: Ctx = { conv, oracle, profile, seed, tr: new Transcript(conv), role, key: [seed, oracle.taskId] };
  switch (role) {
    case 'solo':
    case 'worker':
      return work(ctx);
    default:
      return work(ctx);
  }
}
