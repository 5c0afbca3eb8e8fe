import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeLiveCounts, mergeReplayCounts } from '../../src/cache/stats.js';
import { RoutingController, type RoutingControllerOptions } from '../../src/routing/controller.js';
import { BufferedTraceFile, MemoryTraceSink, openTraceFile, type TraceSink } from '../../src/routing/trace-sink.js';
import type { RoutingPhase } from '../../src/routing/types.js';
import { linearRule, randomLogits, rng, softmaxRule } from './helpers.js';

interface Ev {
  layer?: number;
  position?: number;
  phase?: RoutingPhase;
  z: ArrayLike<number>;
}

/** Routes the events in order; returns what route() wrote. */
function routeAll(c: RoutingController, events: Ev[]) {
  return events.map((ev, i) => {
    const selected = new Int32Array(c.topK);
    const weights = new Float32Array(c.topK);
    c.route(ev.layer ?? 0, ev.position ?? i, ev.phase ?? 'decode', Float32Array.from(ev.z), selected, weights);
    return { selected: Array.from(selected), weights: Array.from(weights) };
  });
}

function controller(opts: Partial<RoutingControllerOptions> & Pick<RoutingControllerOptions, 'rule'>) {
  const trace = new MemoryTraceSink();
  const c = new RoutingController({ moeLayers: [0], trace, ...opts });
  return { c, trace, lines: () => trace.lines.map((l) => JSON.parse(l)) };
}

