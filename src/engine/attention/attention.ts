// The attention seam: one module per attention kind (spec.ts AttentionSpec['kind']) knows its tensors,
// loads a layer's weights, owns its KV-cache layout and runs one layer over a KV cache. The model
// picks the module from attention/registry.ts and never looks inside.

import type { Checkpoint } from '../checkpoint.js';
import type { Kernels } from '../kernels.js';
import type { Linear } from '../linear.js';
import type { LayerKv } from '../kv-cache.js';
import type { RopeTable } from '../ops.js';
import type { AttentionNames, ModelSpec } from '../spec.js';

/** What one forward call hands every layer. */
export interface AttentionStep {
  kernels: Kernels;
  /** the rope table of the sequence's rope variant (rope.ts) */
  rope: RopeTable;
}

export interface LayerAttention {
  /**
   * x: [T, hidden] (already normed) at positions pos0..pos0+T-1; appends this layer's keys / values
   * to `kv` and attends over positions 0..pos0+t causally. Returns [T, hidden].
   */
  forward(x: Float32Array, T: number, pos0: number, kv: LayerKv, step: AttentionStep): Promise<Float32Array>;
  /** frees the sessions of quantised projections */
  release(): Promise<void>;
}

/** What `inspect` reports about the attention (ModelFacts.attention keeps its GQA-shaped fields). */
export interface AttentionFacts {
  heads: number;
  kvHeads: number;
  headDim: number;
  qkNorm: string;
  slidingWindow: number | null;
  /** kind-specific facts, e.g. MLA ranks and cache size */
  extra: Record<string, unknown> | null;
}

/**
 * Makes a projection runnable at the run's matrix precision (linear.ts): the checkpoint's matrices
 * `parts` ([name, rows], all of `cols` columns) stacked by rows into one, + bias.
 */
export type LinearLoader = (parts: readonly (readonly [name: string, rows: number])[], cols: number, bias?: Float32Array) => Promise<Linear>;

export interface AttentionModule {
  readonly kind: string;
  /** every tensor a layer reads, with its shape (synthetic checkpoints, inspect) */
  tensors(spec: ModelSpec, names: AttentionNames): [string, number[]][];
  /** projections through `linear` (the run's precision); what attention itself multiplies stays float32 */
  load(ckpt: Checkpoint, spec: ModelSpec, names: AttentionNames, linear: LinearLoader): Promise<LayerAttention>;
  /** one layer's projections [name, rows, cols]: the matrices `load` passes through `linear` */
  projections(spec: ModelSpec, names: AttentionNames): [name: string, rows: number, cols: number][];
  newLayerKv(spec: ModelSpec, capacity: number): LayerKv;
  facts(spec: ModelSpec): AttentionFacts;
}
