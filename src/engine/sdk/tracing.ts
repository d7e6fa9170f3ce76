// Spans from the Agents SDK, kept local: a trace processor that replaces the SDK's OpenAI exporter
// (which would POST traces to api.openai.com) and routes each span to its trial's event log.
import { setTraceProcessors, type TracingProcessor } from '@openai/agents';
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

export class TraceRouter implements TracingProcessor {
  private readonly logs = new Map<string, EventLog>();

  register(traceId: string, log: EventLog): () => void {
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

// The SDK's trace processors are process-global; so is the one router bench installs into them.
let installed: TraceRouter | null = null;

export function traceRouter(): TraceRouter {
  if (!installed) {
    installed = new TraceRouter();
    setTraceProcessors([installed]);
  }
  return installed;
}
