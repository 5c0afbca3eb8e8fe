// Facts about a checkpoint from its config and safetensors headers alone (no weights read):
// what `moe-eval inspect` prints and what results documents record as the model's identity.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelSpec } from './architectures/registry.js';
import { Checkpoint } from './checkpoint.js';
import { moeLayerIndices, type ModelSpec } from './spec.js';

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
  sharedExperts: { intermediateSize: number; gated: boolean } | null;
  router: string;
  storedDtypes: string[];
  /** bytes of one routed expert (gate + up + down) at stored precision */
  bytesPerExpert: number;
  totalParameters: number;
  /** parameters one token touches: everything but the routed experts it does not select */
  activeParameters: number;
  tiedEmbeddings: boolean;
  configSha256: string;
  weightFiles: { path: string; sizeBytes: number }[];
  notes: Record<string, unknown>;
}

export function modelFacts(ckpt: Checkpoint, spec: ModelSpec): ModelFacts {
  const moe = moeLayerIndices(spec);
  const numel = (name: string) => ckpt.info(name).shape.reduce((a, b) => a * b, 1);
  const dtypes = new Set<string>();
  let total = 0;
  for (const name of ckpt.tensorNames()) {
    if (spec.tieWordEmbeddings && name === spec.names.lmHead) continue; // HF ignores it
    total += numel(name);
    dtypes.add(ckpt.info(name).dtype);
  }
  let expertParams = 0;
  let bytesPerExpert = 0;
  if (moe.length > 0) {
    const n = spec.layers[moe[0]].names.expert!(0);
    expertParams = numel(n.gate) + numel(n.up) + numel(n.down);
    bytesPerExpert = ckpt.info(n.gate).byteLength + ckpt.info(n.up).byteLength + ckpt.info(n.down).byteLength;
  }
  const inactive = moe.length * (spec.moe.numExperts - spec.moe.topK) * expertParams;
  const a = spec.attention;
  return {
    path: ckpt.dir,
    modelType: spec.modelType,
    layers: spec.layers.length,
    moeLayers: moe,
    denseLayers: spec.layers.flatMap((l, i) => (l.mlp === 'dense' ? [i] : [])),
    hiddenSize: spec.hiddenSize,
    vocabSize: spec.vocabSize,
    attention: { heads: a.numHeads, kvHeads: a.numKvHeads, headDim: a.headDim, qkNorm: a.qkNorm, slidingWindow: a.slidingWindow },
    experts: spec.moe.numExperts,
    topK: spec.moe.topK,
    expertIntermediateSize: spec.moe.intermediateSize,
    sharedExperts: spec.moe.shared,
    router: spec.moe.router.description,
    storedDtypes: [...dtypes].sort(),
    bytesPerExpert,
    totalParameters: total,
    activeParameters: total - inactive,
    tiedEmbeddings: spec.tieWordEmbeddings,
    configSha256: createHash('sha256').update(readFileSync(join(ckpt.dir, 'config.json'))).digest('hex'),
    weightFiles: ckpt.weightFiles(),
    notes: spec.notes,
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
