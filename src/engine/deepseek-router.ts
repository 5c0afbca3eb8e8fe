// DeepSeek-V2's MoEGate at inference as a RouterRule (docs/routing-contract.md "Strategies": architectures
// whose router is not softmax-then-top-k define their original ranking and weight rule): softmax
// scoring, `greedy` or `group_limited_greedy` top-k, routed_scaling_factor / norm_topk_prob.
// Follows moe_ref.py `deepseek_route` and DeepSeek's modeling_deepseek.py MoEGate.

import type { RouterRule } from '../routing/types.js';
import { rankByProbability, softmaxInto } from './router-rules.js';

export interface DeepseekRouterOptions {
  numExperts: number;
  topK: number;
  /** null = greedy; else group_limited_greedy over nGroup groups of consecutive experts, best topkGroup kept */
  groups: { nGroup: number; topkGroup: number } | null;
  routedScalingFactor: number;
  /** DeepSeek's code: weights renormalised (sum + 1e-20), no scaling factor (HF ignores the flag) */
  normTopkProb: boolean;
}

export function deepseekRule(opts: DeepseekRouterOptions): RouterRule {
  const { numExperts: E, topK, groups, routedScalingFactor: scale } = opts;
  // DeepSeek's MoEGate renormalises only when top_k > 1
  const renormalize = opts.normTopkProb && topK > 1;
  const weightRule = renormalize
    ? 'the softmax probabilities of the selected experts renormalised to sum 1 (sum + 1e-20; norm_topk_prob), no scaling factor'
    : `the softmax probabilities of the selected experts times routed_scaling_factor ${scale}, not renormalised`;
  const mixingWeights: RouterRule['mixingWeights'] = (_z, probs, selected, weights) => {
    let sum = 0;
    for (let i = 0; i < selected.length; i++) sum += probs[selected[i]];
    const f = renormalize ? 1 / (sum + 1e-20) : scale;
    for (let i = 0; i < selected.length; i++) weights[i] = probs[selected[i]] * f;
  };
  if (groups === null) {
    return {
      kind: 'deepseek-softmax-greedy',
      numExperts: E,
      topK,
      description:
        `DeepSeek MoEGate, greedy: probabilities = softmax over all ${E} routed experts; ` +
        `ranking: descending probability (ties: lower id first), order[0..${topK}) is the model's own top-${topK}; ` +
        `weights: ${weightRule}; shared experts are not routed`,
      probabilities: softmaxInto,
      ranking(_z, probs, order) {
        rankByProbability(probs, order);
      },
      mixingWeights,
    };
  }
  const { nGroup, topkGroup } = groups;
  const size = E / nGroup;
  const best = new Float64Array(nGroup); // [groups] best probability of each group
  const kept = new Uint8Array(nGroup); // [groups] 1 = among the topkGroup best groups
  const rest = new Int32Array(E); // scratch for the stable partition
  return {
    kind: 'deepseek-softmax-group-limited',
    numExperts: E,
    topK,
    description:
      `DeepSeek MoEGate, group_limited_greedy: probabilities = softmax over all ${E} routed experts; ` +
      `the ${nGroup} groups of ${size} consecutive experts are ranked by their best probability and the best ${topkGroup} kept ` +
      `(ties: lower group first); ranking: the kept groups' experts by descending probability, then the other experts by ` +
      `descending probability (ties: lower id first) — the model's top-k of its group-masked scores extended to every expert, ` +
      `so order[0..${topK}) is the model's own top-${topK}; weights: ${weightRule}, probabilities taken from the full softmax ` +
      `also for an expert outside the kept groups; shared experts are not routed`,
    probabilities: softmaxInto,
    ranking(_z, probs, order) {
      for (let g = 0; g < nGroup; g++) {
        let m = -Infinity;
        for (let e = g * size; e < (g + 1) * size; e++) if (probs[e] > m) m = probs[e];
        best[g] = m;
        kept[g] = 0;
      }
      for (let n = 0; n < topkGroup; n++) {
        let pick = -1;
        for (let g = 0; g < nGroup; g++) if (kept[g] === 0 && (pick < 0 || best[g] > best[pick])) pick = g;
        kept[pick] = 1;
      }
      rankByProbability(probs, order);
      // stable partition: experts of kept groups first, each part keeping the probability order
      let head = 0;
      let tail = 0;
      for (let p = 0; p < E; p++) {
        const id = order[p];
        if (kept[(id / size) | 0] === 1) order[head++] = id;
        else rest[tail++] = id;
      }
      for (let i = 0; i < tail; i++) order[head + i] = rest[i];
    },
    mixingWeights,
  };
}
