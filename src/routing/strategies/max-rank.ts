// `max-rank` (docs/routing-contract.md "Strategies"; the paper's Algorithm 1): keep the original top-J,
// fill the rest with resident experts of original rank ≤ M (1-based), best rank first, then with
// the best remaining experts in original order. Valid: 0 ≤ J ≤ k ≤ M ≤ E.

import { readMaxRank, readTopJ, rejectUnusedParams } from './params.js';
import type { RoutingStrategy, StrategyDefinition } from './strategy.js';
import { selectWithinWindow } from './window-fill.js';

export const MAX_RANK_ID = 'max-rank';

export const maxRankStrategy = {
  id: MAX_RANK_ID,
  summary: 'keep the original top-J, prefer resident experts of original rank ≤ M (Algorithm 1)',
  params: ['topJ', 'maxRank'] as const,
  needsCache: true,
  create(params, ctx): RoutingStrategy {
    rejectUnusedParams(MAX_RANK_ID, params, maxRankStrategy.params);
    const { topK, numExperts } = ctx.rule;
    const topJ = readTopJ(params, topK);
    const maxRank = readMaxRank(MAX_RANK_ID, params, topK, numExperts);
    const chosen = new Uint8Array(numExperts);
    return {
      id: MAX_RANK_ID,
      params: { topJ, maxRank },
      description:
        `max-rank: keep the original top-${topJ}; fill the other ${topK - topJ} slots with resident experts of original ` +
        `rank ≤ ${maxRank} (1-based), best rank first, then with the best remaining experts in original rank order`,
      select: (_slot, ev, selected) => selectWithinWindow(ev, topJ, maxRank, selected, chosen),
      layerState: () => null,
      saveState: () => null,
      restoreState: () => {},
    };
  },
} satisfies StrategyDefinition;
