import { describe, expect, it } from 'vitest';
import { createExpertCache, validateCacheCapacity, parseCachePolicy } from '../../src/cache/cache-registry.js';
import type { ExpertCache } from '../../src/cache/expert-cache.js';
import { parseUpdateOrder, touchOrderInto } from '../../src/cache/update-order.js';
import { MoeEvalError } from '../../src/errors.js';

/** Feeds events (ids already in touch order) and logs loads / evictions. */
function run(policy: string, numExperts: number, capacity: number, events: number[][]) {
  const log: string[] = [];
  const evicted: number[] = [];
  const cache = createExpertCache(policy, numExperts, capacity, {
    onLoad: (id) => log.push(`load ${id}`),
    onEvict: (id, residency, cause) => {
      log.push(`${cause} ${id} after ${residency}`);
      if (cause === 'evicted') evicted.push(id);
    },
  });
  const misses = events.map((ev) => cache.update(Int32Array.from(ev), ev.length));
  return { cache, log, evicted, misses };
}

const resident = (cache: ExpertCache) => {
  const out = new Int32Array(cache.numExperts);
  return Array.from(out.subarray(0, cache.residentIdsInto(out)));
};

describe('touch order (--lru-order)', () => {
  it('sorts by weight, equal weights lower id first in both directions', () => {
    const ids = Int32Array.from([4, 2, 1, 3]);
    const w = Float32Array.from([0.5, 0.25, 0.25, 0.125]);
    const outIds = new Int32Array(4);
    const outW = new Float32Array(4);
    touchOrderInto(ids, w, 4, 'weight-desc-first', outIds, outW);
    expect(Array.from(outIds)).toEqual([4, 1, 2, 3]);
    expect(Array.from(outW)).toEqual([0.5, 0.25, 0.25, 0.125]);
    touchOrderInto(ids, w, 4, 'weight-asc-first', outIds, outW);
    // ascending is NOT the reverse of descending: the tied pair keeps lower id first
    expect(Array.from(outIds)).toEqual([3, 1, 2, 4]);
  });

  it('parses the flag, default weight-desc-first, bad value names --lru-order', () => {
    expect(parseUpdateOrder(undefined)).toBe('weight-desc-first');
    expect(parseUpdateOrder('weight-asc-first')).toBe('weight-asc-first');
    expect(() => parseUpdateOrder('mru')).toThrow(/--lru-order.*weight-desc-first, weight-asc-first/);
  });
});

describe('lru', () => {
  it('evicts the least recently touched expert', () => {
    // C=2, k=1: a=0 b=1 a c=2 -> at c the LRU is b (a was touched again)
    const { evicted, misses, cache } = run('lru', 4, 2, [[0], [1], [0], [2]]);
    expect(evicted).toEqual([1]);
    expect(misses).toEqual([1, 1, 0, 1]);
    expect(resident(cache)).toEqual([0, 2]);
  });

  it('weight-desc-first and weight-asc-first evict different experts (contract example)', () => {
    // C=3, k=2. Event 1 selects 0 (w 0.7) and 1 (w 0.3); event 2 selects 2 (0.6) and 3 (0.4).
    // desc-first touches 0 then 1: 0 becomes the least recent of the token's set -> 3 evicts 0.
    // asc-first touches 1 then 0: 1 is the least recent -> 3 evicts 1.
    const touch = (order: 'weight-desc-first' | 'weight-asc-first', ids: number[], w: number[]) => {
      const outIds = new Int32Array(ids.length);
      touchOrderInto(Int32Array.from(ids), Float32Array.from(w), ids.length, order, outIds, new Float32Array(ids.length));
      return Array.from(outIds);
    };
    for (const [order, victim] of [
      ['weight-desc-first', 0],
      ['weight-asc-first', 1],
    ] as const) {
      const events = [touch(order, [0, 1], [0.7, 0.3]), touch(order, [2, 3], [0.6, 0.4])];
      const { evicted, cache } = run('lru', 4, 3, events);
      expect(evicted).toEqual([victim]);
      expect(resident(cache)).toEqual([0, 1, 2, 3].filter((id) => id !== victim));
    }
  });

  it('pins the event: loading one selected expert never evicts another (C = k)', () => {
    // C=k=2. Event 1 touches 0 then 1 (0 least recent). Event 2 touches 2 then 0:
    // loading 2 must evict a non-pinned expert -> 1, although 0 is the least recent.
    // Without pinning, 2 would evict 0 and reloading 0 would evict 1: two misses instead of one.
    const { evicted, misses, cache } = run('lru', 4, 2, [
      [0, 1],
      [2, 0],
    ]);
    expect(evicted).toEqual([1]);
    expect(misses).toEqual([2, 1]);
    expect(resident(cache)).toEqual([0, 2]);
  });

  it('reports residency in events of the layer and resets with cause "reset"', () => {
    // k=1, C=1: 0 loaded at event 0, evicted by event 2 -> resident 2 events;
    // 1 loaded at event 2, reset after 5 events -> 3 events.
    const { cache, log } = run('lru', 3, 1, [[0], [0], [1], [1], [1]]);
    cache.reset();
    expect(log).toEqual(['load 0', 'evicted 0 after 2', 'load 1', 'reset 1 after 3']);
    expect(cache.size).toBe(0);
    expect(cache.eventCount).toBe(5);
  });
});

