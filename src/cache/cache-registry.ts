// Registry of the expert-cache policies (docs/routing-contract.md "Caches"): the one list that the
// live caches (--policy), the offline replays of every cached run, the results schema and the
// output tables read. lru, lfu and fifo run live and as replays; belady is the offline optimum for
// a fixed trace, so it exists only as a replay.

import { usageError } from '../errors.js';
import type { AccessTrace } from './access-trace.js';
import { BeladyReplayer } from './belady.js';
import type { CacheListener, ExpertCache, ExpertCacheOptions } from './expert-cache.js';
import { FifoExpertCache } from './fifo-cache.js';
import { LfuExpertCache } from './lfu-cache.js';
import { LruExpertCache } from './lru-cache.js';
import { PolicyReplayer, type TraceReplayer } from './replay.js';
import type { HitCounts } from './stats.js';

interface PolicyDefinition {
  readonly id: string;
  readonly summary: string;
  /** a live cache of this policy; absent for offline-only policies */
  readonly live?: (opts: ExpertCacheOptions) => ExpertCache;
}

const POLICIES = [
  { id: 'lru', summary: 'least recently used (the paper); recency follows --lru-order within an event', live: (opts) => new LruExpertCache(opts) },
  { id: 'lfu', summary: 'least frequently used while resident; equal frequency evicts the least recent', live: (opts) => new LfuExpertCache(opts) },
  { id: 'fifo', summary: 'first loaded, first evicted; hits do not refresh; loads follow --lru-order', live: (opts) => new FifoExpertCache(opts) },
  { id: 'belady', summary: 'offline optimum for the fixed trace of original top-k routing (evicts the expert used farthest in the future)' },
] as const satisfies readonly PolicyDefinition[];

type Policy = (typeof POLICIES)[number];
/** every policy: what each cached run replays its original top-k trace through, in this order */
export type ReplayPolicyId = Policy['id'];
/** the policies a live cache can run (--policy) */
export type CachePolicyId = Extract<Policy, { live: unknown }>['id'];

export const REPLAY_POLICY_IDS = POLICIES.map((p) => p.id) as [ReplayPolicyId, ...ReplayPolicyId[]];
export const CACHE_POLICY_IDS = POLICIES.filter((p): p is Extract<Policy, { live: unknown }> => 'live' in p).map((p) => p.id) as [CachePolicyId, ...CachePolicyId[]];
/** The contract's default policy (the paper's). */
export const DEFAULT_CACHE_POLICY: CachePolicyId = 'lru';

const byId: ReadonlyMap<string, PolicyDefinition> = new Map(POLICIES.map((p) => [p.id, p]));

export function parseCachePolicy(id: string | undefined): CachePolicyId {
  const value = id ?? DEFAULT_CACHE_POLICY;
  if ((CACHE_POLICY_IDS as readonly string[]).includes(value)) return value as CachePolicyId;
  const hint = byId.has(value)
    ? `${value} is an offline replay of the original routing trace, reported in every cached run next to the live numbers`
    : `use one of: ${CACHE_POLICY_IDS.join(', ')}`;
  throw usageError('unknown-cache-policy', `unknown cache policy "${value}" for --policy; valid: ${CACHE_POLICY_IDS.join(', ')}`, hint);
}

export function createExpertCache(policy: string, numExperts: number, capacity: number, listener?: CacheListener): ExpertCache {
  const live = byId.get(parseCachePolicy(policy))!.live!;
  return live({ numExperts, capacity, listener });
}

/** A replayer of `policy` over reset units of a fixed trace (k experts per event). */
export function createReplayer(policy: ReplayPolicyId, numExperts: number, capacity: number, topK: number): TraceReplayer {
  const live = byId.get(policy)!.live;
  return live ? new PolicyReplayer(live({ numExperts, capacity }), topK) : new BeladyReplayer(numExperts, capacity);
}

/** One replay of a whole trace from an empty cache (tools and tests). */
export function replayTrace(policy: ReplayPolicyId, trace: AccessTrace, numExperts: number, capacity: number): HitCounts {
  const counts: HitCounts = { accesses: 0, hits: 0, misses: 0 };
  createReplayer(policy, numExperts, capacity, trace.k).run(trace, counts);
  return counts;
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