describe('one routing event', () => {
  it('weights come from the unmodified logits, renormalised or not, scaled (hand values)', () => {
    // E=4, k=2, cache-prior λ=1, C=2.
    // Event 1: z = [0, 0, 2, 3] -> nothing resident -> top-2 {3, 2}; cache {2, 3}.
    // Event 2: z = [3, 2.5, 0, 1], Δ = 3 -> Δavg = (3 + 3)/2 = 3; residents 2, 3 boosted:
    //   z' = [3, 2.5, 3, 4] -> 3 (4), then 0 and 2 tie at 3 -> lower id 0 -> selected {3, 0}.
    //   Original top-2 is {0, 1}; the weights use the ORIGINAL probabilities p ∝ e^z:
    const e = Math.exp;
    const cases = [
      { renormalize: true, scale: undefined, w0: e(3) / (e(3) + e(1)), w3: e(1) / (e(3) + e(1)) },
      { renormalize: false, scale: undefined, w0: e(3) / (e(3) + e(2.5) + e(0) + e(1)), w3: e(1) / (e(3) + e(2.5) + e(0) + e(1)) },
      { renormalize: true, scale: 2.5, w0: (2.5 * e(3)) / (e(3) + e(1)), w3: (2.5 * e(1)) / (e(3) + e(1)) },
    ];
    for (const { renormalize, scale, w0, w3 } of cases) {
      const { c, lines } = controller({ rule: softmaxRule(4, 2, renormalize, scale), strategy: 'cache-prior', strategyParams: { lambda: 1 }, cache: { capacity: 2 } });
      const [, second] = routeAll(c, [{ z: [0, 0, 2, 3] }, { z: [3, 2.5, 0, 1] }]);
      expect(second.selected).toEqual([0, 3]); // descending weight
      expect(second.weights[0]).toBeCloseTo(w0, 6);
      expect(second.weights[1]).toBeCloseTo(w3, 6);
      expect(second.weights).toEqual([Math.fround(w0), Math.fround(w3)]);
      expect(lines()[1]).toMatchObject({ original: [0, 1], selected: [0, 3], hits: [false, true], resident_before: [2, 3] });
    }
  });

  it('hits are counted against the pre-event snapshot; pinning with C = k', () => {
    // linear rule (p = z/sum), E=4, k=2, C=2, topk, lru weight-desc-first.
    // Event 1: z = [4,2,1,1] -> 0 (0.5), 1 (0.25): touched 0 then 1 -> 0 is the least recent.
    // Event 2: z = [2,1,4,1] -> 2 (0.5), 0 (0.25): loading 2 evicts 1 (0 is pinned), then 0 hits.
    const evicted: string[] = [];
    const { c, lines } = controller({
      rule: linearRule(4, 2),
      cache: { capacity: 2 },
      listener: { onEvict: (layer, id, cause) => evicted.push(`${layer}:${id}:${cause}`) },
    });
    routeAll(c, [{ z: [4, 2, 1, 1] }, { z: [2, 1, 4, 1] }]);
    expect(evicted).toEqual(['0:1:evicted']);
    expect(lines()[1]).toMatchObject({ selected: [2, 0], hits: [false, true], resident_before: [0, 1] });
    const report = c.finish();
    expect(report.counts.cache).toMatchObject({ accesses: 4, hits: 1, misses: 3, evictions: 1 });
  });

  it('--lru-order weight-desc-first and weight-asc-first evict differently (through the weights)', () => {
    // linear rule, E=4, k=2, C=3.
    // Event 1: z = [4,2,1,1] -> 0 (0.5), 1 (0.25). Event 2: z = [1,1,4,2] -> 2 (0.5), 3 (0.25).
    // desc-first: event 1 touches 0 then 1 (0 least recent); event 2 touches 2 (fills C) then 3,
    //   which evicts 0. Recency now 1 < 2 < 3. Event 3 = event 1 again touches 0 first: 1 is
    //   pinned, so it evicts 2; 1 hits.
    // asc-first: event 1 touches 1 then 0 (1 least recent); event 2 touches 3 (fills C) then 2,
    //   which evicts 1. Recency 0 < 3 < 2. Event 3 touches 1 first: 0 is pinned, so it evicts 3; 0 hits.
    const run = (lruOrder: string) => {
      const evicted: number[] = [];
      const { c, lines } = controller({ rule: linearRule(4, 2), cache: { capacity: 3 }, lruOrder, listener: { onEvict: (_l, id) => evicted.push(id) } });
      routeAll(c, [{ z: [4, 2, 1, 1] }, { z: [1, 1, 4, 2] }, { z: [4, 2, 1, 1] }]);
      return { evicted, third: lines()[2], config: c.finish().config };
    };
    const desc = run('weight-desc-first');
    const asc = run('weight-asc-first');
    expect(desc.evicted).toEqual([0, 2]);
    expect(desc.third).toMatchObject({ selected: [0, 1], hits: [false, true], resident_before: [1, 2, 3] });
    expect(asc.evicted).toEqual([1, 3]);
    expect(asc.third).toMatchObject({ selected: [0, 1], hits: [true, false], resident_before: [0, 2, 3] });
    expect(desc.config.lruOrder).toBe('weight-desc-first');
    expect(asc.config.lruOrder).toBe('weight-asc-first');
  });

  it('selected is in descending weight, equal weights lower id first', () => {
    // linear rule z = [1, 3, 3, 1] -> 1 and 2 tie at 0.375; original order 1, 2; written 1, 2
    const { c } = controller({ rule: linearRule(4, 3) });
    // z = [2, 3, 3, 1]: 1, 2 (0.333) then 0 (0.222)
    const [a] = routeAll(c, [{ z: [2, 3, 3, 1] }]);
    expect(a.selected).toEqual([1, 2, 0]);
    expect(a.weights).toEqual([3 / 9, 3 / 9, 2 / 9].map(Math.fround));
  });
});

