import { describe, expect, it } from 'vitest';
import { CachePriorStrategy } from '../../src/routing/strategies/cache-prior.js';
import type { RoutingStrategy, StrategyParams } from '../../src/routing/strategies/strategy.js';
import { createStrategy, getStrategy, STRATEGY_IDS } from '../../src/routing/strategy-registry.js';
import type { RouterRule } from '../../src/routing/types.js';
import { eventView, linearRule, randomLogits, randomSubset, reverseRule, rng, softmaxRule, sorted } from './helpers.js';

function make(id: string, rule: RouterRule, params: StrategyParams = {}, numLayers = 1): RoutingStrategy {
  return createStrategy(id, params, { rule, numLayers });
}

function select(strategy: RoutingStrategy, rule: RouterRule, z: ArrayLike<number>, resident: number[], slot = 0): number[] {
  const out = new Int32Array(rule.topK);
  strategy.select(slot, eventView(rule, z, resident), out);
  return Array.from(out);
}

describe('registry', () => {
  it('has the four kebab-case strategies', () => {
    expect([...STRATEGY_IDS]).toEqual(['topk', 'cache-prior', 'max-rank', 'cumulative-threshold']);
    for (const id of STRATEGY_IDS) expect(getStrategy(id).id).toBe(id);
  });

  it('an unknown id is a usage error listing the valid ids', () => {
    expect(() => getStrategy('cache_prior')).toThrow('unknown --strategy "cache_prior"; valid: topk, cache-prior, max-rank, cumulative-threshold');
  });
});

describe('topk', () => {
  it("is the rule's own top-k in the rule's order", () => {
    // z -> p = z/sum: ids by p: 2 (0.4), 0 (0.3), 3 (0.2), 1 (0.1)
    const rule = linearRule(4, 2);
    expect(select(make('topk', rule), rule, [3, 1, 4, 2], [0, 1, 3])).toEqual([2, 0]);
  });

  it('follows a non-softmax ranking', () => {
    const rule = reverseRule(5, 2);
    expect(select(make('topk', rule), rule, [3, 1, 4, 2, 0], [])).toEqual([4, 1]);
  });
});

