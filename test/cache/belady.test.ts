import { describe, expect, it } from 'vitest';
import { AccessTrace } from '../../src/cache/access-trace.js';
import { BeladyReplayer, replayBelady } from '../../src/cache/belady.js';
import { replayTrace } from '../../src/cache/cache-registry.js';
import { rng } from '../routing/helpers.js';
import { bruteForceCountedMisses } from './brute-force.js';

function randomTrace(r: () => number, E: number, k: number, n: number): number[][] {
  const events: number[][] = [];
  for (let e = 0; e < n; e++) {
    const ids = new Set<number>();
    // skewed popularity, as routing is: low ids more often
    while (ids.size < k) ids.add(Math.floor(E * r() * r()));
    events.push([...ids]);
  }
  return events;
}

describe('belady replay', () => {
  it('hand example: a b c a b with C=2 (LRU 5 misses, Belady 4)', () => {
    // LRU: a b | c evicts a | a evicts b | b evicts c -> 5 misses.
    // Belady: at c, next uses: a at 3, b at 4 -> evict b; a hits; b misses -> 4 misses.
    const trace = AccessTrace.from([[0], [1], [2], [0], [1]]);
    expect(replayTrace('lru', trace, 3, 2)).toEqual({ accesses: 5, hits: 0, misses: 5 });
    expect(replayBelady(trace, 3, 2)).toEqual({ accesses: 5, hits: 1, misses: 4 });
  });

  it('a never-used-again expert is evicted first, and pinning holds', () => {
    // C=2,k=2: [0,1] [2,0] [0,1]: at event 2, 1 (next use 2) vs 0 (pinned) -> evict 1;
    // Belady: 2 + 1 + 1 = 4 misses. An eviction of a pinned expert would have cost more.
    const trace = AccessTrace.from([
      [0, 1],
      [2, 0],
      [0, 1],
    ]);
    expect(replayBelady(trace, 3, 2).misses).toBe(4);
  });

  it('counts only counted events; warm events still shape the cache', () => {
    // C=1,k=1. Events 0 0 | 0 with the first two uncounted: one counted access, a hit.
    const trace = AccessTrace.from([[0], [0], [0]], [false, false, true]);
    expect(replayBelady(trace, 2, 1)).toEqual({ accesses: 1, hits: 1, misses: 0 });
    expect(replayTrace('lru', trace, 2, 1)).toEqual({ accesses: 1, hits: 1, misses: 0 });
  });

  it('equals the brute-force optimum on tiny traces (all counted, warm prefix, interleaved)', () => {
    const r = rng(11);
    const failures: string[] = [];
    for (let t = 0; t < 600; t++) {
      const E = 3 + Math.floor(r() * 4);
      const k = 1 + Math.floor(r() * 2);
      const C = k + Math.floor(r() * (E - k));
      const n = 2 + Math.floor(r() * 8);
      const events = randomTrace(r, E, k, n);
      const mode = t % 3;
      const cut = Math.floor(r() * n);
      const counted = events.map((_, e) => (mode === 0 ? true : mode === 1 ? e >= cut : r() < 0.5));
      const got = replayBelady(AccessTrace.from(events, counted), E, C).misses;
      const best = bruteForceCountedMisses(events, counted, C);
      if (got !== best) failures.push(JSON.stringify({ E, C, events, counted, got, best }));
    }
    expect(failures).toEqual([]);
  });

  it('never has more misses than LRU, LFU or FIFO on random traces', () => {
    const r = rng(12);
    const failures: string[] = [];
    for (let t = 0; t < 300; t++) {
      const E = 8 + Math.floor(r() * 57);
      const k = 1 + Math.floor(r() * 4);
      const C = k + Math.floor(r() * (E - k));
      const events = randomTrace(r, E, k, 50 + Math.floor(r() * 150));
      const counted = events.map((_, e) => t % 2 === 0 || e > 20 || r() < 0.5);
      const trace = AccessTrace.from(events, counted);
      const belady = replayBelady(trace, E, C).misses;
      for (const policy of ['lru', 'lfu', 'fifo']) {
        const other = replayTrace(policy, trace, E, C).misses;
        if (belady > other) failures.push(`${policy} ${other} < belady ${belady}: E=${E} k=${k} C=${C}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('reuses its buffers across units of different lengths', () => {
    const replayer = new BeladyReplayer(3, 2);
    const counts = { accesses: 0, hits: 0, misses: 0 };
    replayer.run(AccessTrace.from([[0], [1], [2], [0], [1]]), counts);
    replayer.run(AccessTrace.from([[0], [0]]), counts);
    replayer.run(AccessTrace.from([[0], [1], [2], [0], [1]]), counts);
    // each unit starts empty: 4 + 1 + 4 misses
    expect(counts).toEqual({ accesses: 12, hits: 3, misses: 9 });
  });
});
