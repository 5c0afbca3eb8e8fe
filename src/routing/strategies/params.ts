// Validation of the strategy flags (routing-contract.md "Strategies": λ in [0, 1], 0 ≤ J ≤ k ≤ M ≤ E,
// 0 < p ≤ 1). Every error is a usage error that names the flag and its valid range.

import { usageError } from '../../errors.js';
import type { StrategyParams } from './strategy.js';

export const FLAG_OF: Readonly<Record<keyof StrategyParams, string>> = {
  lambda: '--lambda',
  topJ: '--top-j',
  maxRank: '--max-rank',
  threshold: '--threshold',
};

/** What the flags default to when not given (only --top-j has a contract default). */
const NEUTRAL: Partial<Record<keyof StrategyParams, number>> = { topJ: 0 };

/**
 * A flag the strategy does not take would be silently ignored and mislabel the run, so it is an
 * error; the one exception is the neutral default `--top-j 0`, which changes nothing anywhere.
 */
export function rejectUnusedParams(strategyId: string, params: StrategyParams, used: readonly (keyof StrategyParams)[]): void {
  for (const key of Object.keys(FLAG_OF) as (keyof StrategyParams)[]) {
    const value = params[key];
    if (value === undefined || used.includes(key) || value === NEUTRAL[key]) continue;
    throw usageError(
      'strategy-param-not-applicable',
      `${FLAG_OF[key]} does not apply to --strategy ${strategyId}`,
      used.length > 0
        ? `--strategy ${strategyId} takes ${used.map((u) => FLAG_OF[u]).join(', ')}`
        : `--strategy ${strategyId} takes no parameters`,
    );
  }
}

function required(strategyId: string, key: keyof StrategyParams, value: number | undefined, range: string): number {
  if (value === undefined) {
    throw usageError('strategy-param-missing', `--strategy ${strategyId} needs ${FLAG_OF[key]} (${range})`, `add ${FLAG_OF[key]} (${range})`);
  }
  return value;
}

function invalid(key: keyof StrategyParams, value: number, range: string, why = ''): never {
  throw usageError(`invalid-${FLAG_OF[key].slice(2)}`, `${FLAG_OF[key]} must be ${range}${why}; got ${value}`, `pass ${FLAG_OF[key]} as ${range}`);
}

/** --lambda: the cache-prior strength, a real number in [0, 1]; required (no silent default). */
export function readLambda(strategyId: string, params: StrategyParams): number {
  const range = 'a number in [0, 1]';
  const v = required(strategyId, 'lambda', params.lambda, range);
  if (!(Number.isFinite(v) && v >= 0 && v <= 1)) invalid('lambda', v, range);
  return v;
}

/** --top-j: original top-J experts always kept/protected; integer 0 ≤ J ≤ k, default 0. */
export function readTopJ(params: StrategyParams, topK: number): number {
  const v = params.topJ ?? 0;
  const range = `an integer in [0, ${topK}] (0 to top-k)`;
  if (!(Number.isInteger(v) && v >= 0 && v <= topK)) invalid('topJ', v, range);
  return v;
}

/** --max-rank M: resident experts of original rank ≤ M may replace; integer k ≤ M ≤ E; required. */
export function readMaxRank(strategyId: string, params: StrategyParams, topK: number, numExperts: number): number {
  const range = `an integer in [${topK}, ${numExperts}] (top-k to routed experts)`;
  const v = required(strategyId, 'maxRank', params.maxRank, range);
  if (!(Number.isInteger(v) && v >= topK && v <= numExperts)) invalid('maxRank', v, range);
  return v;
}

/** --threshold p: cumulative original probability of the candidate window, 0 < p ≤ 1; required. */
export function readThreshold(strategyId: string, params: StrategyParams): number {
  const range = 'a number in (0, 1]';
  const v = required(strategyId, 'threshold', params.threshold, range);
  if (!(Number.isFinite(v) && v > 0 && v <= 1)) invalid('threshold', v, range);
  return v;
}
