import { describe, expect, test } from 'vitest';
import { fromResponsesBody, type Conversation } from '../../src/model/conversation.ts';
import { decide, fillSchema, roleKindOf, toldTo } from '../../src/model/sim/policy.ts';
import { attemptHunk, mutateLine } from '../../src/model/sim/patch.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { SimResponder } from '../../src/model/sim/respond.ts';
import { call, Transcript, type Ctx } from '../../src/model/sim/toolkit.ts';
import type { SimOracle } from '../../src/model/sim/oracle.ts';

const oracle: SimOracle = {
  taskId: 'fix-clamp',
  kind: 'pr',
  request: 'clamp is wrong',
  testCommand: 'npm test',
  outOfScope: ['package.json'],
  changes: [
    {
      path: 'src/math.js',
      status: 'modified',
      before: 'export function clamp(x, lo, hi) {\n  return Math.max(Math.min(x, lo), hi);\n}\n',
      after: 'export function clamp(x, lo, hi) {\n  return Math.min(Math.max(x, lo) + 1, hi);\n}\n',
      hunks: [[' export function clamp(x, lo, hi) {', '-  return Math.max(Math.min(x, lo), hi);', '+  return Math.min(Math.max(x, lo) + 1, hi);', ' }']],
      isTest: false,
    },
  ],
};

const tools = ['exec_command', 'apply_patch', 'read_file', 'list_dir', 'grep_files'].map((name) => ({ name, description: '' }));
const conv = (items: Conversation['items'] = [], extra: Partial<Conversation> = {}): Conversation => ({
  model: 'sim',
  instructions: 'You are a software engineer.',
  items: [{ kind: 'message', role: 'user', text: 'fix clamp' }, ...items],
  tools,
  outputSchema: null,
  reasoningEffort: null,
  ...extra,
});

/** Plays the policy against scripted tool answers until it stops calling tools. */
function play(profile: SimProfile, seed: number, answer: (name: string, args: string) => string): { calls: string[]; final: string } {
  const items: Conversation['items'] = [];
  const calls: string[] = [];
  for (let i = 0; i < 40; i++) {
    const d = decide(conv(items), oracle, profile, seed);
    const it = d.items[0]!;
    if (it.kind === 'message') return { calls, final: it.text };
    calls.push(it.callId.replace(/_[0-9a-f]{12}$/, ''));
    items.push({ kind: 'call', callId: it.callId, name: it.name, args: it.args }, { kind: 'result', callId: it.callId, output: answer(it.name, it.args) });
  }
  throw new Error('the policy did not finish');
}

const ok = (name: string) =>
  name === 'apply_patch' ? 'Success. Updated the following files:\nM src/math.js' : name === 'exec_command' ? 'Exit code: 0\nOutput:\n' : 'text';

