// The normalised description of a decoder-only MoE transformer that the engine runs. Each
// architecture file (architectures/*.ts) maps one HF model_type's config.json and tensor names
// onto this shape; the engine reads nothing else, so no `if (arch === …)` lives in the engine.
// Variants are discriminated unions (attention kind, rope kind, norm kind), each served by one
// engine module chosen from a registry by its `kind`.

import type { CheckpointStorage } from './stored-blocks.js';
import type { RouterRule } from '../routing/types.js';

/** rms = RMSNorm (weight only); layer = LayerNorm with weight and bias (PhiMoE nn.LayerNorm) */
export type NormKind = 'rms' | 'layer';
/** none; full = RMSNorm over the whole projected q / k (OLMoE); per-head = RMSNorm over head_dim (Qwen3-MoE) */
export type QkNormKind = 'none' | 'full' | 'per-head';

/** Grouped-query attention (Mixtral, Qwen2-MoE, OLMoE, Qwen3-MoE, PhiMoE). */
export interface GqaAttentionSpec {
  kind: 'gqa';
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  qkvBias: boolean;
  oBias: boolean;
  qkNorm: QkNormKind;
  /** clamp q, k, v to [-clip, clip] after the q/k norm (OLMoE clip_qkv) */
  clipQkv: number | null;
  /** key j is visible from query i iff i - W < j <= i; null = full causal */
  slidingWindow: number | null;
  /** softmax scale of q·k */
  scale: number;
}

/**
 * DeepSeek-V2 multi-head latent attention: q = q_proj(x) or q_b_proj(RMSNorm(q_a_proj(x))), per head
 * [q_nope | q_pe]; kv_a_proj_with_mqa(x) = [latent | k_pe (one head shared by all)];
 * kv_b_proj(RMSNorm(latent)) = per head [k_nope | v]. RoPE on q_pe / k_pe only.
 */
export interface MlaAttentionSpec {
  kind: 'mla';
  numHeads: number;
  /** null: q_proj directly; else the rank of q_a_proj / q_b_proj */
  qLoraRank: number | null;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
  /** eps of q_a_layernorm / kv_a_layernorm (their class default, not rms_norm_eps) */
  latentNormEps: number;
  /** attention_bias: biases on q_a_proj, kv_a_proj_with_mqa and o_proj */
  bias: boolean;
  /** softmax scale: (qk_nope + qk_rope)^-0.5, times the yarn mscale(factor, mscale_all_dim)² */
  scale: number;
}

export type AttentionSpec = GqaAttentionSpec | MlaAttentionSpec;

interface RopeCommon {
  theta: number;
  /** dims rotated per head: head_dim (GQA) or qk_rope_head_dim (MLA) */
  dim: number;
  /** rotate pairs (2j, 2j+1) instead of HF's rotate_half (first half / second half) */
  interleaved: boolean;
}

/** inverse frequency theta^(-2j/dim) */
export interface DefaultRopeSpec extends RopeCommon {
  kind: 'default';
}

/** YaRN as DeepSeek-V2 (modeling_rope_utils _compute_yarn_parameters; moe_ref rope_angles_ext) */
export interface YarnRopeSpec extends RopeCommon {
  kind: 'yarn';
  factor: number;
  originalMaxPositionEmbeddings: number;
  /** frequency slots [rampLow, rampHigh] over which the interpolated frequency takes over */
  rampLow: number;
  rampHigh: number;
  /** cos / sin multiplier */
  attentionFactor: number;
}

/**
 * LongRoPE as Phi-3 / PhiMoE (transformers 4.57; moe_ref rope_angles_ext): inverse frequency
 * 1 / (f_j · theta^(2j/dim)) and cos / sin × mscale, with the short factors while the whole sequence
 * is ≤ originalMaxPositionEmbeddings tokens, the long ones beyond.
 */
export interface LongRopeSpec extends RopeCommon {
  kind: 'longrope';
  shortFactor: number[];
  longFactor: number[];
  shortMscale: number;
  longMscale: number;
  originalMaxPositionEmbeddings: number;
}

export type RopeSpec = DefaultRopeSpec | YarnRopeSpec | LongRopeSpec;

export interface SharedExpertSpec {
  intermediateSize: number;
  /** Qwen2-MoE: output times sigmoid(shared_expert_gate · x); DeepSeek: ungated */
  gated: boolean;
  /** DeepSeek n_shared_experts, fused into one MLP of intermediateSize (facts only) */
  count?: number;
}

export interface MoeSpec {
  numExperts: number;
  topK: number;
  intermediateSize: number;
  router: RouterRule;
  /** always resident and never routed: not part of ExpertRouting or any cache statistic */
  shared: SharedExpertSpec | null;
}

export interface ExpertTensorNames {
  gate: string;
  up: string;
  down: string;
}

export interface GqaAttentionNames {
  kind: 'gqa';
  q: string;
  k: string;
  v: string;
  o: string;
  qBias?: string;
  kBias?: string;
  vBias?: string;
  oBias?: string;
  qNorm?: string;
  kNorm?: string;
}

export interface MlaAttentionNames {
  kind: 'mla';
  /** q_proj (q_lora_rank null) */
  q?: string;
  /** q_a_proj, its bias, q_a_layernorm, q_b_proj (q_lora_rank set) */
  qA?: string;
  qABias?: string;
  qANorm?: string;
  qB?: string;
  kvA: string;
  kvABias?: string;
  kvANorm: string;
  kvB: string;
  o: string;
  oBias?: string;
}

export type AttentionNames = GqaAttentionNames | MlaAttentionNames;

export interface LayerTensorNames {
  inputNorm: string;
  inputNormBias?: string;
  postAttentionNorm: string;
  postAttentionNormBias?: string;
  attention: AttentionNames;
  /** MoE layers */
  router?: string;
  expert?: (e: number) => ExpertTensorNames;
  shared?: ExpertTensorNames;
  sharedGate?: string;
  /** dense layers */
  dense?: ExpertTensorNames;
}

export interface LayerSpec {
  /** 'moe' routes to experts; 'dense' runs one SwiGLU MLP */
  mlp: 'moe' | 'dense';
  names: LayerTensorNames;
}

export interface ModelSpec {
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  norm: { kind: NormKind; eps: number };
  attention: AttentionSpec;
  rope: RopeSpec;
  layers: LayerSpec[];
  moe: MoeSpec;
  denseIntermediateSize: number | null;
  tieWordEmbeddings: boolean;
  names: { embed: string; finalNorm: string; finalNormBias?: string; lmHead: string; lmHeadBias?: string };
  eosTokenIds: number[];
  maxPositionEmbeddings: number | null;
  /** facts recorded in results and shown by `inspect` (e.g. norm_topk_prob, sliding window) */
  notes: Record<string, unknown>;
  /** how the routed experts and the other matrices are stored: HF weights, or pre-quantized blocks (stored-blocks.ts) */
  storage: CheckpointStorage;
}

export const moeLayerIndices = (spec: ModelSpec): number[] =>
  spec.layers.flatMap((l, i) => (l.mlp === 'moe' ? [i] : []));
