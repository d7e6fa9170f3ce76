import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Usage, type Model, type ModelRequest, type ModelResponse, type StreamEvent } from '@openai/agents';
import { describe, expect, test } from 'vitest';
import { Cassette, CassetteMiss, normalizeForKey, requestKey } from '../../src/model/cassette.ts';
import { tmp } from '../helpers/fixtures.ts';

function request(input: string, over: Partial<ModelRequest> = {}): ModelRequest {
  return {
    systemInstructions: 'You are the worker.',
    input: [{ type: 'message', role: 'user', content: input }],
    modelSettings: {},
    tools: [],
    outputType: 'text',
    handoffs: [],
    tracing: false,
    ...over,
  } as ModelRequest;
}

/** A model that answers with a counter, so every live call is visible. */
function liveModel() {
  let calls = 0;
  const model: Model = {
    async getResponse(req: ModelRequest): Promise<ModelResponse> {
      calls++;
      if (JSON.stringify(req.input).includes('explode')) throw new Error('HTTP 500 from the model');
      return {
        usage: new Usage({ requests: 1, inputTokens: 10 * calls, outputTokens: 3 }),
        output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `answer ${calls}` }] }],
        responseId: `resp_${calls}`,
      } as ModelResponse;
    },
    async *getStreamedResponse(): AsyncIterable<StreamEvent> {
      calls++;
      yield { type: 'response_started' } as StreamEvent;
      yield { type: 'output_text_delta', delta: 'hi' } as StreamEvent;
    },
  };
  return { model, calls: () => calls };
}

const text = (r: ModelResponse) => JSON.stringify(r.output);

describe('cassette keys', () => {
  test('what varies between runs of a trial is normalised away: work folders, wall times, clock times', () => {
    expect(normalizeForKey('cwd /tmp/bench-4242-20261121-pr/wt/t1 and /tmp/bench-77-other/wt/t1')).toBe('cwd /tmp/bench-WORK/wt/t1 and /tmp/bench-WORK/wt/t1');
    expect(normalizeForKey('Exit code: 0\nWall time: 0.3 seconds\n# duration_ms 12.5\nok 1 (4.2ms)')).toBe(
      'Exit code: 0\nWall time: <t>\n# duration_ms <t>\nok 1 (<t>)',
    );
    expect(normalizeForKey('at 2026-11-21T10:11:12.123Z')).toBe('at <time>');
    expect(normalizeForKey('exit 1, 3 tests failed')).toBe('exit 1, 3 tests failed');
  });

  test('the key follows the content the model sees, not transport', () => {
    const a = requestKey('worker', 'sim', false, request('Output: Wall time: 1.0 seconds'));
    expect(requestKey('worker', 'sim', false, request('Output: Wall time: 2.7 seconds', { signal: new AbortController().signal }))).toBe(a);
    expect(requestKey('worker', 'sim', false, request('Output: exit 1'))).not.toBe(a);
    expect(requestKey('reviewer', 'sim', false, request('Output: Wall time: 1.0 seconds'))).not.toBe(a);
    expect(requestKey('worker', 'sim', true, request('Output: Wall time: 1.0 seconds'))).not.toBe(a);
  });
});

describe('record, then replay without a model', () => {
  test('responses come back in order per request, errors included; a miss names the trial and request', async () => {
    const dir = tmp('bench-cassette-');
    const live = liveModel();
    const rec = Cassette.record(dir);
    rec.writeMeta({
      schema: 1,
      created_at: 'now',
      run_id: 'r1',
      suite: { name: 's', digest: 'd' },
      model: { backend: 'openai', name: 'gpt-x', base_url: null, api: 'responses', simulated: false, sim_profile: null },
    });
    const m = rec.wrap('task__wf__r0', 'worker', 'gpt-x', live.model);
    const first = await m.getResponse(request('same question'));
    const second = await m.getResponse(request('same question'));
    await expect(m.getResponse(request('explode'))).rejects.toThrow('HTTP 500');
    const streamed: StreamEvent[] = [];
    for await (const ev of m.getStreamedResponse(request('stream it'))) streamed.push(ev);
    expect(live.calls()).toBe(4);
    expect(readFileSync(join(dir, 'task__wf__r0.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);

    const play = Cassette.replay(dir);
    expect(play.meta!.model.name).toBe('gpt-x');
    const r = play.wrap('task__wf__r0', 'worker', 'gpt-x', null);
    const again1 = await r.getResponse(request('same question'));
    const again2 = await r.getResponse(request('same question'));
    expect([text(again1), text(again2)]).toEqual([text(first), text(second)]);
    expect(again1.usage).toBeInstanceOf(Usage);
    expect(again2.usage.inputTokens).toBe(20);
    await expect(r.getResponse(request('explode'))).rejects.toThrow('HTTP 500 from the model');
    const replayed: StreamEvent[] = [];
    for await (const ev of r.getStreamedResponse(request('stream it'))) replayed.push(ev);
    expect(replayed).toEqual(streamed);
    expect(live.calls()).toBe(4); // nothing live

    const miss = r.getResponse(request('same question'));
    await expect(miss).rejects.toBeInstanceOf(CassetteMiss);
    await expect(r.getResponse(request('a new question'))).rejects.toThrow(
      /trial task__wf__r0, role worker, request #6 \(key [0-9a-f]{12}, last input: .*a new question/,
    );
    await expect(play.wrap('other__wf__r0', 'worker', 'gpt-x', null).getResponse(request('x'))).rejects.toThrow(/other__wf__r0\.jsonl does not exist/);
  });

  test('a folder without cassette.json is refused with the flag and the fix', () => {
    expect(() => Cassette.replay(tmp())).toThrow(/not a cassette folder/);
  });
});
