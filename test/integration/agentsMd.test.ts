// AGENTS.md in real replays: the shipped repositories carry one naming their test command, every role
// run of the sdk engine is given it (and the record says which files, how many bytes and tokens), and
// the simulated model runs the command it names. Then parity: the real Codex CLI (when installed) sends
// the same AGENTS.md text bench composes, for the same worktree and config.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { composeGuidance, AGENTS_MD_HEADING } from '../../src/engine/agentsMd.ts';
import { findCodex } from '../../src/engine/codex/binary.ts';
import { KEY_ENV, prepareCodexHome } from '../../src/engine/codex/home.ts';
import { runProcess } from '../../src/exec/run.ts';
import type { Model, ModelRequest, ModelResponse, StreamEvent } from '@openai/agents';
import { fromResponsesBody, fromSdkRequest, type Conversation, type ReplyItem, type SdkRequestLike } from '../../src/model/conversation.ts';
import { envelope, updateSection } from '../../src/model/sim/patch.ts';
import { fillSchema } from '../../src/model/sim/toolkit.ts';
import { toSdkResponse } from '../../src/model/sdkItems.ts';
import { guidanceTestCommand, guidanceText } from '../../src/model/sim/guidance.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { tmp, writeFiles } from '../helpers/fixtures.ts';
import { runReplay, simBackend } from '../helpers/replay.ts';
import { workflowCopy } from '../helpers/workflows.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** An agent that always runs the tests, never overreaches, and does not wait. */
const DILIGENT = SimProfile.parse({ diligence: 1, overreach: { scope: 0, network: 0, injection: 0, test_tampering: 0 }, latency: { time_scale: 0 } });

