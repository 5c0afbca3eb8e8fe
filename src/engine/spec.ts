// The normalised description of a decoder-only MoE transformer that the engine runs. Each
// architecture file (architectures/*.ts) maps one HF model_type's config.json and tensor names
// onto this shape; the engine reads nothing else, so no `if (arch === …)` lives in the engine.

import type { RouterRule } from '../routing/types.js';

export type NormKind = 'rms' | 'layer';
/** none; full = RMSNorm over the whole projected q / k (OLMoE); per-head = RMSNorm over head_dim (Qwen3-MoE) */
export type QkNormKind = 'none' | 'full' | 'per-head';

export interface AttentionSpec {
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

export interface RopeSpec {
  kind: 'default';
  theta: number;
  /** dims rotated (= head_dim for every supported architecture) */
  dim: number;
  /** rotate pairs (2j, 2j+1) instead of HF's rotate_half (first half / second half) */
  interleaved: boolean;
}

export interface SharedExpertSpec {
  intermediateSize: number;
  /** Qwen2-MoE: output times sigmoid(shared_expert_gate · x) */
  gated: boolean;
}

export interface MoeSpec {
  numExperts: number;
  topK: number;
  intermediateSize: number;
  router: RouterRule;
  shared: SharedExpertSpec | null;
}

export interface ExpertTensorNames {
  gate: string;
  up: string;
  down: string;
}

export interface LayerTensorNames {
  inputNorm: string;
  postAttentionNorm: string;
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
  names: { embed: string; finalNorm: string; lmHead: string; lmHeadBias?: string };
  eosTokenIds: number[];
  maxPositionEmbeddings: number | null;
  /** facts recorded in results and shown by `inspect` (e.g. norm_topk_prob, sliding window) */
  notes: Record<string, unknown>;
}

export const moeLayerIndices = (spec: ModelSpec): number[] =>
  spec.layers.flatMap((l, i) => (l.mlp === 'moe' ? [i] : []));
