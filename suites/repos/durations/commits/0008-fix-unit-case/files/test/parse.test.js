import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as d from '../src/index.js';

describe('parse', () => {
  test('parses a single unit', () => {
    assert.equal(d.parse('500ms'), 500);
    assert.equal(d.parse('5s'), 5_000);
    assert.equal(d.parse('90m'), 5_400_000);
    assert.equal(d.parse('2h'), 7_200_000);
    assert.equal(d.parse('3d'), 259_200_000);
    assert.equal(d.parse('1w'), 604_800_000);
  });

  test('adds up several units', () => {
    assert.equal(d.parse('1h30m'), 5_400_000);
    assert.equal(d.parse('1d2h3m4s5ms'), 93_784_005);
  });

  test('reads ms as milliseconds, not minutes', () => {
    assert.equal(d.parse('1m500ms'), 60_500);
  });

  test('allows spaces between parts', () => {
    assert.equal(d.parse('1h 30m'), 5_400_000);
    assert.equal(d.parse('  2d   4h '), 187_200_000);
  });

  test('returns numbers unchanged', () => {
    assert.equal(d.parse(1500), 1500);
    assert.equal(d.parse(0), 0);
  });

  test('rejects strings that are not durations', () => {
    for (const bad of ['', 'h', '1x', '1h30', 'one hour', '1 h30m ago']) {
      assert.throws(() => d.parse(bad), d.DurationError, bad);
    }
  });

  test('rejects non-finite numbers and other types', () => {
    assert.throws(() => d.parse(NaN), d.DurationError);
    assert.throws(() => d.parse(Infinity), d.DurationError);
    assert.throws(() => d.parse(/** @type {any} */ (null)), d.DurationError);
    assert.throws(() => d.parse(/** @type {any} */ ({})), d.DurationError);
  });

  test('errors carry the rejected input', () => {
    assert.throws(() => d.parse('soon'), { name: 'DurationError', input: 'soon' });
  });

  describe('long unit names', () => {
    test('accepts singular and plural names', () => {
      assert.equal(d.parse('1 hour'), 3_600_000);
      assert.equal(d.parse('90 minutes'), 5_400_000);
      assert.equal(d.parse('1 second'), 1_000);
      assert.equal(d.parse('2 days'), 172_800_000);
      assert.equal(d.parse('1 week'), 604_800_000);
      assert.equal(d.parse('250 milliseconds'), 250);
    });

    test('accepts common abbreviations', () => {
      assert.equal(d.parse('2 hrs'), 7_200_000);
      assert.equal(d.parse('5 mins'), 300_000);
      assert.equal(d.parse('30 secs'), 30_000);
      assert.equal(d.parse('1 wk'), 604_800_000);
      assert.equal(d.parse('10 msecs'), 10);
    });

    test('combines several long parts', () => {
      assert.equal(d.parse('1 hour 30 minutes'), 5_400_000);
      assert.equal(d.parse('1 day 2 hours 3 minutes 4 seconds'), 93_784_000);
    });

    test('mixes long and compact parts', () => {
      assert.equal(d.parse('1 hour 30m'), 5_400_000);
      assert.equal(d.parse('2d 1 min'), 172_860_000);
    });

    test('allows a space between the number and the unit', () => {
      assert.equal(d.parse('5 m'), 300_000);
      assert.equal(d.parse('1 h 30 m'), 5_400_000);
    });

    test('matches upper-case compact units', () => {
      assert.equal(d.parse('1H30M'), 5_400_000);
      assert.equal(d.parse('2D'), 172_800_000);
      assert.equal(d.parse('500MS'), 500);
      assert.equal(d.parse('1M500Ms'), 60_500);
    });

    test('matches long names in any case', () => {
      assert.equal(d.parse('2 Hours'), 7_200_000);
      assert.equal(d.parse('10 MINUTES'), 600_000);
      assert.equal(d.parse('1 Day 2 HRS'), 93_600_000);
      assert.equal(d.parse('30 Secs'), 30_000);
    });

    test('rejects unknown unit names', () => {
      for (const bad of ['5 fortnights', '1 month', '3 years', '2 hourss', '10 minutes ago']) {
        assert.throws(() => d.parse(bad), d.DurationError, bad);
      }
    });
  });
});
