// Where routed experts come from and how a layer's selected experts run (docs/design.md "The
// seams": the store never decides routing). ResidentExpertStore keeps every expert in memory: block-
// quantised layers as one fused node each (fused-experts.ts), float32 experts one by one;
// OffloadingExpertStore (offload-store.ts) keeps only what the run's cache holds.

import type { Checkpoint } from './checkpoint.js';
import { BLOCK_BITS, LAYERS_BUILT_AT_ONCE } from './linear.js';
import { canFuse, FusedExperts, type ExpertBlocks } from './fused-experts.js';
import type { Kernels } from './kernels.js';
import { quantizeExpert, readExpertFp32, loadRoutedExpert, type ExpertFp32Weights, type ExpertPrecision, type RoutedExpert } from './routed-expert.js';
import type { ModelSpec } from './spec.js';
import { readStoredSwiglu, type StoredSwiglu } from './stored-blocks.js';
import { WeightsFile } from './onnx-graph.js';

/** The routing of T token rows in one MoE layer: k experts per row and their mixing weights. */
export interface LayerRouting {
  /** [T·k] expert ids */
  selected: Int32Array;
  /** [T·k] mixing weights */
  weights: Float32Array;
}

export interface ExpertStore {
  /** Σ_j weights[t·k+j] · expert_{selected[t·k+j]}(x_t) for the T rows of x [T, hidden] */
  mix(layer: number, x: Float32Array, T: number, routing: LayerRouting): Promise<Float32Array>;
  /** free every expert (end of use) */
  release(): Promise<void>;
}

/** Builds the expert store of a model once its kernels exist. */
export type ExpertStoreFactory = (ckpt: Checkpoint, spec: ModelSpec, kernels: Kernels) => ExpertStore | Promise<ExpertStore>;

/**
 * Runs the selected experts one by one, `expert` handing each out: a decode token's float32 experts
 * through the fused k-expert kernel, otherwise the token rows grouped by expert, each expert one GEMM
 * over its rows.
 */
export async function mixExpertByExpert(expert: (e: number) => RoutedExpert, kernels: Kernels, spec: ModelSpec, x: Float32Array, T: number, { selected, weights }: LayerRouting): Promise<Float32Array> {
  const { numExperts: E, topK: k } = spec.moe;
  const H = spec.hiddenSize;
  const out = new Float32Array(T * H);
  if (T === 1) {
    const experts = Array.from(selected, (e) => expert(e));
    const fp32 = await Promise.all(experts.map((e) => e.fp32Weights()));
    if (fp32.every((w) => w !== null)) return kernels.expertSum(x, 1, fp32 as ExpertFp32Weights[], weights);
    for (let j = 0; j < k; j++) {
      const y = await experts[j].run(x, 1);
      const g = weights[j];
      for (let i = 0; i < H; i++) out[i] += g * y[i];
    }
    return out;
  }
  const counts = new Int32Array(E);
  for (let i = 0; i < selected.length; i++) counts[selected[i]]++;
  for (let e = 0; e < E; e++) {
    const m = counts[e];
    if (m === 0) continue;
    const rows = new Int32Array(m);
    const gains = new Float32Array(m);
    let n = 0;
    for (let i = 0; i < selected.length; i++) {
      if (selected[i] === e) {
        rows[n] = (i / k) | 0;
        gains[n++] = weights[i];
      }
    }
    const xe = new Float32Array(m * H);
    for (let r = 0; r < m; r++) xe.set(x.subarray(rows[r] * H, (rows[r] + 1) * H), r * H);
    const y = await expert(e).run(xe, m);
    for (let r = 0; r < m; r++) {
      const o = rows[r] * H;
      const g = gains[r];
      for (let i = 0; i < H; i++) out[o + i] += g * y[r * H + i];
    }
  }
  return out;
}

/** A resident MoE layer: one fused node, or its experts one by one. */
type ResidentLayer = FusedExperts | RoutedExpert[];

export class ResidentExpertStore implements ExpertStore {
  private constructor(private readonly layers: Map<number, ResidentLayer>, private readonly spec: ModelSpec, private readonly kernels: Kernels) {}

