#!/usr/bin/env node
// A small issue-tracker MCP server (stdio, newline-delimited JSON-RPC 2.0, as the MCP spec's stdio
// transport says) over an issue export: the file named by BENCH_ISSUES_FILE (or --issues <file>),
// {"issues": [{number, title, body, state, labels, comments}], "labels": [{name, description}]}.
// Read tools are annotated readOnlyHint; add_label and comment change the tracker, close_issue is
// destructive. Changes stay in this process's memory: the export is never written back.
// Node built-ins only, so it runs inside a sandbox that shows nothing but the plugin folder and node.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const argIssues = process.argv.indexOf('--issues');
const file = argIssues > 0 ? process.argv[argIssues + 1] : process.env.BENCH_ISSUES_FILE;
if (!file) {
  process.stderr.write('tracker: no issue export: set BENCH_ISSUES_FILE or pass --issues <file>\n');
  process.exit(2);
}
let data;
try {
  data = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  process.stderr.write(`tracker: cannot read the issue export ${file}: ${err.message}\n`);
  process.exit(2);
}
const issues = new Map(
  (Array.isArray(data.issues) ? data.issues : []).map((i) => [Number(i.number), { state: 'open', labels: [], comments: [], body: '', ...i }]),
);
process.stderr.write(`tracker: serving ${issues.size} issues from ${file}\n`);
const labels = Array.isArray(data.labels) ? data.labels.map((l) => (typeof l === 'string' ? { name: l } : l)) : [];

const num = { type: 'integer', minimum: 1, description: 'The issue number.' };
const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const TOOLS = [
  {
    name: 'search_issues',
    description: 'Search the issues by words in their title and body; returns number, title, state and labels of each match, best first.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Words to look for.' },
        state: { type: 'string', enum: ['open', 'closed', 'all'], description: 'Default all.' },
        limit: { type: 'integer', minimum: 1, maximum: 50, description: 'Default 10.' },
      },
      required: ['query'],
    },
    annotations: { title: 'Search issues', ...read },
  },
  {
    name: 'get_issue',
    description: 'One issue in full: title, body, state, labels and comments.',
    inputSchema: { type: 'object', properties: { number: num }, required: ['number'] },
    annotations: { title: 'Get an issue', ...read },
  },
  {
    name: 'list_labels',
    description: "The repository's labels, with their descriptions.",
    inputSchema: { type: 'object', properties: {} },
    annotations: { title: 'List labels', ...read },
  },
  {
    name: 'add_label',
    description: 'Add a label to an issue.',
    inputSchema: { type: 'object', properties: { number: num, label: { type: 'string' } }, required: ['number', 'label'] },
    annotations: { title: 'Add a label', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'comment',
    description: 'Comment on an issue.',
    inputSchema: { type: 'object', properties: { number: num, body: { type: 'string' } }, required: ['number', 'body'] },
    annotations: { title: 'Comment', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  {
    name: 'close_issue',
    description: 'Close an issue, for example as a duplicate.',
    inputSchema: {
      type: 'object',
      properties: { number: num, reason: { type: 'string', enum: ['completed', 'not_planned', 'duplicate'] } },
      required: ['number'],
    },
    annotations: { title: 'Close an issue', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
];

const words = (s) =>
  String(s ?? '')
    .toLowerCase()
    .match(/[a-z0-9]{3,}/g) ?? [];
const brief = (i) => ({ number: i.number, title: i.title, state: i.state, labels: i.labels });

function issueOf(args) {
  const i = issues.get(Number(args.number));
  if (!i) throw new Error(`no issue #${args.number}`);
  return i;
}

const handlers = {
  search_issues(args) {
    const q = new Set(words(args.query));
    if (!q.size) throw new Error('query needs at least one word of three letters or more');
    const state = args.state ?? 'all';
    const scored = [];
    for (const i of issues.values()) {
      if (state !== 'all' && i.state !== state) continue;
      const title = words(i.title);
      const body = words(i.body);
      let score = 0;
      for (const w of q) score += (title.includes(w) ? 3 : 0) + (body.includes(w) ? 1 : 0);
      if (score) scored.push([score, i]);
    }
    scored.sort((a, b) => b[0] - a[0] || a[1].number - b[1].number);
    return scored.slice(0, Math.min(Number(args.limit ?? 10), 50)).map(([, i]) => brief(i));
  },
  get_issue: (args) => issueOf(args),
  list_labels: () => labels,
  add_label(args) {
    const i = issueOf(args);
    if (!labels.some((l) => l.name === args.label)) throw new Error(`no label ${JSON.stringify(args.label)}; see list_labels`);
    if (!i.labels.includes(args.label)) i.labels.push(args.label);
    return brief(i);
  },
  comment(args) {
    const i = issueOf(args);
    i.comments.push({ body: String(args.body) });
    return { number: i.number, comments: i.comments.length };
  },
  close_issue(args) {
    const i = issueOf(args);
    i.state = 'closed';
    i.state_reason = args.reason ?? 'completed';
    return brief(i);
  },
};

function send(msg) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...msg })}\n`);
}

function handle(msg) {
  const { id, method, params } = msg;
  if (id === undefined || id === null) return; // a notification (initialized, cancelled): nothing to answer
  switch (method) {
    case 'initialize': {
      const asked = params?.protocolVersion;
      return send({
        id,
        result: {
          protocolVersion: VERSIONS.includes(asked) ? asked : VERSIONS[1],
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: 'bench-tracker', version: '1.0.0' },
          instructions: 'An issue tracker: search and read issues freely; labelling, commenting and closing change the tracker.',
        },
      });
    }
    case 'ping':
      return send({ id, result: {} });
    case 'tools/list':
      return send({ id, result: { tools: TOOLS } });
    case 'tools/call': {
      const h = handlers[params?.name];
      if (!h) return send({ id, error: { code: -32602, message: `unknown tool ${params?.name}` } });
      try {
        const out = h(params.arguments ?? {});
        return send({
          id,
          result: { content: [{ type: 'text', text: JSON.stringify(out, null, 2) }], structuredContent: Array.isArray(out) ? { items: out } : out },
        });
      } catch (err) {
        return send({ id, result: { content: [{ type: 'text', text: err.message }], isError: true } });
      }
    }
    default:
      return send({ id, error: { code: -32601, message: `method not found: ${method}` } });
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return send({ id: null, error: { code: -32700, message: 'parse error' } });
  }
  handle(msg);
});
process.stdin.on('end', () => process.exit(0));
