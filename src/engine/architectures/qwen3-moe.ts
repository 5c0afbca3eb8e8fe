// Qwen3-MoE (HF modeling_qwen3_moe.py): per-head RMSNorm of q and k over head_dim before RoPE,
// explicit head_dim, norm_topk_prob, optional attention biases and sliding window, dense layers
// via decoder_sparse_step / mlp_only_layers; no shared expert.

import type { Architecture } from './registry.js';
import { ConfigReader } from './config-reader.js';
import { buildGqaMoeSpec } from './gqa-moe.js';

const DEFAULTS = {
  intermediate_size: 6144, num_key_value_heads: 4, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false,
  num_experts: 128, num_experts_per_tok: 8, norm_topk_prob: false, decoder_sparse_step: 1, mlp_only_layers: [],
  attention_bias: false, hidden_act: 'silu', use_sliding_window: false, sliding_window: 4096, moe_intermediate_size: 768,
};

export const qwen3Moe: Architecture = {
  modelType: 'qwen3_moe',
  parse(config, source) {
    const c = new ConfigReader(config, DEFAULTS, source);
    const step = c.positiveInt('decoder_sparse_step');
    const mlpOnly = new Set(c.intList('mlp_only_layers'));
    const bias = c.bool('attention_bias');
    const window = c.bool('use_sliding_window') ? c.optionalInt('sliding_window') : null;
    return buildGqaMoeSpec({
      modelType: 'qwen3_moe',
      c,
      moePrefix: 'mlp',
      expertNames: ['gate_proj', 'up_proj', 'down_proj'],
      experts: c.positiveInt('num_experts', 'num_local_experts'),
      topK: c.positiveInt('num_experts_per_tok'),
      expertIntermediateSize: c.positiveInt('moe_intermediate_size', 'intermediate_size'),
      renormalize: c.bool('norm_topk_prob'),
      isMoeLayer: (i) => !mlpOnly.has(i) && (i + 1) % step === 0,
      denseIntermediateSize: c.positiveInt('intermediate_size'),
      shared: null,
      attention: {
        headDim: c.optionalInt('head_dim') ?? undefined,
        qkvBias: bias, oBias: bias, qkNorm: 'per-head', clipQkv: null,
        slidingWindow: window && window > 0 ? window : null,
      },
    });
  },
};