describe('trace', () => {
  it('writes the contract line format exactly', () => {
    // linear rule, E=4, k=2, C=3, topk; weights are exact dyadic fractions.
    const { c, trace } = controller({ rule: linearRule(4, 2), cache: { capacity: 3 }, moeLayers: [3] });
    c.beginSample('doc-7');
    routeAll(c, [
      { layer: 3, position: 0, phase: 'prefill', z: [4, 2, 1, 1] },
      { layer: 3, position: 1, z: [1, 1, 4, 2] },
    ]);
    c.beginSample(5);
    routeAll(c, [{ layer: 3, position: 0, z: [1, 1, 2, 4] }]);
    c.finish();
    expect(trace.closed).toBe(true);
    expect(trace.lines).toEqual([
      '{"sample":"doc-7","token":0,"layer":3,"original":[0,1],"selected":[0,1],"weights":[0.5,0.25],"hits":[false,false],"resident_before":[]}',
      '{"sample":"doc-7","token":1,"layer":3,"original":[2,3],"selected":[2,3],"weights":[0.5,0.25],"hits":[false,false],"resident_before":[0,1]}',
      '{"sample":5,"token":0,"layer":3,"original":[3,2],"selected":[3,2],"weights":[0.5,0.25],"hits":[false,false],"resident_before":[]}',
    ]);
  });

  it('identical runs give identical traces and reports', () => {
    const run = () => {
      const { c, trace } = controller({
        rule: softmaxRule(16, 4),
        moeLayers: [1, 3],
        strategy: 'cache-prior',
        strategyParams: { lambda: 0.5, topJ: 1 },
        cache: { capacity: 6 },
        prefillCache: 'warm',
      });
      const r = rng(99);
      for (let s = 0; s < 3; s++) {
        c.beginSample(`s${s}`);
        for (let t = 0; t < 20; t++) {
          for (const layer of [1, 3]) routeAll(c, [{ layer, position: t, phase: t < 8 ? 'prefill' : 'decode', z: randomLogits(r, 16) }]);
        }
      }
      return { lines: trace.lines, report: JSON.stringify(c.finish()) };
    };
    const a = run();
    const b = run();
    expect(a.lines.length).toBe(3 * 20 * 2);
    expect(a.lines).toEqual(b.lines);
    expect(a.report).toEqual(b.report);
  });

  it('the buffered file writer writes the same lines, across many flushes', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'moe-trace-')), 't.jsonl');
    const r = rng(5);
    const logits = Array.from({ length: 50 }, () => randomLogits(r, 8));
    const run = (sink: TraceSink) => {
      const c = new RoutingController({ rule: softmaxRule(8, 2), moeLayers: [0], cache: { capacity: 3 }, trace: sink });
      routeAll(c, logits.map((z) => ({ z })));
      c.finish();
    };
    const file = new BufferedTraceFile(path, 100); // flushes every ~100 characters
    const memory = new MemoryTraceSink();
    run(file);
    run(memory);
    expect(readFileSync(path, 'utf8')).toBe(memory.lines.map((l) => l + '\n').join(''));
    file.close(); // idempotent
  });

  it('an unwritable trace path is a usage error', () => {
    expect(() => openTraceFile('/nonexistent-dir/x/t.jsonl')).toThrow(/cannot open --trace file/);
  });
});

