// Belady's offline optimum over a fixed access trace (docs/routing-contract.md "Caches": `belady`):
// evict the resident expert whose next use is farthest away, never used again = infinitely far;
// the event's own experts are pinned, as in the live caches. Demand paging: it loads only on a miss.
//
// With --prefill-cache warm some events are replayed but not counted. A miss there is free, so an
// expert whose next use is an uncounted event is as good as never used again: keeping it saves
// nothing (it is reloaded for free if absent). Equivalently, every uncounted use starts a fresh
// expert identity, and Belady's MIN on that trace minimises the counted misses. With every event
// counted this is exactly MIN. Remaining ties (equal next use, e.g. several "never") go to the
// lower id; any choice among them is optimal. Tested against exhaustive search.

import { runtimeError } from '../errors.js';
import type { AccessTrace } from './access-trace.js';
import type { TraceReplayer } from './replay.js';
import type { HitCounts } from './stats.js';

/** "never used again (by a counted event)" as an event index: larger than any real one */
const NEVER = 0x7fffffff;

export class BeladyReplayer implements TraceReplayer {
  readonly policy = 'belady';
  readonly numExperts: number;
  readonly capacity: number;
  /** [events * k] next event that uses the same id if that event is counted, else NEVER */
  private nextUse = new Int32Array(0);
  private readonly lastUse: Int32Array; // [E] scratch of the backward pass
  private readonly resident: Uint8Array; // [E]
  private readonly pinned: Uint8Array; // [E]
  private readonly residentNextUse: Int32Array; // [E]

  constructor(numExperts: number, capacity: number) {
    this.numExperts = numExperts;
    this.capacity = capacity;
    this.lastUse = new Int32Array(numExperts);
    this.resident = new Uint8Array(numExperts);
    this.pinned = new Uint8Array(numExperts);
    this.residentNextUse = new Int32Array(numExperts);
  }

  run(trace: AccessTrace, into: HitCounts): void {
    const { k } = trace;
    const n = trace.length;
    const ids = trace.ids;
    if (k > this.capacity) {
      throw runtimeError('cache-event-too-large', `one event touches ${k} experts but the cache holds only ${this.capacity}`);
    }
    this.computeNextUses(trace);
    this.resident.fill(0);
    let size = 0;
    for (let e = 0; e < n; e++) {
      const base = e * k;
      for (let i = 0; i < k; i++) this.pinned[ids[base + i]] = 1;
      let misses = 0;
      for (let i = 0; i < k; i++) {
        const id = ids[base + i];
        if (this.resident[id] === 0) {
          misses++;
          if (size >= this.capacity) {
            this.resident[this.victim()] = 0;
            size--;
          }
          this.resident[id] = 1;
          size++;
        }
        this.residentNextUse[id] = this.nextUse[base + i];
      }
      for (let i = 0; i < k; i++) this.pinned[ids[base + i]] = 0;
      if (trace.counted[e] === 1) {
        into.accesses += k;
        into.misses += misses;
        into.hits += k - misses;
      }
    }
  }

  private computeNextUses(trace: AccessTrace): void {
    const { k } = trace;
    const n = trace.length;
    const ids = trace.ids;
    // grows to the largest reset unit seen, then reused
    if (this.nextUse.length < n * k) this.nextUse = new Int32Array(n * k);
    this.lastUse.fill(NEVER);
    for (let e = n - 1; e >= 0; e--) {
      const base = e * k;
      for (let i = 0; i < k; i++) {
        const id = ids[base + i];
        const next = this.lastUse[id];
        this.nextUse[base + i] = next !== NEVER && trace.counted[next] === 1 ? next : NEVER;
      }
      for (let i = 0; i < k; i++) this.lastUse[ids[base + i]] = e;
    }
  }

  private victim(): number {
    let best = -1;
    let bestNext = -1;
    for (let id = 0; id < this.numExperts; id++) {
      if (this.resident[id] === 0 || this.pinned[id] === 1) continue;
      // strict: among equal next uses the lower id (seen first) is evicted
      if (this.residentNextUse[id] > bestNext) {
        best = id;
        bestNext = this.residentNextUse[id];
      }
    }
    return best;
  }
}

/** Convenience for tools and tests: Belady over a whole trace from an empty cache. */
export function replayBelady(trace: AccessTrace, numExperts: number, capacity: number): HitCounts {
  const counts: HitCounts = { accesses: 0, hits: 0, misses: 0 };
  new BeladyReplayer(numExperts, capacity).run(trace, counts);
  return counts;
}
