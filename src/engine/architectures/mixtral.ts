// Mixtral (HF modeling_mixtral.py): block_sparse_moe with experts w1 (gate), w3 (up), w2 (down);
// the top-k weights are always renormalised; optional sliding-window attention.

import type { Architecture } from './registry.js';
import { ConfigReader } from './config-reader.js';
import { buildGqaMoeSpec } from './gqa-moe.js';

const DEFAULTS = {
  intermediate_size: 14336, num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 1e6, tie_word_embeddings: false,
  num_local_experts: 8, num_experts_per_tok: 2, hidden_act: 'silu', sliding_window: null,
};

export const mixtral: Architecture = {
  modelType: 'mixtral',
  parse(config, source) {
    const c = new ConfigReader(config, DEFAULTS, source);
    const window = c.optionalInt('sliding_window');
    return buildGqaMoeSpec({
      modelType: 'mixtral',
      c,
      moePrefix: 'block_sparse_moe',
      expertNames: ['w1', 'w3', 'w2'],
      experts: c.positiveInt('num_local_experts', 'num_experts'),
      topK: c.positiveInt('num_experts_per_tok'),
      expertIntermediateSize: c.positiveInt('intermediate_size'),
      renormalize: true,
      isMoeLayer: () => true,
      denseIntermediateSize: null,
      shared: null,
      attention: {
        headDim: c.optionalInt('head_dim') ?? undefined,
        qkvBias: false, oBias: false, qkNorm: 'none', clipQkv: null,
        slidingWindow: window && window > 0 ? window : null,
      },
    });
  },
};
