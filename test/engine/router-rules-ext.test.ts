// The DeepSeek MoEGate and PhiMoE sparsemixer router rules on the goldens' own router logits (the
// model's own choice and weights), on hand-worked examples, and their definitions for selections the
// model would not make (what cache-prior / max-rank / cumulative-threshold hand to mixingWeights).

import { describe, expect, it } from 'vitest';
import { deepseekRule } from '../../src/engine/deepseek-router.js';
import { sparsemixerRule, sparsemixerWeight } from '../../src/engine/sparsemixer-router.js';
import type { RouterRule } from '../../src/routing/types.js';
import { loadGolden } from '../helpers/fixtures.js';

interface ExtGoldenLayer {
  layer: number;
  router_logits: number[][];
  selected_experts: number[][];
  expert_weights: number[][];
}

/** the rule's own top-k (ranking order) and the weights mixingWeights gives them */
function own(rule: RouterRule, logits: number[]): { ids: number[]; weights: number[] } {
  const z = Float32Array.from(logits);
  const probs = new Float64Array(rule.numExperts);
  const order = new Int32Array(rule.numExperts);
  rule.probabilities(z, probs);
  rule.ranking(z, probs, order);
  const selected = order.slice(0, rule.topK);
  const weights = new Float32Array(rule.topK);
  rule.mixingWeights(z, probs, selected, weights);
  return { ids: Array.from(selected), weights: Array.from(weights) };
}

function weightsOf(rule: RouterRule, logits: number[], selected: number[]): number[] {
  const z = Float32Array.from(logits);
  const probs = new Float64Array(rule.numExperts);
  rule.probabilities(z, probs);
  const w = new Float32Array(selected.length);
  rule.mixingWeights(z, probs, Int32Array.from(selected), w);
  return Array.from(w);
}

describe('sparsemixer rule', () => {
  it.each(['phimoe-e8k2-f32', 'phimoe-e16k2-bf16'])('%s: ranking[0..2) and weights are sparsemixer\'s own choice', (name) => {
    const g = loadGolden(name) as unknown as { routing: ExtGoldenLayer[]; config: Record<string, number> };
    const rule = sparsemixerRule({ numExperts: g.config.num_local_experts, routerJitterNoise: g.config.router_jitter_noise });
    for (const layer of g.routing) {
      layer.router_logits.forEach((z, t) => {
        const mine = own(rule, z);
        expect(mine.ids).toEqual(layer.selected_experts[t]); // sparsemixer order: argmax first
        mine.weights.forEach((w, j) => expect(Math.abs(w - layer.expert_weights[t][j])).toBeLessThan(1e-6));
      });
    }
  });

  it('a hand-worked example: masks relative to each choice, the second excludes the first, no renormalisation', () => {
    // threshold 2·0.1 = 0.2; z = [2, 1.8, 1, -1]
    const z = [2, 1.8, 1, -1];
    const rule = sparsemixerRule({ numExperts: 4, routerJitterNoise: 0.1 });
    // first = 0: (2 - z_j) / max(|z_j|, 2) = 0, 0.1, 0.5, 1.5 -> keeps {0, 1}: e^2 / (e^2 + e^1.8)
    const w1 = Math.exp(2) / (Math.exp(2) + Math.exp(1.8));
    // second = 1 (0 excluded): (1.8 - z_j) / max(|z_j|, 1.8) = 0, 0.444, 1.556 -> keeps {1} alone: 1
    expect(own(rule, z).ids).toEqual([0, 1]);
    const w = own(rule, z).weights;
    expect(w[0]).toBeCloseTo(w1, 6);
    expect(w[1]).toBe(1);
    expect(w[0] + w[1]).toBeGreaterThan(1); // never renormalised
  });

  it('weights of a forced pair: the better-ranked expert takes the first slot, whatever the order given', () => {
    const z = [2, 1.8, 1, 0.95];
    const rule = sparsemixerRule({ numExperts: 4, routerJitterNoise: 0.1 });
    // pair {3, 2}: first = 2 (z 1) masks around 1: keeps j with (1 - z_j)/max(|z_j|, 1) <= 0.2 -> {0, 1, 2, 3}
    const first = Math.exp(1) / [2, 1.8, 1, 0.95].reduce((s, v) => s + Math.exp(v), 0);
    // second = 3 (2 excluded) masks around 0.95: keeps {0, 1, 3}
    const second = Math.exp(0.95) / [2, 1.8, 0.95].reduce((s, v) => s + Math.exp(v), 0);
    expect(weightsOf(rule, z, [3, 2])[1]).toBeCloseTo(first, 6);
    expect(weightsOf(rule, z, [3, 2])[0]).toBeCloseTo(second, 6);
    expect(weightsOf(rule, z, [2, 3])).toEqual(weightsOf(rule, z, [3, 2]).reverse());
    expect(sparsemixerWeight(Float32Array.from(z), 2, -1, 0.2)).toBeCloseTo(first, 6);
  });

  it('probabilities are the full softmax (what cumulative-threshold sums) and the ranking is by logit, ties lower id', () => {
    const rule = sparsemixerRule({ numExperts: 4, routerJitterNoise: 0.01 });
    const z = Float32Array.of(0.5, 1, 1, -2);
    const probs = new Float64Array(4);
    const order = new Int32Array(4);
    rule.probabilities(z, probs);
    rule.ranking(z, probs, order);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Array.from(order)).toEqual([1, 2, 0, 3]);
  });
});

