// Test helper: the optimal number of counted misses over every demand-paging eviction choice
// (exhaustive search with memoisation; only for tiny traces).

export function bruteForceCountedMisses(events: readonly (readonly number[])[], counted: readonly boolean[], capacity: number): number {
  const memo = new Map<string, number>();
  const popcount = (m: number) => {
    let c = 0;
    for (let x = m; x; x &= x - 1) c++;
    return c;
  };
  const rec = (e: number, mask: number): number => {
    if (e === events.length) return 0;
    const key = `${e}:${mask}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let pin = 0;
    for (const id of events[e]) pin |= 1 << id;
    const missing = pin & ~mask;
    const m = popcount(missing);
    const cost = counted[e] ? m : 0;
    const evictCount = Math.max(0, popcount(mask) + m - capacity);
    const candidates = mask & ~pin;
    let best = Infinity;
    // every subset of the unpinned residents with exactly evictCount members
    for (let sub = candidates; ; sub = (sub - 1) & candidates) {
      if (popcount(sub) === evictCount) best = Math.min(best, rec(e + 1, (mask & ~sub) | pin));
      if (sub === 0) break;
    }
    const result = best + cost;
    memo.set(key, result);
    return result;
  };
  return rec(0, 0);
}
