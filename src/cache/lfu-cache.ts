// Least-frequently-used expert cache (docs/routing-contract.md "Caches": `lfu`, frequency, ties by
// recency). Frequency counts touches while resident: an evicted expert starts again at 1 when it
// is reloaded (in-cache LFU; a reset forgets all counts). Equal frequency evicts the least recent.

import { ScanExpertCache } from './expert-cache.js';

export class LfuExpertCache extends ScanExpertCache {
  readonly policy = 'lfu';

  protected onHit(expertId: number): void {
    this.primary[expertId] += 1;
    this.secondary[expertId] = this.clock;
  }

  protected onLoad(expertId: number): void {
    this.primary[expertId] = 1;
    this.secondary[expertId] = this.clock;
  }
}
