// Aggregation statistics with lm-evaluation-harness's definitions (api/metrics.py): mean with the
// standard error of the mean (sample std, n-1), the size-weighted pooled standard error of groups,
// a seeded bootstrap for ratio metrics such as perplexity, and numpy-style percentiles.

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}

/** sample standard deviation (ddof = 1) */
export function sampleStd(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** lm-eval mean_stderr: sample_stddev / sqrt(n) */
export const meanStderr = (xs: ArrayLike<number>): number => sampleStd(xs) / Math.sqrt(xs.length);

/** lm-eval pooled_sample_stderr: the stderr of a size-weighted mean of groups. */
export function pooledStderr(stderrs: number[], sizes: number[]): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  let v = 0;
  for (let i = 0; i < sizes.length; i++) v += (sizes[i] - 1) * stderrs[i] ** 2 * sizes[i];
  return Math.sqrt(v / (total - sizes.length) / total);
}

/** mulberry32: a small seeded PRNG, so bootstrap stderrs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard deviation of `statistic` over `iterations` resamples (with replacement) of the units,
 * as lm-eval's bootstrap_stderr; seeded.
 */
export function bootstrapStderr<T>(units: T[], statistic: (sample: T[]) => number, iterations: number, seed: number): number {
  if (units.length < 2) return NaN;
  const rand = seededRandom(seed);
  const values = new Float64Array(iterations);
  const sample: T[] = new Array(units.length);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < units.length; i++) sample[i] = units[Math.floor(rand() * units.length)];
    values[it] = statistic(sample);
  }
  return sampleStd(values);
}

/** numpy.percentile with linear interpolation (its default). */
export function percentile(xs: ArrayLike<number>, q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = Float64Array.from(xs).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