describe('lfu', () => {
  it('evicts the least frequently used; frequency counts while resident', () => {
    // C=2, k=1: 0 0 1 2 -> at 2: freq(0)=2, freq(1)=1 -> evict 1.
    // then 1 -> freq(0)=2, freq(2)=1 -> evict 2; 1 restarts at frequency 1.
    const { evicted, misses } = run('lfu', 3, 2, [[0], [0], [1], [2], [1]]);
    expect(evicted).toEqual([1, 2]);
    expect(misses).toEqual([1, 0, 1, 1, 1]);
  });

  it('breaks equal frequencies by recency (least recent first)', () => {
    // C=2: 0 1 2 -> freq(0)=freq(1)=1, 0 is older -> evict 0; then 0 -> freq(1)=freq(2)=1, 1 older -> evict 1
    const { evicted } = run('lfu', 3, 2, [[0], [1], [2], [0]]);
    expect(evicted).toEqual([0, 1]);
  });

  it('uses the touch order inside an event as the recency tie-break', () => {
    // C=3, k=2: event [1,0] touches 1 first -> 1 is least recent; event [2] (k=1 row) evicts 1, not 0.
    const cache = createExpertCache('lfu', 4, 3);
    cache.update(Int32Array.from([1, 0]), 2);
    cache.update(Int32Array.from([3]), 1);
    cache.update(Int32Array.from([2]), 1);
    expect(resident(cache)).toEqual([0, 2, 3]);
  });
});

describe('fifo', () => {
  it('evicts the earliest loaded; hits do not refresh', () => {
    // C=2: 0 1 0 2 -> 0 was loaded first -> evict 0 (LRU would evict 1)
    const { evicted, misses } = run('fifo', 3, 2, [[0], [1], [0], [2]]);
    expect(evicted).toEqual([0]);
    expect(misses).toEqual([1, 1, 0, 1]);
  });

  it('skips a pinned oldest expert', () => {
    // C=2,k=2: [0,1] loads 0 then 1. [2,0]: the oldest, 0, is pinned -> evict 1.
    const { evicted } = run('fifo', 3, 2, [
      [0, 1],
      [2, 0],
    ]);
    expect(evicted).toEqual([1]);
  });
});

