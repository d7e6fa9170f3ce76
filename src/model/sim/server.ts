// The simulated model on the wire: a loopback HTTP server speaking the Responses API (JSON or SSE,
// with every item in `response.output_item.done` as Codex needs) and Chat Completions (JSON or SSE
// chunks with usage). Which task a request belongs to comes from its `x-bench-trial` header.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromChatBody, fromResponsesBody, toldText, type Reply } from '../conversation.ts';
import type { SimContext } from './oracle.ts';
import type { SimResponder } from './respond.ts';

export type SimResolver = (trialId: string | undefined) => Promise<SimContext | null> | SimContext | null;

export interface SimServerOptions {
  responder: SimResponder;
  resolve: SimResolver;
  /** Called for every request (tests use it to see what arrived). */
  onRequest?: (info: { path: string; trial: string | undefined; body: Record<string, unknown> }) => void;
}

type Json = Record<string, unknown>;

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function responsesUsage(r: Reply): Json {
  return {
    input_tokens: r.usage.input,
    input_tokens_details: { cached_tokens: r.usage.cached_input },
    output_tokens: r.usage.output,
    output_tokens_details: { reasoning_tokens: r.usage.reasoning },
    total_tokens: r.usage.input + r.usage.output,
  };
}

function responsesItems(r: Reply): Json[] {
  return r.items.map((it) =>
    it.kind === 'message'
      ? { type: 'message', id: id('msg'), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: it.text, annotations: [] }] }
      : it.freeform
        ? { type: 'custom_tool_call', id: id('ctc'), status: 'completed', call_id: it.callId, name: it.name, input: it.args }
        : {
            type: 'function_call',
            id: id('fc'),
            status: 'completed',
            call_id: it.callId,
            name: it.name,
            arguments: it.args,
            ...(it.namespace ? { namespace: it.namespace } : {}),
          },
  );
}

async function readBody(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Json) : {};
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': id('req') });
  res.end(JSON.stringify(body));
}

function sse(res: ServerResponse): (event: Json) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': id('req') });
  return (event) => res.write(`event: ${String(event.type ?? 'message')}\ndata: ${JSON.stringify(event)}\n\n`);
}

export class SimServer {
  private readonly opts: SimServerOptions;
  private server: Server | null = null;

  constructor(opts: SimServerOptions) {
    this.opts = opts;
  }

  /** Starts listening on 127.0.0.1; resolves to the base URL (ending in /v1). */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String((err as Error)?.message ?? err), type: 'server_error' } });
        else res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    this.server = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!.replace(/\/+$/, '');
    if (req.method === 'GET' && path.endsWith('/models')) {
      sendJson(res, 200, { object: 'list', data: [{ id: 'sim', object: 'model', owned_by: 'bench' }] });
      return;
    }
    if (req.method !== 'POST' || !(path.endsWith('/responses') || path.endsWith('/chat/completions'))) {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    const body = await readBody(req);
    const trial = (req.headers['x-bench-trial'] as string | undefined) ?? undefined;
    this.opts.onRequest?.({ path, trial, body });
    const ctx = await this.opts.resolve(trial);
    if (!ctx) {
      sendJson(res, 400, {
        error: { message: `unknown trial ${JSON.stringify(trial)}: send the x-bench-trial header of a trial this server knows`, type: 'invalid_request_error' },
      });
      return;
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    ctx.inspect?.(toldText(path.endsWith('/responses') ? fromResponsesBody(body) : fromChatBody(body)));
    if (path.endsWith('/responses')) await this.responses(body, ctx, res, abort.signal);
    else await this.chat(body, ctx, res, abort.signal);
  }

  private async responses(body: Json, ctx: SimContext, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const conv = fromResponsesBody(body);
    const respId = id('resp');
    const created = Math.floor(Date.now() / 1000);
    const base = { id: respId, object: 'response', created_at: created, model: conv.model || 'sim' };
    if (!body.stream) {
      const reply = await this.opts.responder.respond(conv, ctx, signal);
      sendJson(res, 200, { ...base, status: 'completed', output: responsesItems(reply), usage: responsesUsage(reply) });
      return;
    }
    const send = sse(res);
    let seq = 0;
    send({ type: 'response.created', sequence_number: seq++, response: { ...base, status: 'in_progress', output: [] } });
    const reply = await this.opts.responder.respond(conv, ctx, signal);
    const items = responsesItems(reply);
    items.forEach((item, i) => {
      send({ type: 'response.output_item.added', sequence_number: seq++, output_index: i, item: { ...item, status: 'in_progress' } });
      if (item.type === 'message') {
        const text = ((item.content as Json[])[0]!.text as string) ?? '';
        send({ type: 'response.output_text.delta', sequence_number: seq++, item_id: item.id, output_index: i, content_index: 0, delta: text });
        send({ type: 'response.output_text.done', sequence_number: seq++, item_id: item.id, output_index: i, content_index: 0, text });
      }
      send({ type: 'response.output_item.done', sequence_number: seq++, output_index: i, item });
    });
    send({ type: 'response.completed', sequence_number: seq++, response: { ...base, status: 'completed', output: items, usage: responsesUsage(reply) } });
    res.end();
  }

  private async chat(body: Json, ctx: SimContext, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const conv = fromChatBody(body);
    const reply = await this.opts.responder.respond(conv, ctx, signal);
    const text = reply.items
      .filter((i) => i.kind === 'message')
      .map((i) => (i.kind === 'message' ? i.text : ''))
      .join('');
    const calls = reply.items.flatMap((i) => (i.kind === 'call' ? [{ id: i.callId, type: 'function', function: { name: i.name, arguments: i.args } }] : []));
    const usage = {
      prompt_tokens: reply.usage.input,
      completion_tokens: reply.usage.output,
      total_tokens: reply.usage.input + reply.usage.output,
      prompt_tokens_details: { cached_tokens: reply.usage.cached_input },
      completion_tokens_details: { reasoning_tokens: reply.usage.reasoning },
    };
    const base = { id: id('chatcmpl'), created: Math.floor(Date.now() / 1000), model: conv.model || 'sim' };
    const finish = calls.length ? 'tool_calls' : 'stop';
    if (!body.stream) {
      sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: text || null, ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: finish }],
        usage,
      });
      return;
    }
    const send = (chunk: Json) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...chunk })}\n\n`);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': id('req') });
    send({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    if (text) send({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
    calls.forEach((c, i) => send({ choices: [{ index: 0, delta: { tool_calls: [{ index: i, ...c }] }, finish_reason: null }] }));
    send({ choices: [{ index: 0, delta: {}, finish_reason: finish }] });
    if ((body.stream_options as Json | undefined)?.include_usage) send({ choices: [], usage });
    res.write('data: [DONE]\n\n');
    res.end();
  }
}
