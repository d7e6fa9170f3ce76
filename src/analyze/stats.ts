// Statistics as pure functions: percentiles, means, intervals (seeded bootstrap, Wilson), paired
// differences, pass@k. Nothing here reads files or knows about trials. Every bootstrap resamples units
// (clusters) whole: the repeats of a task are correlated, so a task and all its trials are one draw.

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

/** How an interval was made, and over what: the words a reader needs to weigh it ("bootstrap over 30 tasks"). */
export interface IntervalMethod {
  method: 'wilson' | 'bootstrap';
  /** What was resampled (or counted, for Wilson): trials, or tasks with all their trials together. */
  unit: 'trial' | 'task';
  /** How many of them. */
  units: number;
  /** A difference or margin of two sides resampled together (each task's trials of both sides drawn at once). */
  paired?: boolean;
}

export function intervalText(m: IntervalMethod): string {
  const over = `${m.units} ${m.unit}${m.units === 1 ? '' : 's'}`;
  return m.method === 'wilson' ? `Wilson, ${over}` : `${m.paired ? 'paired ' : ''}bootstrap over ${over}`;
}

/**
 * The resampling units (clusters): observations with the same key (the repeats of one task) are drawn
 * together, because they are correlated; with one observation per key this is the ordinary bootstrap.
 * Units are numbered in order of first appearance.
 */
export interface Units {
  index: ReadonlyMap<string, number>;
  count: number;
}

export function unitsOf(keys: Iterable<string>): Units {
  const index = new Map<string, number>();
  for (const k of keys) if (!index.has(k)) index.set(k, index.size);
  return { index, count: index.size };
}

/** One observation of a ratio of sums: a rate adds (hit, 1), a mean (value, 1), cost per resolved task (cost, resolved). */
export interface RatioTerm {
  key: string;
  num: number;
  den: number;
}

/** One observation of a quantile. */
export interface ValueTerm {
  key: string;
  value: number;
}

/**
 * A statistic that any resample can be judged on without going back to the data: `at(draw)` is its value
 * over the units drawn (indices into the units, with repeats), NaN where it is undefined.
 */
export interface Statistic {
  estimate: number | null;
  /** Every observation has the same value: the interval is the point. */
  constant: boolean;
  at(draw: Int32Array): number;
}

/** Σnum / Σden, over the units of a resample: O(units) per resample. */
export function ratioStatistic(terms: readonly RatioTerm[], units: Units): Statistic {
  const num = new Float64Array(units.count);
  const den = new Float64Array(units.count);
  let sn = 0;
  let sd = 0;
  for (const t of terms) {
    const u = units.index.get(t.key)!;
    num[u] += t.num;
    den[u] += t.den;
    sn += t.num;
    sd += t.den;
  }
  const first = terms[0];
  return {
    estimate: sd === 0 ? null : sn / sd,
    constant: !!first && terms.every((t) => t.num === first.num && t.den === first.den),
    at: (draw) => {
      let n = 0;
      let d = 0;
      for (let i = 0; i < draw.length; i++) {
        n += num[draw[i]!]!;
        d += den[draw[i]!]!;
      }
      return d === 0 ? Number.NaN : n / d;
    },
  };
}

/**
 * The q-quantile of the observations of a resample (type 7, as quantile()), without sorting it: the
 * values are sorted once, a resample weighs each by how often its unit was drawn, and the order
 * statistics are read off the running weights. O(units + observations) per resample.
 */
export function quantileStatistic(terms: readonly ValueTerm[], q: number, units: Units): Statistic {
  const order = [...terms].sort((a, b) => a.value - b.value);
  const values = Float64Array.from(order, (t) => t.value);
  const unitOf = Int32Array.from(order, (t) => units.index.get(t.key)!);
  const size = new Uint32Array(units.count);
  for (const u of unitOf) size[u]!++;
  const drawn = new Uint32Array(units.count);
  return {
    estimate: values.length ? sortedQuantile(values as unknown as number[], q) : null,
    constant: values.length > 0 && values[0] === values.at(-1),
    at: (draw) => {
      drawn.fill(0);
      let total = 0;
      for (let i = 0; i < draw.length; i++) {
        drawn[draw[i]!]!++;
        total += size[draw[i]!]!;
      }
      if (total === 0) return Number.NaN;
      const pos = (total - 1) * q;
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      let a = Number.NaN;
      let cum = 0;
      for (let j = 0; j < values.length; j++) {
        cum += drawn[unitOf[j]!]!;
        if (Number.isNaN(a) && cum > lo) a = values[j]!;
        if (cum > hi) return a + (values[j]! - a) * (pos - lo);
      }
      return Number.NaN; // not reached: cum ends at total > hi
    },
  };
}

/**
 * Percentile-bootstrap intervals of several statistics over the same seeded resamples of `units` units
 * (each resample draws as many units as there are, with replacement): drawing is the costly part, and
 * one draw serves every statistic of the same data. Resamples where a statistic is undefined (NaN) are
 * dropped; null when all are.
 */
export function resampleIntervals(
  units: number,
  ats: ReadonlyArray<(draw: Int32Array) => number>,
  opts: BootstrapOptions = {},
): Array<{ lo: number; hi: number } | null> {
  if (units <= 0) return ats.map(() => null);
  const { resamples = 2000, seed = 1, level = 0.95 } = opts;
  const next = rng(seed);
  const draw = new Int32Array(units);
  const stats = ats.map(() => new Float64Array(resamples));
  const defined = new Int32Array(ats.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < units; i++) draw[i] = Math.floor(next() * units);
    for (let k = 0; k < ats.length; k++) {
      const s = ats[k]!(draw);
      if (!Number.isNaN(s)) stats[k]![defined[k]!++] = s;
    }
  }
  const alpha = (1 - level) / 2;
  return stats.map((all, k) => {
    if (!defined[k]) return null;
    const sorted = all.subarray(0, defined[k]).sort() as unknown as number[];
    return { lo: sortedQuantile(sorted, alpha), hi: sortedQuantile(sorted, 1 - alpha) };
  });
}

