// PhiMoE / Phi-3.5-MoE (HF modeling_phimoe.py; moe_ref.py `_parse_config_ext`): the llama-like GQA
// layout with LayerNorm (weight and bias) everywhere, q/k/v/o biases iff attention_bias, longrope,
// sparsemixer top-2 routing over block_sparse_moe experts w1/w3/w2, and lm_head.bias iff lm_head_bias.

import { sparsemixerRule } from '../sparsemixer-router.js';
import type { RopeSpec } from '../spec.js';
import type { Architecture } from './registry.js';
import { ConfigReader } from './config-reader.js';
import { buildGqaMoeSpec } from './gqa-moe.js';
import { longRope, readRopeConfig, requireRopeType } from './rope-config.js';

// PhimoeConfig (rope_theta default 1e6: 4.57 `rope_theta=1e6`, 5.x `default_theta`)
const DEFAULTS = {
  intermediate_size: 6400, num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 1e6, tie_word_embeddings: false,
  hidden_act: 'silu', sliding_window: null, num_experts_per_tok: 2, num_local_experts: 16, router_jitter_noise: 0.01,
  attention_bias: false, lm_head_bias: false,
};

export const phimoe: Architecture = {
  modelType: 'phimoe',
  parse(config, source) {
    const c = new ConfigReader(config, DEFAULTS, source);
    const hidden = c.positiveInt('hidden_size');
    const heads = c.positiveInt('num_attention_heads');
    const headDim = c.optionalInt('head_dim');
    // transformers 4.57 ignores head_dim, 5.x reads it: only hidden / heads means the same in both
    if (headDim !== null && headDim !== hidden / heads) throw c.unsupported('head_dim', headDim, `null or hidden_size / num_attention_heads = ${hidden / heads}`);
    const experts = c.positiveInt('num_local_experts', 'num_experts');
    if (experts < 2) throw c.unsupported('num_local_experts', experts, 'at least 2 (sparsemixer picks two experts)');
    const topK = c.positiveInt('num_experts_per_tok');
    if (topK !== 2) throw c.unsupported('num_experts_per_tok', topK, '2: sparsemixer always picks exactly two experts');
    const jitter = c.number('router_jitter_noise');
    const window = c.optionalInt('sliding_window');
    const bias = c.bool('attention_bias');

    const rc = readRopeConfig(c);
    requireRopeType(c, rc, ['default', 'longrope']);
    const theta = rc.theta ?? (DEFAULTS.rope_theta as number);
    const rope = (dim: number): RopeSpec => (rc.type === 'longrope' ? longRope(c, rc, theta, dim) : { kind: 'default', theta, dim, interleaved: false });

    return buildGqaMoeSpec({
      modelType: 'phimoe',
      c,
      moePrefix: 'block_sparse_moe',
      expertNames: ['w1', 'w3', 'w2'],
      experts,
      topK,
      expertIntermediateSize: c.positiveInt('intermediate_size'),
      renormalize: false,
      isMoeLayer: () => true,
      denseIntermediateSize: null,
      shared: null,
      attention: { qkvBias: bias, oBias: bias, qkNorm: 'none', clipQkv: null, slidingWindow: window && window > 0 ? window : null },
      layerNormBias: true,
      rope,
      router: sparsemixerRule({ numExperts: experts, routerJitterNoise: jitter }),
      lmHeadBias: c.bool('lm_head_bias'),
      notes: { router_jitter_noise: jitter, rope: rc.type },
    });
  },
};