describe('state lifecycle', () => {
  it('Δavg persists across samples while caches reset per sample (hand example)', () => {
    // E=3, k=1, C=1, cache-prior λ=1.
    // Sample A: z = [10, 0, 0], Δ = 10 -> 0.
    // Sample B (cache emptied): z = [2, 0, 0], Δ = 2 -> 0 (nothing resident); then z = [0, 3, 0], Δ = 3:
    //   Δavg = (10 + 2 + 3) / 3 = 5 over the run -> z'_0 = 0 + 5 > 3 -> 0 (a hit).
    //   Had Δavg restarted per sample, (2 + 3) / 2 = 2.5 < 3 would pick 1.
    const { c, lines } = controller({ rule: softmaxRule(3, 1), strategy: 'cache-prior', strategyParams: { lambda: 1 }, cache: { capacity: 1 } });
    c.beginSample('A');
    routeAll(c, [{ z: [10, 0, 0] }]);
    c.beginSample('B');
    const out = routeAll(c, [{ z: [2, 0, 0] }, { z: [0, 3, 0] }]);
    expect(out.map((o) => o.selected[0])).toEqual([0, 0]);
    expect(lines().map((l) => l.resident_before)).toEqual([[], [], [0]]);
    const report = c.finish();
    expect(report.strategyState).toEqual([{ layer: 0, deltaAvg: 5, deltaSum: 15, deltaEvents: 3 }]);
    expect(report.summary).toMatchObject({ events: 3, hits: 1, misses: 2 });
  });

  it('--cache-reset never carries the cache across samples', () => {
    const { c, lines } = controller({ rule: softmaxRule(3, 1), cache: { capacity: 1 }, cacheReset: 'never' });
    c.beginSample('A');
    routeAll(c, [{ z: [10, 0, 0] }]);
    c.beginSample('B');
    routeAll(c, [{ z: [2, 0, 0] }]);
    expect(lines()[1]).toMatchObject({ resident_before: [0], hits: [true] });
    expect(c.finish().config.cacheReset).toBe('never');
  });

  // E=4, k=1, C=1, cache-prior λ=1, linear rule (p = z/sum, z > 0).
  // Prefill token: z = [1, 4, 1, 2], Δ = 3, nothing resident -> 1 (the original).
  // Decode token:  z = [4, 2, 1, 1], Δ = 3, original 0.
  //   count / warm: Δavg = 3 over two events, resident {1}: z'_1 = 2 + 3 = 5 > 4 -> 1, a hit.
  //   skip: the prefill touched neither cache nor Δavg: nothing resident -> 0, a miss; Δavg over 1 event.
  const prefillRun = (prefillCache: string) => {
    const { c, lines } = controller({ rule: linearRule(4, 1), strategy: 'cache-prior', strategyParams: { lambda: 1 }, cache: { capacity: 1 }, prefillCache });
    routeAll(c, [
      { position: 0, phase: 'prefill', z: [1, 4, 1, 2] },
      { position: 1, phase: 'decode', z: [4, 2, 1, 1] },
    ]);
    return { lines: lines(), report: c.finish() };
  };

  it('--prefill-cache count: prompt tokens are routed, cached and counted', () => {
    const { lines, report } = prefillRun('count');
    expect(lines[1]).toMatchObject({ original: [0], selected: [1], hits: [true] });
    expect(report.summary).toMatchObject({ events: 2, tokens: 2, accesses: 2, hits: 1, misses: 1, changedFraction: 0.5 });
    expect(report.strategyState?.[0].deltaEvents).toBe(2);
  });

  it('--prefill-cache warm: prompt tokens update cache and Δavg but are not counted', () => {
    const { lines, report } = prefillRun('warm');
    expect(lines[1]).toMatchObject({ original: [0], selected: [1], hits: [true] });
    expect(report.summary).toMatchObject({ events: 1, tokens: 1, accesses: 1, hits: 1, misses: 0, changedFraction: 1 });
    expect(report.strategyState?.[0].deltaEvents).toBe(2);
    // replays: the original trace is 1 (warm), 0 (counted) -> C=1: one counted access, a miss
    expect(report.replays?.counts.lru).toMatchObject({ accesses: 1, hits: 0, misses: 1 });
    expect(report.replays?.counts.belady).toMatchObject({ accesses: 1, hits: 0, misses: 1 });
  });

  it('--prefill-cache skip: prompt tokens take the original top-k and touch neither cache nor Δavg', () => {
    const { lines, report } = prefillRun('skip');
    expect(lines[1]).toMatchObject({ original: [0], selected: [0], hits: [false], resident_before: [] });
    expect(report.summary).toMatchObject({ events: 1, accesses: 1, hits: 0, misses: 1, changedFraction: 0 });
    expect(report.strategyState?.[0]).toMatchObject({ deltaEvents: 1, deltaAvg: 3 });
    expect(report.replays?.counts.lru).toMatchObject({ accesses: 1, misses: 1 });
  });

  it('--prefill-cache skip routes prompt tokens by the model even with a warm cache', () => {
    // decode z = [4, 1, 1, 2] -> 0 (Δ = 3), cache {0}. Then a prompt token z = [1, 4, 1, 2]:
    // cache-prior would give z'_0 = 1 + 3 = 4 = z_1 -> tie, lower id 0; skip takes the model's 1
    // and leaves the cache at {0}: the next decode token sees resident_before [0].
    const { c, lines } = controller({ rule: linearRule(4, 1), strategy: 'cache-prior', strategyParams: { lambda: 1 }, cache: { capacity: 1 }, prefillCache: 'skip' });
    routeAll(c, [
      { phase: 'decode', z: [4, 1, 1, 2] },
      { phase: 'prefill', z: [1, 4, 1, 2] },
      { phase: 'decode', z: [1, 1, 1, 4] },
    ]);
    expect(lines().map((l) => [l.selected[0], l.resident_before])).toEqual([
      [0, []],
      [1, [0]],
      [0, [0]],
    ]);
  });
});