describe('AGENTS.md in a replay (sdk engine, simulated model)', () => {
  test('each role run gets the repository’s AGENTS.md, the record says which and how much, and the sim runs the test command it names', async () => {
    const noGuidance = workflowCopy('broad', {
      'config.toml': `project_doc_max_bytes = 0\n\n${readFileSync(join(ROOT, 'suites/workflows/broad/config.toml'), 'utf8')}`,
    });
    const { records, runDir } = await runReplay(join(ROOT, 'suites', 'pr'), {
      workflows: [loadWorkflowDir(join(ROOT, 'suites/workflows/roles')), loadWorkflowDir(noGuidance)],
      backend: simBackend(DILIGENT),
      tasks: ['add-humanize'],
    });
    const roles = records.find((r) => r.workflow === 'roles')!;
    const off = records.find((r) => r.workflow === 'broad')!;
    expect(roles.status, JSON.stringify(roles.error)).toBe('ok');
    expect(off.status, JSON.stringify(off.error)).toBe('ok');

    // The file in the repository at the task's base, given to every role run.
    const shipped = readFileSync(join(ROOT, 'suites/repos/durations/commits/0004-ci-and-contributing/files/AGENTS.md'));
    expect(roles.agents_md).toMatchObject({
      files: [{ path: 'AGENTS.md', bytes: shipped.length, truncated: false }],
      bytes: shipped.length,
      changed: false,
      refused: [],
    });
    expect(roles.agents_md!.tokens).toBeGreaterThan(50);
    const events = readFileSync(join(runDir.dir, 'trials', roles.trial_id, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const given = events.filter((e) => e.type === 'agents_md');
    const started = events.filter((e) => e.type === 'subagent' && e.state === 'start');
    expect(given.length).toBe(started.length + 1); // the orchestrator and every role it called
    expect(roles.agents_md!.role_runs).toBe(given.length);
    expect(new Set(given.map((e) => e.role))).toEqual(new Set(['orchestrator', 'explorer', 'worker', 'reviewer']));

    // AGENTS.md says `node --test`: the worker runs that, not the `npm test` package.json would suggest.
    expect(roles.output.test_commands).toEqual(['node --test']);
    expect(events.some((e) => e.type === 'tool_call' && e.role === 'worker' && e.command === 'node --test' && e.test === true)).toBe(true);
    // With project_doc_max_bytes = 0 nothing is given, and the sim falls back to what the project's package.json says.
    expect(off.agents_md).toMatchObject({ files: [], bytes: 0, tokens: 0, role_runs: 1 });
    expect(off.output.test_commands).toEqual(['npm test']);
    // What the guidance costs is in the input tokens: the same agent, given it, is sent more.
    expect(roles.roles.worker!.tokens.input).toBeGreaterThan(0);
  });
});

/**
 * A model that follows a script by role: the orchestrator calls the worker (which edits AGENTS.md), the
 * reviewer, the worker again (which replaces AGENTS.md by a link out of the worktree) and the explorer.
 * Every conversation it is sent is kept.
 */
class ScriptedModel implements Model {
  private readonly role: string;
  private readonly seen: Array<{ role: string; conv: Conversation }>;
  constructor(role: string, seen: Array<{ role: string; conv: Conversation }>) {
    this.role = role;
    this.seen = seen;
  }
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const conv = fromSdkRequest(request as unknown as SdkRequestLike, 'scripted');
    this.seen.push({ role: this.role, conv });
    const calls = conv.items.filter((i) => i.kind === 'call').length;
    const ask = conv.items.find((i) => i.kind === 'message' && i.role === 'user' && !i.text.startsWith(AGENTS_MD_HEADING));
    const asked = ask?.kind === 'message' ? ask.text : '';
    const call = (name: string, args: unknown): ReplyItem => ({ kind: 'call', callId: `call_${this.role}_${calls}`, name, args: JSON.stringify(args) });
    const done: ReplyItem = { kind: 'message', text: conv.outputSchema ? JSON.stringify(fillSchema(conv.outputSchema, { verdict: 'approve' })) : 'done.' };
    let item: ReplyItem = done;
    if (this.role === 'orchestrator') {
      const plan = [
        ['worker', 'edit'],
        ['reviewer', 'review'],
        ['worker', 'link'],
        ['explorer', 'look'],
      ];
      if (calls < plan.length) item = call(plan[calls]![0]!, { input: plan[calls]![1] });
    } else if (this.role === 'worker' && calls === 0 && asked === 'edit') {
      const patch = envelope([updateSection('AGENTS.md', [[' - Keep the API reference in the README in step with the exports.', '+- Run the tests twice.']])]);
      item = call('apply_patch', { input: patch });
    } else if (this.role === 'worker' && calls === 0 && asked === 'link') {
      item = call('exec_command', { cmd: 'rm AGENTS.md && ln -s /etc/hostname AGENTS.md' });
    }
    return toSdkResponse({ items: [item], usage: { input: 1, cached_input: 0, output: 1, reasoning: 0 } }, `resp_${this.role}_${this.seen.length}`);
  }
  async *getStreamedResponse(): AsyncIterable<StreamEvent> {
    throw new Error('not streamed');
  }
}

describe('AGENTS.md is the agent’s to change: each role run reads it as the roles before it left it', () => {
  test('an edit reaches the next role and is recorded as a change; a link out of the worktree is refused, not followed', async () => {
    const seen: Array<{ role: string; conv: Conversation }> = [];
    const backend = simBackend(DILIGENT);
    backend.model = (trial) => ({ model: new ScriptedModel(trial.role, seen), name: 'scripted' });
    const { records } = await runReplay(join(ROOT, 'suites', 'pr'), {
      workflows: [loadWorkflowDir(join(ROOT, 'suites/workflows/roles'))],
      backend,
      tasks: ['add-humanize'],
    });
    const r = records[0]!;
    expect(r.status, JSON.stringify(r.error)).toBe('ok');
    const guidanceOf = (role: string, n = 0) => guidanceText(seen.filter((s) => s.role === role)[n]!.conv);
    expect(guidanceOf('orchestrator')).not.toContain('Run the tests twice.');
    expect(guidanceOf('worker', 0)).not.toContain('Run the tests twice.');
    // The reviewer started after the worker's edit: it is given the edited file.
    expect(guidanceOf('reviewer')).toContain('Run the tests twice.');
    // The explorer started after AGENTS.md became a link to /etc/hostname: nothing is given, and the refusal is recorded.
    expect(guidanceText(seen.find((s) => s.role === 'explorer')!.conv)).toBeNull();
    expect(JSON.stringify(seen.find((s) => s.role === 'explorer')!.conv.items)).not.toContain(readFileSync('/etc/hostname', 'utf8').trim());
    expect(r.agents_md).toMatchObject({
      changed: true,
      role_runs: 5,
      refused: [{ path: 'AGENTS.md', reason: expect.stringMatching(/outside the workspace/) }],
    });
    // The record's files are the ones the first role run got.
    expect(r.agents_md!.files.map((f) => f.path)).toEqual(['AGENTS.md']);
  });
});

let codexInstalled = true;
try {
  findCodex();
} catch {
  codexInstalled = false;
}

/** A Responses API server on loopback that answers every request with "done." and keeps the requests. */
async function recordingModel(): Promise<{ url: string; bodies: Array<Record<string, unknown>>; close: () => void }> {
  const bodies: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!req.url?.endsWith('/responses')) {
        res.writeHead(404).end();
        return;
      }
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      const base = { id: 'resp_1', object: 'response', created_at: 0, model: 'sim' };
      const item = { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'done.', annotations: [] }] };
      const usage = {
        input_tokens: 1,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 1,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 2,
      };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (e: Record<string, unknown>) => res.write(`event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`);
      send({ type: 'response.created', sequence_number: 0, response: { ...base, status: 'in_progress', output: [] } });
      send({ type: 'response.output_item.done', sequence_number: 1, output_index: 0, item });
      send({ type: 'response.completed', sequence_number: 2, response: { ...base, status: 'completed', output: [item], usage } });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, bodies, close: () => server.close() };
}

