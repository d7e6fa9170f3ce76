import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as d from '../src/index.js';

describe('parse ISO 8601', () => {
  test('reads time components', () => {
    assert.equal(d.parse('PT1H30M'), 5_400_000);
    assert.equal(d.parse('PT90M'), 5_400_000);
    assert.equal(d.parse('PT45S'), 45_000);
    assert.equal(d.parse('PT1H2M3S'), 3_723_000);
  });

  test('reads days and weeks', () => {
    assert.equal(d.parse('P1D'), 86_400_000);
    assert.equal(d.parse('P1DT2H'), 93_600_000);
    assert.equal(d.parse('P2W'), 1_209_600_000);
  });

  test('reads decimal fractions with a dot or a comma', () => {
    assert.equal(d.parse('PT1.5S'), 1_500);
    assert.equal(d.parse('PT0,5S'), 500);
    assert.equal(d.parse('PT1.5H'), 5_400_000);
    assert.equal(d.parse('PT0.0015S'), 2);
  });

  test('accepts lower-case designators and surrounding whitespace', () => {
    assert.equal(d.parse('pt1h30m'), 5_400_000);
    assert.equal(d.parse('  P1DT2H '), 93_600_000);
  });

  test('accepts a leading sign', () => {
    assert.equal(d.parse('-PT1H30M'), -5_400_000);
    assert.equal(d.parse('+P1D'), 86_400_000);
  });

  test('rejects years and months', () => {
    for (const bad of ['P1Y', 'P2M', 'P1Y2M3DT4H', 'P1MT1M']) {
      assert.throws(() => d.parse(bad), d.DurationError, bad);
    }
  });

  test('rejects malformed ISO durations', () => {
    for (const bad of ['P', 'PT', 'P1DT', 'P1H', 'PT1D', 'P1S', 'PT1H1H', 'PT1M30', 'PT1.S', 'P-1D', 'PT1H 30M']) {
      assert.throws(() => d.parse(bad), d.DurationError, bad);
    }
  });
});

describe('toISO', () => {
  test('writes hours, minutes and seconds', () => {
    assert.equal(d.toISO(5_400_000), 'PT1H30M');
    assert.equal(d.toISO(3_723_000), 'PT1H2M3S');
    assert.equal(d.toISO(45_000), 'PT45S');
  });

  test('writes days in the date part', () => {
    assert.equal(d.toISO(93_600_000), 'P1DT2H');
    assert.equal(d.toISO(86_400_000), 'P1D');
    assert.equal(d.toISO(1_209_600_000), 'P14D');
  });

  test('writes milliseconds as a fraction of a second', () => {
    assert.equal(d.toISO(1_500), 'PT1.5S');
    assert.equal(d.toISO(61_001), 'PT1M1.001S');
    assert.equal(d.toISO(1), 'PT0.001S');
  });

  test('writes zero as PT0S', () => {
    assert.equal(d.toISO(0), 'PT0S');
    assert.equal(d.toISO(-0.2), 'PT0S');
  });

  test('writes negative durations with a leading minus sign', () => {
    assert.equal(d.toISO(-5_400_000), '-PT1H30M');
    assert.equal(d.toISO(-1_500), '-PT1.5S');
  });

  test('round-trips with parse', () => {
    for (const ms of [1, 999, 60_000, 5_400_000, 93_784_005, -93_784_005, 1_209_600_000]) {
      assert.equal(d.parse(d.toISO(ms)), ms);
    }
  });

  test('rejects values that are not finite numbers', () => {
    assert.throws(() => d.toISO(NaN), d.DurationError);
    assert.throws(() => d.toISO(Infinity), d.DurationError);
    assert.throws(() => d.toISO(/** @type {any} */ ('PT1H')), d.DurationError);
  });
});
