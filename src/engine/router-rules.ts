// Router rules of the supported architectures (docs/routing-contract.md "Strategies": mixing weights
// always come from the model's own probabilities of the unmodified logits, post-processed as the
// model does it). Follows HF's MixtralSparseMoeBlock / Qwen2MoeSparseMoeBlock / OlmoeSparseMoeBlock.

import type { RouterRule } from '../routing/types.js';

/** Experts sorted by descending probability, ties lower id first (a stable, total order). */
export function rankByProbability(probs: Float64Array, order: Int32Array): void {
  const n = probs.length;
  for (let i = 0; i < n; i++) order[i] = i;
  // insertion sort: E is small (8..128) and this allocates nothing
  for (let i = 1; i < n; i++) {
    const id = order[i];
    const p = probs[id];
    let j = i - 1;
    while (j >= 0 && probs[order[j]] < p) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = id;
  }
}

/** Numerically stable softmax in float64. z, probs: [E] */
export function softmaxInto(z: Float32Array, probs: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) if (z[i] > max) max = z[i];
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    const e = Math.exp(z[i] - max);
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < z.length; i++) probs[i] /= sum;
}

export interface SoftmaxTopKOptions {
  numExperts: number;
  topK: number;
  /** renormalise the selected probabilities to sum to 1 (Mixtral always; others by norm_topk_prob) */
  renormalize: boolean;
  /** multiply the weights (DeepSeek routed_scaling_factor; 1 elsewhere) */
  scale?: number;
}

/** "softmax over all experts, then top-k": Mixtral, Qwen2-MoE, OLMoE, Qwen3-MoE. */
export function softmaxTopKRule(opts: SoftmaxTopKOptions): RouterRule {
  const { numExperts, topK, renormalize } = opts;
  const scale = opts.scale ?? 1;
  return {
    kind: 'softmax-topk',
    numExperts,
    topK,
    description:
      `ranking: softmax over all ${numExperts} experts, descending (ties: lower id first); ` +
      `weights: softmax probabilities of the selected experts` +
      (renormalize ? ', renormalised to sum 1' : ', not renormalised') +
      (scale !== 1 ? `, times ${scale}` : ''),
    probabilities: softmaxInto,
    ranking(_z, probs, order) {
      rankByProbability(probs, order);
    },
    mixingWeights(_z, probs, selected, weights) {
      let sum = 0;
      for (let i = 0; i < selected.length; i++) sum += probs[selected[i]];
      const f = (renormalize ? 1 / sum : 1) * scale;
      for (let i = 0; i < selected.length; i++) weights[i] = probs[selected[i]] * f;
    },
  };
}
