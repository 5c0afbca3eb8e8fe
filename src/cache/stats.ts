// The run statistics of routing and expert caches (docs/routing-contract.md "What a run must record").
// Raw counts are plain sums, so shards of a run merge by addition (mergeLiveCounts,
// mergeReplayCounts); rates and means are derived from merged counts only (summarise*).

import { z } from 'zod';
import { runtimeError } from '../errors.js';

const count = z.number().int().nonnegative();
const rate = z.number().nullable();

const hitCounts = { accesses: count, hits: count, misses: count };
/** accesses = counted events × k */
export const hitCountsSchema = z.looseObject(hitCounts);
export type HitCounts = z.infer<typeof hitCountsSchema>;

/** Per layer: counted events, events whose selected set differs from the model's own top-k, the
 * selected experts outside it and the sum of their original 1-based ranks. */
const layerRoutingCounts = z.looseObject({ layer: count, events: count, changedEvents: count, substitutedExperts: count, substitutedRankSum: count });

/** Evictions are those made by counted events (resets are not evictions); residency is in routing
 * events of the layer, of experts loaded by counted misses. */
const cacheTotals = { ...hitCounts, evictions: count, residencyEventsSum: count, residencyCount: count };
const cacheCounts = z.looseObject({ ...cacheTotals, perLayer: z.array(z.looseObject({ layer: count, ...cacheTotals })) });
export type CacheCounts = z.infer<typeof cacheCounts>;

/** What the live run did: routing changes always, cache numbers only when the run has a cache;
 * tokens = counted events of the lowest MoE layer. */
export const liveCountsSchema = z.looseObject({
  topK: count,
  events: count,
  tokens: count,
  changedEvents: count,
  substitutedExperts: count,
  substitutedRankSum: count,
  perLayer: z.array(layerRoutingCounts),
  cache: cacheCounts.nullable(),
});
export type LiveCounts = z.infer<typeof liveCountsSchema>;

/** One offline replay (a policy of cache-registry.ts) of the original top-k trace. */
export const replayCountsSchema = z.looseObject({ policy: z.string(), ...hitCounts, perLayer: z.array(z.looseObject({ layer: count, ...hitCounts })) });
export type ReplayCounts = z.infer<typeof replayCountsSchema>;

/** Rates and means derived from LiveCounts: missRate = misses / accesses; meanSubstitutedRank =
 * mean original rank of the experts that replaced original top-k experts; bytesMoved = misses ×
 * bytes per expert at the stored precision (null when the bytes are unknown). */
export const liveSummarySchema = z.looseObject({
  events: count,
  tokens: count,
  changedFraction: rate,
  meanSubstitutedRank: rate,
  accesses: count.nullable(),
  hits: count.nullable(),
  misses: count.nullable(),
  missRate: rate,
  missesPerToken: rate,
  meanResidencyEvents: rate,
  bytesMoved: rate,
  perLayer: z.array(z.looseObject({ layer: count, events: count, changedFraction: rate, missRate: rate })),
});
export type LiveSummary = z.infer<typeof liveSummarySchema>;

export const replaySummarySchema = z.looseObject({
  policy: z.string(),
  ...hitCounts,
  missRate: rate,
  missesPerToken: rate,
  bytesMoved: rate,
  perLayer: z.array(z.looseObject({ layer: count, missRate: rate })),
});
export type ReplaySummary = z.infer<typeof replaySummarySchema>;

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export function summariseLive(counts: LiveCounts, bytesPerExpert: number | null): LiveSummary {
  const cache = counts.cache;
  const cacheByLayer = new Map((cache?.perLayer ?? []).map((l) => [l.layer, l]));
  return {
    events: counts.events,
    tokens: counts.tokens,
    changedFraction: ratio(counts.changedEvents, counts.events),
    meanSubstitutedRank: ratio(counts.substitutedRankSum, counts.substitutedExperts),
    accesses: cache ? cache.accesses : null,
    hits: cache ? cache.hits : null,
    misses: cache ? cache.misses : null,
    missRate: cache ? ratio(cache.misses, cache.accesses) : null,
    missesPerToken: cache ? ratio(cache.misses, counts.tokens) : null,
    meanResidencyEvents: cache ? ratio(cache.residencyEventsSum, cache.residencyCount) : null,
    bytesMoved: cache && bytesPerExpert !== null ? cache.misses * bytesPerExpert : null,
    perLayer: counts.perLayer.map((l) => {
      const c = cacheByLayer.get(l.layer);
      return {
        layer: l.layer,
        events: l.events,
        changedFraction: ratio(l.changedEvents, l.events),
        missRate: c ? ratio(c.misses, c.accesses) : null,
      };
    }),
  };
}

export function summariseReplay(counts: ReplayCounts, tokens: number, bytesPerExpert: number | null): ReplaySummary {
  return {
    policy: counts.policy,
    accesses: counts.accesses,
    hits: counts.hits,
    misses: counts.misses,
    missRate: ratio(counts.misses, counts.accesses),
    missesPerToken: ratio(counts.misses, tokens),
    bytesMoved: bytesPerExpert !== null ? counts.misses * bytesPerExpert : null,
    perLayer: counts.perLayer.map((l) => ({ layer: l.layer, missRate: ratio(l.misses, l.accesses) })),
  };
}

/** Adds every numeric field of b to a copy of a; perLayer rows are matched by layer index. */
function addNumbers<T extends object>(a: T, b: T): T {
  const out = { ...a } as Record<string, unknown>;
  for (const [key, value] of Object.entries(b)) {
    if (typeof value === 'number' && key !== 'layer' && key !== 'topK') out[key] = (out[key] as number) + value;
  }
  return out as T;
}

function mergeRows<T extends { layer: number }>(a: readonly T[], b: readonly T[]): T[] {
  const byLayer = new Map<number, T>();
  for (const row of a) byLayer.set(row.layer, { ...row });
  for (const row of b) {
    const prev = byLayer.get(row.layer);
    byLayer.set(row.layer, prev ? addNumbers(prev, row) : { ...row });
  }
  return [...byLayer.values()].sort((x, y) => x.layer - y.layer);
}

function mergeCache(a: CacheCounts | null, b: CacheCounts | null): CacheCounts | null {
  if (a === null && b === null) return null;
  if (a === null || b === null) {
    throw runtimeError('stats-merge-mismatch', 'cannot merge the statistics of a cached run with those of an uncached run');
  }
  return { ...addNumbers(a, b), perLayer: mergeRows(a.perLayer, b.perLayer) };
}

/** Merges two shards of the same run configuration. */
export function mergeLiveCounts(a: LiveCounts, b: LiveCounts): LiveCounts {
  if (a.topK !== b.topK) throw runtimeError('stats-merge-mismatch', `cannot merge runs with top-k ${a.topK} and ${b.topK}`);
  return {
    ...addNumbers(a, b),
    perLayer: mergeRows(a.perLayer, b.perLayer),
    cache: mergeCache(a.cache, b.cache),
  };
}

export function mergeReplayCounts(a: ReplayCounts, b: ReplayCounts): ReplayCounts {
  if (a.policy !== b.policy) throw runtimeError('stats-merge-mismatch', `cannot merge ${a.policy} and ${b.policy} replays`);
  return { ...addNumbers(a, b), policy: a.policy, perLayer: mergeRows(a.perLayer, b.perLayer) };
}
