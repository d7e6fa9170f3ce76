// Traces out: each finished trial becomes one OpenTelemetry trace, built from what bench recorded (the
// trial's record and its event log, with their own start times and durations) and sent over OTLP/HTTP
// (JSON) to the collector the user named. Nothing raw leaves: tool inputs and outputs go as sizes, and
// every text passes the run's Redactor. A collector that cannot be reached costs a warning, never the run.
import { readFileSync } from 'node:fs';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { OtelTarget } from './otelTarget.ts';
import type { Redactor } from './redact.ts';
import { TrialEvent, type TrialRecord } from './schema.ts';

/** Passes the exporter's results on, saying once (not per batch) that the collector could not be reached. */
class WarnOnFailure implements SpanExporter {
  private warned = false;
  private readonly inner: SpanExporter;
  private readonly warn: (message: string) => void;
  private readonly url: string;

  constructor(inner: SpanExporter, url: string, warn: (message: string) => void) {
    this.inner = inner;
    this.url = url;
    this.warn = warn;
  }

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans, (result) => {
      if (result.code !== 0) this.failed(result.error?.message ?? 'export failed');
      done(result);
    });
  }

  failed(why: string): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(`could not export traces to ${this.url}: ${why} (the run goes on; its results are on disk)`);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export interface TrialTracesOptions {
  target: OtelTarget;
  redactor: Redactor;
  /** What answered the model calls (gen_ai.provider.name): openai, or bench.sim for the simulated model. */
  provider: string;
  warn: (message: string) => void;
  version?: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One trace per trial, sent in batches; `close()` sends what is left. */
export class TrialTraces {
  private readonly provider: TracerProvider;
  private readonly exporter: WarnOnFailure;
  private readonly tracer: Tracer;
  private readonly opts: TrialTracesOptions;

  constructor(opts: TrialTracesOptions) {
    this.opts = opts;
    // Bench's own provider, never the global one: the user's OpenTelemetry setup (if any) stays theirs.
    const otlp = new OTLPTraceExporter({ url: opts.target.url, headers: opts.target.headers, timeoutMillis: 5000 });
    this.exporter = new WarnOnFailure(otlp as unknown as SpanExporter, opts.target.url, opts.warn);
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'bench', ...(opts.version ? { [ATTR_SERVICE_VERSION]: opts.version } : {}) }),
      spanProcessors: [new BatchSpanProcessor({ exporter: this.exporter, scheduledDelayMillis: 1000 })],
    });
    this.tracer = this.provider.getTracer('bench', opts.version);
  }

  /** The trial's trace, from its record and the events in its folder's events.jsonl. */
  trialFromFile(record: TrialRecord, eventsFile: string): void {
    let events: TrialEvent[] = [];
    try {
      events = readFileSync(eventsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => {
          // A line cut short (a killed write) is skipped, not the whole log.
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            return [];
          }
          const parsed = TrialEvent.safeParse(value);
          return parsed.success ? [parsed.data] : [];
        });
    } catch {
      // A trial without readable events still gets its root span.
    }
    try {
      this.trial(record, events);
    } catch (err) {
      // Telemetry never costs a run: a trial whose trace cannot be built is said, and skipped.
      this.opts.warn(`no trace for trial ${record.trial_id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Emits the trial's spans: root, roles, model calls, tool calls, control decisions, hook runs. */
  trial(record: TrialRecord, events: readonly TrialEvent[]): void {
    const red = (s: string) => this.opts.redactor.text(s);
    const t0 = Date.parse(record.started_at);
    const at = (t: number) => new Date(t0 + t);
    const end = Date.parse(record.ended_at);
    const resolved = record.quality.resolved;
    const root = this.tracer.startSpan(
      `trial ${record.task_id} · ${record.workflow}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: new Date(t0),
        attributes: {
          'bench.run.id': record.run_id,
          'bench.trial.id': record.trial_id,
          'bench.task.id': record.task_id,
          'bench.task.kind': record.kind,
          'bench.suite': record.suite,
          'bench.workflow': record.workflow,
          'bench.engine': record.engine,
          'bench.repeat': record.repeat,
          'bench.seed': record.seed,
          'bench.status': record.status,
          'bench.verdict': record.status !== 'ok' ? record.status : resolved === true ? 'resolved' : resolved === false ? 'unresolved' : 'not_judged',
          ...(resolved === null ? {} : { 'bench.resolved': resolved }),
          'bench.accepted': record.quality.accepted,
          ...(record.review.verdict ? { 'bench.review.verdict': record.review.verdict } : {}),
          ...(record.cost_usd === null ? {} : { 'bench.cost_usd': record.cost_usd }),
          'gen_ai.usage.input_tokens': record.tokens.input,
          'gen_ai.usage.output_tokens': record.tokens.output,
          'bench.control.denied_calls': record.control.denied_calls,
          'bench.control.blocked_network': record.control.blocked_network,
        },
      },
      ROOT_CONTEXT,
    );
    if (record.error) root.setStatus({ code: SpanStatusCode.ERROR, message: red(`${record.error.stage}: ${record.error.message}`) });
    const under = (parent: Span) => trace.setSpan(ROOT_CONTEXT, parent);

    // Role spans: the entry agent's run (agent start/end) and every role call (subagent start/end, by call id).
    type RoleSpan = { role: string; start: number; end: number; span: Span; callId: string | null; agentId: string | null };
    const roles: RoleSpan[] = [];
    const lastT = events.reduce((m, e) => Math.max(m, e.t), 0);
    const entryStart = events.find((e) => e.type === 'agent' && e.state === 'start');
    const entryEnd = events.findLast((e) => e.type === 'agent' && e.state === 'end');
    let entry: RoleSpan | null = null;
    if (entryStart?.role) {
      const endT = entryEnd?.t ?? lastT;
      const span = this.tracer.startSpan(
        `invoke_agent ${entryStart.role}`,
        {
          startTime: at(entryStart.t),
          attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': entryStart.role, 'bench.role': entryStart.role },
        },
        under(root),
      );
      entry = { role: entryStart.role, start: entryStart.t, end: endT, span, callId: null, agentId: null };
      roles.push(entry);
    }
    for (const s of events.filter((e) => e.type === 'subagent' && e.state === 'start' && e.role)) {
      const endEv = events.find((e) => e.type === 'subagent' && e.call_id === s.call_id && e.t >= s.t && e.state !== 'start');
      const span = this.tracer.startSpan(
        `invoke_agent ${s.role}`,
        {
          startTime: at(s.t),
          attributes: {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.name': s.role!,
            'bench.role': s.role!,
            ...(str(s.call_id) ? { 'bench.role.call_id': str(s.call_id) } : {}),
            ...(num(s.depth) !== undefined ? { 'bench.role.depth': num(s.depth) } : {}),
            ...(str(endEv?.state) ? { 'bench.role.end': str(endEv?.state) } : {}),
          },
        },
        under(entry?.span ?? root),
      );
      roles.push({ role: s.role!, start: s.t, end: endEv?.t ?? lastT, span, callId: str(s.call_id) ?? null, agentId: str(s.agent) ?? null });
    }
    // The innermost run of the event's role around its time (a role called twice has two spans).
    const roleOf = (e: TrialEvent): Span => {
      const byAgent = str(e.agent) && roles.find((r) => r.agentId === e.agent);
      if (byAgent) return byAgent.span;
      const fits = roles.filter((r) => r.role === e.role && r.start <= e.t && e.t <= r.end + 1);
      return (fits.at(-1) ?? roles.findLast((r) => r.role === e.role) ?? entry)?.span ?? root;
    };

    // Model calls: the event is written when the response is complete, after `ms` of waiting.
    for (const e of events.filter((x) => x.type === 'model')) {
      const ms = num(e.ms) ?? 0;
      const model = str(e.model) ?? 'unknown';
      const span = this.tracer.startSpan(
        `chat ${model}`,
        {
          kind: SpanKind.CLIENT,
          startTime: at(Math.max(0, e.t - ms)),
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': this.opts.provider,
            'gen_ai.system': this.opts.provider,
            'gen_ai.request.model': model,
            'gen_ai.response.model': model,
            'gen_ai.usage.input_tokens': num(e.input) ?? 0,
            'gen_ai.usage.output_tokens': num(e.output) ?? 0,
            'gen_ai.usage.cache_read.input_tokens': num(e.cached_input) ?? 0,
            'gen_ai.usage.reasoning.output_tokens': num(e.reasoning) ?? 0,
            ...(e.role ? { 'bench.role': e.role } : {}),
          },
        },
        under(roleOf(e)),
      );
      span.end(at(e.t));
    }

    // Tool calls: from the call to its result; what went in and came out only as sizes.
    const toolSpans = new Map<string, Span>();
    const results = new Map(events.filter((x) => x.type === 'tool_result' && str(x.call_id)).map((x) => [String(x.call_id), x]));
    for (const c of events.filter((x) => x.type === 'tool_call')) {
      const callId = str(c.call_id) ?? '';
      const tool = str(c.tool) ?? 'unknown';
      const r = results.get(callId);
      const attrs: Attributes = {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': tool,
        'gen_ai.tool.call.id': callId,
        'bench.tool.input.size': (str(c.input) ?? '').length,
        ...(c.role ? { 'bench.role': c.role } : {}),
        ...(c.test === true ? { 'bench.tool.test': true } : {}),
        ...(str((c.mcp as Record<string, unknown> | undefined)?.server) ? { 'bench.tool.mcp.server': str((c.mcp as Record<string, unknown>).server) } : {}),
      };
      if (r) {
        attrs['bench.tool.ok'] = r.ok === true;
        if (r.denied === true) attrs['bench.tool.denied'] = true;
        if (str(r.stage)) attrs['bench.tool.denied_by'] = str(r.stage);
        if (num(r.exit_code) !== undefined) attrs['bench.tool.exit_code'] = num(r.exit_code);
        const out = str(r.output) ?? str(r.stdout);
        if (out !== undefined) attrs['bench.tool.output.size'] = out.length;
        for (const k of ['bytes', 'entries', 'matches', 'lines'] as const) if (num(r[k]) !== undefined) attrs[`bench.tool.output.${k}`] = num(r[k]);
      }
      const span = this.tracer.startSpan(`execute_tool ${tool}`, { startTime: at(c.t), attributes: attrs }, under(roleOf(c)));
      if (r && r.ok !== true && r.denied !== true && str(r.error)) span.setStatus({ code: SpanStatusCode.ERROR, message: red(String(r.error)) });
      span.end(at(r ? Math.max(r.t, c.t) : c.t));
      if (callId) toolSpans.set(callId, span);
    }
    const nearest = (e: TrialEvent): Span => (str(e.call_id) && toolSpans.get(String(e.call_id))) || roleOf(e);

    // Control decisions: what was asked, decided and why, at the moment it was decided.
    for (const e of events.filter((x) => x.type === 'decision' || x.type === 'approval' || x.type === 'network')) {
      const what =
        e.type === 'decision'
          ? `${str(e.stage) ?? 'policy'} ${str(e.verdict) ?? ''}`
          : e.type === 'approval'
            ? `approval ${str(e.state) ?? ''}`
            : `network ${str(e.verdict) ?? ''}`;
      const attrs: Attributes = {
        'bench.control.kind': e.type,
        ...(e.role ? { 'bench.role': e.role } : {}),
        ...(str(e.tool) ? { 'gen_ai.tool.name': str(e.tool) } : {}),
        ...(str(e.call_id) ? { 'gen_ai.tool.call.id': str(e.call_id) } : {}),
      };
      for (const k of ['stage', 'verdict', 'class', 'state', 'by', 'source'] as const) if (str(e[k])) attrs[`bench.control.${k}`] = str(e[k]);
      if (num(e.wait_ms) !== undefined) attrs['bench.control.wait_ms'] = num(e.wait_ms);
      for (const k of ['reason', 'message', 'command'] as const) if (str(e[k])) attrs[`bench.control.${k}`] = red(String(e[k]));
      const span = this.tracer.startSpan(`control ${what.trim()}`, { startTime: at(e.t), attributes: attrs }, under(nearest(e)));
      span.end(at(e.t));
    }

    // Hook runs: written when the handler is done, after `ms`.
    for (const e of events.filter((x) => x.type === 'hook')) {
      const ms = num(e.ms) ?? 0;
      const attrs: Attributes = {
        'bench.hook.event': str(e.event) ?? '',
        'bench.hook.ms': ms,
        'bench.hook.outcome': str(e.outcome) ?? '',
        ...(num(e.exit_code) !== undefined ? { 'bench.hook.exit_code': num(e.exit_code) } : {}),
        ...(str(e.key) ? { 'bench.hook.key': red(String(e.key)) } : {}),
        ...(str(e.reason) ? { 'bench.hook.reason': red(String(e.reason)) } : {}),
        ...(str(e.failure) ? { 'bench.hook.failure': red(String(e.failure)) } : {}),
        ...(e.role ? { 'bench.role': e.role } : {}),
      };
      const span = this.tracer.startSpan(`hook ${str(e.event) ?? ''}`.trim(), { startTime: at(Math.max(0, e.t - ms)), attributes: attrs }, under(nearest(e)));
      if (str(e.outcome) === 'failure') span.setStatus({ code: SpanStatusCode.ERROR, message: red(str(e.failure) ?? 'hook failure') });
      span.end(at(e.t));
    }

    for (const r of roles.reverse()) r.span.end(at(r.end));
    root.end(new Date(Math.max(end, t0)));
  }

  /** Sends what is queued and stops; a collector that does not answer is waited for at most a few seconds. */
  async close(): Promise<void> {
    try {
      await this.provider.shutdown();
    } catch (err) {
      this.exporter.failed(err instanceof Error ? err.message : String(err));
    }
  }
}
