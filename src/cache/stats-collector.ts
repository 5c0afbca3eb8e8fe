// Accumulates the live statistics of a run in typed arrays per MoE layer (docs/routing-contract.md "What a
// run must record"), with nothing allocated per event; toCounts() turns them into the plain,
// mergeable LiveCounts of stats.ts.

import type { HitCounts, LiveCounts, ReplayCounts } from './stats.js';

export class LiveStatsCollector {
  readonly layers: readonly number[];
  readonly topK: number;
  readonly hasCache: boolean;
  // [layers] each; float64 so counts stay exact far beyond 2^32
  private readonly events: Float64Array;
  private readonly changedEvents: Float64Array;
  private readonly substitutedExperts: Float64Array;
  private readonly substitutedRankSum: Float64Array;
  private readonly hits: Float64Array;
  private readonly misses: Float64Array;
  private readonly evictions: Float64Array;
  private readonly residencySum: Float64Array;
  private readonly residencyCount: Float64Array;

  /** @param layers decoder-layer index of every slot, ascending (slot 0 = lowest MoE layer) */
  constructor(layers: readonly number[], topK: number, hasCache: boolean) {
    this.layers = layers;
    this.topK = topK;
    this.hasCache = hasCache;
    const n = layers.length;
    this.events = new Float64Array(n);
    this.changedEvents = new Float64Array(n);
    this.substitutedExperts = new Float64Array(n);
    this.substitutedRankSum = new Float64Array(n);
    this.hits = new Float64Array(n);
    this.misses = new Float64Array(n);
    this.evictions = new Float64Array(n);
    this.residencySum = new Float64Array(n);
    this.residencyCount = new Float64Array(n);
  }

  /** One counted event: whether routing differs from the original top-k and by how much. */
  recordRouting(slot: number, substituted: number, substitutedRankSum: number): void {
    this.events[slot] += 1;
    if (substituted > 0) this.changedEvents[slot] += 1;
    this.substitutedExperts[slot] += substituted;
    this.substitutedRankSum[slot] += substitutedRankSum;
  }

  recordHits(slot: number, hits: number, misses: number): void {
    this.hits[slot] += hits;
    this.misses[slot] += misses;
  }

  recordEviction(slot: number): void {
    this.evictions[slot] += 1;
  }

  recordResidency(slot: number, residencyEvents: number): void {
    this.residencySum[slot] += residencyEvents;
    this.residencyCount[slot] += 1;
  }

  /** Counted events, cache accesses and misses so far, over every layer. */
  totals(): { events: number; accesses: number; misses: number } {
    let events = 0;
    let misses = 0;
    for (let slot = 0; slot < this.layers.length; slot++) {
      events += this.events[slot];
      misses += this.misses[slot];
    }
    return { events, accesses: this.hasCache ? events * this.topK : 0, misses };
  }

  /** The raw per-slot sums, to continue an interrupted run exactly (resume). */
  exportDurable(): Record<string, Float64Array> {
    const { events, changedEvents, substitutedExperts, substitutedRankSum, hits, misses, evictions, residencySum, residencyCount } = this;
    return Object.fromEntries(
      Object.entries({ events, changedEvents, substitutedExperts, substitutedRankSum, hits, misses, evictions, residencySum, residencyCount }).map(([k, v]) => [k, Float64Array.from(v)]),
    );
  }

  importDurable(state: Record<string, Float64Array>): void {
    for (const [k, v] of Object.entries(state)) (this as unknown as Record<string, Float64Array>)[k].set(v);
  }

  toCounts(): LiveCounts {
    const slots = this.layers.map((layer, slot) => ({ layer, slot }));
    const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    const k = this.topK;
    return {
      topK: k,
      events: sum(this.events),
      tokens: this.layers.length > 0 ? this.events[0] : 0,
      changedEvents: sum(this.changedEvents),
      substitutedExperts: sum(this.substitutedExperts),
      substitutedRankSum: sum(this.substitutedRankSum),
      perLayer: slots.map(({ layer, slot }) => ({
        layer,
        events: this.events[slot],
        changedEvents: this.changedEvents[slot],
        substitutedExperts: this.substitutedExperts[slot],
        substitutedRankSum: this.substitutedRankSum[slot],
      })),
      cache: this.hasCache
        ? {
            accesses: sum(this.events) * k,
            hits: sum(this.hits),
            misses: sum(this.misses),
            evictions: sum(this.evictions),
            residencyEventsSum: sum(this.residencySum),
            residencyCount: sum(this.residencyCount),
            perLayer: slots.map(({ layer, slot }) => ({
              layer,
              accesses: this.events[slot] * k,
              hits: this.hits[slot],
              misses: this.misses[slot],
              evictions: this.evictions[slot],
              residencyEventsSum: this.residencySum[slot],
              residencyCount: this.residencyCount[slot],
            })),
          }
        : null,
    };
  }
}

/** Per-slot hit counts of one replay policy, folded into a ReplayCounts document. */
export function replayCountsOf(policy: string, layers: readonly number[], perSlot: readonly HitCounts[]): ReplayCounts {
  const total = { accesses: 0, hits: 0, misses: 0 };
  for (const c of perSlot) {
    total.accesses += c.accesses;
    total.hits += c.hits;
    total.misses += c.misses;
  }
  return { policy, ...total, perLayer: layers.map((layer, slot) => ({ layer, ...perSlot[slot] })) };
}
