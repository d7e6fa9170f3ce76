// One neutral shape for a model request and reply, with converters from and to the three forms bench
// meets: the Agents SDK's ModelRequest/ModelResponse (in process), the Responses API and the Chat
// Completions API (on the wire). The simulated model reasons over this shape only, so it behaves the
// same whichever way it is reached.

export type ConvItem =
  | { kind: 'message'; role: 'system' | 'developer' | 'user' | 'assistant'; text: string }
  | { kind: 'call'; callId: string; name: string; args: string; namespace?: string; freeform?: boolean }
  | { kind: 'result'; callId: string; output: string };

export interface ToolInfo {
  name: string;
  description: string;
  /** A freeform (custom) tool takes raw text rather than JSON arguments (Codex's apply_patch). */
  freeform?: boolean;
  namespace?: string;
  /** JSON Schema of its arguments (Responses API requests). */
  parameters?: Record<string, unknown>;
}

export interface Conversation {
  model: string;
  instructions: string;
  items: ConvItem[];
  tools: ToolInfo[];
  /** JSON Schema of a structured final answer, when one is requested. */
  outputSchema: Record<string, unknown> | null;
  reasoningEffort: string | null;
}

export type ReplyItem =
  { kind: 'message'; text: string } | { kind: 'call'; callId: string; name: string; args: string; namespace?: string; freeform?: boolean };

export interface ReplyUsage {
  input: number;
  cached_input: number;
  output: number;
  reasoning: number;
}

export interface Reply {
  items: ReplyItem[];
  usage: ReplyUsage;
}

type Json = Record<string, unknown>;

/**
 * What a request tells the model, as text: the instructions, the messages it is given and every tool's
 * output (not what the model itself said or asked for earlier: that came from it). What the leak scanner reads.
 */
export function toldText(conv: Conversation): string {
  return [
    conv.instructions,
    ...conv.items.map((i) => (i.kind === 'message' ? (i.role === 'assistant' ? '' : i.text) : i.kind === 'result' ? i.output : '')),
  ].join('\n');
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        if (typeof part === 'string') return part;
        const p = part as Json;
        return typeof p.text === 'string' ? p.text : '';
      })
      .join('');
  }
  if (content && typeof content === 'object' && typeof (content as Json).text === 'string') return (content as Json).text as string;
  return content === undefined || content === null ? '' : JSON.stringify(content);
}

function asRole(r: unknown): 'system' | 'developer' | 'user' | 'assistant' {
  return r === 'system' || r === 'developer' || r === 'assistant' ? r : 'user';
}

// ---- Agents SDK (in process) ----

export interface SdkRequestLike {
  systemInstructions?: string;
  input: string | unknown[];
  tools: Array<{ type: string; name: string; description?: string }>;
  handoffs?: Array<{ toolName: string; toolDescription?: string }>;
  outputType: unknown;
  modelSettings?: { reasoning?: { effort?: string | null } | null };
}

export function fromSdkRequest(req: SdkRequestLike, model: string): Conversation {
  const items: ConvItem[] = [];
  const input = typeof req.input === 'string' ? [{ role: 'user', content: req.input }] : req.input;
  for (const raw of input) {
    const it = raw as Json;
    if (it.type === 'function_call') {
      items.push({
        kind: 'call',
        callId: String(it.callId),
        name: String(it.name),
        args: String(it.arguments ?? ''),
        namespace: it.namespace as string | undefined,
      });
    } else if (it.type === 'function_call_result') {
      items.push({ kind: 'result', callId: String(it.callId), output: textOf(it.output) });
    } else if (it.role !== undefined && (it.type === undefined || it.type === 'message')) {
      items.push({ kind: 'message', role: asRole(it.role), text: textOf(it.content) });
    }
  }
  const schema = req.outputType && typeof req.outputType === 'object' ? ((req.outputType as Json).schema as Json | undefined) : undefined;
  return {
    model,
    instructions: req.systemInstructions ?? '',
    items,
    tools: [
      ...req.tools.map((t) => ({ name: t.name, description: t.description ?? '' })),
      ...(req.handoffs ?? []).map((h) => ({ name: h.toolName, description: h.toolDescription ?? '' })),
    ],
    outputSchema: schema ?? null,
    reasoningEffort: req.modelSettings?.reasoning?.effort ?? null,
  };
}

// ---- Responses API (wire) ----

