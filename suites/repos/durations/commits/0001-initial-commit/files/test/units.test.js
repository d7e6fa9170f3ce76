import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as d from '../src/index.js';

describe('units', () => {
  test('constants are expressed in milliseconds', () => {
    assert.equal(d.MILLISECOND, 1);
    assert.equal(d.SECOND, 1000);
    assert.equal(d.MINUTE, 60_000);
    assert.equal(d.HOUR, 3_600_000);
    assert.equal(d.DAY, 86_400_000);
    assert.equal(d.WEEK, 604_800_000);
  });

  test('UNITS lists the largest unit first', () => {
    assert.deepEqual(Object.keys(d.UNITS), ['w', 'd', 'h', 'm', 's', 'ms']);
    const sizes = Object.values(d.UNITS);
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
  });

  test('UNITS cannot be modified', () => {
    assert.ok(Object.isFrozen(d.UNITS));
    // Modules are strict mode code, so writing to a frozen object throws.
    assert.throws(() => {
      /** @type {any} */ (d.UNITS).y = 1;
    }, TypeError);
  });
});
