// Least-recently-used expert cache (docs/routing-contract.md "Caches": `lru`, the paper's policy).
// Recency is the touch order within an event (--lru-order), so weight-desc-first leaves the
// strongest expert of a token as the least recent of that token's set.

import { ScanExpertCache } from './expert-cache.js';

export class LruExpertCache extends ScanExpertCache {
  readonly policy = 'lru';

  protected onHit(expertId: number): void {
    this.primary[expertId] = this.clock;
  }

  protected onLoad(expertId: number): void {
    this.primary[expertId] = this.clock;
  }
}
