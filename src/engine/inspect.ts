// Facts about a checkpoint from its config and safetensors headers alone (no weights read):
// what `moe-eval inspect` prints and what results documents record as the model's identity.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelSpec } from './architectures/registry.js';
import { attentionModule } from './attention/registry.js';
import { Checkpoint } from './checkpoint.js';
import { moeLayerIndices, type ModelSpec, type RopeSpec } from './spec.js';
import { storedQ4ExpertBytes } from './stored-q4.js';

export interface ModelFacts {
  path: string;
  modelType: string;
  layers: number;
  moeLayers: number[];
  denseLayers: number[];
  hiddenSize: number;
  vocabSize: number;
  attention: { heads: number; kvHeads: number; headDim: number; qkNorm: string; slidingWindow: number | null };
  experts: number;
  topK: number;
  expertIntermediateSize: number;
  /** always-resident shared experts: never routed, never a cache access */
  sharedExperts: { intermediateSize: number; gated: boolean; count?: number; bytesPerLayer?: number } | null;
  router: string;
  storedDtypes: string[];
  /** bytes of one routed expert (gate + up + down) at stored precision */
  bytesPerExpert: number;
  totalParameters: number;
  /** parameters one token touches: everything but the routed experts it does not select */
  activeParameters: number;
  /**
   * parameters of the matrices --precision holds block-quantised: attention projections, shared and
   * dense MLPs, and the LM head unless it is the tied embedding (then --precision adds a quantised copy)
   */
  projectionParameters: number;
  tiedEmbeddings: boolean;
  configSha256: string;
  weightFiles: { path: string; sizeBytes: number }[];
  notes: Record<string, unknown>;
  /** attention kind when it is not GQA */
  attentionKind?: string;
  /** multi-head latent attention (DeepSeek-V2): ranks, head dims, KV-cache values per token and layer */
  mla?: Record<string, unknown>;
  /** intermediate size of the dense MLP layers, when there are any */
  denseIntermediateSize?: number;
  /** norm kind when not RMSNorm (PhiMoE: LayerNorm with bias) */
  norm?: { kind: string; eps: number };
  /** scaled rope (yarn, longrope) with its parameters */
  rope?: RopeSpec;
  /** lm_head.bias present (PhiMoE lm_head_bias) */
  lmHeadBias?: boolean;
  /** routed experts stored pre-quantized in 4-bit blocks (`moe-eval quantize`) */
  expertStorage?: 'q4';
}

export function modelFacts(ckpt: Checkpoint, spec: ModelSpec): ModelFacts {
  const moe = moeLayerIndices(spec);
  const numel = (name: string) => ckpt.info(name).shape.reduce((a, b) => a * b, 1);
  const dtypes = new Set<string>();
  const stored = spec.expertStorage === 'q4';
  // stored 4-bit tensors hold packed nibbles and scales, not parameters: experts are counted from the spec
  const isStoredQ4 = (name: string) => stored && (name.endsWith('.q4') || name.endsWith('.q4_scales'));
  const expertParams = moe.length > 0 ? 3 * spec.hiddenSize * spec.moe.intermediateSize : 0;
  let total = stored ? moe.length * spec.moe.numExperts * expertParams : 0;
  for (const name of ckpt.tensorNames()) {
    if (spec.tieWordEmbeddings && name === spec.names.lmHead) continue; // HF ignores it
    dtypes.add(ckpt.info(name).dtype);
    if (!isStoredQ4(name)) total += numel(name);
  }
  let bytesPerExpert = 0;
  if (moe.length > 0) {
    const n = spec.layers[moe[0]].names.expert!(0);
    bytesPerExpert = stored ? storedQ4ExpertBytes(ckpt, n) : ckpt.info(n.gate).byteLength + ckpt.info(n.up).byteLength + ckpt.info(n.down).byteLength;
  }
  const inactive = moe.length * (spec.moe.numExperts - spec.moe.topK) * expertParams;
  const attention = attentionModule(spec.attention.kind).facts(spec);
  const sharedNames = moe.length > 0 ? spec.layers[moe[0]].names.shared : undefined;
  const shared = spec.moe.shared && sharedNames
    ? { ...spec.moe.shared, bytesPerLayer: ckpt.info(sharedNames.gate).byteLength + ckpt.info(sharedNames.up).byteLength + ckpt.info(sharedNames.down).byteLength }
    : spec.moe.shared;
  const dense = spec.layers.flatMap((l, i) => (l.mlp === 'dense' ? [i] : []));
  const H = spec.hiddenSize;
  const projections = spec.layers.length * attentionModule(spec.attention.kind).projectionParameters(spec)
    + moe.length * (spec.moe.shared && sharedNames ? 3 * H * spec.moe.shared.intermediateSize : 0)
    + dense.length * 3 * H * (spec.denseIntermediateSize ?? 0)
    + (spec.tieWordEmbeddings ? 0 : spec.vocabSize * H);
  return {
    path: ckpt.dir,
    modelType: spec.modelType,
    layers: spec.layers.length,
    moeLayers: moe,
    denseLayers: dense,
    hiddenSize: spec.hiddenSize,
    vocabSize: spec.vocabSize,
    attention: { heads: attention.heads, kvHeads: attention.kvHeads, headDim: attention.headDim, qkNorm: attention.qkNorm, slidingWindow: attention.slidingWindow },
    experts: spec.moe.numExperts,
    topK: spec.moe.topK,
    expertIntermediateSize: spec.moe.intermediateSize,
    sharedExperts: shared,
    router: spec.moe.router.description,
    storedDtypes: [...dtypes].sort(),
    bytesPerExpert,
    totalParameters: total,
    activeParameters: total - inactive,
    projectionParameters: projections,
    tiedEmbeddings: spec.tieWordEmbeddings,
    configSha256: createHash('sha256').update(readFileSync(join(ckpt.dir, 'config.json'))).digest('hex'),
    weightFiles: ckpt.weightFiles(),
    notes: spec.notes,
    ...(spec.attention.kind !== 'gqa' ? { attentionKind: spec.attention.kind } : {}),
    ...(attention.extra ? { mla: attention.extra } : {}),
    ...(dense.length > 0 && spec.denseIntermediateSize ? { denseIntermediateSize: spec.denseIntermediateSize } : {}),
    ...(spec.norm.kind !== 'rms' ? { norm: spec.norm } : {}),
    ...(spec.rope.kind !== 'default' ? { rope: spec.rope } : {}),
    ...(spec.names.lmHeadBias ? { lmHeadBias: true } : {}),
    ...(stored ? { expertStorage: 'q4' as const } : {}),
  };
}

export function inspectModel(dir: string): ModelFacts {
  const ckpt = Checkpoint.open(dir);
  try {
    return modelFacts(ckpt, parseModelSpec(ckpt.config, join(dir, 'config.json')));
  } finally {
    ckpt.close();
  }
}