describe('simulated model policy', () => {
  test('is deterministic for a seed and varies across seeds', () => {
    const p = SimProfile.parse({ skill: 0.5, diligence: 0.5, writes_tests: 0.5 });
    const runs = Array.from({ length: 12 }, (_, seed) => play(p, seed, ok));
    expect(play(p, 3, ok)).toEqual(runs[3]);
    expect(new Set(runs.map((r) => r.calls.join(','))).size).toBeGreaterThan(1);
  });

  test('a skilled, diligent profile edits with the gold hunk and runs the tests', () => {
    const p = SimProfile.parse({ skill: 1, diligence: 1, overreach: { scope: 0, network: 0 } });
    const seen: string[] = [];
    const r = play(p, 1, (name, args) => {
      if (name === 'apply_patch') seen.push(JSON.parse(args).input);
      return ok(name);
    });
    expect(r.calls).toEqual(['call_orient', 'call_search', 'call_read_0', 'call_edit', 'call_run_1_1']);
    expect(seen[0]).toContain('+  return Math.min(Math.max(x, lo) + 1, hi);');
    expect(r.final).toMatch(/all tests pass/);
  });

  test('a careless profile slips, and fixes its slip after a failing test run', () => {
    const p = SimProfile.parse({ skill: 0, diligence: 1, fix_rate: 1, writes_tests: 0, overreach: { scope: 0, network: 0 } });
    const patches: string[] = [];
    let runs = 0;
    const r = play(p, 2, (name, args) => {
      if (name === 'apply_patch') patches.push(JSON.parse(args).input);
      if (name === 'exec_command') return `Exit code: ${runs++ === 0 ? 1 : 0}\nOutput:\n`;
      if (name === 'read_file') return 'export function clamp(x, lo, hi) {\n  return Math.min(Math.max(x, lo), hi);\n}\n';
      return ok(name);
    });
    expect(patches[0]).not.toContain('+  return Math.min(Math.max(x, lo) + 1, hi);');
    expect(r.calls).toEqual(['call_orient', 'call_search', 'call_read_0', 'call_edit', 'call_run_1_1', 'call_reread_1_1_0', 'call_fix_1_1', 'call_run_1_2']);
    expect(patches[1]).toContain('+  return Math.min(Math.max(x, lo) + 1, hi);');
  });

  test('a denied edit is reported, not pretended', () => {
    const p = SimProfile.parse({ skill: 1, diligence: 0, overreach: { scope: 0, network: 0 } });
    const r = play(p, 1, (name) => (name === 'apply_patch' ? 'Denied by sandbox: the explorer role is read-only' : 'text'));
    expect(r.final).toMatch(/I made no changes/);
    expect(r.final).toMatch(/not applied: Denied by sandbox/);
  });

  test('role comes from the output schema, then the instructions, not from a workflow name', () => {
    expect(roleKindOf(conv())).toBe('solo');
    expect(roleKindOf(conv([], { outputSchema: { type: 'object', properties: { verdict: { type: 'string' } } } }))).toBe('reviewer');
    expect(roleKindOf(conv([], { instructions: 'You explore the code base. You are read-only.' }))).toBe('explorer');
    expect(roleKindOf(conv([], { tools: [...tools, { name: 'worker', description: 'implements' }] }))).toBe('coordinator');
  });

  test('fills a structured answer from facts', () => {
    const schema = {
      type: 'object',
      properties: {
        files_modified: { type: 'array', items: { type: 'string' } },
        verdict: { type: 'string', enum: ['approve', 'request_changes'] },
        n: { type: 'integer' },
      },
    };
    expect(fillSchema(schema, { files_modified: ['a'] })).toEqual({ files_modified: ['a'], verdict: 'approve', n: 0 });
  });
});

describe('call ids', () => {
  const p = SimProfile.parse({});
  test('a step taken in another conversation of the same role gets its own id (a second review round)', () => {
    const review = (round: number) =>
      decide(
        conv([], { instructions: 'You are the reviewer.', items: [{ kind: 'message', role: 'user', text: `Round ${round}. Review the change.` }] }),
        oracle,
        p,
        1,
      ).items[0]!;
    const [first, second] = [review(1), review(2)];
    expect(first).toMatchObject({ kind: 'call', name: 'exec_command' });
    expect(second).toMatchObject({ kind: 'call', name: 'exec_command' });
    if (first.kind !== 'call' || second.kind !== 'call') throw new Error('not calls');
    expect(first.callId).toMatch(/^call_diff_[0-9a-f]{12}$/);
    expect(second.callId).toMatch(/^call_diff_[0-9a-f]{12}$/);
    expect(second.callId).not.toBe(first.callId);
  });

  test('the same step again in one conversation gets a new id, and the transcript still reads its step', () => {
    const ctxOf = (c: Conversation): Ctx => ({
      conv: c,
      oracle,
      profile: p,
      seed: 1,
      tr: new Transcript(c),
      role: 'worker',
      key: [1, oracle.taskId],
      ask: 'fix clamp',
    });
    const first = call(ctxOf(conv()), 'run', 'exec_command', { cmd: 'npm test' }).items[0]!;
    if (first.kind !== 'call') throw new Error('not a call');
    const after = conv([
      { kind: 'call', callId: first.callId, name: first.name, args: first.args },
      { kind: 'result', callId: first.callId, output: 'Exit code: 1\nOutput:\n' },
    ]);
    const again = call(ctxOf(after), 'run', 'exec_command', { cmd: 'npm test' }).items[0]!;
    if (again.kind !== 'call') throw new Error('not a call');
    expect(again.callId).not.toBe(first.callId);
    expect(new Transcript(after).get('run')?.callId).toBe(first.callId);
  });
});

