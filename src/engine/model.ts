// The MoE transformer forward pass over a KV cache: embeddings -> decoder layers (pre-norm
// attention + MoE or dense MLP) -> final norm -> LM head. Batched over the tokens of one call
// (prefill) or one token at a time (decode). Follows the HF modeling files of the architectures
// in architectures/; everything architecture-specific comes from the ModelSpec.

import type * as ort from 'onnxruntime-node';
import { inputError } from '../errors.js';
import type { ExpertRouting, RoutingPhase } from '../routing/types.js';
import { parseModelSpec } from './architectures/registry.js';
import { Checkpoint } from './checkpoint.js';
import { ResidentExpertStore, type ExpertStore, type ExpertWeights } from './expert-store.js';
import { Kernels, matrix, vectorTensor, type Matrix } from './kernels.js';
import { KvCache } from './kv-cache.js';
import { addInPlace, clampInPlace, dot, rmsNormRows, RopeTable, sigmoid } from './ops.js';
import type { ModelSpec } from './spec.js';
import { join } from 'node:path';

interface AttentionWeights {
  q: Matrix;
  k: Matrix;
  v: Matrix;
  o: Matrix;
  qBias?: ort.Tensor;
  kBias?: ort.Tensor;
  vBias?: ort.Tensor;
  oBias?: ort.Tensor;
  qNorm?: Float32Array;
  kNorm?: Float32Array;
}

interface LayerWeights {
  inputNorm: Float32Array;
  postNorm: Float32Array;
  attn: AttentionWeights;
  router?: Matrix;
  shared?: ExpertWeights;
  sharedGate?: Float32Array;
  dense?: ExpertWeights;
}

export interface ForwardOptions {
  phase: RoutingPhase;
  /** logits are computed for the rows [logitsFrom, T) of this call; default T - 1 (last only) */
  logitsFrom?: number;
}

export interface LoadOptions {
  kernels?: Kernels;
  threads?: number;
  /** replaces the all-resident store (e.g. an offloading store) */
  expertStore?: (ckpt: Checkpoint, spec: ModelSpec) => ExpertStore;
}

export class MoeModel {
  private readonly rope: RopeTable;
  private readonly scale: Float32Array;

  private constructor(
    readonly spec: ModelSpec,
    readonly checkpoint: Checkpoint,
    readonly kernels: Kernels,
    private readonly embed: Float32Array,
    private readonly finalNorm: Float32Array,
    private readonly lmHead: Matrix,
    private readonly layers: LayerWeights[],
    readonly experts: ExpertStore,
  ) {
    this.rope = new RopeTable(spec.rope.dim, spec.rope.theta, spec.rope.interleaved);
    this.scale = Float32Array.of(spec.attention.scale);
  }

  static async load(dir: string, opts: LoadOptions = {}): Promise<MoeModel> {
    const ckpt = Checkpoint.open(dir);
    try {
      const spec = parseModelSpec(ckpt.config, join(dir, 'config.json'));
      const H = spec.hiddenSize;
      const V = spec.vocabSize;
      const embed = ckpt.readF32(spec.names.embed, [V, H]);
      // tied: HF ignores a stored lm_head.weight and uses the embedding
      const lmHead = matrix(spec.tieWordEmbeddings ? embed : ckpt.readF32(spec.names.lmHead, [V, H]), V, H);
      const layers = spec.layers.map((l) => loadLayer(ckpt, spec, l.names, l.mlp));
      const experts = (opts.expertStore ?? ((c, s) => new ResidentExpertStore(c, s)))(ckpt, spec);
      const kernels = opts.kernels ?? (await Kernels.create({ threads: opts.threads }));
      return new MoeModel(spec, ckpt, kernels, embed, ckpt.readF32(spec.names.finalNorm, [H]), lmHead, layers, experts);
    } catch (e) {
      ckpt.close();
      throw e;
    }
  }

  newKvCache(capacity = 256): KvCache {
    const a = this.spec.attention;
    return new KvCache(this.spec.layers.length, a.numKvHeads, a.headDim, a.headDim, capacity);
  }

