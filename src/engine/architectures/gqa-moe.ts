// The shared shape of the llama-like MoE architectures (Mixtral, Qwen2-MoE, OLMoE, Qwen3-MoE, PhiMoE):
// pre-norm decoder layers with GQA attention and a routed SwiGLU MLP. Each architecture file
// supplies only what differs (defaults, tensor names, attention details, which layers are MoE, and
// for PhiMoE the norm, rope, router and lm_head bias).

import { softmaxTopKRule } from '../router-rules.js';
import type { RouterRule } from '../../routing/types.js';
import type { ExpertTensorNames, GqaAttentionSpec, LayerSpec, ModelSpec, RopeSpec, SharedExpertSpec } from '../spec.js';
import { ConfigReader, defaultRopeTheta, requireSilu } from './config-reader.js';

export interface GqaMoeParts {
  modelType: string;
  c: ConfigReader;
  /** prefix of the MLP block inside a layer: "block_sparse_moe" (Mixtral) or "mlp" */
  moePrefix: string;
  /** expert projection names (gate, up, down) */
  expertNames: [string, string, string];
  experts: number;
  topK: number;
  expertIntermediateSize: number;
  renormalize: boolean;
  isMoeLayer: (i: number) => boolean;
  denseIntermediateSize: number | null;
  shared: SharedExpertSpec | null;
  attention: Omit<GqaAttentionSpec, 'kind' | 'scale' | 'numHeads' | 'numKvHeads' | 'headDim'> & { headDim?: number };
  notes?: Record<string, unknown>;
  /** LayerNorm with weight and bias for every norm (PhiMoE); default RMSNorm */
  layerNormBias?: boolean;
  /** rope other than the default one, given head_dim (PhiMoE longrope) */
  rope?: (headDim: number) => RopeSpec;
  /** a router other than softmax-then-top-k (PhiMoE sparsemixer) */
  router?: RouterRule;
  /** lm_head.bias (PhiMoE lm_head_bias) */
  lmHeadBias?: boolean;
}

export function buildGqaMoeSpec(p: GqaMoeParts): Omit<ModelSpec, 'storage'> {
  const { c } = p;
  requireSilu(c);
  const hidden = c.positiveInt('hidden_size');
  const numLayers = c.positiveInt('num_hidden_layers');
  const numHeads = c.positiveInt('num_attention_heads');
  const numKvHeads = c.optionalInt('num_key_value_heads') ?? numHeads;
  if (numKvHeads <= 0 || numHeads % numKvHeads !== 0) throw c.unsupported('num_key_value_heads', numKvHeads, `a divisor of num_attention_heads = ${numHeads}`);
  const { headDim: headDimOverride, ...attentionOptions } = p.attention;
  const headDim = headDimOverride ?? hidden / numHeads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw c.unsupported('head_dim', headDim, 'an even integer');
  if (!(p.topK >= 1 && p.topK <= p.experts)) throw c.unsupported('num_experts_per_tok', p.topK, `1..${p.experts} (the number of experts)`);

  const [g, u, d] = p.expertNames;
  const expertNames = (prefix: string): ExpertTensorNames => ({ gate: `${prefix}${g}.weight`, up: `${prefix}${u}.weight`, down: `${prefix}${d}.weight` });
  const layers: LayerSpec[] = [];
  for (let i = 0; i < numLayers; i++) {
    const base = `model.layers.${i}.`;
    const a = `${base}self_attn.`;
    const moe = p.isMoeLayer(i);
    const m = `${base}${p.moePrefix}.`;
    layers.push({
      mlp: moe ? 'moe' : 'dense',
      names: {
        inputNorm: `${base}input_layernorm.weight`,
        postAttentionNorm: `${base}post_attention_layernorm.weight`,
        ...(p.layerNormBias ? { inputNormBias: `${base}input_layernorm.bias`, postAttentionNormBias: `${base}post_attention_layernorm.bias` } : {}),
        attention: {
          kind: 'gqa',
          q: `${a}q_proj.weight`,
          k: `${a}k_proj.weight`,
          v: `${a}v_proj.weight`,
          o: `${a}o_proj.weight`,
          ...(p.attention.qkvBias ? { qBias: `${a}q_proj.bias`, kBias: `${a}k_proj.bias`, vBias: `${a}v_proj.bias` } : {}),
          ...(p.attention.oBias ? { oBias: `${a}o_proj.bias` } : {}),
          ...(p.attention.qkNorm !== 'none' ? { qNorm: `${a}q_norm.weight`, kNorm: `${a}k_norm.weight` } : {}),
        },
        ...(moe
          ? {
              router: `${m}gate.weight`,
              expert: (e: number) => expertNames(`${m}experts.${e}.`),
              ...(p.shared ? { shared: expertNames(`${m}shared_expert.`), ...(p.shared.gated ? { sharedGate: `${m}shared_expert_gate.weight` } : {}) } : {}),
            }
          : { dense: { gate: `${base}mlp.gate_proj.weight`, up: `${base}mlp.up_proj.weight`, down: `${base}mlp.down_proj.weight` } }),
      },
    });
  }
  if (layers.some((l) => l.mlp === 'dense') && !p.denseIntermediateSize) throw c.unsupported('intermediate_size', p.denseIntermediateSize, 'a positive integer for dense layers');

  return {
    modelType: p.modelType,
    vocabSize: c.positiveInt('vocab_size'),
    hiddenSize: hidden,
    norm: { kind: p.layerNormBias ? 'layer' : 'rms', eps: c.number('rms_norm_eps') },
    attention: { ...attentionOptions, kind: 'gqa', numHeads, numKvHeads, headDim, scale: 1 / Math.sqrt(headDim) },
    rope: p.rope ? p.rope(headDim) : { kind: 'default', theta: defaultRopeTheta(c, c.number('rope_theta')), dim: headDim, interleaved: false },
    layers,
    moe: {
      numExperts: p.experts,
      topK: p.topK,
      intermediateSize: p.expertIntermediateSize,
      router: p.router ?? softmaxTopKRule({ numExperts: p.experts, topK: p.topK, renormalize: p.renormalize }),
      shared: p.shared,
    },
    denseIntermediateSize: p.denseIntermediateSize,
    tieWordEmbeddings: c.bool('tie_word_embeddings'),
    names: {
      embed: 'model.embed_tokens.weight',
      finalNorm: 'model.norm.weight',
      lmHead: 'lm_head.weight',
      ...(p.layerNormBias ? { finalNormBias: 'model.norm.bias' } : {}),
      ...(p.lmHeadBias ? { lmHeadBias: 'lm_head.bias' } : {}),
    },
    eosTokenIds: c.tokenIds('eos_token_id'),
    maxPositionEmbeddings: c.optionalInt('max_position_embeddings'),
    notes: { norm_topk_prob: p.renormalize, ...p.notes },
  };
}
