import { describe, expect, test } from 'vitest';
import { bootstrap, mean, meanOf, normalQuantile, pairedDifference, passAtK, quantile, quantileOf, ratioOfSums, wilson } from '../../src/analyze/stats.ts';

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

describe('intervals', () => {
  test('Wilson interval matches published values', () => {
    // 8/10 at 95%: (0.4902, 0.9433); 0/20: (0, 0.1611); 50/100: (0.4038, 0.5962)
    const a = wilson(8, 10)!;
    expect([a.estimate, a.lo, a.hi].map((x) => +x.toFixed(4))).toEqual([0.8, 0.4902, 0.9433]);
    const b = wilson(0, 20)!;
    expect([b.lo, +b.hi.toFixed(4)]).toEqual([0, 0.1611]);
    const c = wilson(50, 100)!;
    expect([+c.lo.toFixed(4), +c.hi.toFixed(4)]).toEqual([0.4038, 0.5962]);
    expect(wilson(0, 0)).toBeNull();
  });
  test('normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 10);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829, 5);
  });
  test('bootstrap: deterministic for a seed, contains the estimate, zero width for a constant sample, narrower with more data', () => {
    const xs = [3, 5, 8, 13, 21, 34, 55];
    const a = bootstrap(xs, meanOf, { seed: 7 })!;
    expect(bootstrap(xs, meanOf, { seed: 7 })).toEqual(a);
    expect(a.estimate).toBeCloseTo(19.857142857, 8);
    expect(a.lo).toBeLessThan(a.estimate);
    expect(a.hi).toBeGreaterThan(a.estimate);
    expect(bootstrap([4, 4, 4], meanOf)).toEqual({ estimate: 4, lo: 4, hi: 4 });
    const wide = bootstrap([1, 9], meanOf)!;
    const narrow = bootstrap(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? 9 : 1)),
      meanOf,
    )!;
    expect(narrow.hi - narrow.lo).toBeLessThan(wide.hi - wide.lo);
    expect(bootstrap([], meanOf)).toBeNull();
  });
  test('bootstrap of a percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    const p95 = bootstrap(xs, quantileOf(0.95), { seed: 3 })!;
    expect(p95.estimate).toBeCloseTo(95.05, 10);
    expect(p95.lo).toBeGreaterThan(85);
    expect(p95.hi).toBeLessThanOrEqual(100);
  });
  test('ratio of sums: cost per resolved task', () => {
    const units: Array<[number, number]> = [
      [2, 1],
      [4, 0],
      [2, 1],
      [4, 1],
    ];
    const r = ratioOfSums(units, { seed: 1 })!;
    expect(r.estimate).toBe(4); // 12 dollars / 3 resolved
    expect(r.lo).toBeLessThanOrEqual(4);
    expect(r.hi).toBeGreaterThanOrEqual(4);
    expect(ratioOfSums([[1, 0]])).toBeNull();
  });
});

describe('paired comparison and pass@k', () => {
  test('paired differences: mean of b - a, wins, ties, losses', () => {
    const d = pairedDifference([
      [1, 1],
      [0, 1],
      [1, 0],
      [0, 1],
      [0, 0],
    ])!;
    expect(d.estimate).toBeCloseTo(0.2, 10);
    expect([d.wins, d.ties, d.losses, d.n]).toEqual([2, 2, 1, 5]);
    expect(d.lo).toBeLessThanOrEqual(d.estimate);
  });
  test('pass@k, unbiased estimator, on hand-checked values', () => {
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 10);
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 10); // 1 - C(3,2)/C(5,2) = 1 - 3/10
    expect(passAtK(5, 0, 3)).toBe(0);
    expect(passAtK(5, 4, 2)).toBe(1);
    expect(() => passAtK(2, 1, 3)).toThrow(RangeError);
  });
});

describe('fast quantile bootstrap', () => {
  test('same estimate as the plain one and an interval of the same size', async () => {
    const { bootstrapQuantile } = await import('../../src/analyze/stats.ts');
    const xs = Array.from({ length: 300 }, (_, i) => ((i * 7919) % 1000) + 0.5);
    for (const q of [0.5, 0.95]) {
      const fast = bootstrapQuantile(xs, q, { seed: 4 })!;
      const plain = bootstrap(xs, quantileOf(q), { seed: 4 })!;
      expect(fast.estimate).toBe(plain.estimate);
      expect(Math.abs(fast.hi - fast.lo - (plain.hi - plain.lo))).toBeLessThan(0.35 * (plain.hi - plain.lo));
      expect(fast.lo).toBeLessThanOrEqual(fast.estimate);
      expect(fast.hi).toBeGreaterThanOrEqual(fast.estimate);
    }
    expect(bootstrapQuantile([5], 0.95)).toEqual({ estimate: 5, lo: 5, hi: 5 });
  });
});

test('the specialised mean bootstrap agrees with the plain one', async () => {
  const { bootstrapMean } = await import('../../src/analyze/stats.ts');
  const xs = [3, 5, 8, 13, 21, 34, 55];
  const fast = bootstrapMean(xs, { seed: 7 })!;
  const plain = bootstrap(xs, meanOf, { seed: 7 })!;
  expect(fast).toEqual(plain); // same draws, same resamples
  expect(bootstrapMean([0, 0, 0])).toEqual({ estimate: 0, lo: 0, hi: 0 });
});
