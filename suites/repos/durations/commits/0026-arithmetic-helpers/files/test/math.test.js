import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as d from '../src/index.js';

describe('add', () => {
  test('adds durations written in any notation', () => {
    assert.equal(d.add('1h', '30m'), 5_400_000);
    assert.equal(d.add(1_000, '1 second'), 2_000);
    assert.equal(d.add('PT1H', '1 hour and 30 minutes'), 9_000_000);
  });

  test('handles negative durations', () => {
    assert.equal(d.add('1h', '-90m'), -1_800_000);
  });

  test('rejects values that are not durations', () => {
    assert.throws(() => d.add('1h', 'soon'), d.DurationError);
    assert.throws(() => d.add(/** @type {any} */ (null), '1h'), d.DurationError);
  });
});

describe('subtract', () => {
  test('subtracts the second duration from the first', () => {
    assert.equal(d.subtract('2h', '30m'), 5_400_000);
    assert.equal(d.subtract(5_400_000, 'PT30M'), 3_600_000);
  });

  test('returns a negative duration when the second one is longer', () => {
    assert.equal(d.subtract('30m', '1h'), -1_800_000);
  });

  test('rejects values that are not durations', () => {
    assert.throws(() => d.subtract('1h', NaN), d.DurationError);
  });
});

describe('sum', () => {
  test('adds up a list of durations', () => {
    assert.equal(d.sum(['1h', '30m', 15 * 60_000, 'PT15M']), 7_200_000);
  });

  test('returns 0 for an empty list', () => {
    assert.equal(d.sum([]), 0);
  });

  test('accepts any iterable', () => {
    assert.equal(d.sum(new Set(['1h', '30m'])), 5_400_000);
    function* laps() {
      yield '1m 5s';
      yield '58s';
    }
    assert.equal(d.sum(laps()), 123_000);
  });

  test('rejects a list holding something that is not a duration', () => {
    assert.throws(() => d.sum(['1h', 'later']), d.DurationError);
  });

  test('rejects a single string instead of a list', () => {
    assert.throws(() => d.sum(/** @type {any} */ ('1h30m')));
    assert.throws(() => d.sum(/** @type {any} */ (undefined)));
  });
});

describe('compare', () => {
  test('sorts durations from shortest to longest', () => {
    assert.deepEqual(['1h', '90m', '30m', 'PT45M'].sort(d.compare), ['30m', 'PT45M', '1h', '90m']);
  });

  test('returns zero for equal durations in different notations', () => {
    assert.equal(d.compare('60 minutes', '1h'), 0);
    assert.equal(d.compare(3_600_000, 'PT1H'), 0);
  });

  test('returns a negative number when the first duration is shorter', () => {
    assert.ok(d.compare('1s', '2s') < 0);
    assert.ok(d.compare('-1h', '1ms') < 0);
    assert.ok(d.compare('1d', '23h') > 0);
  });
});
