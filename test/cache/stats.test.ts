import { describe, expect, it } from 'vitest';
import { AccessTrace } from '../../src/cache/access-trace.js';
import { mergeLiveCounts, mergeReplayCounts, summariseLive, summariseReplay, type LiveCounts } from '../../src/cache/stats.js';

const shard = (over: Partial<LiveCounts> = {}): LiveCounts => ({
  topK: 2,
  events: 10,
  tokens: 5,
  changedEvents: 2,
  substitutedExperts: 3,
  substitutedRankSum: 12,
  perLayer: [
    { layer: 1, events: 5, changedEvents: 1, substitutedExperts: 1, substitutedRankSum: 4 },
    { layer: 3, events: 5, changedEvents: 1, substitutedExperts: 2, substitutedRankSum: 8 },
  ],
  cache: {
    accesses: 20,
    hits: 15,
    misses: 5,
    evictions: 3,
    residencyEventsSum: 9,
    residencyCount: 3,
    perLayer: [
      { layer: 1, accesses: 10, hits: 8, misses: 2, evictions: 1, residencyEventsSum: 4, residencyCount: 1 },
      { layer: 3, accesses: 10, hits: 7, misses: 3, evictions: 2, residencyEventsSum: 5, residencyCount: 2 },
    ],
  },
  ...over,
});

describe('statistics', () => {
  it('summarises counts into rates (hand values)', () => {
    const s = summariseLive(shard(), 100);
    // 5 misses / 20 accesses; 5 misses / 5 tokens; 9/3 residency; 2/10 changed; 12/3 mean rank
    expect(s).toMatchObject({ missRate: 0.25, missesPerToken: 1, meanResidencyEvents: 3, bytesMoved: 500, changedFraction: 0.2, meanSubstitutedRank: 4 });
    expect(s.perLayer).toEqual([
      { layer: 1, events: 5, changedFraction: 0.2, missRate: 0.2 },
      { layer: 3, events: 5, changedFraction: 0.2, missRate: 0.3 },
    ]);
  });

  it('empty counts give nulls, never NaN', () => {
    const empty = summariseLive({ ...shard(), events: 0, tokens: 0, substitutedExperts: 0, cache: null, perLayer: [] }, null);
    expect(empty).toMatchObject({ changedFraction: null, meanSubstitutedRank: null, missRate: null, missesPerToken: null, bytesMoved: null });
  });

  it('merges shards by adding counts, per layer by index', () => {
    const b = shard({ perLayer: [{ layer: 3, events: 1, changedEvents: 0, substitutedExperts: 0, substitutedRankSum: 0 }] });
    const merged = mergeLiveCounts(shard(), b);
    expect(merged).toMatchObject({ topK: 2, events: 20, tokens: 10, changedEvents: 4, substitutedRankSum: 24 });
    expect(merged.perLayer.map((l) => [l.layer, l.events])).toEqual([
      [1, 5],
      [3, 6],
    ]);
    expect(merged.cache).toMatchObject({ accesses: 40, misses: 10, residencyCount: 6 });
    expect(() => mergeLiveCounts(shard(), shard({ cache: null }))).toThrow(/cached run/);
    expect(() => mergeLiveCounts(shard(), shard({ topK: 4 }))).toThrow(/top-k/);
  });

  it('merges and summarises replays', () => {
    const a = { policy: 'belady', accesses: 8, hits: 6, misses: 2, perLayer: [{ layer: 0, accesses: 8, hits: 6, misses: 2 }] };
    const m = mergeReplayCounts(a, a);
    expect(m).toEqual({ policy: 'belady', accesses: 16, hits: 12, misses: 4, perLayer: [{ layer: 0, accesses: 16, hits: 12, misses: 4 }] });
    expect(summariseReplay(m, 8, 10)).toMatchObject({ missRate: 0.25, missesPerToken: 0.5, bytesMoved: 40 });
    expect(() => mergeReplayCounts(a, { ...a, policy: 'lru' })).toThrow(/belady and lru/);
  });

  it('an access trace grows and stores ids compactly', () => {
    const t = new AccessTrace(2, 200, 1);
    for (let e = 0; e < 100; e++) t.push(Int32Array.from([e, 199 - e]), e % 2 === 0);
    expect(t.length).toBe(100);
    expect(t.ids).toBeInstanceOf(Uint8Array);
    expect([t.ids[2 * 99], t.ids[2 * 99 + 1], t.counted[98], t.counted[99]]).toEqual([99, 100, 1, 0]);
    expect(new AccessTrace(1, 300).ids).toBeInstanceOf(Uint16Array);
  });
});