export function fromResponsesBody(body: Json): Conversation {
  const items: ConvItem[] = [];
  const input = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : ((body.input as Json[] | undefined) ?? []);
  for (const it of input) {
    switch (it.type) {
      case 'function_call':
        items.push({
          kind: 'call',
          callId: String(it.call_id),
          name: String(it.name),
          args: String(it.arguments ?? ''),
          namespace: it.namespace as string | undefined,
        });
        break;
      case 'custom_tool_call':
        items.push({ kind: 'call', callId: String(it.call_id), name: String(it.name), args: String(it.input ?? ''), freeform: true });
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        items.push({ kind: 'result', callId: String(it.call_id), output: textOf(it.output) });
        break;
      case 'message':
      case undefined:
        if (it.role !== undefined) items.push({ kind: 'message', role: asRole(it.role), text: textOf(it.content) });
        break;
      default:
        break; // reasoning and other items carry nothing the model needs to act on
    }
  }
  const tools: ToolInfo[] = [];
  const addTool = (t: Json, namespace?: string) => {
    if (t.type === 'namespace' && Array.isArray(t.tools)) {
      for (const inner of t.tools as Json[]) addTool(inner, String(t.name));
    } else if (typeof t.name === 'string') {
      tools.push({
        name: t.name,
        description: String(t.description ?? ''),
        freeform: t.type === 'custom',
        namespace,
        ...(t.parameters && typeof t.parameters === 'object' ? { parameters: t.parameters as Json } : {}),
      });
    }
  };
  for (const t of (body.tools as Json[] | undefined) ?? []) addTool(t);
  const format = ((body.text as Json | undefined)?.format as Json | undefined) ?? undefined;
  // Codex sends no `instructions`: its system text comes as developer messages, the role's own
  // instructions as plain parts and harness context (skills, permissions) as <tagged> parts.
  const developer = input
    .filter((it) => it.role === 'developer' || it.role === 'system')
    .flatMap((it) => (Array.isArray(it.content) ? (it.content as Json[]) : [{ text: it.content }]))
    .map((part) => textOf(part))
    .filter((text) => text.trim() && !text.trimStart().startsWith('<'));
  return {
    model: String(body.model ?? ''),
    instructions: typeof body.instructions === 'string' ? body.instructions : developer.join('\n\n'),
    items,
    tools,
    outputSchema: format?.type === 'json_schema' ? ((format.schema as Json) ?? null) : null,
    reasoningEffort: ((body.reasoning as Json | undefined)?.effort as string | undefined) ?? null,
  };
}

// ---- Chat Completions (wire) ----

export function fromChatBody(body: Json): Conversation {
  const items: ConvItem[] = [];
  const instructions: string[] = [];
  for (const m of (body.messages as Json[] | undefined) ?? []) {
    if (m.role === 'tool') {
      items.push({ kind: 'result', callId: String(m.tool_call_id), output: textOf(m.content) });
      continue;
    }
    if ((m.role === 'system' || m.role === 'developer') && !items.length) {
      instructions.push(textOf(m.content));
      continue;
    }
    const text = textOf(m.content);
    if (text) items.push({ kind: 'message', role: asRole(m.role), text });
    for (const call of (m.tool_calls as Json[] | undefined) ?? []) {
      const fn = call.function as Json;
      items.push({ kind: 'call', callId: String(call.id), name: String(fn.name), args: String(fn.arguments ?? '') });
    }
  }
  const fmt = body.response_format as Json | undefined;
  return {
    model: String(body.model ?? ''),
    instructions: instructions.join('\n\n'),
    items,
    tools: ((body.tools as Json[] | undefined) ?? []).map((t) => {
      const fn = (t.function ?? t) as Json;
      return { name: String(fn.name), description: String(fn.description ?? '') };
    }),
    outputSchema: fmt?.type === 'json_schema' ? (((fmt.json_schema as Json | undefined)?.schema as Json) ?? null) : null,
    reasoningEffort: (body.reasoning_effort as string | undefined) ?? null,
  };
}

/** The text of a conversation as a model would be billed for it (instructions, items, tool specs). */
export function promptParts(conv: Conversation): string[] {
  const parts = [conv.instructions];
  for (const t of conv.tools) parts.push(`${t.namespace ? `${t.namespace}.` : ''}${t.name}: ${t.description}`);
  if (conv.outputSchema) parts.push(JSON.stringify(conv.outputSchema));
  for (const it of conv.items) {
    if (it.kind === 'message') parts.push(`${it.role}: ${it.text}`);
    else if (it.kind === 'call') parts.push(`${it.name}(${it.args})`);
    else parts.push(it.output);
  }
  return parts;
}