/** resampleIntervals for one statistic. */
export function resampleInterval(units: number, at: (draw: Int32Array) => number, opts: BootstrapOptions = {}): { lo: number; hi: number } | null {
  return resampleIntervals(units, [at], opts)[0]!;
}

/** Statistics with their bootstrap intervals over the same resamples of their units (the point for a constant sample). */
export function clusterBootstraps(stats: readonly Statistic[], units: Units, opts: BootstrapOptions = {}): Array<Interval | null> {
  const varying = stats.filter((s) => s.estimate !== null && !s.constant);
  const cis = resampleIntervals(
    units.count,
    varying.map((s) => s.at),
    opts,
  );
  return stats.map((s) => {
    if (s.estimate === null) return null;
    const ci = s.constant ? null : cis[varying.indexOf(s)];
    return { estimate: s.estimate, lo: ci?.lo ?? s.estimate, hi: ci?.hi ?? s.estimate };
  });
}

/** clusterBootstraps for one statistic. */
export function clusterBootstrap(stat: Statistic, units: Units, opts: BootstrapOptions = {}): Interval | null {
  return clusterBootstraps([stat], units, opts)[0]!;
}

/** Percentile bootstrap interval of a statistic of one sample (resamples where it is undefined, NaN, are dropped). */
export function bootstrap(values: readonly number[], stat: (sample: number[]) => number, opts: BootstrapOptions = {}): Interval | null {
  if (!values.length) return null;
  const estimate = stat([...values]);
  const sample = new Array<number>(values.length);
  const ci = resampleInterval(
    values.length,
    (draw) => {
      for (let i = 0; i < draw.length; i++) sample[i] = values[draw[i]!]!;
      return stat(sample);
    },
    opts,
  );
  return ci ? { estimate, ...ci } : { estimate, lo: estimate, hi: estimate };
}

/** Keys for observations that are each their own unit. */
const ownKeys = (n: number) => Array.from({ length: n }, (_, i) => String(i));

/** Percentile bootstrap intervals of several quantiles of one sample (`keys`: the unit of each value; default, each its own). */
export function bootstrapQuantiles(
  values: readonly number[],
  qs: readonly number[],
  opts: BootstrapOptions & { keys?: readonly string[] } = {},
): Interval[] | null {
  if (!values.length) return null;
  const keys = opts.keys ?? ownKeys(values.length);
  const units = unitsOf(keys);
  const terms = values.map((value, i) => ({ key: keys[i]!, value }));
  return qs.map((q) => clusterBootstrap(quantileStatistic(terms, q, units), units, opts)!);
}

/** Percentile bootstrap interval of one quantile: bootstrapQuantiles for one q. */
export function bootstrapQuantile(values: readonly number[], q: number, opts: BootstrapOptions & { keys?: readonly string[] } = {}): Interval | null {
  return bootstrapQuantiles(values, [q], opts)?.[0] ?? null;
}

export const meanOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Bootstrap interval of a mean (`keys`: the unit of each value, resampled whole; default, each its own). */
export function bootstrapMean(values: readonly number[], opts: BootstrapOptions & { keys?: readonly string[] } = {}): Interval | null {
  if (!values.length) return null;
  const keys = opts.keys ?? ownKeys(values.length);
  const units = unitsOf(keys);
  return clusterBootstrap(
    ratioStatistic(
      values.map((num, i) => ({ key: keys[i]!, num, den: 1 })),
      units,
    ),
    units,
    opts,
  );
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
  interval: IntervalMethod;
}

/**
 * Mean of b - a over pairs (the same task and seed under two workflows), with a bootstrap interval.
 * `keys` (the task of each pair) makes the unit the task: a task's pairs are resampled together.
 */
export function pairedDifference(
  pairs: ReadonlyArray<readonly [number, number]>,
  opts: BootstrapOptions & { keys?: readonly string[] } = {},
): PairedDifference | null {
  if (!pairs.length) return null;
  const diffs = pairs.map(([a, b]) => b - a);
  const keys = opts.keys ?? ownKeys(diffs.length);
  const units = unitsOf(keys);
  const ci = bootstrapMean(diffs, { ...opts, keys })!;
  return {
    ...ci,
    wins: diffs.filter((d) => d > 0).length,
    ties: diffs.filter((d) => d === 0).length,
    losses: diffs.filter((d) => d < 0).length,
    n: diffs.length,
    interval: { method: 'bootstrap', unit: opts.keys ? 'task' : 'trial', units: units.count, paired: true },
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

/** A ratio of sums (e.g. cost per resolved task) with a bootstrap interval over the units (each pair its own unit). */
export function ratioOfSums(pairs: ReadonlyArray<readonly [number, number]>, opts: BootstrapOptions = {}): Interval | null {
  const keys = ownKeys(pairs.length);
  const units = unitsOf(keys);
  return clusterBootstrap(
    ratioStatistic(
      pairs.map(([num, den], i) => ({ key: keys[i]!, num, den })),
      units,
    ),
    units,
    opts,
  );
}
