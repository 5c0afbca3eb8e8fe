// The live expert caches of a run, one per MoE layer (docs/routing-contract.md "Caches", "State
// lifecycle"), with the bookkeeping the statistics need: which resident experts were loaded by a
// counted event (only their residency is counted), evictions made by counted events, and the
// forwarding of loads and evictions to an observer such as an offloading expert store.

import { createExpertCache, type CachePolicyId } from '../cache/cache-registry.js';
import type { DurableCacheState, EvictionCause, ExpertCache, ExpertCacheState } from '../cache/expert-cache.js';
import type { LiveStatsCollector } from '../cache/stats-collector.js';

/** Observer of the live caches, e.g. an offloading expert store releasing evicted experts. */
export interface RoutingCacheListener {
  onLoad?(layer: number, expertId: number): void;
  onEvict?(layer: number, expertId: number, cause: EvictionCause): void;
}

/** What a checkpoint keeps of the caches when they carry across samples (--cache-reset never). */
export interface DurableLiveCaches {
  caches: DurableCacheState[];
  loadCounted: Uint8Array;
}

export class LiveCaches {
  private readonly caches: ExpertCache[];
  /** [layers * E] 1 = the resident expert was loaded by a counted event (its residency is counted) */
  private readonly loadCounted: Uint8Array;
  /** whether the event now updating a cache is counted (set per update, read by the listener) */
  private eventCounted = false;

  constructor(
    policy: CachePolicyId,
    capacity: number,
    private readonly layers: readonly number[],
    private readonly numExperts: number,
    private readonly stats: LiveStatsCollector,
    listener: RoutingCacheListener | null,
  ) {
    this.loadCounted = new Uint8Array(layers.length * numExperts);
    this.caches = layers.map((layer, slot) => {
      const base = slot * numExperts;
      return createExpertCache(policy, numExperts, capacity, {
        onLoad: (id) => {
          this.loadCounted[base + id] = this.eventCounted ? 1 : 0;
          listener?.onLoad?.(layer, id);
        },
        onEvict: (id, residencyEvents, cause) => {
          if (this.loadCounted[base + id] === 1) this.stats.recordResidency(slot, residencyEvents);
          this.loadCounted[base + id] = 0;
          if (cause === 'evicted' && this.eventCounted) this.stats.recordEviction(slot);
          listener?.onEvict?.(layer, id, cause);
        },
      });
    });
  }

  /** [E] the layer's resident set: a live view, copy it to take a snapshot */
  residentMask(slot: number): Uint8Array {
    return this.caches[slot].residentMask;
  }

  /** One routing event's cache update with its experts in touch order. */
  update(slot: number, touch: Int32Array, k: number, counted: boolean): void {
    this.eventCounted = counted;
    this.caches[slot].update(touch, k);
  }

  /** Empties every cache (a new evaluation unit); residencies end, no eviction is counted. */
  reset(): void {
    for (const cache of this.caches) cache.reset();
  }

  /** End of run: residency of every counted load still resident ends now. */
  closeResidencies(): void {
    this.caches.forEach((cache, slot) => {
      for (let id = 0; id < this.numExperts; id++) {
        if (cache.isResident(id) && this.loadCounted[slot * this.numExperts + id] === 1) this.stats.recordResidency(slot, cache.residencyEvents(id));
      }
    });
  }

  residentExperts(): { layer: number; expert: number }[] {
    const out: { layer: number; expert: number }[] = [];
    this.caches.forEach((cache, slot) => {
      for (let id = 0; id < this.numExperts; id++) if (cache.isResident(id)) out.push({ layer: this.layers[slot], expert: id });
    });
    return out;
  }

  exportDurable(): DurableLiveCaches {
    return { caches: this.caches.map((c) => c.exportDurable()), loadCounted: Uint8Array.from(this.loadCounted) };
  }

  importDurable(state: DurableLiveCaches): void {
    this.caches.forEach((c, slot) => c.importDurable(state.caches[slot]));
    this.loadCounted.set(state.loadCounted);
  }

  /** A copy of every cache's state, for continuations of one context. */
  saveState(): ExpertCacheState[] {
    return this.caches.map((c) => c.saveState());
  }

  /** Experts the restore brings back are not loads of a counted event. */
  restoreState(states: readonly ExpertCacheState[]): void {
    this.eventCounted = false;
    this.caches.forEach((cache, slot) => cache.restoreState(states[slot]));
  }
}
