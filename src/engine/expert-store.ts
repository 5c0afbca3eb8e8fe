// Where the weights of routed experts come from (design.md "The seams": the store never decides
// routing). ResidentExpertStore keeps every expert in memory; an offloading store (latency issue)
// implements the same interface and loads on demand.

import type { Checkpoint } from './checkpoint.js';
import { matrix, type Matrix } from './kernels.js';
import type { ModelSpec } from './spec.js';

export interface ExpertWeights {
  gate: Matrix;
  up: Matrix;
  down: Matrix;
}

export interface ExpertStore {
  /** weights of routed expert `expert` of decoder layer `layer`, ready for the kernels */
  get(layer: number, expert: number): ExpertWeights;
}

/** Reads one routed expert's three matrices from the checkpoint (shape-checked). */
export function readExpert(ckpt: Checkpoint, spec: ModelSpec, layer: number, expert: number): ExpertWeights {
  const names = spec.layers[layer].names.expert!(expert);
  const H = spec.hiddenSize;
  const I = spec.moe.intermediateSize;
  return {
    gate: matrix(ckpt.readF32(names.gate, [I, H]), I, H),
    up: matrix(ckpt.readF32(names.up, [I, H]), I, H),
    down: matrix(ckpt.readF32(names.down, [H, I]), H, I),
  };
}

export class ResidentExpertStore implements ExpertStore {
  private readonly experts = new Map<number, ExpertWeights[]>();

  constructor(ckpt: Checkpoint, spec: ModelSpec) {
    spec.layers.forEach((l, i) => {
      if (l.mlp === 'moe') this.experts.set(i, Array.from({ length: spec.moe.numExperts }, (_, e) => readExpert(ckpt, spec, i, e)));
    });
  }

  get(layer: number, expert: number): ExpertWeights {
    return this.experts.get(layer)![expert];
  }
}