  static async create(ckpt: Checkpoint, spec: ModelSpec, kernels: Kernels, precision: ExpertPrecision = 'f32'): Promise<ResidentExpertStore> {
    const layers = new Map<number, ResidentLayer>();
    // a pre-quantized checkpoint holds only its blocks: its experts run as stored
    const held = spec.storage.experts === 'weights' ? precision : spec.storage.experts;
    const moeLayers = [...spec.layers.keys()].filter((i) => spec.layers[i].mlp === 'moe');
    if (held !== 'f32' && canFuse(spec.hiddenSize, spec.moe.intermediateSize)) {
      await buildFusedLayers(ckpt, spec, kernels, held, moeLayers, layers);
    } else {
      for (const i of moeLayers) {
        const experts: RoutedExpert[] = [];
        for (let e = 0; e < spec.moe.numExperts; e++) experts.push(await loadRoutedExpert(ckpt, spec, i, e, held, kernels));
        layers.set(i, experts);
      }
    }
    return new ResidentExpertStore(layers, spec, kernels);
  }

  mix(layer: number, x: Float32Array, T: number, routing: LayerRouting): Promise<Float32Array> {
    const l = this.layers.get(layer)!;
    if (l instanceof FusedExperts) return l.run(x, T, routing.selected, routing.weights);
    return mixExpertByExpert((e) => l[e], this.kernels, this.spec, x, T, routing);
  }

  async release(): Promise<void> {
    for (const l of this.layers.values()) {
      if (l instanceof FusedExperts) await l.release();
      else for (const e of l) await e.release();
    }
  }
}

/**
 * What loading fused layers reuses from layer to layer: one expert's buffers, and a weights file per
 * layer in build. Fresh memory is the cost here (see FusedExperts.create): reading each stored expert
 * into new arrays faulted in the model's size a second time.
 */
class FusedLoadScratch {
  readonly files = Array.from({ length: LAYERS_BUILT_AT_ONCE }, () => WeightsFile.open());
  constructor(readonly precision: Exclude<ExpertPrecision, 'f32'>) {}
  stored?: StoredSwiglu;
  fp32?: ExpertFp32Weights;
}

/**
 * Fused layers build LAYERS_BUILT_AT_ONCE at a time: a session builds off the event loop (linear.ts
 * BUILD_OFF_THE_EVENT_LOOP), so while one layer's weights are prepacked the next one's are written and
 * built on the other core. Each layer in build holds a weights file, so more would also cost memory.
 */
async function buildFusedLayers(ckpt: Checkpoint, spec: ModelSpec, kernels: Kernels, precision: Exclude<ExpertPrecision, 'f32'>, moeLayers: number[], into: Map<number, ResidentLayer>): Promise<void> {
  const scratch = new FusedLoadScratch(precision);
  const building: Promise<void>[] = [];
  let failed = false;
  try {
    for (const [n, i] of moeLayers.entries()) {
      // the layer built LAYERS_BUILT_AT_ONCE ago used the file this one takes
      if (building.length === LAYERS_BUILT_AT_ONCE) await building.shift();
      if (failed) break; // the failure surfaces below; no need to read further layers
      // the layer's weights are written before this returns its promise; only the build is pending
      const built = fusedLayer(ckpt, spec, i, kernels, scratch, scratch.files[n % LAYERS_BUILT_AT_ONCE]).then((l) => void into.set(i, l));
      // awaited below: a failure while an earlier layer is awaited must not count as unhandled
      built.catch(() => (failed = true));
      building.push(built);
    }
    await Promise.all(building);
  } finally {
    // a failed layer leaves the others to finish with their files before these close
    await Promise.allSettled(building);
    for (const f of scratch.files) f.close();
  }
}

/** One layer's experts, stored in blocks or quantised now, as a fused node (one expert's blocks at a time). */
function fusedLayer(ckpt: Checkpoint, spec: ModelSpec, layer: number, kernels: Kernels, scratch: FusedLoadScratch, file: WeightsFile): Promise<FusedExperts> {
  const bits = BLOCK_BITS[scratch.precision];
  const { numExperts, topK, intermediateSize: I } = spec.moe;
  const H = spec.hiddenSize;
  const names = spec.layers[layer].names.expert!;
  const blocksOf = (e: number): ExpertBlocks => {
    if (spec.storage.experts === scratch.precision) return (scratch.stored = readStoredSwiglu(ckpt, names(e), I, H, scratch.precision, scratch.stored));
    scratch.fp32 = readExpertFp32(ckpt, spec, layer, e, scratch.fp32);
    return quantizeExpert(scratch.fp32, bits);
  };
  return FusedExperts.create({ experts: numExperts, topK, hidden: H, intermediate: I, bits }, blocksOf, kernels.threads, undefined, file);
}
