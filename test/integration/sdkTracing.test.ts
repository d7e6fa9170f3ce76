// bench's trace router joins the Agents SDK's processors instead of replacing them: a processor a user
// added keeps receiving every span, and the SDK's OpenAI exporter sends nothing unless asked.
import { Agent, addTraceProcessor, getGlobalTraceProvider, OpenAITracingExporter, Runner, setTracingDisabled, type TracingProcessor } from '@openai/agents';
import { assistantMessage, ScriptedModel } from '@openai/agents/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { holdOpenAITraceExport, TraceRouter } from '../../src/engine/sdk/tracing.ts';
import { EventLog } from '../../src/record/events.ts';
import { Collector } from '../helpers/collector.ts';

// Vitest sets NODE_ENV=test, under which the SDK traces nothing.
setTracingDisabled(false);
afterAll(() => setTracingDisabled(true));

/** A trace item as the exporter gets it (only toJSON is read). */
const item = { toJSON: () => ({ object: 'trace', id: 'trace_x', workflow_name: 'w' }) } as never;

describe('the SDK trace processors', () => {
  test("a user's own processor still receives the spans of bench's runs, and bench's log gets them too", async () => {
    const theirs: Array<{ traceId: string; type: unknown }> = [];
    const user: TracingProcessor = {
      async onTraceStart() {},
      async onTraceEnd() {},
      async onSpanStart() {},
      async onSpanEnd(span) {
        theirs.push({ traceId: span.traceId, type: span.spanData.type });
      },
      async shutdown() {},
      async forceFlush() {},
    };
    addTraceProcessor(user);
    // (Asked to leave the OpenAI exporter alone here: the next test holds it itself.)
    const router = new TraceRouter({ BENCH_OPENAI_TRACING: '1' });
    const log = new EventLog(null);
    const traceId = `trace_${'ab'.repeat(16)}`;
    const unregister = router.register(traceId, log);
    // Registering again (another trial) does not add the router twice: each span is logged once.
    const other = router.register(`trace_${'cd'.repeat(16)}`, new EventLog(null));
    const runner = new Runner({ workflowName: 'bench test', traceId, traceIncludeSensitiveData: false });
    await runner.run(new Agent({ name: 'lead', model: new ScriptedModel([[assistantMessage('done')]]) }), 'hi');
    await getGlobalTraceProvider().forceFlush();
    unregister();
    other();

    const mine = log.of('span');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.some((e) => e.span_type === 'agent' && e.name === 'lead')).toBe(true);
    expect(new Set(mine.map((e) => e.span_id)).size).toBe(mine.length);
    const seen = theirs.filter((s) => s.traceId === traceId);
    expect(seen.length).toBe(mine.length);
    expect(seen.map((s) => s.type)).toEqual(mine.map((e) => e.span_type));
  });

  test('the OpenAI exporter sends nothing once bench holds it; BENCH_OPENAI_TRACING=1 leaves it alone', async () => {
    const collector = new Collector();
    const url = await collector.start();
    try {
      // Asked for: the exporter is left as the SDK made it, and really posts (so the check below means something).
      expect(holdOpenAITraceExport({ BENCH_OPENAI_TRACING: '1' })).toBe(false);
      await new OpenAITracingExporter({ apiKey: 'sk-test', endpoint: `${url}/v1/traces/ingest`, maxRetries: 1 }).export([item]);
      expect(collector.requests).toHaveLength(1);
      // Not asked for: held, even with a key at hand; holding twice is harmless.
      expect(holdOpenAITraceExport({ OPENAI_API_KEY: 'sk-test' })).toBe(true);
      expect(holdOpenAITraceExport({})).toBe(true);
      await new OpenAITracingExporter({ apiKey: 'sk-test', endpoint: `${url}/v1/traces/ingest`, maxRetries: 1 }).export([item]);
      expect(collector.requests).toHaveLength(1);
    } finally {
      await collector.close();
    }
  });
});
