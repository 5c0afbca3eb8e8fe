// The strategy parameters, declared once (docs/routing-contract.md "Strategies": λ in [0, 1],
// 0 ≤ J ≤ k ≤ M ≤ E, 0 < p ≤ 1). The command-line flags, the sweep axes, the report labels and the
// results schema are all derived from this table, so a new parameter is one entry here.
// Every validation error is a usage error that names the flag and its valid range.

import { usageError } from '../../errors.js';

export interface StrategyParamSpec {
  /** command-line flag without dashes (also the sweep list flag) */
  readonly flag: string;
  /** symbol in reports, as in the paper */
  readonly symbol: string;
  /** short label in sweep point ids, e.g. cache-prior-lambda0.25 */
  readonly idLabel: string;
  readonly kind: 'real' | 'integer';
  /** the value that changes nothing anywhere; such a parameter may be given to any strategy and is omitted from labels */
  readonly neutral?: number;
  readonly description: string;
}

export const STRATEGY_PARAMS = {
  lambda: { flag: 'lambda', symbol: 'λ', idLabel: 'lambda', kind: 'real', description: "cache-prior strength λ in [0, 1]: z' = z + λ·Δavg·[resident or original top-J]" },
  topJ: { flag: 'top-j', symbol: 'J', idLabel: 'topj', kind: 'integer', neutral: 0, description: 'original top-J experts always kept (0 ≤ J ≤ k; default 0)' },
  maxRank: { flag: 'max-rank', symbol: 'M', idLabel: 'maxrank', kind: 'integer', description: 'max-rank: resident experts of original rank ≤ M may replace (k ≤ M ≤ experts)' },
  threshold: { flag: 'threshold', symbol: 'p', idLabel: 'p', kind: 'real', description: 'cumulative-threshold: candidate window = smallest prefix with cumulative probability ≥ p (0 < p ≤ 1)' },
} as const satisfies Record<string, StrategyParamSpec>;

export type StrategyParamKey = keyof typeof STRATEGY_PARAMS;
export const STRATEGY_PARAM_KEYS = Object.keys(STRATEGY_PARAMS) as StrategyParamKey[];

/** Strategy parameters as a caller gives them; undefined = not given. */
export type StrategyParams = Partial<Record<StrategyParamKey, number>>;

const spec = (key: StrategyParamKey): StrategyParamSpec => STRATEGY_PARAMS[key];
const flagOf = (key: StrategyParamKey) => `--${spec(key).flag}`;

/**
 * A parameter the strategy does not take would be silently ignored and mislabel the run, so it is an
 * error; the one exception is a parameter at its neutral value (`--top-j 0`), which changes nothing.
 */
export function rejectUnusedParams(strategyId: string, params: StrategyParams, used: readonly StrategyParamKey[]): void {
  for (const key of STRATEGY_PARAM_KEYS) {
    const value = params[key];
    if (value === undefined || used.includes(key) || value === spec(key).neutral) continue;
    throw usageError(
      'strategy-param-not-applicable',
      `${flagOf(key)} does not apply to --strategy ${strategyId}`,
      used.length > 0 ? `--strategy ${strategyId} takes ${used.map(flagOf).join(', ')}` : `--strategy ${strategyId} takes no parameters`,
    );
  }
}

function required(strategyId: string, key: StrategyParamKey, value: number | undefined, range: string): number {
  if (value === undefined) {
    throw usageError('strategy-param-missing', `--strategy ${strategyId} needs ${flagOf(key)} (${range})`, `add ${flagOf(key)} (${range})`);
  }
  return value;
}

function invalid(key: StrategyParamKey, value: number, range: string): never {
  throw usageError(`invalid-${spec(key).flag}`, `${flagOf(key)} must be ${range}; got ${value}`, `pass ${flagOf(key)} as ${range}`);
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
  const v = params.topJ ?? STRATEGY_PARAMS.topJ.neutral;
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

/** "λ=0.25, J=1": the parameters in table order, neutral values omitted, unknown keys last. */
export function paramsLabel(params: Readonly<Record<string, number>>): string {
  const parts = STRATEGY_PARAM_KEYS.filter((k) => params[k] !== undefined && params[k] !== spec(k).neutral).map((k) => `${spec(k).symbol}=${params[k]}`);
  const known = new Set<string>(STRATEGY_PARAM_KEYS);
  for (const key of Object.keys(params).sort()) if (!known.has(key)) parts.push(`${key}=${params[key]}`);
  return parts.join(', ');
}