describe('cache-prior', () => {
  it('λ = 0 reproduces topk exactly on random logits and resident sets', () => {
    const r = rng(1);
    const failures: string[] = [];
    for (let t = 0; t < 2000; t++) {
      const E = 4 + Math.floor(r() * 60);
      const k = 1 + Math.floor(r() * Math.min(8, E));
      const rule = t % 3 === 0 ? reverseRule(E, k) : softmaxRule(E, k, t % 2 === 0);
      const topJ = Math.floor(r() * (k + 1));
      const prior = make('cache-prior', rule, { lambda: 0, topJ });
      const topk = make('topk', rule);
      const z = randomLogits(r, E, 1 + r() * 10);
      const res = randomSubset(r, E, Math.floor(r() * E));
      const a = select(prior, rule, z, res);
      const b = select(topk, rule, z, res);
      if (a.join() !== b.join()) failures.push(`${a} vs ${b}`);
    }
    expect(failures).toEqual([]);
  });

  it('always keeps the original top-J (random)', () => {
    const r = rng(2);
    const failures: string[] = [];
    for (let t = 0; t < 2000; t++) {
      const E = 4 + Math.floor(r() * 60);
      const k = 1 + Math.floor(r() * Math.min(8, E));
      const rule = softmaxRule(E, k);
      const topJ = Math.floor(r() * (k + 1));
      const s = make('cache-prior', rule, { lambda: r(), topJ });
      const z = randomLogits(r, E, 1 + r() * 10);
      const view = eventView(rule, z, randomSubset(r, E, Math.floor(r() * E)));
      const out = new Int32Array(k);
      s.select(0, view, out);
      const chosen = new Set(out);
      if (chosen.size !== k) failures.push('not distinct');
      for (let j = 0; j < topJ; j++) if (!chosen.has(view.order[j])) failures.push(`lost rank ${j + 1}`);
    }
    expect(failures).toEqual([]);
  });

  it('boosts residents by λ·Δavg (hand example)', () => {
    // E=4, k=2, λ=0.5, one event: Δ = max - min = 4 - 0 = 4 -> Δavg = 4 (includes the event).
    // z = [4, 3, 0, 2.5], resident {3}: z' = [4, 3, 0, 2.5 + 0.5·4 = 4.5] -> top-2 = {3, 0}.
    const rule = softmaxRule(4, 2);
    expect(sorted(select(make('cache-prior', rule, { lambda: 0.5 }), rule, [4, 3, 0, 2.5], [3]))).toEqual([0, 3]);
    // with λ = 0.1: z'_3 = 2.5 + 0.4 = 2.9 < 3 -> top-2 stays {0, 1}
    expect(sorted(select(make('cache-prior', rule, { lambda: 0.1 }), rule, [4, 3, 0, 2.5], [3]))).toEqual([0, 1]);
  });

  it('protects the original top-J even when not resident (hand example)', () => {
    // E=4, k=2, λ=1, Δavg = 4. z = [4, 3, 0, 1.5], resident {2, 3}, J=0:
    // z' = [4, 3, 4, 5.5] -> top-2 {3, 0}? 5.5 and then a tie 4 = 4 -> lower id 0 -> {3, 0}.
    const rule = softmaxRule(4, 2);
    expect(sorted(select(make('cache-prior', rule, { lambda: 1 }), rule, [4, 3, 0, 1.5], [2, 3]))).toEqual([0, 3]);
    // J=1 protects id 0 (rank 1) too: z' = [8, 3, 4, 5.5] -> {0, 3}; same set, and with resident {1,2,3}:
    // J=0: z' = [4, 7, 4, 5.5] -> {1, 3}; J=1: z' = [8, 7, 4, 5.5] -> {0, 1}
    expect(sorted(select(make('cache-prior', rule, { lambda: 1 }), rule, [4, 3, 0, 1.5], [1, 2, 3]))).toEqual([1, 3]);
    expect(sorted(select(make('cache-prior', rule, { lambda: 1, topJ: 1 }), rule, [4, 3, 0, 1.5], [1, 2, 3]))).toEqual([0, 1]);
  });

  it('equal z\' go to the lower id (softmax-topk)', () => {
    // λ=1, Δavg = 2: z = [2, 0, 1, 1] with resident {1}: z' = [2, 2, 1, 1] -> k=1 picks 0 (tie, lower id)
    const rule = softmaxRule(4, 1);
    expect(select(make('cache-prior', rule, { lambda: 1 }), rule, [2, 0, 1, 1], [1])).toEqual([0]);
    // resident {2, 3}: z' = [2, 0, 3, 3] -> picks 2
    expect(select(make('cache-prior', rule, { lambda: 1 }), rule, [2, 0, 1, 1], [2, 3])).toEqual([2]);
  });

  it('Δavg is the running mean per layer including the current event (hand example)', () => {
    // E=3, k=1, λ=1. Event 1 of the layer: z = [2, 0, 0], Δ = 2, nothing resident -> 0.
    // Event 2: z = [6, 3, 0], Δ = 6. Including the event, Δavg = (2 + 6) / 2 = 4;
    // excluding it, Δavg would be 2. Resident {1}: z'_1 = 3 + 4 = 7 > 6 -> 1 (with 2: 5 < 6 -> 0).
    const rule = softmaxRule(3, 1);
    const s = make('cache-prior', rule, { lambda: 1 });
    expect(select(s, rule, [2, 0, 0], [])).toEqual([0]);
    expect(select(s, rule, [6, 3, 0], [1])).toEqual([1]);
    expect((s as CachePriorStrategy).deltaAvg(0)).toBe(4);
    // It is a running mean, not the current Δ: event 3: z = [6, 1, 0], Δ = 6 -> Δavg = 14/3 ≈ 4.667;
    // resident {1}: z'_1 = 1 + 4.667 = 5.667 < 6 -> 0 (with the current Δ alone: 1 + 6 = 7 -> 1).
    expect(select(s, rule, [6, 1, 0], [1])).toEqual([0]);
    expect(s.layerState(0)).toEqual({ deltaAvg: 14 / 3, deltaSum: 14, deltaEvents: 3 });
  });

  it('keeps one Δavg per layer slot', () => {
    const rule = softmaxRule(3, 1);
    const s = make('cache-prior', rule, { lambda: 1 }, 2) as CachePriorStrategy;
    select(s, rule, [10, 0, 0], [], 0);
    select(s, rule, [2, 0, 0], [], 1);
    expect([s.deltaAvg(0), s.deltaAvg(1)]).toEqual([10, 2]);
  });

  it("applies the router's own ranking to z' (non-softmax rule)", () => {
    // reverseRule picks the LOWEST logits. z = [0, 1, 2, 3], k=1, λ=1, Δavg = 3, resident {0}:
    // z' = [3, 1, 2, 3] -> lowest is 1.
    const rule = reverseRule(4, 1);
    expect(select(make('cache-prior', rule, { lambda: 1 }), rule, [0, 1, 2, 3], [0])).toEqual([1]);
  });
});