  /**
   * Run `tokens` at positions kv.length.. and append them to the cache.
   * Returns logits [rows, vocab] for rows [logitsFrom, T).
   */
  async forward(tokens: ArrayLike<number>, kv: KvCache, routing: ExpertRouting, opts: ForwardOptions): Promise<Float32Array> {
    const spec = this.spec;
    const T = tokens.length;
    const H = spec.hiddenSize;
    const pos0 = kv.length;
    const limit = spec.notes.max_sequence_length as number | undefined;
    if (limit !== undefined && pos0 + T > limit) {
      throw inputError('sequence-too-long', `sequence of ${pos0 + T} tokens exceeds ${limit}: ${spec.notes.max_sequence_reason}`);
    }
    const h = new Float32Array(T * H);
    for (let t = 0; t < T; t++) {
      const id = tokens[t];
      if (!Number.isInteger(id) || id < 0 || id >= spec.vocabSize) {
        throw inputError('token-out-of-range', `token id ${id} at position ${pos0 + t} is outside the vocabulary [0, ${spec.vocabSize})`, 'token ids must be < vocab_size of config.json');
      }
      h.set(this.embed.subarray(id * H, (id + 1) * H), t * H);
    }
    kv.ensure(pos0 + T);
    for (let i = 0; i < this.layers.length; i++) {
      const L = this.layers[i];
      const x = rmsNormRows(h, H, L.inputNorm, spec.norm.eps, new Float32Array(h.length));
      addInPlace(h, await this.attention(i, L.attn, x, T, pos0, kv));
      const x2 = rmsNormRows(h, H, L.postNorm, spec.norm.eps, new Float32Array(h.length));
      const mlp = L.dense
        ? await this.kernels.swiglu(x2, T, L.dense.gate, L.dense.up, L.dense.down)
        : await this.moe(i, L, x2, T, pos0, routing, opts.phase);
      addInPlace(h, mlp);
    }
    kv.length = pos0 + T;
    const from = opts.logitsFrom ?? T - 1;
    if (from >= T) return new Float32Array(0);
    const rows = h.subarray(from * H);
    const normed = rmsNormRows(rows, H, this.finalNorm, spec.norm.eps, new Float32Array(rows.length));
    return this.kernels.linear(normed, T - from, this.lmHead);
  }

  private async attention(layer: number, W: AttentionWeights, x: Float32Array, T: number, pos0: number, kv: KvCache): Promise<Float32Array> {
    const a = this.spec.attention;
    const eps = this.spec.norm.eps;
    const hd = a.headDim;
    const qW = a.numHeads * hd;
    const kW = a.numKvHeads * hd;
    const q = await this.kernels.linear(x, T, W.q, W.qBias);
    const k = await this.kernels.linear(x, T, W.k, W.kBias);
    const v = await this.kernels.linear(x, T, W.v, W.vBias);
    if (a.qkNorm === 'full') {
      rmsNormRows(q, qW, W.qNorm!, eps);
      rmsNormRows(k, kW, W.kNorm!, eps);
    }
    if (a.clipQkv !== null) {
      clampInPlace(q, a.clipQkv);
      clampInPlace(k, a.clipQkv);
      clampInPlace(v, a.clipQkv);
    }
    if (a.qkNorm === 'per-head') {
      rmsNormRows(q, hd, W.qNorm!, eps);
      rmsNormRows(k, hd, W.kNorm!, eps);
    }
    this.rope.apply(q, T, qW, a.numHeads, pos0);
    this.rope.apply(k, T, kW, a.numKvHeads, pos0);
    kv.write(layer, k, v, T, pos0);

    // q [T, heads, hd] -> [heads, T, hd] = [kvHeads, rep, T, hd]
    const qh = new Float32Array(q.length);
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < a.numHeads; hh++) qh.set(q.subarray(t * qW + hh * hd, t * qW + (hh + 1) * hd), (hh * T + t) * hd);
    }
    const cap = kv.capacity;
    const mask = causalMask(T, pos0, cap, a.slidingWindow);
    const out = await this.kernels.attention(qh, kv.kT[layer], kv.v[layer], mask, {
      kvHeads: a.numKvHeads, rep: a.numHeads / a.numKvHeads, t: T, dk: hd, dv: hd, cap, scale: this.scale,
    });
    return this.kernels.linear(out, T, W.o, W.oBias);
  }

  /** Routed experts (+ shared expert) of one MoE layer for T tokens: [T, H] -> [T, H]. */
  private async moe(layer: number, L: LayerWeights, x: Float32Array, T: number, pos0: number, routing: ExpertRouting, phase: RoutingPhase): Promise<Float32Array> {
    const { numExperts: E, topK: k } = this.spec.moe;
    const H = this.spec.hiddenSize;
    const z = await this.kernels.linear(x, T, L.router!); // [T, E]
    const selected = new Int32Array(T * k);
    const weights = new Float32Array(T * k);
    for (let t = 0; t < T; t++) {
      routing.route(layer, pos0 + t, phase, z.subarray(t * E, (t + 1) * E), selected.subarray(t * k, (t + 1) * k), weights.subarray(t * k, (t + 1) * k));
    }
    const out = new Float32Array(T * H);
    if (T === 1) {
      for (let j = 0; j < k; j++) {
        const w = this.experts.get(layer, selected[j]);
        const y = await this.kernels.swiglu(x, 1, w.gate, w.up, w.down);
        const g = weights[j];
        for (let i = 0; i < H; i++) out[i] += g * y[i];
      }
    } else {
      // group the token rows by expert; each expert runs one GEMM over its rows
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
        const w = this.experts.get(layer, e);
        const y = await this.kernels.swiglu(xe, m, w.gate, w.up, w.down);
        for (let r = 0; r < m; r++) {
          const o = rows[r] * H;
          const g = gains[r];
          for (let i = 0; i < H; i++) out[o + i] += g * y[r * H + i];
        }
      }
    }
    if (L.shared) {
      const y = await this.kernels.swiglu(x, T, L.shared.gate, L.shared.up, L.shared.down);
      for (let t = 0; t < T; t++) {
        const g = L.sharedGate ? sigmoid(dot(x, t * H, L.sharedGate, H)) : 1;
        for (let i = 0; i < H; i++) out[t * H + i] += g * y[t * H + i];
      }
    }
    return out;
  }

  close(): void {
    this.checkpoint.close();
  }
}

