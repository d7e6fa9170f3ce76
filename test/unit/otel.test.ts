// The OTLP export's settings (flag and standard variables) and what one trial's trace holds, sent to a
// collector on loopback: times from the event log, parents, and text passed through the Redactor.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { TrialTraces } from '../../src/record/otel.ts';
import { formatOtlpHeaders, otelSecrets, otelTarget, parseOtlpHeaders } from '../../src/record/otelTarget.ts';
import { Redactor } from '../../src/record/redact.ts';
import type { TrialEvent } from '../../src/record/schema.ts';
import { Collector } from '../helpers/collector.ts';
import { tmp } from '../helpers/fixtures.ts';
import { sampleRecord } from '../helpers/records.ts';

describe('otelTarget', () => {
  test('nothing set: no export', () => {
    expect(otelTarget(undefined, {})).toBeNull();
  });

  test('the flag is a base URL, like OTEL_EXPORTER_OTLP_ENDPOINT: the traces path is added once', () => {
    expect(otelTarget('http://127.0.0.1:4318', {})).toEqual({ url: 'http://127.0.0.1:4318/v1/traces', headers: {}, source: '--otel-endpoint' });
    expect(otelTarget('http://collector:4318/', {})!.url).toBe('http://collector:4318/v1/traces');
    expect(otelTarget('http://collector:4318/v1/traces', {})!.url).toBe('http://collector:4318/v1/traces');
    // The flag wins over the variables.
    expect(otelTarget('http://a:1', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:2/x' })!.url).toBe('http://a:1/v1/traces');
  });

  test('the traces-specific variable is used as given and wins over the general one', () => {
    expect(otelTarget(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example:4318' })).toMatchObject({
      url: 'https://otel.example:4318/v1/traces',
      source: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    });
    expect(
      otelTarget(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/ingest' }),
    ).toMatchObject({ url: 'https://t.example/ingest', source: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' });
  });

  test('headers as the specification writes them: comma-separated, percent-decoded, traces-specific ones win', () => {
    expect(parseOtlpHeaders('api-key=a%20b%3Dc, x-tenant = one', 'H')).toEqual({ 'api-key': 'a b=c', 'x-tenant': 'one' });
    const t = otelTarget('http://c:1', { OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3' })!;
    expect(t.headers).toEqual({ a: '1', b: '3' });
    // Written back for another program (Codex) in the same form, values encoded.
    expect(parseOtlpHeaders(formatOtlpHeaders({ 'api-key': 'a b=c,d', x: '1' }), 'H')).toEqual({ 'api-key': 'a b=c,d', x: '1' });
    expect(otelSecrets(t)).toEqual([
      { name: 'OTLP header a', value: '1' },
      { name: 'OTLP header b', value: '3' },
    ]);
  });

  test('bad input names the flag or variable and the fix', () => {
    expect(() => otelTarget('not a url', {})).toThrow(InputError);
    expect(() => otelTarget('ftp://c:21', {})).toThrow(/not an http\(s\) URL/);
    expect(() => otelTarget(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toThrow(/not an http\(s\) URL|not a URL/);
    expect(() => otelTarget('http://c:1', { OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toThrow(InputError);
    try {
      otelTarget(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '::' });
    } catch (e) {
      expect((e as InputError).field).toBe('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    }
  });
});

describe('TrialTraces', () => {
  test('one trial: spans at the recorded times, each under its role or tool call, text redacted', async () => {
    const SECRET = 'sk-live-7d1e2f3a4b5c6d7e8f90';
    const collector = new Collector();
    const url = await collector.start();
    const warnings: string[] = [];
    const traces = new TrialTraces({
      target: { url: `${url}/v1/traces`, headers: {}, source: 'test' },
      redactor: new Redactor([{ name: 'MY_KEY', value: SECRET }]),
      provider: 'openai',
      warn: (m) => warnings.push(m),
    });
    const record = sampleRecord({ trial_id: 't__wf__r0', started_at: '2026-01-01T00:00:00.000Z', ended_at: '2026-01-01T00:00:10.000Z' });
    const events: TrialEvent[] = [
      { t: 10, type: 'agent', role: 'lead', state: 'start' },
      { t: 300, type: 'model', role: 'lead', model: 'gpt-x', ms: 250, input: 100, cached_input: 40, output: 20, reasoning: 5 },
      { t: 400, type: 'subagent', role: 'helper', call_id: 'c1', state: 'start', agent: 'helper-c1' },
      { t: 500, type: 'tool_call', role: 'helper', call_id: 'k1', tool: 'exec_command', input: `{"cmd":"curl -H ${SECRET} x"}`, agent: 'helper-c1' },
      { t: 520, type: 'hook', role: 'helper', call_id: 'k1', event: 'PreToolUse', ms: 15, exit_code: 2, outcome: 'block', reason: `no: ${SECRET}` },
      {
        t: 521,
        type: 'decision',
        role: 'helper',
        call_id: 'k1',
        tool: 'exec_command',
        stage: 'hook',
        class: 'network',
        verdict: 'deny',
        reason: `blocked ${SECRET}`,
      },
      { t: 522, type: 'tool_result', role: 'helper', call_id: 'k1', tool: 'exec_command', ok: false, denied: true, stage: 'hook', ms: 0 },
      { t: 900, type: 'subagent', role: 'helper', call_id: 'c1', state: 'end' },
      { t: 1000, type: 'agent', role: 'lead', state: 'end' },
    ];
    traces.trial(record, events);
    await traces.close();
    await collector.close();
    expect(warnings).toEqual([]);

    const spans = collector.spans();
    const body = collector.requests.map((r) => r.body).join('');
    expect(body).not.toContain(SECRET);
    expect(body).toContain('[redacted:MY_KEY]');
    const named = (n: string) => spans.find((s) => s.name === n)!;
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    const root = named('trial task · broad');
    expect(root).toBeDefined();
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const lead = named('invoke_agent lead');
    const helper = named('invoke_agent helper');
    const chat = named('chat gpt-x');
    const tool = named('execute_tool exec_command');
    const hook = named('hook PreToolUse');
    const control = named('control hook deny');
    expect(lead.parentSpanId).toBe(root.spanId);
    expect(helper.parentSpanId).toBe(lead.spanId);
    expect(chat.parentSpanId).toBe(lead.spanId);
    expect(tool.parentSpanId).toBe(helper.spanId);
    expect(hook.parentSpanId).toBe(tool.spanId);
    expect(control.parentSpanId).toBe(tool.spanId);
    // Times: a model event is written when the response is complete, `ms` after the request.
    expect([chat.start - t0, chat.end - t0]).toEqual([50, 300]);
    expect([helper.start - t0, helper.end - t0]).toEqual([400, 900]);
    expect([hook.start - t0, hook.end - t0]).toEqual([505, 520]);
    expect(chat.attrs).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-x',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.cache_read.input_tokens': 40,
    });
    expect(tool.attrs).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'exec_command',
      'gen_ai.tool.call.id': 'k1',
      'bench.tool.denied': true,
      'bench.tool.input.size': events[3]!.input!.toString().length,
    });
    expect(control.attrs).toMatchObject({
      'bench.control.stage': 'hook',
      'bench.control.class': 'network',
      'bench.control.reason': 'blocked [redacted:MY_KEY]',
    });
    expect(hook.attrs).toMatchObject({ 'bench.hook.event': 'PreToolUse', 'bench.hook.exit_code': 2, 'bench.hook.outcome': 'block' });
  });

  test('from a trial folder: a line cut short (a killed write) is skipped, the rest exported', async () => {
    const collector = new Collector();
    const url = await collector.start();
    const file = join(tmp(), 'events.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ t: 1, type: 'agent', role: 'lead', state: 'start' }),
        JSON.stringify({ t: 90, type: 'model', role: 'lead', model: 'm', ms: 40, input: 7, output: 3 }),
        '{"t": 95, "type": "tool_ca',
      ].join('\n'),
    );
    const traces = new TrialTraces({
      target: { url: `${url}/v1/traces`, headers: {}, source: 'test' },
      redactor: Redactor.none,
      provider: 'openai',
      warn: () => {},
    });
    traces.trialFromFile(sampleRecord(), file);
    await traces.close();
    await collector.close();
    expect(
      collector
        .spans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['chat m', 'invoke_agent lead', 'trial task · broad']);
  });
});
