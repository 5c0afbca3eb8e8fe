// Where routed experts come from (docs/design.md "The seams": the store never decides routing).
// ResidentExpertStore keeps every expert in memory; OffloadingExpertStore (offload-store.ts) keeps
// only what the run's cache holds. Both hand out RoutedExperts (float32 or 4-bit).

import type { Checkpoint } from './checkpoint.js';
import type { Kernels } from './kernels.js';
import { loadRoutedExpert, type ExpertPrecision, type RoutedExpert } from './routed-expert.js';
import type { ModelSpec } from './spec.js';

export interface ExpertStore {
  /** routed expert `expert` of decoder layer `layer`, ready to run */
  get(layer: number, expert: number): RoutedExpert;
  /** free every expert (end of use) */
  release(): Promise<void>;
}

/** Builds the expert store of a model once its kernels exist. */
export type ExpertStoreFactory = (ckpt: Checkpoint, spec: ModelSpec, kernels: Kernels) => ExpertStore | Promise<ExpertStore>;

export class ResidentExpertStore implements ExpertStore {
  private constructor(private readonly experts: Map<number, RoutedExpert[]>) {}

  static async create(ckpt: Checkpoint, spec: ModelSpec, kernels: Kernels, precision: ExpertPrecision = 'f32'): Promise<ResidentExpertStore> {
    const experts = new Map<number, RoutedExpert[]>();
    for (const [i, l] of spec.layers.entries()) {
      if (l.mlp !== 'moe') continue;
      const layer: RoutedExpert[] = [];
      for (let e = 0; e < spec.moe.numExperts; e++) layer.push(await loadRoutedExpert(ckpt, spec, i, e, precision, kernels));
      experts.set(i, layer);
    }
    return new ResidentExpertStore(experts);
  }

  get(layer: number, expert: number): RoutedExpert {
    return this.experts.get(layer)![expert];
  }

  async release(): Promise<void> {
    for (const layer of this.experts.values()) for (const e of layer) await e.release();
  }
}
