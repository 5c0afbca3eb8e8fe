// Shared test helpers: a seeded RNG, exact-arithmetic router rules and event views built by hand.

import { rankByProbability, softmaxTopKRule } from '../../src/engine/router-rules.js';
import type { RoutingEventView } from '../../src/routing/strategies/strategy.js';
import type { RouterRule } from '../../src/routing/types.js';

/** mulberry32: deterministic, so every property test is reproducible */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomLogits(r: () => number, numExperts: number, scale = 4): Float32Array {
  const z = new Float32Array(numExperts);
  for (let i = 0; i < numExperts; i++) z[i] = (r() * 2 - 1) * scale;
  return z;
}

/** A random subset of [0, numExperts) of the given size. */
export function randomSubset(r: () => number, numExperts: number, size: number): number[] {
  const ids = Array.from({ length: numExperts }, (_, i) => i);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids.slice(0, size).sort((a, b) => a - b);
}

export function softmaxRule(numExperts: number, topK: number, renormalize = true, scale?: number): RouterRule {
  return softmaxTopKRule({ numExperts, topK, renormalize, scale });
}

/**
 * A rule whose arithmetic is exact for hand calculation: probabilities are z / sum(z) (z > 0),
 * ranking by probability (ties lower id), weights are the probabilities of the selected experts.
 */
export function linearRule(numExperts: number, topK: number): RouterRule {
  return {
    kind: 'linear-test',
    numExperts,
    topK,
    description: 'test rule: p = z / sum(z); weights = p of the selected, not renormalised',
    probabilities(z, probs) {
      let sum = 0;
      for (let i = 0; i < z.length; i++) sum += z[i];
      for (let i = 0; i < z.length; i++) probs[i] = z[i] / sum;
    },
    ranking(_z, probs, order) {
      rankByProbability(probs, order);
    },
    mixingWeights(_z, probs, selected, weights) {
      for (let i = 0; i < selected.length; i++) weights[i] = probs[selected[i]];
    },
  };
}

/** A router that is not softmax-top-k: it ranks the LOWEST logits first and weighs uniformly. */
export function reverseRule(numExperts: number, topK: number): RouterRule {
  return {
    kind: 'reverse-test',
    numExperts,
    topK,
    description: 'test rule: ascending logits (ties lower id), uniform weights',
    probabilities(z, probs) {
      for (let i = 0; i < z.length; i++) probs[i] = 1 / z.length;
    },
    ranking(z, _probs, order) {
      const ids = Array.from({ length: z.length }, (_, i) => i).sort((a, b) => z[a] - z[b] || a - b);
      order.set(ids);
    },
    mixingWeights(_z, _probs, selected, weights) {
      for (let i = 0; i < selected.length; i++) weights[i] = 1 / selected.length;
    },
  };
}

/** The view a strategy sees for logits z and a resident set, computed through the rule. */
export function eventView(rule: RouterRule, z: ArrayLike<number>, resident: readonly number[]): RoutingEventView {
  const E = rule.numExperts;
  const zz = Float32Array.from(z);
  const probs = new Float64Array(E);
  const order = new Int32Array(E);
  const rankPos = new Int32Array(E);
  const mask = new Uint8Array(E);
  rule.probabilities(zz, probs);
  rule.ranking(zz, probs, order);
  order.forEach((id, p) => (rankPos[id] = p));
  for (const id of resident) mask[id] = 1;
  return { numExperts: E, topK: rule.topK, z: zz, probs, order, rankPos, resident: mask };
}

export const sorted = (xs: ArrayLike<number>): number[] => Array.from(xs).sort((a, b) => a - b);
