// OLMoE (HF modeling_olmoe.py): RMSNorm over the whole projected q and k (before splitting heads),
// optional clip_qkv clamp of q, k, v, optional attention biases; every layer is MoE.

import type { Architecture } from './registry.js';
import { ConfigReader } from './config-reader.js';
import { buildGqaMoeSpec } from './gqa-moe.js';

const DEFAULTS = {
  intermediate_size: 2048, num_key_value_heads: null, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: false,
  num_experts: 64, num_experts_per_tok: 8, norm_topk_prob: false, attention_bias: false, clip_qkv: null, hidden_act: 'silu',
};

export const olmoe: Architecture = {
  modelType: 'olmoe',
  parse(config, source) {
    const c = new ConfigReader(config, DEFAULTS, source);
    const hidden = c.positiveInt('hidden_size');
    const heads = c.positiveInt('num_attention_heads');
    // q_norm is sized hidden_size, k_norm (hidden/heads)·kv_heads: head_dim is fixed to hidden/heads
    const headDim = c.optionalInt('head_dim');
    if (headDim !== null && headDim !== hidden / heads) throw c.unsupported('head_dim', headDim, `olmoe requires hidden_size / num_attention_heads = ${hidden / heads}`);
    const bias = c.bool('attention_bias');
    return buildGqaMoeSpec({
      modelType: 'olmoe',
      c,
      moePrefix: 'mlp',
      expertNames: ['gate_proj', 'up_proj', 'down_proj'],
      experts: c.positiveInt('num_experts', 'num_local_experts'),
      topK: c.positiveInt('num_experts_per_tok'),
      expertIntermediateSize: c.positiveInt('intermediate_size', 'moe_intermediate_size'),
      renormalize: c.bool('norm_topk_prob'),
      isMoeLayer: () => true,
      denseIntermediateSize: null,
      shared: null,
      attention: { qkvBias: bias, oBias: bias, qkNorm: 'full', clipQkv: c.optionalNumber('clip_qkv'), slidingWindow: null },
    });
  },
};
