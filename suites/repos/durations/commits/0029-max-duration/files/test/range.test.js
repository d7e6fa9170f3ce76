import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as d from '../src/index.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('MAX_DURATION', () => {
  test('is the largest safe integer', () => {
    assert.equal(d.MAX_DURATION, MAX);
  });

  test('parse accepts durations up to the limit', () => {
    assert.equal(d.parse(MAX), MAX);
    assert.equal(d.parse(-MAX), -MAX);
    assert.equal(d.parse(String(MAX)), MAX);
    assert.equal(d.parse('14892855w'), 14_892_855 * d.WEEK);
  });

  test('parse rejects durations beyond the limit', () => {
    for (const input of [MAX + 2, -(MAX + 2), 1e300, '9007199254740993', '20000000000w', 'P99999999999D']) {
      assert.throws(() => d.parse(input), d.DurationError, String(input));
    }
  });

  test('format, humanize and toISO accept the limit', () => {
    assert.equal(d.format(MAX), '14892855w 6d 8h 59m 991ms');
    assert.equal(d.humanize(-MAX), '-14892855 weeks 6 days 8 hours 59 minutes 991 milliseconds');
    assert.equal(d.parse(d.toISO(MAX)), MAX);
  });

  test('format, humanize and toISO reject values beyond the limit', () => {
    for (const fn of [d.format, d.humanize, d.toISO]) {
      assert.throws(() => fn(MAX + 2), d.DurationError, fn.name);
      assert.throws(() => fn(-1e20), d.DurationError, fn.name);
    }
  });

  test('arithmetic rejects results beyond the limit', () => {
    assert.throws(() => d.add(MAX, 1), d.DurationError);
    assert.throws(() => d.subtract(-MAX, '1ms'), d.DurationError);
    assert.throws(() => d.sum([MAX, MAX]), d.DurationError);
    assert.equal(d.add(MAX, -1), MAX - 1);
  });
});