/** Additive mask [T, cap]: query t (position pos0 + t) sees slot j iff j <= pos0 + t and, with a window W, j > pos0 + t - W. */
function causalMask(T: number, pos0: number, cap: number, window: number | null): Float32Array {
  const mask = new Float32Array(T * cap);
  for (let t = 0; t < T; t++) {
    const p = pos0 + t;
    const lo = window === null ? 0 : Math.max(0, p - window + 1);
    const row = mask.subarray(t * cap, (t + 1) * cap);
    row.fill(-Infinity);
    row.fill(0, lo, p + 1);
  }
  return mask;
}

function loadLayer(ckpt: Checkpoint, spec: ModelSpec, n: ModelSpec['layers'][number]['names'], mlp: 'moe' | 'dense'): LayerWeights {
  const H = spec.hiddenSize;
  const a = spec.attention;
  const qW = a.numHeads * a.headDim;
  const kW = a.numKvHeads * a.headDim;
  const mat = (name: string, rows: number, cols: number) => matrix(ckpt.readF32(name, [rows, cols]), rows, cols);
  const vec = (name: string | undefined, len: number) => (name ? ckpt.readF32(name, [len]) : undefined);
  const bias = (name: string | undefined, len: number) => (name ? vectorTensor(ckpt.readF32(name, [len])) : undefined);
  const normLen = a.qkNorm === 'full' ? [qW, kW] : [a.headDim, a.headDim];
  const swiglu = (names: { gate: string; up: string; down: string }, I: number): ExpertWeights => ({
    gate: mat(names.gate, I, H), up: mat(names.up, I, H), down: mat(names.down, H, I),
  });
  const layer: LayerWeights = {
    inputNorm: ckpt.readF32(n.inputNorm, [H]),
    postNorm: ckpt.readF32(n.postAttentionNorm, [H]),
    attn: {
      q: mat(n.q, qW, H), k: mat(n.k, kW, H), v: mat(n.v, kW, H), o: mat(n.o, H, qW),
      qBias: bias(n.qBias, qW), kBias: bias(n.kBias, kW), vBias: bias(n.vBias, kW), oBias: bias(n.oBias, H),
      qNorm: vec(n.qNorm, normLen[0]), kNorm: vec(n.kNorm, normLen[1]),
    },
  };
  if (mlp === 'dense') {
    layer.dense = swiglu(n.dense!, spec.denseIntermediateSize!);
  } else {
    layer.router = mat(n.router!, spec.moe.numExperts, H);
    if (n.shared && spec.moe.shared) layer.shared = swiglu(n.shared, spec.moe.shared.intermediateSize);
    if (n.sharedGate) layer.sharedGate = ckpt.readF32(n.sharedGate, [1, H]);
  }
  return layer;
}
