// Registry of the routing strategies (routing-contract.md "Strategies"; design.md "registries with
// kebab-case ids"): an unknown id is a usage error that lists the valid ones.

import { usageError } from '../errors.js';
import { cachePriorStrategy } from './strategies/cache-prior.js';
import { cumulativeThresholdStrategy } from './strategies/cumulative-threshold.js';
import { maxRankStrategy } from './strategies/max-rank.js';
import type { RoutingStrategy, StrategyContext, StrategyDefinition, StrategyParams } from './strategies/strategy.js';
import { topkStrategy } from './strategies/topk.js';

export const STRATEGY_IDS = ['topk', 'cache-prior', 'max-rank', 'cumulative-threshold'] as const;
export type StrategyId = (typeof STRATEGY_IDS)[number];
export const DEFAULT_STRATEGY: StrategyId = 'topk';

const registry: ReadonlyMap<string, StrategyDefinition> = new Map(
  [topkStrategy, cachePriorStrategy, maxRankStrategy, cumulativeThresholdStrategy].map((d) => [d.id, d]),
);

export function getStrategy(id: string): StrategyDefinition {
  const def = registry.get(id);
  if (def) return def;
  throw usageError(
    'unknown-strategy',
    `unknown --strategy "${id}"; valid: ${STRATEGY_IDS.join(', ')}`,
    `use one of: ${STRATEGY_IDS.join(', ')}`,
  );
}

export function listStrategies(): readonly StrategyDefinition[] {
  return [...registry.values()];
}

/** Looks the id up, validates the parameters (usage errors name the flag) and builds the strategy. */
export function createStrategy(id: string, params: StrategyParams, ctx: StrategyContext): RoutingStrategy {
  return getStrategy(id).create(params, ctx);
}
