// First-in-first-out expert cache (docs/routing-contract.md "Caches": `fifo`). Hits do not refresh an
// expert; the victim is the earliest loaded unpinned one. Loads within one event follow --lru-order.

import { ScanExpertCache } from './expert-cache.js';

export class FifoExpertCache extends ScanExpertCache {
  readonly policy = 'fifo';

  protected onHit(_expertId: number): void {
    // a hit never changes the load order
  }

  protected onLoad(expertId: number): void {
    this.primary[expertId] = this.clock;
  }
}
