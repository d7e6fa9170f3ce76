// The trial clock and the simulated model's virtual latency: counted in every figure, not slept.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import type { Conversation } from '../../src/model/conversation.ts';
import type { SimOracle } from '../../src/model/sim/oracle.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { SimResponder } from '../../src/model/sim/respond.ts';
import { TrialClock } from '../../src/record/clock.ts';
import { EventLog } from '../../src/record/events.ts';

describe('TrialClock', () => {
  test('a counted wait moves the clock without time passing', () => {
    const clock = new TrialClock();
    const before = clock.elapsed();
    clock.advance(60_000);
    expect(clock.elapsed() - before).toBeGreaterThanOrEqual(60_000);
    expect(clock.elapsed() - before).toBeLessThan(61_000);
    expect(clock.virtualMs()).toBe(60_000);
  });

  test('branches run side by side cost the longer wait, branches in a row the sum', async () => {
    const clock = new TrialClock();
    await Promise.all([clock.fork(async () => clock.advance(2000)), clock.fork(async () => clock.advance(3000))]);
    const parallel = clock.elapsed();
    expect(parallel).toBeGreaterThanOrEqual(3000);
    expect(parallel).toBeLessThan(4000);
    await clock.fork(async () => clock.advance(1000));
    await clock.fork(async () => clock.advance(1000));
    expect(clock.elapsed()).toBeGreaterThanOrEqual(5000);
    expect(clock.elapsed()).toBeLessThan(6000);
    // Summed over branches: what was not slept.
    expect(clock.virtualMs()).toBe(7000);
  });

  test('a branch sees its own time: a wait in one is not seen by the other while both run', async () => {
    const clock = new TrialClock();
    let seenByB = 0;
    await Promise.all([
      clock.fork(async () => {
        clock.advance(5000);
        await sleep(5);
      }),
      clock.fork(async () => {
        await sleep(1);
        seenByB = clock.elapsed();
      }),
    ]);
    expect(seenByB).toBeLessThan(5000);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(5000);
  });

  test('the deadline is reached by counted time, not only by real time', () => {
    const clock = new TrialClock();
    let over = 0;
    clock.deadline(10_000, () => over++);
    clock.advance(4000);
    expect(over).toBe(0);
    clock.advance(7000);
    expect(over).toBe(1);
    clock.advance(7000);
    expect(over).toBe(1); // once
    clock.stop();
  });

  test('the deadline still fires on real time', async () => {
    const clock = new TrialClock();
    let over = false;
    clock.deadline(30, () => (over = true));
    await sleep(80);
    expect(over).toBe(true);
  });

  test('event times are read from the clock', () => {
    const clock = new TrialClock();
    const log = new EventLog(null, clock);
    const a = log.emit('x');
    clock.advance(1234);
    const b = log.emit('y');
    expect(b.t - a.t).toBeGreaterThanOrEqual(1234);
  });
});

const oracle: SimOracle = { taskId: 't', kind: 'pr', request: 'fix it', testCommand: 'npm test', outOfScope: [], changes: [] };
const conv: Conversation = {
  model: 'sim',
  instructions: 'You are a software engineer.',
  items: [{ kind: 'message', role: 'user', text: 'fix it' }],
  tools: [],
  outputSchema: null,
  reasoningEffort: null,
};

describe('the simulated model’s latency', () => {
  // A profile whose every reply takes over 16 minutes: the test times out if any of it is slept.
  const slow = { ttft_ms: 1_000_000, tokens_per_s: 400 };

  test('in process, by default, it is counted on the trial clock and not slept', async () => {
    const responder = new SimResponder(SimProfile.parse({ latency: slow }));
    const clock = new TrialClock();
    const started = performance.now();
    await responder.respond(conv, { oracle, seed: 1, clock });
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(clock.virtualMs()).toBeGreaterThanOrEqual(0.8 * 1_000_000);
    expect(clock.virtualMs()).toBeLessThanOrEqual(1.2 * 1_000_000 + 60_000);
  });

  test('time_scale is the share really waited; the figures are the same either way', async () => {
    const fast = { ttft_ms: 200, tokens_per_s: 1e9 };
    const paced = new SimResponder(SimProfile.parse({ latency: { ...fast, time_scale: 1 } }));
    const virtual = new SimResponder(SimProfile.parse({ latency: fast }));
    const reply = virtual.reply(conv, { oracle, seed: 3 });
    const latency = virtual.latencyMs(reply, { oracle, seed: 3 }, conv.items.length);

    const c1 = new TrialClock();
    const t1 = c1.elapsed();
    await paced.respond(conv, { oracle, seed: 3, clock: c1 });
    expect(c1.virtualMs()).toBe(0);
    expect(c1.elapsed() - t1).toBeGreaterThanOrEqual(latency - 2); // timers may fire a little early

    const c2 = new TrialClock();
    await virtual.respond(conv, { oracle, seed: 3, clock: c2 });
    expect(c2.virtualMs()).toBeCloseTo(latency, 6);
  });

  test('reached over HTTP (no trial clock) it is slept unless time_scale says otherwise', async () => {
    const responder = new SimResponder(SimProfile.parse({ latency: { ttft_ms: 150, tokens_per_s: 1e9 } }));
    const started = performance.now();
    await responder.respond(conv, { oracle, seed: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(0.8 * 150 - 2);
  });
});
