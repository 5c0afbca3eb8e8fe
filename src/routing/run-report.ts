// The part of a results document a routing run writes (docs/routing-contract.md "What a run must
// record"): the resolved configuration with every option and convention, the live counts, and the
// offline replays of the original top-k trace. Plain data, so results can be re-read without a
// model; the zod schema is the one definition of the shape, and the types are inferred from it.

import { z } from 'zod';
import { CACHE_POLICY_IDS, REPLAY_POLICY_IDS, type ReplayPolicyId } from '../cache/cache-registry.js';

export type { ReplayPolicyId } from '../cache/cache-registry.js';
import { liveCountsSchema, liveSummarySchema, replayCountsSchema, replaySummarySchema } from '../cache/stats.js';
import { UPDATE_ORDERS } from '../cache/update-order.js';
import { CACHE_RESET_MODES, PREFILL_CACHE_MODES } from './lifecycle.js';
import { STRATEGY_PARAM_KEYS } from './strategies/params.js';
import { STRATEGY_IDS } from './strategy-registry.js';

export const ROUTING_REPORT_SCHEMA = 'moe-eval.routing-run/1';

const count = z.number().int().nonnegative();
const byPolicy = <T extends z.ZodType>(t: T) => z.looseObject(Object.fromEntries(REPLAY_POLICY_IDS.map((p) => [p, t])) as Record<ReplayPolicyId, T>);

/** The resolved parameters of a strategy: a subset of the parameter table's keys. */
export const strategyParamsSchema = z
  .object(Object.fromEntries(STRATEGY_PARAM_KEYS.map((k) => [k, z.number().optional()])) as Record<(typeof STRATEGY_PARAM_KEYS)[number], z.ZodOptional<z.ZodNumber>>)
  .catchall(z.number());

export const routingConfigRecordSchema = z.looseObject({
  strategy: z.looseObject({ id: z.enum(STRATEGY_IDS), params: strategyParamsSchema, description: z.string() }),
  /** null: no --cache (only routing is counted) */
  cache: z.looseObject({ policy: z.enum(CACHE_POLICY_IDS), capacityExpertsPerLayer: count }).nullable(),
  /** --lru-order: cache touch order within an event (also fifo load order, lfu recency tie-break) */
  lruOrder: z.enum(UPDATE_ORDERS),
  cacheReset: z.enum(CACHE_RESET_MODES),
  prefillCache: z.enum(PREFILL_CACHE_MODES),
  bytesPerExpert: z.number().nullable(),
  /** the router rule the strategies applied to (RouterRule.kind/description) */
  router: z.looseObject({ kind: z.string(), description: z.string(), numExperts: count, topK: count }),
  /** decoder-layer indices with routed experts, ascending */
  moeLayers: z.array(count),
  /** --delta-avg: the Δavg per MoE layer (ascending layers) fixed for the run, else null (running means) */
  fixedDeltaAvg: z.array(z.number()).nullable(),
  /** the tie rules and definitions the contract leaves open, as this run applied them */
  conventions: z.array(z.string()),
});
export type RoutingConfigRecord = z.infer<typeof routingConfigRecordSchema>;

export const routingReplayReportSchema = z.looseObject({
  /** the replayed trace: the model's own top-k of every event that touched the live cache */
  trace: z.literal('original-top-k'),
  capacityExpertsPerLayer: count,
  counts: byPolicy(replayCountsSchema),
  summary: byPolicy(replaySummarySchema),
});
export type RoutingReplayReport = z.infer<typeof routingReplayReportSchema>;

export const routingRunReportSchema = z.looseObject({
  schema: z.literal(ROUTING_REPORT_SCHEMA),
  config: routingConfigRecordSchema,
  /** raw, mergeable counts of the live run */
  counts: liveCountsSchema,
  /** rates and means derived from counts */
  summary: liveSummarySchema,
  /** per-layer strategy state at the end of the run (cache-prior: Δavg), null when stateless */
  strategyState: z.array(z.looseObject({ layer: count }).catchall(z.number())).nullable(),
  /** null without a cache (no capacity to replay with) */
  replays: routingReplayReportSchema.nullable(),
});
export type RoutingRunReport = z.infer<typeof routingRunReportSchema>;

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
