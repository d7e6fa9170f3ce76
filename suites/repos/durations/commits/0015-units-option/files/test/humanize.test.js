import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as d from '../src/index.js';

describe('humanize', () => {
  test('spells out unit names', () => {
    assert.equal(d.humanize(5_400_000), '1 hour 30 minutes');
    assert.equal(d.humanize(1_209_600_000), '2 weeks');
  });

  test('uses the singular for an amount of one', () => {
    assert.equal(d.humanize(1_000), '1 second');
    assert.equal(d.humanize(694_861_001), '1 week 1 day 1 hour 1 minute 1 second 1 millisecond');
  });

  test('uses the plural for other amounts', () => {
    assert.equal(d.humanize(2), '2 milliseconds');
    assert.equal(d.humanize(180_000), '3 minutes');
  });

  test('formats zero as 0 milliseconds', () => {
    assert.equal(d.humanize(0), '0 milliseconds');
  });

  test('leaves out units with a zero amount', () => {
    assert.equal(d.humanize(3_601_000), '1 hour 1 second');
  });

  test('rounds to whole milliseconds', () => {
    assert.equal(d.humanize(1.4), '1 millisecond');
    assert.equal(d.humanize(1.6), '2 milliseconds');
    assert.equal(d.humanize(0.4), '0 milliseconds');
  });

  test('output can be read back by parse', () => {
    for (const ms of [0, 1, 999, 5_400_000, 93_784_005, 694_861_001]) {
      assert.equal(d.parse(d.humanize(ms)), ms);
    }
  });

  test('rejects values that are not finite numbers', () => {
    assert.throws(() => d.humanize(NaN), d.DurationError);
    assert.throws(() => d.humanize(-Infinity), d.DurationError);
    assert.throws(() => d.humanize(/** @type {any} */ (undefined)), d.DurationError);
  });

  test('puts a single minus sign in front of negative durations', () => {
    assert.equal(d.humanize(-5_400_000), '-1 hour 30 minutes');
    assert.equal(d.humanize(-90_000), '-1 minute 30 seconds');
    assert.equal(d.humanize(-1_000), '-1 second');
  });

  test('never humanizes a negative zero', () => {
    assert.equal(d.humanize(-0.2), '0 milliseconds');
  });

  test('accepts the units option', () => {
    assert.equal(d.humanize(93_784_005, { units: 3 }), '1 day 2 hours 3 minutes');
    assert.equal(d.humanize(5_400_000, { units: 1 }), '2 hours');
    assert.equal(d.humanize(-93_784_005, { units: 2 }), '-1 day 2 hours');
  });
});