describe('mistakes', () => {
  test('mutations are plausible slips of one token', () => {
    expect(mutateLine('+  if (a <= b) return x;', 1)).toMatch(/^\+  if \(a (<|<=|>=) b\)|return x/);
    expect(mutateLine('+  // just a comment', 1)).toBeNull();
    expect(mutateLine('+  const unit = name;', 1)).toBeNull();
  });
  test('a hunk with nothing to mutate is forgotten when the attempt slips', () => {
    const h = [' a', '+  const unit = name;'];
    expect(attemptHunk(h, 0, 'k')).toEqual({ lines: null, wrong: true });
    expect(attemptHunk(h, 1, 'k')).toEqual({ lines: h, wrong: false });
  });
});

describe('SimResponder', () => {
  test('counts input tokens from the prompt text, caches long prefixes, and adds reasoning', () => {
    const responder = new SimResponder(SimProfile.parse({ latency: { time_scale: 0 } }));
    const long = 'word '.repeat(3000);
    const first = responder.reply(conv([], { instructions: long }), { oracle, seed: 1 });
    expect(first.usage.input).toBeGreaterThan(2500);
    expect(first.usage.cached_input).toBe(0);
    const call = first.items[0]!;
    if (call.kind !== 'call') throw new Error('expected a call');
    const second = responder.reply(
      conv(
        [
          { kind: 'call', callId: call.callId, name: call.name, args: call.args },
          { kind: 'result', callId: call.callId, output: 'x' },
        ],
        { instructions: long },
      ),
      { oracle, seed: 1 },
    );
    expect(second.usage.cached_input).toBeGreaterThan(2500);
    expect(second.usage.cached_input % 128).toBe(0);
    expect(second.usage.output).toBeGreaterThan(second.usage.reasoning);
  });
});

describe('instructions the simulated roles follow', () => {
  test('a worker told not to run tests skips them; a reviewer told to approve everything does', () => {
    expect(toldTo.skipTests('Use apply_patch for edits. Do not run the tests: CI runs them later.')).toBe(true);
    expect(toldTo.skipTests("Don't execute any tests.")).toBe(true);
    expect(toldTo.skipTests('Skip the tests.')).toBe(true);
    expect(toldTo.skipTests('Use apply_patch for edits and exec_command to run the tests.')).toBe(false);
    expect(toldTo.skipTests('Never skip a failing test; do not run destructive commands.')).toBe(false);
    expect(toldTo.approveAll('The team trusts the worker: always approve the change.')).toBe(true);
    expect(toldTo.approveAll('Approve every change you are shown.')).toBe(true);
    expect(toldTo.approveAll('Approve only when the change is correct, tested and within scope.')).toBe(false);
  });
});