describe('saveState / restoreState (continuations of one context)', () => {
  it('each continuation is routed as if it came right after the context; statistics keep every event', () => {
    const r = rng(61);
    const E = 16;
    const context = Array.from({ length: 12 }, () => randomLogits(r, E));
    const branchA = Array.from({ length: 6 }, () => randomLogits(r, E));
    const branchB = Array.from({ length: 6 }, () => randomLogits(r, E));
    const opts = { rule: softmaxRule(E, 2), strategy: 'cache-prior', strategyParams: { lambda: 0.7 }, cache: { capacity: 4 } };
    const feed = (c: RoutingController, zs: Float32Array[], from: number) => routeAll(c, zs.map((z, i) => ({ z, position: from + i, phase: 'prefill' as const })));

    const { c: forked, lines: forkedLines } = controller(opts);
    forked.beginSample(0);
    feed(forked, context, 0);
    const state = forked.saveState();
    feed(forked, branchA, 12);
    forked.restoreState(state);
    feed(forked, branchB, 12);

    const { c: straight, lines: straightLines } = controller(opts);
    straight.beginSample(0);
    feed(straight, context, 0);
    feed(straight, branchB, 12);

    // branch B events of the forked run = branch B events of the straight run
    expect(forkedLines().slice(18)).toEqual(straightLines().slice(12));
    const f = forked.finish();
    const s = straight.finish();
    expect(f.strategyState).toEqual(s.strategyState);
    expect(f.counts.events).toBe(24);
    expect(s.counts.events).toBe(18);
  });

  it('refuses foreign or stale states', () => {
    const a = new RoutingController({ rule: softmaxRule(4, 1), moeLayers: [0], cache: { capacity: 2 } });
    const b = new RoutingController({ rule: softmaxRule(4, 1), moeLayers: [0], cache: { capacity: 2 } });
    expect(() => a.restoreState(b.saveState())).toThrow(/same controller/);
    expect(() => a.restoreState({})).toThrow(/same controller/);
    const old = a.saveState();
    a.beginSample(1);
    expect(() => a.restoreState(old)).toThrow(/belongs to sample 0/);
  });
});

