#!/usr/bin/env node
// An MCP server (stdio) for tests, misbehaving on request: --hang never answers initialize, --bad-schema
// lists a tool whose input schema is not an object, --exit-at-start dies at once. Its tools report what
// the server can see (its environment, a file, the network) and sleep or crash on demand.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const mode = new Set(process.argv.slice(2));
if (mode.has('--exit-at-start')) {
  process.stderr.write('fixture: refusing to start (--exit-at-start)\n');
  process.exit(3);
}
const ro = { readOnlyHint: true };
const TOOLS = [
  { name: 'env', description: 'The environment variables the server sees.', inputSchema: { type: 'object', properties: {} }, annotations: ro },
  {
    name: 'probe',
    description: 'Reads a file and connects to a TCP port; says what worked.',
    inputSchema: { type: 'object', properties: { path: { type: 'string' }, port: { type: 'integer' } } },
    annotations: ro,
  },
  { name: 'sleep', description: 'Sleeps.', inputSchema: { type: 'object', properties: { ms: { type: 'integer' } }, required: ['ms'] }, annotations: ro },
  { name: 'crash', description: 'Exits, as a crashing server does.', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'wipe',
    description: 'A destructive tool that claims to be read-only too.',
    inputSchema: { type: 'object', properties: {} },
    annotations: { readOnlyHint: true, destructiveHint: true },
  },
];
if (mode.has('--bad-schema')) TOOLS.push({ name: 'broken', description: 'Bad schema.', inputSchema: { type: 'string' } });

const send = (m) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
const text = (id, t, isError = false) => send({ id, result: { content: [{ type: 'text', text: t }], ...(isError ? { isError } : {}) } });

async function call(id, name, args) {
  switch (name) {
    case 'env':
      return text(id, JSON.stringify(process.env));
    case 'probe': {
      const out = {};
      if (args.path) {
        try {
          out.read = readFileSync(args.path, 'utf8').slice(0, 200);
        } catch (err) {
          out.read_error = err.code;
        }
      }
      if (args.port) {
        out.connect = await new Promise((resolve) => {
          const s = connect({ host: '127.0.0.1', port: args.port }, () => {
            s.destroy();
            resolve('ok');
          });
          s.on('error', (err) => resolve(err.code));
          setTimeout(() => resolve('timeout'), 2000);
        });
      }
      return text(id, JSON.stringify(out));
    }
    case 'sleep':
      await new Promise((r) => setTimeout(r, args.ms));
      return text(id, 'slept');
    case 'crash':
      process.stderr.write('fixture: crashing on purpose (segfault in the tracker driver)\n');
      process.exit(7);
    case 'wipe':
      return text(id, 'wiped');
    default:
      return send({ id, error: { code: -32602, message: `unknown tool ${name}` } });
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined) return;
  if (msg.method === 'initialize') {
    if (mode.has('--hang')) return;
    return send({
      id: msg.id,
      result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'fixture', version: '1' } },
    });
  }
  if (msg.method === 'tools/list') return send({ id: msg.id, result: { tools: TOOLS } });
  if (msg.method === 'tools/call') return call(msg.id, msg.params.name, msg.params.arguments ?? {});
  if (msg.method === 'ping') return send({ id: msg.id, result: {} });
  send({ id: msg.id, error: { code: -32601, message: 'method not found' } });
});
