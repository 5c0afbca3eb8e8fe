// DeepSeek-V2 / DeepSeek-V2-Lite (HF modeling_deepseek_v2.py; DeepSeek's modeling_deepseek.py for the
// flags HF ignores; moe_ref.py `_parse_config_ext` / `_expected_tensors_ext`): multi-head latent
// attention with interleaved YaRN rope, softmax MoEGate (greedy or group-limited), ungated shared
// experts, dense first layers via first_k_dense_replace / moe_layer_freq.

import { deepseekRule } from '../deepseek-router.js';
import type { ExpertTensorNames, LayerSpec, MlaAttentionNames, RopeSpec } from '../spec.js';
import type { Architecture } from './registry.js';
import { ConfigReader, requireSilu } from './config-reader.js';
import { readRopeConfig, requireRopeType, yarnRope } from './rope-config.js';

// DeepseekV2Config; moe_layer_freq and scoring_func exist only in DeepSeek's configuration_deepseek.py
const DEFAULTS = {
  intermediate_size: 11008, num_key_value_heads: null, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false,
  hidden_act: 'silu', attention_bias: false, mlp_bias: false, first_k_dense_replace: 0, moe_layer_freq: 1,
  kv_lora_rank: 512, q_lora_rank: 1536, n_group: null, topk_group: null, n_routed_experts: 64, n_shared_experts: 2,
  qk_nope_head_dim: 128, qk_rope_head_dim: 64, v_head_dim: 128, routed_scaling_factor: 1.0, topk_method: 'greedy',
  norm_topk_prob: false, num_experts_per_tok: null, moe_intermediate_size: 1407, scoring_func: 'softmax',
};

/** q_a_layernorm / kv_a_layernorm: DeepseekV2RMSNorm's default eps, whatever rms_norm_eps says */
const LATENT_NORM_EPS = 1e-6;

