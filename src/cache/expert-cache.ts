// One expert cache of one MoE layer (docs/routing-contract.md "Caches", "One routing event"): the
// resident set, capacity C, per-event pinning of the event's own experts, and observable loads and
// evictions (an offloading expert store releases an evicted expert's memory through the listener).

import { runtimeError } from '../errors.js';

/**
 * Why an expert left the cache: evicted by a load, dropped by a cache reset (new sample), or
 * dropped because restoreState() went back to a state without it.
 */
export type EvictionCause = 'evicted' | 'reset' | 'restore';

/** An opaque copy of a cache's state (saveState / restoreState). */
export interface ExpertCacheState {
  readonly policy: string;
  readonly resident: Uint8Array;
  readonly primary: Float64Array;
  readonly secondary: Float64Array;
  readonly clock: number;
}

/** Observer of one layer's cache; calls happen synchronously inside update() / reset(). */
export interface CacheListener {
  onLoad?(expertId: number): void;
  /** residencyEvents: routing events of this cache from the load (included) to now (excluded) */
  onEvict?(expertId: number, residencyEvents: number, cause: EvictionCause): void;
}

export interface ExpertCache {
  /** registry id: lru | lfu | fifo */
  readonly policy: string;
  readonly numExperts: number;
  /** C: experts resident at most */
  readonly capacity: number;
  readonly size: number;
  /** routing events seen by update() since construction (never reset; residency is a difference) */
  readonly eventCount: number;
  /** [E] 1 = resident. A live view: copy it to take a snapshot; never write to it. */
  readonly residentMask: Uint8Array;
  isResident(expertId: number): boolean;
  /**
   * One routing event: touch ids[0..count) in that order (the --lru-order touch order). All of
   * them are pinned for the event, so a load never evicts another expert of the same event.
   * Returns the number of misses (ids not resident when touched = not resident in the snapshot,
   * because pinning keeps the event's resident experts resident).
   */
  update(ids: Int32Array, count: number): number;
  /** Drops every resident expert (onEvict with cause "reset"). */
  reset(): void;
  /** Routing events since expertId was loaded (it must be resident). */
  residencyEvents(expertId: number): number;
  /** Writes the resident ids ascending into out, returns how many. */
  residentIdsInto(out: Int32Array): number;
  /** A copy of the resident set and the policy keys (allocates; not for the per-event path). */
  saveState(): ExpertCacheState;
  /**
   * Goes back to a saved state: experts not in it leave (onEvict, cause "restore"), experts in it
   * that are not resident come back (onLoad) with their residency starting now. The event clock
   * keeps running, so residency stays a difference of event counts.
   */
  restoreState(state: ExpertCacheState): void;
  /** Everything the cache knows, to continue an interrupted run exactly (resume); no listener calls. */
  exportDurable(): DurableCacheState;
  importDurable(state: DurableCacheState): void;
}

export interface DurableCacheState {
  resident: Uint8Array;
  primary: Float64Array;
  secondary: Float64Array;
  loadEvent: Float64Array;
  clock: number;
  events: number;
}

export interface ExpertCacheOptions {
  numExperts: number;
  capacity: number;
  listener?: CacheListener;
}

/**
 * Shared machinery of the scan-based policies: a policy only says how it keys an expert on a hit and
 * on a load; the victim is the resident, unpinned expert with the smallest (primary, secondary) key,
 * remaining ties to the lower id. E is small (8..256), so an O(E) scan per miss is cheaper than
 * keeping linked lists in sync, and everything lives in typed arrays allocated once.
 */
export abstract class ScanExpertCache implements ExpertCache {
  abstract readonly policy: string;
  readonly numExperts: number;
  readonly capacity: number;
  readonly residentMask: Uint8Array;
  /** policy key per expert (lru: last touch; fifo: load time; lfu: frequency) */
  protected readonly primary: Float64Array;
  /** second policy key (lfu: last touch) */
  protected readonly secondary: Float64Array;
  /** touch counter: a strictly increasing stamp per touched expert, float64 so it never wraps */
  protected clock = 0;
  private readonly pinned: Uint8Array;
  private readonly loadEvent: Float64Array;
  private readonly listener: CacheListener | undefined;
  private residentCount = 0;
  private events = 0;

