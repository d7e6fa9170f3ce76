import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ModelBackend } from '../../src/model/backend.ts';
import { Cassette } from '../../src/model/cassette.ts';
import { SimResponder } from '../../src/model/sim/respond.ts';
import { SimServer } from '../../src/model/sim/server.ts';
import { suiteSimResolver } from '../../src/replay/simResolver.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { RepoCache } from '../../src/workspace/repos.ts';
import { workRootName } from '../../src/workspace/workspace.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench } from '../helpers/cli.ts';
import { calcFixture, git, tmp } from '../helpers/fixtures.ts';
import { FAST_PROFILE, runReplay } from '../helpers/replay.ts';
import { timeless } from '../helpers/records.ts';

const f = calcFixture();
const suite = loadSuite(f.suite);
const requests: Array<{ path: string; trial: string | undefined; body: Record<string, unknown> }> = [];
const server = new SimServer({
  responder: new SimResponder(FAST_PROFILE),
  resolve: suiteSimResolver(suite, new RepoCache(tmp()), 0),
  onRequest: (r) => requests.push(r),
});
let url = '';

beforeAll(async () => {
  url = await server.start();
});
afterAll(() => server.close());

const outcome = (r: { trial_id: string; quality: { resolved: boolean | null }; tokens: unknown; output: { files: string[] } }) => [
  r.trial_id,
  r.quality.resolved,
  r.tokens,
  r.output.files,
];

