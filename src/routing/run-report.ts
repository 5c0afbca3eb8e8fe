// The JSON documents a routing run contributes to results (routing-contract.md "What a run must
// record"): the resolved configuration with every option and convention, the live counts, and the
// offline replays of the original top-k trace. Plain data only, so results can be re-read without a model.

import type { CachePolicyId } from '../cache/cache-registry.js';
import type { LiveCounts, LiveSummary, ReplayCounts, ReplaySummary } from '../cache/stats.js';
import type { UpdateOrder } from '../cache/update-order.js';
import type { CacheResetMode, PrefillCacheMode } from './lifecycle.js';

export const ROUTING_REPORT_SCHEMA = 'moe-eval.routing-run/1';

export interface RoutingConfigRecord {
  strategy: { id: string; params: Record<string, number>; description: string };
  /** null: no --cache (only routing is counted) */
  cache: { policy: CachePolicyId; capacityExpertsPerLayer: number } | null;
  /** --lru-order: cache touch order within an event (also fifo load order, lfu recency tie-break) */
  lruOrder: UpdateOrder;
  cacheReset: CacheResetMode;
  prefillCache: PrefillCacheMode;
  bytesPerExpert: number | null;
  /** the router rule the strategies applied to (RouterRule.kind/description) */
  router: { kind: string; description: string; numExperts: number; topK: number };
  /** decoder-layer indices with routed experts, ascending */
  moeLayers: number[];
  /** --delta-avg: the Δavg per MoE layer (ascending layers) fixed for the run, else null (running means) */
  fixedDeltaAvg: number[] | null;
  /** the tie rules and definitions the contract leaves open, as this run applied them */
  conventions: string[];
}

export const REPLAY_POLICIES = ['lru', 'lfu', 'fifo', 'belady'] as const;
export type ReplayPolicyId = (typeof REPLAY_POLICIES)[number];

export interface RoutingReplayReport {
  /** the replayed trace: the model's own top-k of every event that touched the live cache */
  trace: 'original-top-k';
  capacityExpertsPerLayer: number;
  counts: Record<ReplayPolicyId, ReplayCounts>;
  summary: Record<ReplayPolicyId, ReplaySummary>;
}

export interface RoutingRunReport {
  schema: typeof ROUTING_REPORT_SCHEMA;
  config: RoutingConfigRecord;
  /** raw, mergeable counts of the live run */
  counts: LiveCounts;
  /** rates and means derived from counts */
  summary: LiveSummary;
  /** per-layer strategy state at the end of the run (cache-prior: Δavg), null when stateless */
  strategyState: ({ layer: number } & Record<string, number>)[] | null;
  /** null without a cache (no capacity to replay with) */
  replays: RoutingReplayReport | null;
}

/** The conventions recorded in every config (the choices the contract leaves to the implementation). */
export const ROUTING_CONVENTIONS: readonly string[] = [
  'selected experts are ordered by descending applied mixing weight (float32), equal weights lower id first',
  'cache touch order: --lru-order over the applied weights, equal weights lower id first in both directions; fifo loads and lfu recency follow it',
  "pinning: an event's selected experts are never evicted by that event's own loads",
  'hits are counted against the resident set before the event',
  'lfu counts touches while resident (in-cache frequency); equal counts evict the least recent',
  "cache-prior: z' = z + λ·Δavg·protected in float32, then the router rule's own ranking of z' (softmax-topk: descending z', ties lower id); Δavg = sum/count of max(z)-min(z) in float64 including the current event, persistent across samples, not updated by --prefill-cache skip events",
  'max-rank / cumulative-threshold: positions in the rule ranking, rank = position + 1; the cumulative window sums rule probabilities in rank order (float64), and is every expert if the sum never reaches p',
  'belady: evicts the resident expert whose next counted use is farthest (uncounted uses count as never), ties lower id; pinned like the live caches',
  'tokens = counted events of the lowest MoE layer; miss rate = misses / (counted events × k)',
  'residency: routing events of the layer from the load (included) to eviction, reset or end of run (excluded), for experts loaded by counted misses',
  'evictions count those made by counted events; a reset is not an eviction',
  'saveState/restoreState (continuations of one context) roll back the caches and Δavg, not the statistics; the replays run over the original top-k events in the order they happened, as one fixed trace without the roll-backs',
];
