// `cumulative-threshold` (docs/routing-contract.md "Strategies"; the paper's Algorithm 2): as max-rank,
// but the candidate window is the smallest prefix of the original ranking whose cumulative original
// probability is ≥ p. The sum runs in float64 in rank order; if rounding keeps it below p (p = 1),
// the window is every expert.

import { readThreshold, readTopJ, rejectUnusedParams } from './params.js';
import type { RoutingEventView, RoutingStrategy, StrategyDefinition } from './strategy.js';
import { selectWithinWindow } from './window-fill.js';

export const CUMULATIVE_THRESHOLD_ID = 'cumulative-threshold';

/** Smallest n ≥ 1 with sum of probs[order[0..n)] ≥ threshold; numExperts when never reached. */
export function cumulativeWindowSize(ev: RoutingEventView, threshold: number): number {
  const { order, probs, numExperts } = ev;
  let sum = 0;
  for (let p = 0; p < numExperts; p++) {
    sum += probs[order[p]];
    if (sum >= threshold) return p + 1;
  }
  return numExperts;
}

export const cumulativeThresholdStrategy = {
  id: CUMULATIVE_THRESHOLD_ID,
  summary: 'keep the original top-J, prefer resident experts inside the cumulative-probability window p (Algorithm 2)',
  params: ['topJ', 'threshold'] as const,
  needsCache: true,
  create(params, ctx): RoutingStrategy {
    rejectUnusedParams(CUMULATIVE_THRESHOLD_ID, params, cumulativeThresholdStrategy.params);
    const { topK, numExperts } = ctx.rule;
    const topJ = readTopJ(params, topK);
    const threshold = readThreshold(CUMULATIVE_THRESHOLD_ID, params);
    const chosen = new Uint8Array(numExperts);
    return {
      id: CUMULATIVE_THRESHOLD_ID,
      params: { topJ, threshold },
      description:
        `cumulative-threshold: keep the original top-${topJ}; fill the other ${topK - topJ} slots with resident experts inside ` +
        `the smallest original-rank prefix whose cumulative original probability is ≥ ${threshold}, best rank first, ` +
        `then with the best remaining experts in original rank order`,
      select: (_slot, ev, selected) => selectWithinWindow(ev, topJ, cumulativeWindowSize(ev, threshold), selected, chosen),
      layerState: () => null,
      saveState: () => null,
      restoreState: () => {},
    };
  },
} satisfies StrategyDefinition;
