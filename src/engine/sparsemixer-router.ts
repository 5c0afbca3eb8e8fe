// PhiMoE's sparsemixer at inference (eval mode: no sampling, no jitter) as a RouterRule, with the
// definition docs/routing-contract.md asks of a router that is not softmax-then-top-k: what the model's
// own probabilities, the original ranking and the mixing weights of ANY selected pair are.
// Follows moe_ref.py `sparsemixer_route` and HF modeling_phimoe.py `sparsemixer` (top-2 only).

import type { RouterRule } from '../routing/types.js';
import { softmaxInto } from './router-rules.js';

/** Experts by descending logit, ties lower id first (sparsemixer's argmax, then argmax of the rest, …). */
export function rankByLogit(z: Float32Array, order: Int32Array): void {
  const n = z.length;
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 1; i < n; i++) {
    const id = order[i];
    const v = z[id];
    let j = i - 1;
    while (j >= 0 && z[order[j]] < v) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = id;
  }
}

/**
 * Sparsemixer's weight of expert `at` as if the mixer had chosen it: the softmax, at `at`, over the
 * experts j ≠ `exclude` that its relative mask keeps: (z_at − z_j) / max(|z_j|, z_at) ≤ threshold
 * (experts with a larger logit are always kept; 0/0 keeps, as torch's NaN > thr is false).
 */
export function sparsemixerWeight(z: Float32Array, at: number, exclude: number, threshold: number): number {
  const v = z[at];
  let max = -Infinity;
  for (let j = 0; j < z.length; j++) {
    if (j === exclude || (v - z[j]) / Math.max(Math.abs(z[j]), v) > threshold) continue;
    if (z[j] > max) max = z[j];
  }
  let sum = 0;
  for (let j = 0; j < z.length; j++) {
    if (j === exclude || (v - z[j]) / Math.max(Math.abs(z[j]), v) > threshold) continue;
    sum += Math.exp(z[j] - max);
  }
  return Math.exp(v - max) / sum;
}

/** true when expert a ranks before b in rankByLogit's order */
const ranksBefore = (z: Float32Array, a: number, b: number) => z[a] > z[b] || (z[a] === z[b] && a < b);

export function sparsemixerRule(opts: { numExperts: number; routerJitterNoise: number }): RouterRule {
  const E = opts.numExperts;
  const threshold = 2 * opts.routerJitterNoise;
  return {
    kind: 'sparsemixer',
    numExperts: E,
    topK: 2,
    description:
      `PhiMoE sparsemixer (eval), top-2, mask threshold 2·router_jitter_noise = ${threshold}: ` +
      `probabilities = softmax of the router logits over all ${E} experts (cumulative-threshold sums these); ` +
      `ranking: descending router logit (ties: lower id first), so order[0] = argmax and order[1] = argmax of the rest, ` +
      `sparsemixer's own two choices; weights of any selected pair {a, b}, a the better ranked: sparsemixer with its two ` +
      `choices forced to (a, b): w_a = softmax over the experts j with (z_a − z_j)/max(|z_j|, z_a) ≤ ${threshold}, at a; ` +
      `w_b = the same around z_b over the experts other than a, at b; from the unmodified logits, never renormalised ` +
      `(each in (0, 1], the pair need not sum to 1); for the model's own pair exactly sparsemixer`,
    probabilities: softmaxInto,
    ranking(z, _probs, order) {
      rankByLogit(z, order);
    },
    mixingWeights(z, _probs, selected, weights) {
      const aFirst = ranksBefore(z, selected[0], selected[1]);
      const first = aFirst ? selected[0] : selected[1];
      const second = aFirst ? selected[1] : selected[0];
      const w1 = sparsemixerWeight(z, first, -1, threshold);
      const w2 = sparsemixerWeight(z, second, first, threshold);
      weights[0] = aFirst ? w1 : w2;
      weights[1] = aFirst ? w2 : w1;
    },
  };
}
