// Spans from the Agents SDK, kept local: a trace processor that routes each span to its trial's event
// log. It is added to the SDK's processors (users' own processors keep receiving every span), and the
// SDK's OpenAI exporter, which the SDK installs when it is imported and which would POST bench's traces
// to api.openai.com whenever OPENAI_API_KEY is set, is held back unless BENCH_OPENAI_TRACING=1 asks for it.
import { addTraceProcessor, OpenAITracingExporter, type TracingProcessor } from '@openai/agents';
import type { EventLog } from '../../record/events.ts';

type SpanLike = {
  traceId: string;
  spanId: string;
  parentId: string | null;
  spanData: Record<string, unknown>;
  startedAt: string | null;
  endedAt: string | null;
  error: unknown;
};

/** Marks the SDK's OpenAI exporter class as held back (the mark makes holding it idempotent). */
const HELD = Symbol.for('bench.openaiTracingHeld');

/**
 * Keeps the SDK's OpenAI exporter from sending anything: the SDK gives no way to remove the processor it
 * installed without also removing the ones users added (setTraceProcessors replaces them all), and
 * without a key the exporter prints an error for every batch; so its export does nothing instead.
 * Sending to OpenAI stays the user's choice: BENCH_OPENAI_TRACING=1 leaves the exporter as the SDK made it.
 */
export function holdOpenAITraceExport(env: NodeJS.ProcessEnv): boolean {
  if (env.BENCH_OPENAI_TRACING === '1') return false;
  const proto = OpenAITracingExporter.prototype as unknown as Record<PropertyKey, unknown>;
  if (!proto[HELD]) {
    Object.defineProperty(proto, HELD, { value: true });
    proto.export = async () => {};
  }
  return true;
}

/**
 * One per process (replay makes it and passes it down to every trial's engine): it joins the SDK's
 * processors the first time a trial registers, and each trial's spans go to that trial's log.
 */
export class TraceRouter implements TracingProcessor {
  private readonly logs = new Map<string, EventLog>();
  private added = false;
  private readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.env = env;
  }

  register(traceId: string, log: EventLog): () => void {
    if (!this.added) {
      this.added = true;
      holdOpenAITraceExport(this.env);
      addTraceProcessor(this);
    }
    this.logs.set(traceId, log);
    return () => this.logs.delete(traceId);
  }

  async onTraceStart(): Promise<void> {}
  async onTraceEnd(): Promise<void> {}
  async onSpanStart(): Promise<void> {}
  async onSpanEnd(span: unknown): Promise<void> {
    const s = span as SpanLike;
    const log = this.logs.get(s.traceId);
    if (!log) return;
    const d = s.spanData;
    const ms = s.startedAt && s.endedAt ? Date.parse(s.endedAt) - Date.parse(s.startedAt) : null;
    log.emit('span', {
      span_type: d.type,
      name: d.name ?? d.agent_name ?? d.to_agent ?? null,
      span_id: s.spanId,
      parent_id: s.parentId,
      ms,
      ...(d.type === 'turn' && d.usage ? { usage: d.usage } : {}),
      ...(s.error ? { error: String((s.error as { message?: string }).message ?? s.error) } : {}),
    });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}