describe('max-rank (Algorithm 1)', () => {
  // E=8, k=4. Logits give the original ranking by id: 3 (rank 1), 5, 0, 7, 1, 6, 2, 4 (rank 8).
  const z = [6, 4, 2, 8, 1, 7, 3, 5];
  const rule = softmaxRule(8, 4);

  it('worked example: J=1, M=6', () => {
    // keep top-1: [3]. Residents {1, 2, 4, 6} with rank ≤ 6: 1 (rank 5), 6 (rank 6) -> [3, 1, 6].
    // 2 (rank 7) and 4 (rank 8) are outside the window. One slot left -> best remaining: 5 (rank 2).
    expect(select(make('max-rank', rule, { topJ: 1, maxRank: 6 }), rule, z, [1, 2, 4, 6])).toEqual([3, 1, 6, 5]);
  });

  it('worked example: J=0, M=8 fills with residents only, best rank first', () => {
    // residents {1, 2, 4, 6} have ranks 5, 7, 8, 6 -> by rank: 1, 6, 2, 4
    expect(select(make('max-rank', rule, { topJ: 0, maxRank: 8 }), rule, z, [1, 2, 4, 6])).toEqual([1, 6, 2, 4]);
  });

  it('worked example: M = k keeps the original set', () => {
    // window = ranks 1..4 = {3, 5, 0, 7}: residents inside are already top-k; nothing changes
    expect(sorted(select(make('max-rank', rule, { topJ: 0, maxRank: 4 }), rule, z, [1, 2, 0]))).toEqual([0, 3, 5, 7]);
  });

  it('J = k is the original top-k', () => {
    expect(select(make('max-rank', rule, { topJ: 4, maxRank: 8 }), rule, z, [1, 2, 4, 6])).toEqual([3, 5, 0, 7]);
  });

  it('always keeps the original top-J and picks k distinct (random)', () => {
    const r = rng(3);
    const failures: string[] = [];
    for (let t = 0; t < 2000; t++) {
      const E = 4 + Math.floor(r() * 60);
      const k = 1 + Math.floor(r() * Math.min(8, E));
      const topJ = Math.floor(r() * (k + 1));
      const maxRank = k + Math.floor(r() * (E - k + 1));
      const rl = softmaxRule(E, k);
      const view = eventView(rl, randomLogits(r, E), randomSubset(r, E, Math.floor(r() * E)));
      const out = new Int32Array(k);
      make('max-rank', rl, { topJ, maxRank }).select(0, view, out);
      const chosen = new Set(out);
      if (chosen.size !== k) failures.push('not distinct');
      for (let j = 0; j < topJ; j++) if (!chosen.has(view.order[j])) failures.push(`lost rank ${j + 1}`);
      // nothing outside the window is chosen while a resident inside the window is left out
      for (const id of out) {
        const rank = view.rankPos[id] + 1;
        if (rank > Math.max(maxRank, k) && view.resident[id] === 0) {
          for (let p = topJ; p < maxRank; p++) if (view.resident[view.order[p]] === 1 && !chosen.has(view.order[p])) failures.push('skipped resident');
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('cumulative-threshold (Algorithm 2)', () => {
  // Exact probabilities with the linear rule: z = [2, 8, 1, 4, 5, 0.5, 3, 0.5] / 24
  // ranking: 1 (8/24), 4 (5/24), 3 (4/24), 6 (3/24), 0 (2/24), 2 (1/24), 5 (0.5/24), 7 (0.5/24)
  // cumulative: 8, 13, 17, 20, 22, 23, 23.5, 24 (/24)
  const z = [2, 8, 1, 4, 5, 0.5, 3, 0.5];
  const rule = linearRule(8, 3);

  it('worked example: p = 0.8 -> window of 4 (20/24 ≥ 0.8 > 17/24)', () => {
    // J=1 keeps 1. Residents {0, 6, 7}: inside the window (ranks ≤ 4): 6 (rank 4) -> [1, 6].
    // 0 is rank 5, outside. Fill: best remaining -> 4 (rank 2) -> [1, 6, 4].
    expect(select(make('cumulative-threshold', rule, { topJ: 1, threshold: 0.8 }), rule, z, [0, 6, 7])).toEqual([1, 6, 4]);
  });

  it('worked example: p = 0.9 -> window of 5 (22/24 ≥ 0.9 > 20/24) admits 0', () => {
    // J=1 keeps 1; residents in ranks ≤ 5: 6 (rank 4), 0 (rank 5) -> [1, 6, 0]
    expect(select(make('cumulative-threshold', rule, { topJ: 1, threshold: 0.9 }), rule, z, [0, 6, 7])).toEqual([1, 6, 0]);
  });

  it('worked example: a window smaller than k (p = 0.3 -> 1 expert) changes nothing', () => {
    // 8/24 ≥ 0.3: window = rank 1 only; no resident qualifies -> original order 1, 4, 3
    expect(select(make('cumulative-threshold', rule, { topJ: 0, threshold: 0.3 }), rule, z, [0, 6, 7])).toEqual([1, 4, 3]);
  });

  it('p = 1 makes every expert a candidate', () => {
    // window = all 8: residents by rank: 6 (4), 0 (5), 7 (8) -> [6, 0, 7]
    expect(select(make('cumulative-threshold', rule, { topJ: 0, threshold: 1 }), rule, z, [0, 6, 7])).toEqual([6, 0, 7]);
  });

  it('always keeps the original top-J (random)', () => {
    const r = rng(4);
    const failures: string[] = [];
    for (let t = 0; t < 2000; t++) {
      const E = 4 + Math.floor(r() * 60);
      const k = 1 + Math.floor(r() * Math.min(8, E));
      const topJ = Math.floor(r() * (k + 1));
      const rl = softmaxRule(E, k);
      const view = eventView(rl, randomLogits(r, E), randomSubset(r, E, Math.floor(r() * E)));
      const out = new Int32Array(k);
      make('cumulative-threshold', rl, { topJ, threshold: 0.01 + 0.99 * r() }).select(0, view, out);
      const chosen = new Set(out);
      if (chosen.size !== k) failures.push('not distinct');
      for (let j = 0; j < topJ; j++) if (!chosen.has(view.order[j])) failures.push(`lost rank ${j + 1}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('parameter validation names the flag and the range', () => {
  const rule = softmaxRule(8, 2);
  const cases: [string, StrategyParams, RegExp][] = [
    ['cache-prior', {}, /--strategy cache-prior needs --lambda \(a number in \[0, 1\]\)/],
    ['cache-prior', { lambda: 1.5 }, /--lambda must be a number in \[0, 1\]; got 1.5/],
    ['cache-prior', { lambda: -0.1 }, /--lambda must be a number in \[0, 1\]/],
    ['cache-prior', { lambda: NaN }, /--lambda/],
    ['cache-prior', { lambda: 0.5, topJ: 3 }, /--top-j must be an integer in \[0, 2\]/],
    ['cache-prior', { lambda: 0.5, topJ: -1 }, /--top-j must be an integer in \[0, 2\]/],
    ['cache-prior', { lambda: 0.5, topJ: 0.5 }, /--top-j/],
    ['cache-prior', { lambda: 0.5, maxRank: 4 }, /--max-rank does not apply to --strategy cache-prior/],
    ['max-rank', { topJ: 1 }, /--strategy max-rank needs --max-rank \(an integer in \[2, 8\]/],
    ['max-rank', { maxRank: 1 }, /--max-rank must be an integer in \[2, 8\] \(top-k to routed experts\); got 1/],
    ['max-rank', { maxRank: 9 }, /--max-rank must be an integer in \[2, 8\]/],
    ['max-rank', { maxRank: 4, lambda: 0.5 }, /--lambda does not apply to --strategy max-rank/],
    ['cumulative-threshold', {}, /needs --threshold \(a number in \(0, 1\]\)/],
    ['cumulative-threshold', { threshold: 0 }, /--threshold must be a number in \(0, 1\]; got 0/],
    ['cumulative-threshold', { threshold: 1.01 }, /--threshold must be a number in \(0, 1\]/],
    ['cumulative-threshold', { threshold: 0.5, topJ: 5 }, /--top-j must be an integer in \[0, 2\]/],
    ['topk', { lambda: 0 }, /--lambda does not apply to --strategy topk/],
    ['topk', { topJ: 1 }, /--top-j does not apply to --strategy topk/],
  ];
  it.each(cases)('%s %o', (id, params, message) => {
    let error: unknown;
    try {
      make(id, rule, params);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ name: 'MoeEvalError', kind: 'usage' });
    expect((error as Error).message).toMatch(message);
    expect((error as { hint?: string }).hint).toBeTruthy();
  });

  it('accepts the boundaries and the neutral --top-j 0 anywhere', () => {
    expect(make('cache-prior', rule, { lambda: 0, topJ: 2 }).params).toEqual({ lambda: 0, topJ: 2 });
    expect(make('cache-prior', rule, { lambda: 1 }).params).toEqual({ lambda: 1, topJ: 0 });
    expect(make('max-rank', rule, { maxRank: 2, topJ: 2 }).params).toEqual({ topJ: 2, maxRank: 2 });
    expect(make('max-rank', rule, { maxRank: 8 }).params).toEqual({ topJ: 0, maxRank: 8 });
    expect(make('cumulative-threshold', rule, { threshold: 1 }).params).toEqual({ topJ: 0, threshold: 1 });
    expect(make('topk', rule, { topJ: 0 }).params).toEqual({});
  });
});
