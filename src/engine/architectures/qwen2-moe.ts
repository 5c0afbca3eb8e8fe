// Qwen2-MoE / Qwen1.5-MoE (HF modeling_qwen2_moe.py): q/k/v biases, a shared expert scaled by
// sigmoid(shared_expert_gate · x), norm_topk_prob, dense layers via decoder_sparse_step / mlp_only_layers.

import type { Architecture } from './registry.js';
import { ConfigReader } from './config-reader.js';
import { buildGqaMoeSpec } from './gqa-moe.js';

const DEFAULTS = {
  intermediate_size: 5632, num_key_value_heads: 16, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false,
  num_experts: 60, num_experts_per_tok: 4, norm_topk_prob: false, decoder_sparse_step: 1, mlp_only_layers: [],
  qkv_bias: true, hidden_act: 'silu', use_sliding_window: false, sliding_window: 4096,
  shared_expert_intermediate_size: 5632, moe_intermediate_size: 1408,
};

export const qwen2Moe: Architecture = {
  modelType: 'qwen2_moe',
  parse(config, source) {
    const c = new ConfigReader(config, DEFAULTS, source);
    const experts = c.positiveInt('num_experts', 'num_local_experts');
    const step = c.positiveInt('decoder_sparse_step');
    const mlpOnly = new Set(c.intList('mlp_only_layers'));
    // HF versions disagree on which layers slide when use_sliding_window is true (4.57: all; 5.x:
    // layer_types), so sequences longer than the window are refused rather than guessed.
    const windowed = c.bool('use_sliding_window') && (c.optionalInt('sliding_window') ?? 0) > 0;
    return buildGqaMoeSpec({
      modelType: 'qwen2_moe',
      c,
      moePrefix: 'mlp',
      expertNames: ['gate_proj', 'up_proj', 'down_proj'],
      experts,
      topK: c.positiveInt('num_experts_per_tok'),
      expertIntermediateSize: c.positiveInt('moe_intermediate_size', 'intermediate_size'),
      renormalize: c.bool('norm_topk_prob'),
      isMoeLayer: (i) => !mlpOnly.has(i) && (i + 1) % step === 0,
      denseIntermediateSize: c.positiveInt('intermediate_size'),
      // Qwen2MoeSparseMoeBlock always has the gated shared expert
      shared: { intermediateSize: c.positiveInt('shared_expert_intermediate_size'), gated: true },
      attention: { qkvBias: c.bool('qkv_bias'), oBias: false, qkNorm: 'none', clipQkv: null, slidingWindow: null },
      notes: windowed ? { max_sequence_length: c.int('sliding_window'), max_sequence_reason: 'use_sliding_window=true: HF versions disagree beyond the window' } : {},
    });
  },
};
