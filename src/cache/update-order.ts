// The within-event update order of the expert caches (docs/routing-contract.md "One routing event",
// `--lru-order`): which selected expert a cache touches first. The same order is fifo's load order
// and lfu's recency tie-break; "selected in descending mixing weight" (the trace) uses the same sort.

import { usageError } from '../errors.js';

export const UPDATE_ORDERS = ['weight-desc-first', 'weight-asc-first'] as const;
export type UpdateOrder = (typeof UPDATE_ORDERS)[number];
/** The contract's default: as the paper's implementation is described. */
export const DEFAULT_UPDATE_ORDER: UpdateOrder = 'weight-desc-first';

export function parseUpdateOrder(value: string | undefined): UpdateOrder {
  if (value === undefined) return DEFAULT_UPDATE_ORDER;
  if ((UPDATE_ORDERS as readonly string[]).includes(value)) return value as UpdateOrder;
  throw usageError(
    'invalid-lru-order',
    `--lru-order must be one of ${UPDATE_ORDERS.join(', ')}; got "${value}"`,
    `use --lru-order ${DEFAULT_UPDATE_ORDER} (the default) or --lru-order weight-asc-first`,
  );
}

/**
 * Sorts the pairs (ids[i], weights[i]) for i < count in place: by weight descending (or ascending),
 * equal weights lower id first in BOTH directions (the contract says so for both orders, so
 * ascending is not simply the reverse of descending). Insertion sort: count is k (1..16), and
 * it allocates nothing.
 */
export function sortPairsByWeight(ids: Int32Array, weights: Float32Array, count: number, descending: boolean): void {
  for (let i = 1; i < count; i++) {
    const id = ids[i];
    const w = weights[i];
    let j = i - 1;
    while (j >= 0 && comesBefore(id, w, ids[j], weights[j], descending)) {
      ids[j + 1] = ids[j];
      weights[j + 1] = weights[j];
      j--;
    }
    ids[j + 1] = id;
    weights[j + 1] = w;
  }
}

function comesBefore(idA: number, wA: number, idB: number, wB: number, descending: boolean): boolean {
  if (wA === wB) return idA < idB;
  return descending ? wA > wB : wA < wB;
}

/** Copies the pairs into (outIds, outWeights) and sorts them into the cache touch order. */
export function touchOrderInto(
  ids: Int32Array,
  weights: Float32Array,
  count: number,
  order: UpdateOrder,
  outIds: Int32Array,
  outWeights: Float32Array,
): void {
  for (let i = 0; i < count; i++) {
    outIds[i] = ids[i];
    outWeights[i] = weights[i];
  }
  sortPairsByWeight(outIds, outWeights, count, order === 'weight-desc-first');
}