describe('statistics', () => {
  it('residency, evictions, misses per token and bytes (hand example)', () => {
    // k=1, C=1, topk: experts 0 0 1 1 1 on layer 0. 0 is loaded at event 0 and evicted by
    // event 2 (resident 2 events); 1 is loaded at event 2 and resident at the end after 5 (3 events).
    // Mean residency 2.5, misses 2, 2 × 1000 bytes, 2 / 5 misses per token.
    const { c } = controller({ rule: linearRule(3, 1), cache: { capacity: 1 }, bytesPerExpert: 1000 });
    routeAll(c, [{ z: [2, 1, 1] }, { z: [2, 1, 1] }, { z: [1, 2, 1] }, { z: [1, 2, 1] }, { z: [1, 2, 1] }]);
    const { summary, counts } = c.finish();
    expect(summary).toMatchObject({ tokens: 5, misses: 2, missRate: 0.4, missesPerToken: 0.4, meanResidencyEvents: 2.5, bytesMoved: 2000 });
    expect(counts.cache).toMatchObject({ evictions: 1, residencyEventsSum: 5, residencyCount: 2 });
  });

  it('changed fraction and mean substituted rank (max-rank worked example)', () => {
    // E=8, k=4, C=4, max-rank J=1 M=6.
    // Event 1: z = [0,5,6,0,7,0,8,0] -> nothing resident -> original top-4 {6, 4, 2, 1}.
    // Event 2: ranking 3, 5, 0, 7, 1, 6, 2, 4 (ranks 1..8); residents {1, 2, 4, 6}:
    //   keep 3; residents of rank ≤ 6: 1 (5), 6 (6); fill with 5 (2) -> {3, 5, 1, 6}.
    //   Substituted: 1 (rank 5) and 6 (rank 6): mean rank 5.5; one of two events changed.
    const { c } = controller({ rule: softmaxRule(8, 4), strategy: 'max-rank', strategyParams: { topJ: 1, maxRank: 6 }, cache: { capacity: 4 } });
    const [, second] = routeAll(c, [{ z: [0, 5, 6, 0, 7, 0, 8, 0] }, { z: [6, 4, 2, 8, 1, 7, 3, 5] }]);
    expect([...second.selected].sort()).toEqual([1, 3, 5, 6]);
    expect(second.selected).toEqual([3, 5, 1, 6]); // descending weight = descending z here
    const { summary, counts } = c.finish();
    expect(counts).toMatchObject({ changedEvents: 1, substitutedExperts: 2, substitutedRankSum: 11 });
    expect(summary).toMatchObject({ changedFraction: 0.5, meanSubstitutedRank: 5.5, hits: 2, misses: 6 });
  });

  it('tokens are the counted events of the lowest MoE layer; per-layer rows are ascending', () => {
    const { c } = controller({ rule: softmaxRule(4, 1), moeLayers: [5, 2], cache: { capacity: 2 } });
    routeAll(c, [
      { layer: 2, z: [1, 0, 0, 0] },
      { layer: 5, z: [1, 0, 0, 0] },
      { layer: 2, z: [0, 1, 0, 0] },
      { layer: 5, z: [1, 0, 0, 0] },
    ]);
    const { counts, summary, config } = c.finish();
    expect(config.moeLayers).toEqual([2, 5]);
    expect(counts.tokens).toBe(2);
    expect(counts.cache?.perLayer.map((l) => [l.layer, l.misses, l.hits])).toEqual([
      [2, 2, 0],
      [5, 1, 1],
    ]);
    expect(summary.perLayer.map((l) => l.missRate)).toEqual([1, 0.5]);
    expect(summary.missesPerToken).toBe(1.5);
  });

  it('without a cache, topk counts routing only', () => {
    const { c, lines } = controller({ rule: softmaxRule(4, 2), bytesPerExpert: 10 });
    routeAll(c, [{ z: [1, 2, 3, 4] }]);
    const report = c.finish();
    expect(report.counts.cache).toBeNull();
    expect(report.replays).toBeNull();
    expect(report.summary).toMatchObject({ events: 1, changedFraction: 0, missRate: null, hits: null, bytesMoved: null });
    expect(report.config.cache).toBeNull();
    expect(lines()[0]).toMatchObject({ selected: [3, 2], hits: [false, false], resident_before: [] });
  });

  it('live topk numbers equal the offline replay of the same policy; Belady is below all', () => {
    const failures: string[] = [];
    const r = rng(21);
    for (const policy of ['lru', 'lfu', 'fifo']) {
      for (const cacheReset of ['per-sample', 'never']) {
        for (const lruOrder of ['weight-desc-first', 'weight-asc-first']) {
          for (const prefillCache of ['count', 'warm', 'skip']) {
            const E = 8 + Math.floor(r() * 24);
            const k = 1 + Math.floor(r() * 4);
            const capacity = k + Math.floor(r() * (E - k));
            const c = new RoutingController({ rule: softmaxRule(E, k), moeLayers: [0, 1], cache: { capacity, policy }, cacheReset, lruOrder, prefillCache });
            for (let s = 0; s < 4; s++) {
              c.beginSample(s);
              for (let t = 0; t < 30; t++) {
                for (const layer of [0, 1]) routeAll(c, [{ layer, position: t, phase: t < 10 ? 'prefill' : 'decode', z: randomLogits(r, E, 2) }]);
              }
            }
            const { counts, replays } = c.finish();
            const tag = `${policy} ${cacheReset} ${lruOrder} ${prefillCache}`;
            const replay = replays!.counts[policy as 'lru'];
            if (replay.misses !== counts.cache!.misses || replay.accesses !== counts.cache!.accesses) {
              failures.push(`${tag}: live ${counts.cache!.misses} replay ${replay.misses}`);
            }
            if (JSON.stringify(replay.perLayer.map((l) => l.misses)) !== JSON.stringify(counts.cache!.perLayer.map((l) => l.misses))) {
              failures.push(`${tag}: per layer`);
            }
            for (const other of ['lru', 'lfu', 'fifo'] as const) {
              if (replays!.counts.belady.misses > replays!.counts[other].misses) failures.push(`${tag}: belady above ${other}`);
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('cache-prior λ=0 reproduces topk event for event (selected, weights, hits) over whole runs', () => {
    const r = rng(31);
    for (let trial = 0; trial < 6; trial++) {
      const E = 8 + Math.floor(r() * 56);
      const k = 1 + Math.floor(r() * 6);
      const capacity = k + Math.floor(r() * (E - k));
      const logits = Array.from({ length: 120 }, () => randomLogits(r, E, 1 + 5 * r()));
      const run = (strategy: string) => {
        const sink = new MemoryTraceSink();
        const c = new RoutingController({
          rule: softmaxRule(E, k),
          moeLayers: [0],
          strategy,
          strategyParams: strategy === 'cache-prior' ? { lambda: 0, topJ: trial % (k + 1) } : {},
          cache: { capacity },
          trace: sink,
        });
        routeAll(c, logits.map((z) => ({ z })));
        const { counts } = c.finish();
        return { lines: sink.lines, counts };
      };
      const a = run('cache-prior');
      const b = run('topk');
      expect(a.lines).toEqual(b.lines);
      expect(a.counts).toEqual(b.counts);
    }
  });

  it('shards merge to the counts of the whole run (per-sample reset)', () => {
    const r = rng(41);
    const samples = Array.from({ length: 4 }, () => Array.from({ length: 25 }, () => randomLogits(r, 12)));
    const make = () => new RoutingController({ rule: softmaxRule(12, 2), moeLayers: [0], cache: { capacity: 4 } });
    const feed = (c: RoutingController, ids: number[]) => {
      for (const s of ids) {
        c.beginSample(s);
        routeAll(c, samples[s].map((z) => ({ z })));
      }
      return c.finish();
    };
    const whole = feed(make(), [0, 1, 2, 3]);
    const a = feed(make(), [0, 1]);
    const b = feed(make(), [2, 3]);
    expect(mergeLiveCounts(a.counts, b.counts)).toEqual(whole.counts);
    for (const p of ['lru', 'lfu', 'fifo', 'belady'] as const) {
      expect(mergeReplayCounts(a.replays!.counts[p], b.replays!.counts[p])).toEqual(whole.replays!.counts[p]);
    }
  });
});

describe('configuration and errors', () => {
  it('records the resolved routing configuration', () => {
    const rule = softmaxRule(8, 2);
    const c = new RoutingController({
      rule,
      moeLayers: [1, 0],
      strategy: 'cache-prior',
      strategyParams: { lambda: 0.25, topJ: 1 },
      cache: { capacity: 4, policy: 'lfu' },
      bytesPerExpert: 4096,
    });
    const json = JSON.parse(JSON.stringify(c.config));
    expect(json).toMatchObject({
      strategy: { id: 'cache-prior', params: { lambda: 0.25, topJ: 1 } },
      cache: { policy: 'lfu', capacityExpertsPerLayer: 4 },
      lruOrder: 'weight-desc-first',
      cacheReset: 'per-sample',
      prefillCache: 'count',
      bytesPerExpert: 4096,
      router: { kind: 'softmax-topk', description: rule.description, numExperts: 8, topK: 2 },
      moeLayers: [0, 1],
    });
    expect(json.strategy.description).toMatch(/0\.25/);
    expect(json.conventions.length).toBeGreaterThan(5);
  });

  const rule = softmaxRule(8, 2);
  const cases: [string, Partial<RoutingControllerOptions>, RegExp][] = [
    ['strategy without cache', { strategy: 'max-rank', strategyParams: { maxRank: 4 } }, /--strategy max-rank needs --cache/],
    ['cache below k', { cache: { capacity: 1 } }, /--cache must be an integer in \[2, 8\]/],
    ['cache above E', { cache: { capacity: 9 } }, /--cache must be an integer in \[2, 8\]/],
    ['unknown policy', { cache: { capacity: 4, policy: 'arc' } }, /--policy; valid: lru, lfu, fifo/],
    ['bad lru order', { lruOrder: 'desc' }, /--lru-order must be one of weight-desc-first, weight-asc-first/],
    ['bad cache reset', { cacheReset: 'per-token' }, /--cache-reset must be one of per-sample, never/],
    ['bad prefill mode', { prefillCache: 'ignore' }, /--prefill-cache must be one of count, warm, skip/],
    ['unknown strategy', { strategy: 'oracle' }, /unknown --strategy "oracle"; valid: topk, cache-prior, max-rank, cumulative-threshold/],
    ['bad lambda', { strategy: 'cache-prior', strategyParams: { lambda: 2 }, cache: { capacity: 2 } }, /--lambda must be a number in \[0, 1\]/],
  ];
  it.each(cases)('%s is a usage error naming the flag', (_name, opts, message) => {
    let error: unknown;
    try {
      new RoutingController({ rule, moeLayers: [0], ...opts });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ name: 'MoeEvalError', kind: 'usage' });
    expect((error as Error).message).toMatch(message);
    expect((error as { exitCode: number }).exitCode).toBe(2);
  });

  it('rejects unknown layers, wrong buffers and routing after finish', () => {
    const c = new RoutingController({ rule, moeLayers: [0, 2] });
    const sel = new Int32Array(2);
    const w = new Float32Array(2);
    expect(() => c.route(1, 0, 'decode', new Float32Array(8), sel, w)).toThrow(/layer 1 is not one of the MoE layers 0, 2/);
    expect(() => c.route(0, 0, 'decode', new Float32Array(7), sel, w)).toThrow(/z of length 8/);
    const report = c.finish();
    expect(c.finish()).toBe(report);
    expect(() => c.route(0, 0, 'decode', new Float32Array(8), sel, w)).toThrow(/finished/);
    expect(() => new RoutingController({ rule, moeLayers: [0, 0] })).toThrow(/distinct/);
  });

  it('forwards loads and evictions (with the cause) to the listener', () => {
    const log: string[] = [];
    const c = new RoutingController({
      rule: softmaxRule(3, 1),
      moeLayers: [4],
      cache: { capacity: 1 },
      listener: { onLoad: (l, id) => log.push(`load ${l}/${id}`), onEvict: (l, id, cause) => log.push(`${cause} ${l}/${id}`) },
    });
    c.beginSample(0);
    routeAll(c, [{ layer: 4, z: [1, 0, 0] }, { layer: 4, z: [0, 1, 0] }]);
    c.beginSample(1);
    expect(log).toEqual(['load 4/0', 'evicted 4/0', 'load 4/1', 'reset 4/1']);
  });
});