describe('openai backend through the real openai client against the loopback sim server', () => {
  test.each(['responses', 'chat'] as const)('%s API: same trials, same outcomes and tokens as the in-process model', async (api) => {
    requests.length = 0;
    const backend = new ModelBackend({ backend: 'openai', name: 'sim', baseURL: url, api, apiKey: 'sk-test' });
    const wire = await runReplay(f.suite, { backend, repeat: 3, runId: `wire-${api}` });
    const local = await runReplay(f.suite, { repeat: 3, runId: `local-${api}` });
    expect(wire.records.every((r) => r.status === 'ok')).toBe(true);
    const sort = (rs: typeof wire.records) => [...rs].sort((a, b) => a.trial_id.localeCompare(b.trial_id)).map(outcome);
    expect(sort(wire.records)).toEqual(sort(local.records));
    expect(requests.length).toBe(wire.records.reduce((n, r) => n + r.tokens.requests, 0));
    expect(new Set(requests.map((r) => r.path))).toEqual(new Set([api === 'chat' ? '/v1/chat/completions' : '/v1/responses']));
    expect(requests.every((r) => r.trial?.startsWith('fix-clamp__broad__r'))).toBe(true);
  });

  test('a 429 is retried with backoff by the client, and the trial still completes', async () => {
    let seen = 0;
    const proxy = createServer(async (req, res) => {
      seen++;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (seen === 1) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '10' });
        res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error' } }));
        return;
      }
      const upstream = await fetch(`${url}${req.url!.replace(/^\/v1/, '')}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', 'x-bench-trial': String(req.headers['x-bench-trial']) },
        body: Buffer.concat(chunks),
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
    try {
      const backend = new ModelBackend({ backend: 'openai', name: 'sim', baseURL: proxyUrl, api: 'chat', apiKey: 'sk-test' });
      const res = await runReplay(f.suite, { backend, runId: 'retry' });
      expect(res.records[0]!.status).toBe('ok');
      expect(seen).toBe(res.records[0]!.tokens.requests + 1);
    } finally {
      proxy.close();
    }
  });

  test('an unreachable server makes the trial an infrastructure error, and the run goes on', async () => {
    const backend = new ModelBackend({ backend: 'openai', name: 'sim', baseURL: 'http://127.0.0.1:9/v1', api: 'chat', apiKey: 'sk-test' });
    const res = await runReplay(f.suite, { backend, runId: 'down', repeat: 2 });
    expect(res.records.map((r) => r.status)).toEqual(['infra_error', 'infra_error']);
    expect(res.records[0]!.error?.message).toMatch(/Connection|ECONNREFUSED/i);
    // The failed trials left no worktree behind: none on disk, none registered with git.
    expect(readdirSync(tmpdir()).filter((d) => d === workRootName(process.pid, 'down'))).toEqual([]);
    const bases = join(process.env.BENCH_CACHE_DIR!, 'bases');
    for (const b of readdirSync(bases).filter((d) => d.endsWith('.git'))) {
      expect(
        git(join(bases, b), 'worktree', 'list', '--porcelain')
          .split('\n')
          // Only this run's: other test files share the cache and may have trials running right now.
          .filter((l) => l.startsWith('worktree ') && l.includes(`/${workRootName(process.pid, 'down')}/`)),
      ).toEqual([]);
    }
  });

  test('a service that fails a whole attempt: --retry-on-error runs the trial again, and the record keeps the failed attempt', async () => {
    // Every request fails with a 500 (and a short Retry-After) until the client has given up once.
    let failures = 0;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (failures < 5) {
        failures++;
        res.writeHead(500, { 'content-type': 'application/json', 'retry-after-ms': '1' });
        res.end(JSON.stringify({ error: { message: 'upstream overloaded', type: 'server_error' } }));
        return;
      }
      const upstream = await fetch(`${url}${req.url!.replace(/^\/v1/, '')}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', 'x-bench-trial': String(req.headers['x-bench-trial']) },
        body: Buffer.concat(chunks),
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const backend = new ModelBackend({
        backend: 'openai',
        name: 'sim',
        baseURL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`,
        api: 'chat',
        apiKey: 'sk-test',
      });
      const res = await runReplay(f.suite, { backend, runId: 'flaky', retryOnError: 2 });
      const [r] = res.records;
      expect(failures).toBe(5);
      expect(r!.status).toBe('ok');
      expect(r!.attempts).toHaveLength(1);
      expect(r!.attempts[0]).toMatchObject({ status: 'infra_error', folder: 'attempt-1', error: { message: expect.stringMatching(/500|overloaded/) } });
      const dir = join(res.runDir.dir, 'trials', r!.trial_id);
      expect(readFileSync(join(dir, 'attempt-1', 'events.jsonl'), 'utf8')).toMatch(/"error":"500 upstream overloaded"/);
      expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).not.toMatch(/upstream overloaded/);
      expect(readFileSync(res.runDir.trialsFile, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      proxy.close();
    }
  });

  test('--resume --retry-errors runs the failed trials again; the run keeps one record per trial, with the earlier attempt', async () => {
    const outDir = tmp('bench-results-');
    const down = new ModelBackend({ backend: 'openai', name: 'sim', baseURL: 'http://127.0.0.1:9/v1', api: 'chat', apiKey: 'sk-test' });
    const first = await runReplay(f.suite, { backend: down, runId: 'again', outDir, repeat: 2 });
    expect(first.records.map((r) => r.status)).toEqual(['infra_error', 'infra_error']);
    // Resuming alone leaves them be: they are recorded.
    const up = new ModelBackend({ backend: 'openai', name: 'sim', baseURL: url, api: 'chat', apiKey: 'sk-test' });
    const plain = await runReplay(f.suite, { backend: up, runId: 'again', outDir, repeat: 2, resume: true });
    expect(plain.skipped).toBe(2);
    const again = await runReplay(f.suite, { backend: up, runId: 'again', outDir, repeat: 2, resume: true, retryErrors: ['infra_error'] });
    expect(again.skipped).toBe(0);
    const records = again.runDir.readRecords();
    expect(records.map((r) => [r.status, r.attempts.map((a) => a.status)])).toEqual([
      ['ok', ['infra_error']],
      ['ok', ['infra_error']],
    ]);
    expect(readFileSync(again.runDir.trialsFile, 'utf8').trim().split('\n')).toHaveLength(2);
    // The report's Run section says so.
    const html = join(outDir, 'report.html');
    expect((await bench(['report', again.runDir.dir, '-o', html])).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/<dt>retried<\/dt><dd>2 trial\(s\) run again after an error; 2 earlier attempt\(s\): 2 infra_error;/);
  });

  test('streams Responses API events with every item in output_item.done, ending in response.completed with usage', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: url, defaultHeaders: { 'x-bench-trial': 'fix-clamp__broad__r0' } });
    const stream = await client.responses.create({
      model: 'sim',
      input: 'clamp(5, 0, 10) returns 10',
      stream: true,
      tools: [{ type: 'function', name: 'list_dir', parameters: { type: 'object', properties: {} }, strict: false }],
    });
    const types: string[] = [];
    let done: unknown[] = [];
    let usage: Record<string, unknown> | undefined;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_item.done') done.push(ev.item);
      if (ev.type === 'response.completed') usage = ev.response.usage as unknown as Record<string, unknown>;
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ type: 'function_call', name: 'list_dir' });
    expect(usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
  });

  test('streams Chat Completions chunks with usage when asked', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: url, defaultHeaders: { 'x-bench-trial': 'fix-clamp__broad__r0' } });
    const stream = await client.chat.completions.create({
      model: 'sim',
      messages: [{ role: 'user', content: 'fix clamp' }],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'list_dir', parameters: { type: 'object', properties: {} } } }],
    });
    let toolName = '';
    let usage: unknown;
    for await (const chunk of stream) {
      toolName += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(toolName).toBe('list_dir');
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  test('recorded over the wire, replayed from the cassette with no server call: the same records apart from timings', async () => {
    const dir = tmp('bench-cassette-');
    const live = new ModelBackend({ backend: 'openai', name: 'sim', baseURL: url, api: 'responses', apiKey: 'sk-test' }, Cassette.record(dir));
    const recorded = await runReplay(f.suite, { backend: live, repeat: 2, runId: 'rec' });
    requests.length = 0;
    const replayed = await runReplay(f.suite, { backend: ModelBackend.fromCassette(Cassette.replay(dir)), repeat: 2, runId: 'play' });
    expect(requests).toHaveLength(0);
    const sort = (rs: typeof recorded.records) =>
      [...rs].sort((a, b) => a.trial_id.localeCompare(b.trial_id)).map((r) => ({ ...(timeless(r) as object), roles: Object.keys(r.roles) }));
    expect(sort(replayed.records)).toEqual(sort(recorded.records));
    expect(replayed.records.every((r) => r.status === 'ok' && r.tokens.requests > 0)).toBe(true);
    expect(replayed.runDir.readManifest().model).toMatchObject({ backend: 'openai', name: 'sim', base_url: url, cassette: { mode: 'replay', dir } });
  });

  test('an unknown trial gets a 400 that says what is missing', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: url, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'sim', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(/x-bench-trial/);
  });
});
