// Registry of the routing strategies (docs/routing-contract.md "Strategies"): the one list of
// strategy ids. Flags, sweep axes and the results schema read their ids and parameters from here;
// an unknown id is a usage error that lists the valid ones.

import { usageError } from '../errors.js';
import { cachePriorStrategy } from './strategies/cache-prior.js';
import { cumulativeThresholdStrategy } from './strategies/cumulative-threshold.js';
import { maxRankStrategy } from './strategies/max-rank.js';
import type { RoutingStrategy, StrategyContext, StrategyDefinition, StrategyParams } from './strategies/strategy.js';
import { topkStrategy } from './strategies/topk.js';

const DEFINITIONS = [topkStrategy, cachePriorStrategy, maxRankStrategy, cumulativeThresholdStrategy] as const;

export type StrategyId = (typeof DEFINITIONS)[number]['id'];
export const STRATEGY_IDS = DEFINITIONS.map((d) => d.id) as [StrategyId, ...StrategyId[]];
export const DEFAULT_STRATEGY: StrategyId = 'topk';

const registry: ReadonlyMap<string, StrategyDefinition> = new Map(DEFINITIONS.map((d) => [d.id, d]));

export function getStrategy(id: string): StrategyDefinition {
  const def = registry.get(id);
  if (def) return def;
  throw usageError('unknown-strategy', `unknown --strategy "${id}"; valid: ${STRATEGY_IDS.join(', ')}`, `use one of: ${STRATEGY_IDS.join(', ')}`);
}

/** Looks the id up, validates the parameters (usage errors name the flag) and builds the strategy. */
export function createStrategy(id: string, params: StrategyParams, ctx: StrategyContext): RoutingStrategy {
  return getStrategy(id).create(params, ctx);
}
