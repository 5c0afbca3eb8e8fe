// Facts about a checkpoint from its config and safetensors headers alone (no weights read):
// what `moe-eval inspect` prints and what results documents record as the model's identity.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelSpec } from './architectures/registry.js';
import { attentionModule } from './attention/registry.js';
import { Checkpoint } from './checkpoint.js';
import { moeLayerIndices, type ExpertTensorNames, type ModelSpec, type RopeSpec } from './spec.js';
import { heldMatrices, lmHeadName } from './held-matrices.js';
import { storedSwigluBytes, type Storage, type StoredPrecision } from './stored-blocks.js';

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
  /** stored dtype of the token embedding (lookups read its rows as stored, see embedding.ts) */
  embeddingDtype: string;
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
  /** routed experts stored pre-quantized in blocks (`moe-eval quantize`) */
  expertStorage?: StoredPrecision;
  /** the matrices of projectionParameters and the LM head stored pre-quantized in blocks (`moe-eval quantize --precision`) */
  matrixStorage?: StoredPrecision;
}

export function modelFacts(ckpt: Checkpoint, spec: ModelSpec): ModelFacts {
  const moe = moeLayerIndices(spec);
  const numel = (name: string) => ckpt.info(name).shape.reduce((a, b) => a * b, 1);
  const dtypes = new Set<string>();
  const { experts: expertStorage, matrices: matrixStorage } = spec.storage;
  const H = spec.hiddenSize;
  const held = heldMatrices(spec);
  // a tied head is the embedding: HF ignores a stored lm_head.weight, and the embedding counts once
  const heldParameters = held.filter((m) => !(spec.tieWordEmbeddings && m.name === lmHeadName(spec))).reduce((s, m) => s + m.rows * m.cols, 0);
  // stored blocks hold packed values and scales, not parameters: what they stand for is counted from the spec
  const isStoredBlocks = (name: string) => /\.q[48](_scales)?$/.test(name) && (expertStorage !== 'weights' || matrixStorage !== 'weights');
  const expertParams = moe.length > 0 ? 3 * H * spec.moe.intermediateSize : 0;
  let total = (expertStorage !== 'weights' ? moe.length * spec.moe.numExperts * expertParams : 0) + (matrixStorage !== 'weights' ? heldParameters : 0);
  for (const name of ckpt.tensorNames()) {
    if (spec.tieWordEmbeddings && name === spec.names.lmHead) continue; // HF ignores it
    dtypes.add(ckpt.info(name).dtype);
    if (!isStoredBlocks(name)) total += numel(name);
  }
  const swigluBytes = (n: ExpertTensorNames, storage: Storage) => (storage !== 'weights' ? storedSwigluBytes(ckpt, n, storage) : ckpt.info(n.gate).byteLength + ckpt.info(n.up).byteLength + ckpt.info(n.down).byteLength);
  const bytesPerExpert = moe.length > 0 ? swigluBytes(spec.layers[moe[0]].names.expert!(0), expertStorage) : 0;
  const inactive = moe.length * (spec.moe.numExperts - spec.moe.topK) * expertParams;
  const attention = attentionModule(spec.attention.kind).facts(spec);
  const sharedNames = moe.length > 0 ? spec.layers[moe[0]].names.shared : undefined;
  const shared = spec.moe.shared && sharedNames
    ? { ...spec.moe.shared, bytesPerLayer: swigluBytes(sharedNames, matrixStorage) }
    : spec.moe.shared;
  const dense = spec.layers.flatMap((l, i) => (l.mlp === 'dense' ? [i] : []));
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
    projectionParameters: heldParameters,
    tiedEmbeddings: spec.tieWordEmbeddings,
    embeddingDtype: ckpt.info(spec.names.embed).dtype,
    configSha256: createHash('sha256').update(readFileSync(join(ckpt.dir, 'config.json'))).digest('hex'),
    weightFiles: ckpt.weightFiles(),
    notes: spec.notes,
    ...(spec.attention.kind !== 'gqa' ? { attentionKind: spec.attention.kind } : {}),
    ...(attention.extra ? { mla: attention.extra } : {}),
    ...(dense.length > 0 && spec.denseIntermediateSize ? { denseIntermediateSize: spec.denseIntermediateSize } : {}),
    ...(spec.norm.kind !== 'rms' ? { norm: spec.norm } : {}),
    ...(spec.rope.kind !== 'default' ? { rope: spec.rope } : {}),
    ...(spec.names.lmHeadBias ? { lmHeadBias: true } : {}),
    ...(expertStorage !== 'weights' ? { expertStorage } : {}),
    ...(matrixStorage !== 'weights' ? { matrixStorage } : {}),
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
