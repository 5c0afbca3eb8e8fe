// The selection shared by max-rank (Algorithm 1) and cumulative-threshold (Algorithm 2) of the
// paper, as docs/routing-contract.md "Strategies" words it: keep the original top-J; fill the other k−J
// slots with resident experts inside the candidate window (original positions < windowSize), best
// rank first; if fewer qualify, fill with the best remaining experts in original rank order.

import type { RoutingEventView } from './strategy.js';

/**
 * @param windowSize candidate window in original ranks: rank ≤ windowSize (positions < windowSize)
 * @param chosen     scratch [E], all 0 on entry and on return
 */
export function selectWithinWindow(ev: RoutingEventView, topJ: number, windowSize: number, selected: Int32Array, chosen: Uint8Array): void {
  const { order, resident, topK, numExperts } = ev;
  let n = 0;
  for (let p = 0; p < topJ; p++) {
    const id = order[p];
    selected[n++] = id;
    chosen[id] = 1;
  }
  const window = Math.min(windowSize, numExperts);
  for (let p = topJ; p < window && n < topK; p++) {
    const id = order[p];
    if (resident[id] === 1) {
      selected[n++] = id;
      chosen[id] = 1;
    }
  }
  for (let p = topJ; p < numExperts && n < topK; p++) {
    const id = order[p];
    if (chosen[id] === 0) {
      selected[n++] = id;
      chosen[id] = 1;
    }
  }
  for (let i = 0; i < n; i++) chosen[selected[i]] = 0;
}