describe('registry and validation', () => {
  it('rejects an unknown policy listing the valid ones; belady gets a hint', () => {
    expect(() => parseCachePolicy('mru')).toThrow(/--policy.*lru, lfu, fifo/);
    try {
      parseCachePolicy('belady');
    } catch (err) {
      expect(err).toBeInstanceOf(MoeEvalError);
      expect((err as MoeEvalError).kind).toBe('usage');
      expect((err as MoeEvalError).hint).toMatch(/offline replay/);
    }
    expect(parseCachePolicy(undefined)).toBe('lru');
  });

  it('validates --cache against [k, E]', () => {
    expect(validateCacheCapacity(2, 2, 8)).toBe(2);
    expect(validateCacheCapacity(8, 2, 8)).toBe(8);
    for (const bad of [1, 9, 2.5, NaN]) {
      expect(() => validateCacheCapacity(bad, 2, 8)).toThrow(/--cache must be an integer in \[2, 8\]/);
    }
  });

  it('rejects malformed events', () => {
    const cache = createExpertCache('lru', 4, 2);
    expect(() => cache.update(Int32Array.from([1, 1]), 2)).toThrow(/distinct/);
    expect(() => cache.update(Int32Array.from([0, 1, 2]), 3)).toThrow(/holds only 2/);
    expect(() => cache.update(Int32Array.from([7]), 1)).toThrow(/distinct expert ids/);
    // a failed event leaves nothing pinned: a normal event still works
    expect(cache.update(Int32Array.from([1, 2]), 2)).toBe(2);
  });

  it('every policy keeps exactly the event experts resident and never exceeds C (random)', () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const failures: string[] = [];
    for (const policy of ['lru', 'lfu', 'fifo']) {
      for (let trial = 0; trial < 50; trial++) {
        const E = 4 + Math.floor(rand() * 8);
        const k = 1 + Math.floor(rand() * 3);
        const C = k + Math.floor(rand() * (E - k + 1));
        const cache = createExpertCache(policy, E, C);
        for (let e = 0; e < 40; e++) {
          const ids = new Set<number>();
          while (ids.size < k) ids.add(Math.floor(rand() * E));
          const before = Uint8Array.from(cache.residentMask);
          const ev = Int32Array.from(ids);
          const misses = cache.update(ev, k);
          // plain checks collected, one expect at the end: thousands of expect() calls are slow
          if (misses !== [...ids].filter((id) => before[id] === 0).length) failures.push(`${policy}: misses`);
          if (![...ids].every((id) => cache.isResident(id))) failures.push(`${policy}: event expert not resident`);
          if (cache.size > C) failures.push(`${policy}: over capacity`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('restoreState makes a cache behave as if the events after saveState never happened (random)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const event = (E: number, k: number) => {
      const ids = new Set<number>();
      while (ids.size < k) ids.add(Math.floor(rand() * E));
      return Int32Array.from(ids);
    };
    const failures: string[] = [];
    for (const policy of ['lru', 'lfu', 'fifo']) {
      for (let trial = 0; trial < 40; trial++) {
        const E = 4 + Math.floor(rand() * 8);
        const k = 1 + Math.floor(rand() * 3);
        const C = k + Math.floor(rand() * (E - k + 1));
        const forked = createExpertCache(policy, E, C);
        const straight = createExpertCache(policy, E, C);
        for (let e = 0; e < 10; e++) {
          const ev = event(E, k);
          forked.update(ev, k);
          straight.update(ev, k);
        }
        const saved = forked.saveState();
        for (let e = 0; e < 10; e++) forked.update(event(E, k), k);
        forked.restoreState(saved);
        for (let e = 0; e < 20; e++) {
          const ev = event(E, k);
          if (forked.update(ev, k) !== straight.update(ev, k)) failures.push(`${policy}: misses differ`);
          if (resident(forked).join() !== resident(straight).join()) failures.push(`${policy}: resident sets differ`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('restoreState reports what it drops and brings back', () => {
    const { cache, log } = run('lru', 4, 2, [[0], [1]]);
    const saved = cache.saveState();
    cache.update(Int32Array.from([2]), 1); // evicts 0
    log.length = 0;
    cache.restoreState(saved);
    expect(log).toEqual(['restore 2 after 1', 'load 0']);
    expect(resident(cache)).toEqual([0, 1]);
    expect(() => createExpertCache('fifo', 4, 2).restoreState(saved)).toThrow(/cannot restore a lru state/);
  });
});