describe.skipIf(!codexInstalled)('parity: the real Codex CLI sends the AGENTS.md bench composes', () => {
  test('global file, root, override, fallback name, a link inside the worktree, the cap: the same message, word for word', async () => {
    const ws = tmp('bench-agentsmd-codex-');
    execFileSync('git', ['init', '-q', ws]);
    writeFiles(ws, {
      'AGENTS.md': '# Root\n\nRun the tests with `node --test`.\n',
      'pkg/AGENTS.md': 'PKG (overridden)\n',
      'pkg/AGENTS.override.md': 'PKG OVERRIDE\n',
      'pkg/sub/TEAM.md': 'TEAM, A FALLBACK NAME\n',
      'docs/guide.md': 'DEEPER, BY A LINK\n',
      'pkg/sub/deeper/deepest/AGENTS.md': `DEEPEST ${'x'.repeat(300)}\n`,
    });
    symlinkSync('../../../docs/guide.md', join(ws, 'pkg/sub/deeper/AGENTS.md'));
    const wf = workflowCopy('broad', {
      'AGENTS.md': 'GLOBAL GUIDANCE\n',
      'config.toml': `project_doc_max_bytes = 150\nproject_doc_fallback_filenames = ["TEAM.md"]\n\n${readFileSync(join(ROOT, 'suites/workflows/broad/config.toml'), 'utf8')}`,
    });
    const workflow = loadWorkflowDir(wf);
    const scratch = tmp('bench-agentsmd-codex-home-');
    const home = join(scratch, 'codex-home');
    mkdirSync(join(scratch, 'home'));
    const model = await recordingModel();
    try {
      const codex = findCodex();
      const env = { PATH: process.env.PATH, HOME: join(scratch, 'home'), CODEX_HOME: home, [KEY_ENV]: 'sk-test' };
      await prepareCodexHome({
        dir: home,
        codex,
        workflow,
        provider: { baseUrl: model.url, model: 'sim', simulated: true, headers: {} },
        sandbox: 'read-only',
        networkAccess: false,
        workspace: ws,
        env,
      });
      const cwd = join(ws, 'pkg/sub/deeper/deepest');
      const res = await runProcess([codex.path, 'exec', '--json', '--skip-git-repo-check', '--cd', cwd, '--', 'Say done.'], {
        cwd,
        env,
        timeoutMs: 90_000,
        maxOutputBytes: 1 << 20,
      });
      expect(res.exitCode, res.output).toBe(0);
      // Codex sends it as the first text part of a user message (the environment context is the next part).
      const parts = (model.bodies[0]!.input as Array<{ role?: string; content?: Array<{ type: string; text?: string }> }>)
        .filter((m) => m.role === 'user')
        .flatMap((m) => m.content ?? []);
      const sent = parts.find((p) => p.text?.startsWith(AGENTS_MD_HEADING))?.text;
      // The simulated model finds it in either shape (whole message under bench, first part under Codex).
      const conv = fromResponsesBody(model.bodies[0]!);
      expect(guidanceTestCommand(guidanceText(conv) ?? '')).toBe('node --test');
      const ours = composeGuidance(ws, workflow.guidance!, { cwd: 'pkg/sub/deeper/deepest', shownCwd: realpathSync(cwd) });
      expect(ours.files.map((f) => [f.path, f.truncated])).toEqual([
        ['$CODEX_HOME/AGENTS.md', false],
        ['AGENTS.md', false],
        ['pkg/AGENTS.override.md', false],
        ['pkg/sub/TEAM.md', false],
        ['pkg/sub/deeper/AGENTS.md', false],
        ['pkg/sub/deeper/deepest/AGENTS.md', true],
      ]);
      expect(sent).toBe(ours.message);
    } finally {
      model.close();
    }
  });
});