describe('DeepSeek MoEGate rule', () => {
  it.each(['deepseek_v2-e8k2-f32', 'deepseek_v2-e16k4-bf16'])('%s: ranking[0..k) and weights are the model\'s own choice', (name) => {
    const g = loadGolden(name) as unknown as { routing: ExtGoldenLayer[]; config: Record<string, unknown> };
    const c = g.config;
    const rule = deepseekRule({
      numExperts: c.n_routed_experts as number,
      topK: c.num_experts_per_tok as number,
      groups: c.topk_method === 'group_limited_greedy' ? { nGroup: c.n_group as number, topkGroup: c.topk_group as number } : null,
      routedScalingFactor: c.routed_scaling_factor as number,
      normTopkProb: c.norm_topk_prob as boolean,
    });
    for (const layer of g.routing) {
      layer.router_logits.forEach((z, t) => {
        const mine = own(rule, z);
        expect(mine.ids).toEqual(layer.selected_experts[t]);
        mine.weights.forEach((w, j) => expect(Math.abs(w - layer.expert_weights[t][j])).toBeLessThan(1e-5));
      });
    }
  });

  it('group-limited ranking: kept groups first, each part by descending probability', () => {
    // 3 groups of 2: best probabilities by group: g0 = p1, g1 = p2, g2 = p4; keep 2 groups
    const rule = deepseekRule({ numExperts: 6, topK: 2, groups: { nGroup: 3, topkGroup: 2 }, routedScalingFactor: 2, normTopkProb: false });
    const z = [0.1, 1.0, 2.0, 0.0, 1.5, 1.4]; // group bests: 1.0 (g0), 2.0 (g1), 1.5 (g2) -> keep g1, g2
    const probs = new Float64Array(6);
    const order = new Int32Array(6);
    rule.probabilities(Float32Array.from(z), probs);
    rule.ranking(Float32Array.from(z), probs, order);
    // kept: 2 (2.0), 4 (1.5), 5 (1.4), 3 (0.0); then the rest by probability: 1 (1.0), 0 (0.1)
    expect(Array.from(order)).toEqual([2, 4, 5, 3, 1, 0]);
    // weights: full-softmax probabilities × routed_scaling_factor, also for an expert of a dropped group
    const w = weightsOf(rule, z, [1, 2]);
    expect(w[0]).toBeCloseTo(probs[1] * 2, 6);
    expect(w[1]).toBeCloseTo(probs[2] * 2, 6);
  });

  it('norm_topk_prob renormalises without the scaling factor (DeepSeek\'s code)', () => {
    const rule = deepseekRule({ numExperts: 4, topK: 2, groups: null, routedScalingFactor: 16, normTopkProb: true });
    const w = weightsOf(rule, [1, 2, 3, 4], [3, 2]);
    expect(w[0] + w[1]).toBeCloseTo(1, 6);
    expect(w[0] / w[1]).toBeCloseTo(Math.E, 5);
  });
});
