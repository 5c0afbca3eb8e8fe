// The gate's limits (`--max-accuracy-drop 0.01` …), each a number or "off", the noise multiplier
// `--z` and the latency source. The defaults suit a CI subset of
// tens of documents; parsing errors name the flag.

import { usageError } from '../errors.js';

export const LATENCY_SOURCES = ['modeled', 'measured', 'off'] as const;
export type LatencySource = (typeof LATENCY_SOURCES)[number];

export interface Thresholds {
  /** absolute drop of a mean metric (accuracy, exact match), in its own units */
  maxAccuracyDrop: number | null;
  /** relative rise of a perplexity */
  maxPerplexityRise: number | null;
  /** absolute live miss rate of the run */
  maxMissRate: number | null;
  /** relative reduction of the miss rate vs topk routing with an LRU cache of the same size */
  minMissReduction: number | null;
  /** relative rise of the miss rate vs the baseline's own miss rate */
  maxMissRateRise: number | null;
  /** relative rise of ms/token vs the baseline */
  maxLatencyRegression: number | null;
  /** noise allowance in paired standard errors */
  z: number;
  latencySource: LatencySource;
}

/** Flag name → default, in the order of the verdict table. */
export const THRESHOLD_FLAGS = {
  'max-accuracy-drop': '0.01',
  'max-perplexity-rise': '0.03',
  'max-miss-rate': '0.3',
  'min-miss-reduction': '0.4',
  'max-miss-rate-rise': 'off',
  'max-latency-regression': '0.1',
} as const;

export type ThresholdFlag = keyof typeof THRESHOLD_FLAGS;

function parseLimit(flag: string, text: string, max?: number): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'none') return null;
  const v = Number(t);
  if (t === '' || !Number.isFinite(v) || v < 0 || (max !== undefined && v > max)) {
    throw usageError(`invalid-${flag}`, `--${flag} must be a number ≥ 0${max !== undefined ? ` and ≤ ${max}` : ''}, or "off"; got "${text}"`, `e.g. --${flag} ${THRESHOLD_FLAGS[flag as ThresholdFlag] ?? '0.1'}`);
  }
  return v;
}

export function parseThresholds(flags: Partial<Record<ThresholdFlag, string>> & { z?: string; 'latency-source'?: string }): Thresholds {
  const get = (f: ThresholdFlag) => flags[f] ?? THRESHOLD_FLAGS[f];
  const zText = flags.z ?? '1.96';
  const z = Number(zText);
  if (!Number.isFinite(z) || z < 0) throw usageError('invalid-z', `--z must be a number ≥ 0; got "${zText}"`, 'e.g. --z 1.96 (one-sided 97.5%), --z 0 to ignore noise');
  const source = flags['latency-source'] ?? 'modeled';
  if (!(LATENCY_SOURCES as readonly string[]).includes(source)) {
    throw usageError('invalid-latency-source', `--latency-source must be one of ${LATENCY_SOURCES.join(', ')}; got "${source}"`, 'modeled is deterministic; measured timings are noisy on shared CI machines');
  }
  return {
    maxAccuracyDrop: parseLimit('max-accuracy-drop', get('max-accuracy-drop'), 1),
    maxPerplexityRise: parseLimit('max-perplexity-rise', get('max-perplexity-rise')),
    maxMissRate: parseLimit('max-miss-rate', get('max-miss-rate'), 1),
    minMissReduction: parseLimit('min-miss-reduction', get('min-miss-reduction'), 1),
    maxMissRateRise: parseLimit('max-miss-rate-rise', get('max-miss-rate-rise')),
    maxLatencyRegression: parseLimit('max-latency-regression', get('max-latency-regression')),
    z,
    latencySource: source as LatencySource,
  };
}