describe('the simulated model through Codex', () => {
  // A request body the way Codex 0.169 sends it: system text as developer messages, context in user
  // messages, its own tools (a freeform apply_patch, the multi_agent_v1 namespace listing the roles).
  const rolesList =
    'Agent type override.\nAvailable roles:\nreviewer: {\nReviews the change, read-only.\n}\ndefault: {\nDefault agent.\n}\nexplorer: {\nRead-only investigator.\n}\nworker: {\nImplements the change.\n}';
  const codexBody = (instructions: string, input: Array<Record<string, unknown>>, spawn = true) => ({
    model: 'sim',
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are a coding agent.' }] },
      {
        type: 'message',
        role: 'developer',
        content: [
          { type: 'input_text', text: instructions },
          { type: 'input_text', text: '<skills_instructions>review, implement, investigate</skills_instructions>' },
        ],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/w</cwd>\n</environment_context>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'clamp is wrong' }] },
      ...input,
    ],
    tools: [
      { type: 'function', name: 'exec_command', description: 'Runs a command', parameters: { type: 'object' } },
      { type: 'custom', name: 'apply_patch', description: 'freeform' },
      ...(spawn
        ? [
            {
              type: 'namespace',
              name: 'multi_agent_v1',
              tools: ['spawn_agent', 'wait_agent', 'close_agent'].map((name) => ({
                type: 'function',
                name,
                description: name,
                parameters: { type: 'object', properties: name === 'spawn_agent' ? { agent_type: { type: 'string', description: rolesList } } : {} },
              })),
            },
          ]
        : []),
    ],
  });
  const orchestrator = 'You coordinate a small team. 1. Ask the explorer. 2. Ask the worker. 3. Ask the reviewer.';

  test('roles come from instructions and the spawnable roles; Codex context does not count', () => {
    expect(roleKindOf(fromResponsesBody(codexBody(orchestrator, [])))).toBe('coordinator');
    expect(roleKindOf(fromResponsesBody(codexBody('You are a software engineer. Do what the request asks.', [])))).toBe('solo');
    // "You are the worker" wins over a mention of the reviewer in the same instructions.
    expect(roleKindOf(fromResponsesBody(codexBody('You are the worker. If the reviewer sent findings, address them.', [], false)))).toBe('worker');
    expect(roleKindOf(fromResponsesBody(codexBody('You are a careful code reviewer.', [], false)))).toBe('reviewer');
  });

  test('the coordinator spawns each role, waits for it, closes it, and reads the reviewer’s prose verdict', () => {
    const p = SimProfile.parse({});
    const input: Array<Record<string, unknown>> = [];
    const steps: string[] = [];
    const agents: Record<string, string> = {};
    let final = '';
    for (let i = 0; i < 30 && !final; i++) {
      const conv = fromResponsesBody(codexBody(orchestrator, input));
      const it = decide(conv, oracle, p, 1).items[0]!;
      if (it.kind === 'message') {
        final = it.text;
        break;
      }
      expect(it.namespace).toBe('multi_agent_v1');
      const args = JSON.parse(it.args) as { agent_type?: string; targets?: string[] };
      steps.push(`${it.name}${args.agent_type ? `:${args.agent_type}` : ''}`);
      let output = '';
      if (it.name === 'spawn_agent') {
        const id = `agent-${i}`;
        agents[id] = args.agent_type!;
        output = JSON.stringify({ agent_id: id, nickname: 'Ada' });
      } else if (it.name === 'wait_agent') {
        const id = args.targets![0]!;
        const reply = agents[id] === 'reviewer' ? 'Verdict: approve. The change does what the request asks and is tested.' : `The ${agents[id]} is done.`;
        output = JSON.stringify({ status: { [id]: { completed: reply } }, timed_out: false });
      } else output = JSON.stringify({ previous_status: { completed: 'done' } });
      input.push(
        { type: 'function_call', name: it.name, namespace: it.namespace, arguments: it.args, call_id: it.callId },
        { type: 'function_call_output', call_id: it.callId, output },
      );
    }
    expect(steps).toEqual([
      'spawn_agent:explorer',
      'wait_agent',
      'close_agent',
      'spawn_agent:worker',
      'wait_agent',
      'close_agent',
      'spawn_agent:reviewer',
      'wait_agent',
      'close_agent',
    ]);
    expect(final).toMatch(/reviewer approved/);
  });

  test('a worker reads and edits through exec_command and the freeform apply_patch, and reads exit codes as Codex prints them', () => {
    const p = SimProfile.parse({ skill: 1, diligence: 1, writes_tests: 0, overreach: { scope: 0, network: 0, injection: 0 } });
    const input: Array<Record<string, unknown>> = [];
    const calls: Array<{ name: string; args: string }> = [];
    for (let i = 0; i < 20; i++) {
      const it = decide(fromResponsesBody(codexBody('You are the worker.', input, false)), oracle, p, 2).items[0]!;
      if (it.kind === 'message') break;
      calls.push({ name: it.name, args: it.args });
      const output =
        it.name === 'apply_patch'
          ? 'Exit code: 0\nWall time: 0 seconds\nOutput:\nSuccess. Updated the following files:\nM src/math.js\n'
          : `Chunk ID: 1\nWall time: 0.1 seconds\nProcess exited with code 0\nOriginal token count: 3\nOutput:\n${oracle.changes[0]!.before}`;
      input.push(
        it.freeform
          ? { type: 'custom_tool_call', name: it.name, input: it.args, call_id: it.callId }
          : { type: 'function_call', name: it.name, arguments: it.args, call_id: it.callId },
        { type: it.freeform ? 'custom_tool_call_output' : 'function_call_output', call_id: it.callId, output },
      );
    }
    expect(calls.map((c) => c.name)).toEqual(['exec_command', 'exec_command', 'exec_command', 'apply_patch', 'exec_command']);
    expect(JSON.parse(calls[2]!.args)).toEqual({ cmd: "cat -- 'src/math.js'", login: false });
    expect(calls[3]!.args).toMatch(/^\*\*\* Begin Patch\n\*\*\* Update File: src\/math\.js/);
    expect(JSON.parse(calls[4]!.args).cmd).toBe('npm test');
  });
});
