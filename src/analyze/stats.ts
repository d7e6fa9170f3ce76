// Statistics as pure functions: percentiles, means, intervals (seeded bootstrap, Wilson), paired
// differences, pass@k. Nothing here reads files or knows about trials.

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

/** The q-quantile (0..1) by linear interpolation between order statistics (type 7, as R and NumPy default). */
export function quantile(values: readonly number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sortedQuantile(sorted, q);
}

function sortedQuantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same resamples everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Confidence level, default 0.95. */
  level?: number;
}

/** Percentile bootstrap interval of a statistic of one sample (resamples where it is undefined, NaN, are dropped). */
export function bootstrap(values: readonly number[], stat: (sample: number[]) => number, opts: BootstrapOptions = {}): Interval | null {
  if (!values.length) return null;
  const { resamples = 2000, seed = 1, level = 0.95 } = opts;
  const estimate = stat([...values]);
  const next = rng(seed);
  const n = values.length;
  const stats = new Float64Array(resamples);
  const sample = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(next() * n)]!;
    stats[r] = stat(sample);
  }
  const defined = Array.from(stats)
    .filter((s) => !Number.isNaN(s))
    .sort((a, b) => a - b);
  if (!defined.length) return { estimate, lo: estimate, hi: estimate };
  const alpha = (1 - level) / 2;
  return { estimate, lo: sortedQuantile(defined, alpha), hi: sortedQuantile(defined, 1 - alpha) };
}

/**
 * Percentile bootstrap intervals of several quantiles of one sample, from the same resamples, without
 * sorting each resample: the data are sorted once, a resample is a count per sorted position, and its
 * order statistics are read off the running counts. Same method as bootstrap(values, quantileOf(q)) for
 * each q, linear instead of n log n per resample.
 */
export function bootstrapQuantiles(values: readonly number[], qs: readonly number[], opts: BootstrapOptions = {}): Interval[] | null {
  if (!values.length) return null;
  const { resamples = 2000, seed = 1, level = 0.95 } = opts;
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted[0] === sorted.at(-1)) return qs.map(() => ({ estimate: sorted[0]!, lo: sorted[0]!, hi: sorted[0]! }));
  const n = sorted.length;
  const at = qs.map((q) => {
    const pos = (n - 1) * q;
    return { lo: Math.floor(pos), hi: Math.ceil(pos), frac: pos - Math.floor(pos), stats: new Float64Array(resamples) };
  });
  const last = Math.max(...at.map((p) => p.hi));
  const next = rng(seed);
  const counts = new Uint32Array(n);
  const a = new Float64Array(at.length);
  const b = new Float64Array(at.length);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(next() * n)]!++;
    a.fill(Number.NaN);
    b.fill(Number.NaN);
    let cum = 0;
    for (let j = 0; j < n; j++) {
      cum += counts[j]!;
      for (let k = 0; k < at.length; k++) {
        if (Number.isNaN(a[k]!) && cum > at[k]!.lo) a[k] = sorted[j]!;
        if (Number.isNaN(b[k]!) && cum > at[k]!.hi) b[k] = sorted[j]!;
      }
      if (cum > last) break;
    }
    for (let k = 0; k < at.length; k++) at[k]!.stats[r] = a[k]! + (b[k]! - a[k]!) * at[k]!.frac;
  }
  const alpha = (1 - level) / 2;
  return at.map(({ stats }, k) => {
    stats.sort();
    return {
      estimate: sortedQuantile(sorted, qs[k]!),
      lo: sortedQuantile(stats as unknown as number[], alpha),
      hi: sortedQuantile(stats as unknown as number[], 1 - alpha),
    };
  });
}

/** Percentile bootstrap interval of one quantile: bootstrapQuantiles for one q. */
export function bootstrapQuantile(values: readonly number[], q: number, opts: BootstrapOptions = {}): Interval | null {
  return bootstrapQuantiles(values, [q], opts)?.[0] ?? null;
}

export const meanOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** bootstrap(values, meanOf), specialised: no per-resample arrays, and no resampling of a constant sample. */
export function bootstrapMean(values: readonly number[], opts: BootstrapOptions = {}): Interval | null {
  if (!values.length) return null;
  const estimate = meanOf([...values]);
  if (values.every((v) => v === values[0])) return { estimate, lo: estimate, hi: estimate };
  const { resamples = 2000, seed = 1, level = 0.95 } = opts;
  const xs = Float64Array.from(values);
  const n = xs.length;
  const next = rng(seed);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += xs[Math.floor(next() * n)]!;
    stats[r] = sum / n;
  }
  stats.sort();
  const alpha = (1 - level) / 2;
  return { estimate, lo: sortedQuantile(stats as unknown as number[], alpha), hi: sortedQuantile(stats as unknown as number[], 1 - alpha) };
}
export const quantileOf =
  (q: number) =>
  (xs: number[]): number =>
    sortedQuantile(
      [...xs].sort((a, b) => a - b),
      q,
    );

/** Wilson score interval of a proportion: honest near 0 and 1 and for small n. */
export function wilson(successes: number, n: number, level = 0.95): Interval | null {
  if (n <= 0) return null;
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const margin = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { estimate: p, lo: Math.max(0, center - margin), hi: Math.min(1, center + margin) };
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

export interface PairedDifference extends Interval {
  /** Pairs where b is larger than a, equal, smaller. */
  wins: number;
  ties: number;
  losses: number;
  n: number;
}

/** Mean of b - a over pairs (the same task and seed under two workflows), with a bootstrap interval. */
export function pairedDifference(pairs: ReadonlyArray<readonly [number, number]>, opts: BootstrapOptions = {}): PairedDifference | null {
  if (!pairs.length) return null;
  const diffs = pairs.map(([a, b]) => b - a);
  const ci = bootstrapMean(diffs, opts)!;
  return {
    ...ci,
    wins: diffs.filter((d) => d > 0).length,
    ties: diffs.filter((d) => d === 0).length,
    losses: diffs.filter((d) => d < 0).length,
    n: diffs.length,
  };
}

/** The unbiased pass@k estimator for one task with n attempts of which c succeeded: 1 - C(n-c, k) / C(n, k). */
export function passAtK(n: number, c: number, k: number): number {
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} attempts, got ${n}`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** A ratio of sums (e.g. cost per resolved task) with a bootstrap interval over the units. */
export function ratioOfSums(units: ReadonlyArray<readonly [number, number]>, opts: BootstrapOptions = {}): Interval | null {
  const den = units.reduce((s, [, d]) => s + d, 0);
  if (!units.length || den === 0) return null;
  const idx = units.map((_, i) => i);
  const ratio = (is: number[]) => {
    let n = 0;
    let d = 0;
    for (const i of is) {
      n += units[i]![0];
      d += units[i]![1];
    }
    return d === 0 ? Number.NaN : n / d;
  };
  return bootstrap(idx, ratio, opts);
}