  constructor(opts: ExpertCacheOptions) {
    const { numExperts, capacity } = opts;
    if (!Number.isInteger(numExperts) || numExperts < 1) {
      throw runtimeError('cache-bad-experts', `an expert cache needs a positive expert count, got ${numExperts}`);
    }
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > numExperts) {
      throw runtimeError('cache-bad-capacity', `cache capacity must be an integer in [1, ${numExperts}], got ${capacity}`);
    }
    this.numExperts = numExperts;
    this.capacity = capacity;
    this.residentMask = new Uint8Array(numExperts);
    this.primary = new Float64Array(numExperts);
    this.secondary = new Float64Array(numExperts);
    this.pinned = new Uint8Array(numExperts);
    this.loadEvent = new Float64Array(numExperts);
    this.listener = opts.listener;
  }

  /** Key update when a resident expert is touched again. */
  protected abstract onHit(expertId: number): void;
  /** Key initialisation when an expert is loaded. */
  protected abstract onLoad(expertId: number): void;

  get size(): number {
    return this.residentCount;
  }

  get eventCount(): number {
    return this.events;
  }

  isResident(expertId: number): boolean {
    return this.residentMask[expertId] === 1;
  }

  update(ids: Int32Array, count: number): number {
    if (count > this.capacity) {
      throw runtimeError(
        'cache-event-too-large',
        `one event touches ${count} experts but the cache holds only ${this.capacity}`,
        'the capacity must be at least top-k (validateCacheCapacity)',
      );
    }
    const pinned = this.pinned;
    for (let i = 0; i < count; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.numExperts) || pinned[id] === 1) {
        for (let j = 0; j < i; j++) pinned[ids[j]] = 0;
        throw runtimeError('cache-bad-event', `an event must touch distinct expert ids in [0, ${this.numExperts}); got ${id} at ${i}`);
      }
      pinned[id] = 1;
    }
    let misses = 0;
    for (let i = 0; i < count; i++) {
      const id = ids[i];
      this.clock++;
      if (this.residentMask[id] === 1) {
        this.onHit(id);
        continue;
      }
      misses++;
      if (this.residentCount >= this.capacity) this.evict(this.victim(), 'evicted');
      this.residentMask[id] = 1;
      this.residentCount++;
      this.loadEvent[id] = this.events;
      this.onLoad(id);
      this.listener?.onLoad?.(id);
    }
    for (let i = 0; i < count; i++) pinned[ids[i]] = 0;
    this.events++;
    return misses;
  }

  reset(): void {
    for (let id = 0; id < this.numExperts; id++) if (this.residentMask[id] === 1) this.evict(id, 'reset');
    this.primary.fill(0);
    this.secondary.fill(0);
  }

  residencyEvents(expertId: number): number {
    return this.events - this.loadEvent[expertId];
  }

  residentIdsInto(out: Int32Array): number {
    let n = 0;
    for (let id = 0; id < this.numExperts; id++) if (this.residentMask[id] === 1) out[n++] = id;
    return n;
  }

  exportDurable(): DurableCacheState {
    return {
      resident: Uint8Array.from(this.residentMask),
      primary: Float64Array.from(this.primary),
      secondary: Float64Array.from(this.secondary),
      loadEvent: Float64Array.from(this.loadEvent),
      clock: this.clock,
      events: this.events,
    };
  }

  importDurable(state: DurableCacheState): void {
    this.residentMask.set(state.resident);
    this.primary.set(state.primary);
    this.secondary.set(state.secondary);
    this.loadEvent.set(state.loadEvent);
    this.clock = state.clock;
    this.events = state.events;
    this.residentCount = state.resident.reduce((a, b) => a + b, 0);
  }

  saveState(): ExpertCacheState {
    return {
      policy: this.policy,
      resident: Uint8Array.from(this.residentMask),
      primary: Float64Array.from(this.primary),
      secondary: Float64Array.from(this.secondary),
      clock: this.clock,
    };
  }

  restoreState(state: ExpertCacheState): void {
    if (state.policy !== this.policy || state.resident.length !== this.numExperts) {
      throw runtimeError('cache-bad-state', `cannot restore a ${state.policy} state of ${state.resident.length} experts into a ${this.policy} cache of ${this.numExperts}`);
    }
    for (let id = 0; id < this.numExperts; id++) {
      if (this.residentMask[id] === 1 && state.resident[id] === 0) this.evict(id, 'restore');
    }
    for (let id = 0; id < this.numExperts; id++) {
      if (this.residentMask[id] === 0 && state.resident[id] === 1) {
        this.residentMask[id] = 1;
        this.residentCount++;
        this.loadEvent[id] = this.events;
        this.listener?.onLoad?.(id);
      }
    }
    this.primary.set(state.primary);
    this.secondary.set(state.secondary);
    // the keys of the saved state were stamped with clocks up to state.clock
    this.clock = state.clock;
  }

  private victim(): number {
    let best = -1;
    let bestPrimary = Infinity;
    let bestSecondary = Infinity;
    for (let id = 0; id < this.numExperts; id++) {
      if (this.residentMask[id] !== 1 || this.pinned[id] === 1) continue;
      const p = this.primary[id];
      const s = this.secondary[id];
      // strict comparisons: on a full tie the lower id (seen first) stays the victim
      if (p < bestPrimary || (p === bestPrimary && s < bestSecondary)) {
        best = id;
        bestPrimary = p;
        bestSecondary = s;
      }
    }
    if (best < 0) throw runtimeError('cache-all-pinned', 'every resident expert is pinned by the current event');
    return best;
  }

  private evict(id: number, cause: EvictionCause): void {
    const residency = this.events - this.loadEvent[id];
    this.residentMask[id] = 0;
    this.residentCount--;
    this.listener?.onEvict?.(id, residency, cause);
  }
}
