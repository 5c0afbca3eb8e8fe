// Grouped-query attention (HF modeling_mixtral / qwen2_moe / olmoe / qwen3_moe / phimoe; moe_ref.py
// `Model.attention`): q/k/v projections (+ biases), optional q/k RMSNorm (whole projection or per
// head) and clip_qkv, RoPE over head_dim, causal (optionally sliding-window) softmax over the cache.

import type { Checkpoint } from '../checkpoint.js';
import type { Linear } from '../linear.js';
import type { LayerKv } from '../kv-cache.js';
import { clampInPlace, rmsNormRows } from '../ops.js';
import type { AttentionNames, GqaAttentionNames, GqaAttentionSpec, ModelSpec } from '../spec.js';
import type { AttentionModule, AttentionStep, LayerAttention } from './attention.js';
import { GqaLayerKv } from './gqa-kv.js';
import { causalMask } from './mask.js';

interface GqaWeights {
  /** q, k and v projections (+ biases) stacked along out ([q | k | v], HF [out, in] rows): one GEMM per call */
  qkv: Linear;
  o: Linear;
  qNorm?: Float32Array;
  kNorm?: Float32Array;
}

function gqaSpec(spec: ModelSpec): GqaAttentionSpec {
  if (spec.attention.kind !== 'gqa') throw new Error(`gqa attention module given a ${spec.attention.kind} spec`);
  return spec.attention;
}

function gqaNames(names: AttentionNames): GqaAttentionNames {
  if (names.kind !== 'gqa') throw new Error(`gqa attention module given ${names.kind} tensor names`);
  return names;
}

/** q/k norm widths: the whole projection (OLMoE) or one head (Qwen3-MoE) */
const normWidths = (a: GqaAttentionSpec) => (a.qkNorm === 'full' ? [a.numHeads * a.headDim, a.numKvHeads * a.headDim] : [a.headDim, a.headDim]);

class GqaLayer implements LayerAttention {
  private readonly scale: Float32Array;

  constructor(private readonly a: GqaAttentionSpec, private readonly W: GqaWeights, private readonly eps: number) {
    this.scale = Float32Array.of(a.scale);
  }

  async forward(x: Float32Array, T: number, pos0: number, layerKv: LayerKv, { kernels, rope }: AttentionStep): Promise<Float32Array> {
    const { a, W, eps } = this;
    const kv = layerKv as GqaLayerKv;
    const hd = a.headDim;
    const qW = a.numHeads * hd;
    const kW = a.numKvHeads * hd;
    const { q, k, v } = splitQkv(await W.qkv.run(x, T), T, qW, kW);
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
    rope.apply(q, T, qW, a.numHeads, pos0);
    rope.apply(k, T, kW, a.numKvHeads, pos0);
    kv.write(k, v, T, pos0);

    // q [T, heads, hd] -> [heads, T, hd] = [kvHeads, rep, T, hd] (already that layout when T = 1)
    let qh = q;
    if (T > 1) {
      qh = new Float32Array(q.length);
      for (let t = 0; t < T; t++) {
        for (let hh = 0; hh < a.numHeads; hh++) qh.set(q.subarray(t * qW + hh * hd, t * qW + (hh + 1) * hd), (hh * T + t) * hd);
      }
    }
    const cap = kv.capacity;
    const mask = causalMask(T, pos0, cap, a.slidingWindow);
    const out = await kernels.attention(qh, kv.kT, kv.v, mask, {
      kvHeads: a.numKvHeads, rep: a.numHeads / a.numKvHeads, t: T, dk: hd, dv: hd, cap, scale: this.scale,
    });
    return W.o.run(out, T);
  }

  async release(): Promise<void> {
    await Promise.all([this.W.qkv.release(), this.W.o.release()]);
  }
}

/** [T, qW + 2kW] -> q [T, qW], k [T, kW], v [T, kW] (views when T = 1) */
function splitQkv(y: Float32Array, T: number, qW: number, kW: number): { q: Float32Array; k: Float32Array; v: Float32Array } {
  const w = qW + 2 * kW;
  if (T === 1) return { q: y.subarray(0, qW), k: y.subarray(qW, qW + kW), v: y.subarray(qW + kW, w) };
  const q = new Float32Array(T * qW);
  const k = new Float32Array(T * kW);
  const v = new Float32Array(T * kW);
  for (let t = 0; t < T; t++) {
    q.set(y.subarray(t * w, t * w + qW), t * qW);
    k.set(y.subarray(t * w + qW, t * w + qW + kW), t * kW);
    v.set(y.subarray(t * w + qW + kW, (t + 1) * w), t * kW);
  }
  return { q, k, v };
}

export const gqaAttention: AttentionModule = {
  kind: 'gqa',
  tensors(spec, names) {
    const a = gqaSpec(spec);
    const n = gqaNames(names);
    const H = spec.hiddenSize;
    const q = a.numHeads * a.headDim;
    const kv = a.numKvHeads * a.headDim;
    const out: [string, number[]][] = [[n.q, [q, H]], [n.k, [kv, H]], [n.v, [kv, H]], [n.o, [H, q]]];
    if (n.qBias) out.push([n.qBias, [q]], [n.kBias!, [kv]], [n.vBias!, [kv]]);
    if (n.oBias) out.push([n.oBias, [H]]);
    const [qn, kn] = normWidths(a);
    if (n.qNorm) out.push([n.qNorm, [qn]], [n.kNorm!, [kn]]);
    return out;
  },
  async load(ckpt: Checkpoint, spec, names, linear) {
    const a = gqaSpec(spec);
    const n = gqaNames(names);
    const H = spec.hiddenSize;
    const qW = a.numHeads * a.headDim;
    const kW = a.numKvHeads * a.headDim;
    const vec = (name: string | undefined, len: number) => (name ? ckpt.readF32(name, [len]) : undefined);
    const [qn, kn] = normWidths(a);
    const qkvBias = n.qBias ? ckpt.readStacked([[n.qBias, [qW]], [n.kBias!, [kW]], [n.vBias!, [kW]]]) : undefined;
    const weights: GqaWeights = {
      qkv: await linear([[n.q, qW], [n.k, kW], [n.v, kW]], H, qkvBias),
      o: await linear([[n.o, H]], qW, vec(n.oBias, H)),
      qNorm: vec(n.qNorm, qn),
      kNorm: vec(n.kNorm, kn),
    };
    // q/k norms are RMSNorms with the model's norm eps (OLMoE, Qwen3-MoE)
    return new GqaLayer(a, weights, spec.norm.eps);
  },
  projections(spec, names) {
    const a = gqaSpec(spec);
    const n = gqaNames(names);
    const H = spec.hiddenSize;
    const q = a.numHeads * a.headDim;
    const kv = a.numKvHeads * a.headDim;
    return [[n.q, q, H], [n.k, kv, H], [n.v, kv, H], [n.o, H, q]];
  },
  newLayerKv(spec, capacity) {
    const a = gqaSpec(spec);
    return new GqaLayerKv(a.numKvHeads, a.headDim, a.headDim, capacity);
  },
  facts(spec) {
    const a = gqaSpec(spec);
    return { heads: a.numHeads, kvHeads: a.numKvHeads, headDim: a.headDim, qkNorm: a.qkNorm, slidingWindow: a.slidingWindow, extra: null };
  },
};
