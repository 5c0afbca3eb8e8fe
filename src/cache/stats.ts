// The run statistics of routing and expert caches (routing-contract.md "What a run must record").
// Raw counts are plain sums, so shards of a run merge by addition (mergeLiveCounts,
// mergeReplayCounts); rates and means are derived from merged counts only (summarise*).

import { runtimeError } from '../errors.js';

export interface HitCounts {
  /** counted expert accesses: counted events × k */
  accesses: number;
  hits: number;
  misses: number;
}

export interface LayerRoutingCounts {
  /** 0-based decoder-layer index */
  layer: number;
  /** counted routing events of this layer */
  events: number;
  /** events whose selected set differs from the model's own top-k */
  changedEvents: number;
  /** selected experts that are not in the model's own top-k */
  substitutedExperts: number;
  /** sum of their original 1-based ranks */
  substitutedRankSum: number;
}

export interface LayerCacheCounts extends HitCounts {
  layer: number;
  /** evictions made by counted events (resets are not evictions) */
  evictions: number;
  /** residency, in routing events of the layer, of experts loaded by counted misses */
  residencyEventsSum: number;
  residencyCount: number;
}

export interface CacheCounts extends HitCounts {
  evictions: number;
  residencyEventsSum: number;
  residencyCount: number;
  perLayer: LayerCacheCounts[];
}

/** What the live run did: routing changes always, cache numbers only when the run has a cache. */
export interface LiveCounts {
  topK: number;
  events: number;
  /** counted tokens: counted events of the lowest MoE layer */
  tokens: number;
  changedEvents: number;
  substitutedExperts: number;
  substitutedRankSum: number;
  perLayer: LayerRoutingCounts[];
  cache: CacheCounts | null;
}

export interface ReplayLayerCounts extends HitCounts {
  layer: number;
}

/** One offline replay (lru | lfu | fifo | belady) of the original top-k trace. */
export interface ReplayCounts extends HitCounts {
  policy: string;
  perLayer: ReplayLayerCounts[];
}

export interface LayerSummary {
  layer: number;
  events: number;
  changedFraction: number | null;
  missRate: number | null;
}

export interface LiveSummary {
  events: number;
  tokens: number;
  /** events whose routing differs from the original top-k / counted events */
  changedFraction: number | null;
  /** mean original 1-based rank of the experts that replaced original top-k experts */
  meanSubstitutedRank: number | null;
  accesses: number | null;
  hits: number | null;
  misses: number | null;
  /** misses / (tokens × MoE layers × k) = misses / accesses */
  missRate: number | null;
  missesPerToken: number | null;
  /** mean residency of an expert loaded by a counted miss, in routing events of its layer */
  meanResidencyEvents: number | null;
  /** misses × bytes per expert at the stored precision; null when the bytes are unknown */
  bytesMoved: number | null;
  perLayer: LayerSummary[];
}

export interface ReplaySummary {
  policy: string;
  accesses: number;
  hits: number;
  misses: number;
  missRate: number | null;
  missesPerToken: number | null;
  bytesMoved: number | null;
  perLayer: { layer: number; missRate: number | null }[];
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export function emptyHitCounts(): HitCounts {
  return { accesses: 0, hits: 0, misses: 0 };
}

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
