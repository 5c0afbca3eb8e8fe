// Offline replays of a fixed access trace through a live cache policy (docs/routing-contract.md
// "What a run must record": the LRU miss rate of the original-routing trace, next to Belady). One
// replay per reset unit: the cache starts empty, exactly as the live cache does after a reset.

import type { AccessTrace } from './access-trace.js';
import type { ExpertCache } from './expert-cache.js';
import type { HitCounts } from './stats.js';

/** Replays one reset unit's trace; counts only the trace's counted events. */
export interface TraceReplayer {
  readonly policy: string;
  /** Adds the unit's counted accesses / hits / misses to `into`. */
  run(trace: AccessTrace, into: HitCounts): void;
}

/** lru | lfu | fifo replay: the same cache classes as the live run, fed the trace's touch order. */
export class PolicyReplayer implements TraceReplayer {
  readonly policy: string;
  private readonly row: Int32Array;

  constructor(private readonly cache: ExpertCache, topK: number) {
    this.policy = cache.policy;
    this.row = new Int32Array(topK);
  }

  run(trace: AccessTrace, into: HitCounts): void {
    const { k } = trace;
    this.cache.reset();
    for (let e = 0; e < trace.length; e++) {
      for (let i = 0; i < k; i++) this.row[i] = trace.ids[e * k + i];
      const misses = this.cache.update(this.row, k);
      if (trace.counted[e] === 1) {
        into.accesses += k;
        into.misses += misses;
        into.hits += k - misses;
      }
    }
  }
}
