import { describe, expect, test } from 'vitest';
import { mean, quantile } from '../../src/analyze/stats.ts';

describe('quantile', () => {
  test('matches R type 7 / numpy linear on hand-checked values', () => {
    const v = [15, 20, 35, 40, 50];
    expect(quantile(v, 0.5)).toBe(35);
    expect(quantile(v, 0.95)).toBeCloseTo(48, 10); // 40 + 0.8 * 10
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([7], 0.95)).toBe(7);
    expect(quantile([], 0.5)).toBeNull();
  });
  test('does not depend on input order', () => {
    expect(quantile([50, 15, 40, 20, 35], 0.25)).toBe(20);
  });
  test('mean', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(mean([])).toBeNull();
  });
});
