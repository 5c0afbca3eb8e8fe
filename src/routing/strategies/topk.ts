// `topk` (docs/routing-contract.md "Strategies"): the model's own top-k, order[0..k) of the rule's
// ranking. The baseline; it must reproduce the model exactly, so it does nothing else.

import { rejectUnusedParams } from './params.js';
import type { RoutingEventView, RoutingStrategy, StrategyDefinition } from './strategy.js';

export const TOPK_ID = 'topk';

/** order[0..k) into selected: the model's own top-k in the model's order. */
export function copyOriginalTopK(ev: RoutingEventView, selected: Int32Array): void {
  for (let i = 0; i < ev.topK; i++) selected[i] = ev.order[i];
}

export const topkStrategy = {
  id: TOPK_ID,
  summary: "the model's own top-k (baseline)",
  params: [] as const,
  needsCache: false,
  create(params, ctx): RoutingStrategy {
    rejectUnusedParams(TOPK_ID, params, topkStrategy.params);
    return {
      id: TOPK_ID,
      params: {},
      description: `topk: the model's own top-${ctx.rule.topK} of the rule's ranking`,
      select: (_slot, ev, selected) => copyOriginalTopK(ev, selected),
      layerState: () => null,
      saveState: () => null,
      restoreState: () => {},
    };
  },
} satisfies StrategyDefinition;
