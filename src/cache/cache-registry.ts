// Registry of the live expert-cache policies (routing-contract.md "Caches": lru, lfu, fifo) and the
// validation of `--policy` and `--cache C`. Belady is not here: it is an offline replay (belady.ts).

import { usageError } from '../errors.js';
import type { CacheListener, ExpertCache, ExpertCacheOptions } from './expert-cache.js';
import { FifoExpertCache } from './fifo-cache.js';
import { LfuExpertCache } from './lfu-cache.js';
import { LruExpertCache } from './lru-cache.js';

export interface CachePolicyDefinition {
  readonly id: string;
  readonly summary: string;
  create(opts: ExpertCacheOptions): ExpertCache;
}

const definitions: readonly CachePolicyDefinition[] = [
  {
    id: 'lru',
    summary: 'least recently used (the paper); recency follows --lru-order within an event',
    create: (opts) => new LruExpertCache(opts),
  },
  {
    id: 'lfu',
    summary: 'least frequently used while resident; equal frequency evicts the least recent',
    create: (opts) => new LfuExpertCache(opts),
  },
  {
    id: 'fifo',
    summary: 'first loaded, first evicted; hits do not refresh; loads follow --lru-order',
    create: (opts) => new FifoExpertCache(opts),
  },
];

export const CACHE_POLICY_IDS = ['lru', 'lfu', 'fifo'] as const;
export type CachePolicyId = (typeof CACHE_POLICY_IDS)[number];
/** The contract's default policy (the paper's). */
export const DEFAULT_CACHE_POLICY: CachePolicyId = 'lru';

const registry: ReadonlyMap<string, CachePolicyDefinition> = new Map(definitions.map((d) => [d.id, d]));

export function getCachePolicy(id: string): CachePolicyDefinition {
  const def = registry.get(id);
  if (def) return def;
  const hint =
    id === 'belady'
      ? 'belady is an offline replay of the original routing trace, reported in every cached run next to the live numbers'
      : `use one of: ${CACHE_POLICY_IDS.join(', ')}`;
  throw usageError('unknown-cache-policy', `unknown cache policy "${id}" for --policy; valid: ${CACHE_POLICY_IDS.join(', ')}`, hint);
}

export function parseCachePolicy(id: string | undefined): CachePolicyId {
  return getCachePolicy(id ?? DEFAULT_CACHE_POLICY).id as CachePolicyId;
}

export function createExpertCache(policy: string, numExperts: number, capacity: number, listener?: CacheListener): ExpertCache {
  return getCachePolicy(policy).create({ numExperts, capacity, listener });
}

/** `--cache C`: experts per MoE layer, top-k ≤ C ≤ routed experts (the event's k experts must fit). */
export function validateCacheCapacity(capacity: number, topK: number, numExperts: number): number {
  if (Number.isInteger(capacity) && capacity >= topK && capacity <= numExperts) return capacity;
  throw usageError(
    'invalid-cache-capacity',
    `--cache must be an integer in [${topK}, ${numExperts}] (top-k to routed experts per layer); got ${capacity}`,
    `every routing event needs its ${topK} experts resident at once, and a layer has only ${numExperts} routed experts`,
  );
}
