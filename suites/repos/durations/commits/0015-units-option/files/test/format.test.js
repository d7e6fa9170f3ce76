import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as d from '../src/index.js';

describe('format', () => {
  test('uses the largest units first', () => {
    assert.equal(d.format(5_400_000), '1h 30m');
    assert.equal(d.format(93_784_005), '1d 2h 3m 4s 5ms');
    assert.equal(d.format(1_209_600_000), '2w');
  });

  test('leaves out units with a zero amount', () => {
    assert.equal(d.format(3_600_000), '1h');
    assert.equal(d.format(3_601_000), '1h 1s');
  });

  test('formats zero as 0ms', () => {
    assert.equal(d.format(0), '0ms');
  });

  test('rounds to whole milliseconds', () => {
    assert.equal(d.format(1.4), '1ms');
    assert.equal(d.format(1.5), '2ms');
    assert.equal(d.format(0.2), '0ms');
  });

  test('round-trips with parse', () => {
    for (const text of ['1h 30m', '2w 3d', '59s 999ms', '1d 1ms']) {
      assert.equal(d.format(d.parse(text)), text);
    }
  });

  test('rejects values that are not finite numbers', () => {
    assert.throws(() => d.format(NaN), d.DurationError);
    assert.throws(() => d.format(Infinity), d.DurationError);
    assert.throws(() => d.format(/** @type {any} */ ('1h')), d.DurationError);
  });

  test('puts a single minus sign in front of negative durations', () => {
    assert.equal(d.format(-5_400_000), '-1h 30m');
    assert.equal(d.format(-93_784_005), '-1d 2h 3m 4s 5ms');
    assert.equal(d.format(-1), '-1ms');
  });

  test('rounds negative values like positive ones', () => {
    assert.equal(d.format(-1.5), '-2ms');
    assert.equal(d.format(-1.4), '-1ms');
  });

  test('never formats a negative zero', () => {
    assert.equal(d.format(-0), '0ms');
    assert.equal(d.format(-0.4), '0ms');
  });

  test('round-trips negative durations with parse', () => {
    for (const text of ['-1h 30m', '-2w 3d', '-1ms']) {
      assert.equal(d.format(d.parse(text)), text);
    }
  });

  describe('units option', () => {
    test('keeps only the largest units', () => {
      assert.equal(d.format(93_784_005, { units: 2 }), '1d 2h');
      assert.equal(d.format(93_784_005, { units: 4 }), '1d 2h 3m 4s');
    });

    test('rounds the last unit written', () => {
      assert.equal(d.format(5_430_000, { units: 1 }), '2h');
      assert.equal(d.format(5_400_000, { units: 1 }), '2h');
      assert.equal(d.format(5_399_999, { units: 1 }), '1h');
      assert.equal(d.format(95_000, { units: 1 }), '2m');
    });

    test('counts units from the largest non-zero one', () => {
      assert.equal(d.format(3_630_000, { units: 2 }), '1h 1m');
      assert.equal(d.format(3_601_000, { units: 2 }), '1h');
      assert.equal(d.format(1_500, { units: 2 }), '1s 500ms');
    });

    test('writes every unit by default', () => {
      assert.equal(d.format(93_784_005, {}), '1d 2h 3m 4s 5ms');
      assert.equal(d.format(93_784_005, { units: 6 }), '1d 2h 3m 4s 5ms');
    });

    test('applies to negative durations', () => {
      assert.equal(d.format(-5_430_000, { units: 1 }), '-2h');
    });

    test('rejects a units option that is not a positive integer', () => {
      for (const units of [0, -1, 1.5, NaN, '2']) {
        assert.throws(() => d.format(1_000, { units: /** @type {any} */ (units) }), RangeError, String(units));
      }
    });
  });
});