export const deepseekV2: Architecture = {
  modelType: 'deepseek_v2',
  parse(config, source) {
    const c = new ConfigReader(config, DEFAULTS, source);
    requireSilu(c);
    const hidden = c.positiveInt('hidden_size');
    const numLayers = c.positiveInt('num_hidden_layers');
    const numHeads = c.positiveInt('num_attention_heads');
    const kvHeads = c.optionalInt('num_key_value_heads');
    if (kvHeads !== null && kvHeads !== numHeads) throw c.unsupported('num_key_value_heads', kvHeads, `null or num_attention_heads = ${numHeads} (MLA expands every head from the shared latent)`);
    if (c.raw('mlp_bias')) throw c.unsupported('mlp_bias', c.raw('mlp_bias'), 'false, as every released checkpoint');
    const scoring = c.raw('scoring_func');
    if (scoring !== 'softmax') throw c.unsupported('scoring_func', scoring, 'softmax');

    const qLoraRank = c.optionalInt('q_lora_rank');
    if (qLoraRank !== null && qLoraRank <= 0) throw c.invalid('q_lora_rank', qLoraRank, 'null or a positive integer');
    const kvLoraRank = c.positiveInt('kv_lora_rank');
    const dn = c.positiveInt('qk_nope_head_dim');
    const dr = c.positiveInt('qk_rope_head_dim');
    const dv = c.positiveInt('v_head_dim');
    if (dr % 2 !== 0) throw c.invalid('qk_rope_head_dim', dr, 'an even integer');

    // HF's attribute_map lets "num_experts" stand for n_routed_experts
    const expertsRaw = c.raw('n_routed_experts', 'num_experts');
    if (expertsRaw === null) throw c.unsupported('n_routed_experts', null, 'a positive integer (a model without routed experts is not an MoE)');
    const experts = c.positiveInt('n_routed_experts', 'num_experts');
    const topK = c.positiveInt('num_experts_per_tok');
    if (topK > experts) throw c.unsupported('num_experts_per_tok', topK, `1..${experts} (n_routed_experts)`);
    const firstDense = c.optionalInt('first_k_dense_replace') ?? 0;
    const freq = c.optionalInt('moe_layer_freq') ?? 1;
    if (freq <= 0) throw c.invalid('moe_layer_freq', freq, 'a positive integer');
    // DeepSeek's code: MoE iff i >= first_k_dense_replace and i % moe_layer_freq == 0 (HF ignores
    // moe_layer_freq; every released checkpoint has 1, where the two agree)
    const isMoe = (i: number) => i >= firstDense && i % freq === 0;

    const method = c.raw('topk_method');
    let groups: { nGroup: number; topkGroup: number } | null = null;
    if (method === 'group_limited_greedy') {
      const nGroup = c.positiveInt('n_group');
      const topkGroup = c.positiveInt('topk_group');
      if (experts % nGroup !== 0) throw c.unsupported('n_group', nGroup, `a divisor of n_routed_experts = ${experts}`);
      if (topkGroup > nGroup) throw c.unsupported('topk_group', topkGroup, `1..n_group = ${nGroup}`);
      if (topK > topkGroup * (experts / nGroup)) throw c.unsupported('num_experts_per_tok', topK, `at most topk_group × experts per group = ${topkGroup * (experts / nGroup)}`);
      groups = { nGroup, topkGroup };
    } else if (method !== 'greedy') {
      throw c.unsupported('topk_method', method, 'greedy or group_limited_greedy');
    }
    const nShared = c.optionalInt('n_shared_experts') ?? 0;
    const moeI = c.positiveInt('moe_intermediate_size');
    const bias = c.bool('attention_bias');
    const normTopkProb = c.bool('norm_topk_prob');
    const scalingFactor = c.number('routed_scaling_factor');

    const rc = readRopeConfig(c);
    requireRopeType(c, rc, ['default', 'yarn']);
    const theta = rc.theta ?? (DEFAULTS.rope_theta as number);
    let scale = 1 / Math.sqrt(dn + dr);
    let rope: RopeSpec = { kind: 'default', theta, dim: dr, interleaved: true };
    if (rc.type === 'yarn') {
      const yarn = yarnRope(c, rc, theta, dr, true);
      rope = yarn.rope;
      scale *= yarn.softmaxScaleFactor;
    }

    const layers: LayerSpec[] = [];
    for (let i = 0; i < numLayers; i++) {
      const base = `model.layers.${i}.`;
      const a = `${base}self_attn.`;
      const m = `${base}mlp.`;
      const mlp = (prefix: string): ExpertTensorNames => ({ gate: `${prefix}gate_proj.weight`, up: `${prefix}up_proj.weight`, down: `${prefix}down_proj.weight` });
      const attention: MlaAttentionNames = {
        kind: 'mla',
        ...(qLoraRank === null
          ? { q: `${a}q_proj.weight` }
          : { qA: `${a}q_a_proj.weight`, qANorm: `${a}q_a_layernorm.weight`, qB: `${a}q_b_proj.weight`, ...(bias ? { qABias: `${a}q_a_proj.bias` } : {}) }),
        kvA: `${a}kv_a_proj_with_mqa.weight`,
        ...(bias ? { kvABias: `${a}kv_a_proj_with_mqa.bias`, oBias: `${a}o_proj.bias` } : {}),
        kvANorm: `${a}kv_a_layernorm.weight`,
        kvB: `${a}kv_b_proj.weight`,
        o: `${a}o_proj.weight`,
      };
      const moe = isMoe(i);
      layers.push({
        mlp: moe ? 'moe' : 'dense',
        names: {
          inputNorm: `${base}input_layernorm.weight`,
          postAttentionNorm: `${base}post_attention_layernorm.weight`,
          attention,
          ...(moe
            ? { router: `${m}gate.weight`, expert: (e: number) => mlp(`${m}experts.${e}.`), ...(nShared > 0 ? { shared: mlp(`${m}shared_experts.`) } : {}) }
            : { dense: mlp(m) }),
        },
      });
    }
    const denseI = layers.some((l) => l.mlp === 'dense') ? c.positiveInt('intermediate_size') : null;

    return {
      modelType: 'deepseek_v2',
      vocabSize: c.positiveInt('vocab_size'),
      hiddenSize: hidden,
      norm: { kind: 'rms', eps: c.number('rms_norm_eps') },
      attention: { kind: 'mla', numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv, latentNormEps: LATENT_NORM_EPS, bias, scale },
      rope,
      layers,
      moe: {
        numExperts: experts,
        topK,
        intermediateSize: moeI,
        router: deepseekRule({ numExperts: experts, topK, groups, routedScalingFactor: scalingFactor, normTopkProb }),
        // n_shared_experts MLPs fused into one of n·moe_intermediate_size, added ungated
        shared: nShared > 0 ? { intermediateSize: nShared * moeI, gated: false, count: nShared } : null,
      },
      denseIntermediateSize: denseI,
      tieWordEmbeddings: c.bool('tie_word_embeddings'),
      names: { embed: 'model.embed_tokens.weight', finalNorm: 'model.norm.weight', lmHead: 'lm_head.weight' },
      eosTokenIds: c.tokenIds('eos_token_id'),
      maxPositionEmbeddings: c.optionalInt('max_position_embeddings'),
      notes: {
        norm_topk_prob: normTopkProb,
        topk_method: method,
        ...(groups ? { n_group: groups.nGroup, topk_group: groups.topkGroup } : {}),
        routed_scaling_factor: scalingFactor,
        n_shared_experts: nShared,
        first_k_dense_replace: firstDense,
        moe_layer_freq: freq,
        rope: rope.kind,
        kv_cache: 'mla-latent',
      },
    };
  },
};
