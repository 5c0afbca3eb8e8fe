// DeepSeek-V2 multi-head latent attention (HF modeling_deepseek_v2.py DeepseekV2Attention; moe_ref.py
// `mla_attention`) over the latent KV cache of attention/mla-kv.ts. Per call it runs the cheaper of
// two exact forms (same math, float32 rounding apart): "expanded" re-expands the cached latents with
// kv_b_proj (many queries: prefill), "absorbed" folds kv_b_proj into q and the output (few queries
// over a long cache: decode), following DeepSeek-V2's paper §2.1.2 on absorbing W_UK / W_UV.

import type * as ort from 'onnxruntime-node';
import type { Checkpoint } from '../checkpoint.js';
import { matrix, weightTensor, type Matrix } from '../kernels.js';
import type { Linear } from '../linear.js';
import type { LayerKv } from '../kv-cache.js';
import { rmsNormRow, rmsNormRows } from '../ops.js';
import type { AttentionNames, MlaAttentionNames, MlaAttentionSpec, ModelSpec } from '../spec.js';
import type { AttentionModule, AttentionStep, LayerAttention } from './attention.js';
import { causalMask } from './mask.js';
import { MlaLayerKv } from './mla-kv.js';

interface MlaWeights {
  /** q_proj (q_lora_rank null) or q_a_proj (+ bias) → q_a_layernorm → q_b_proj */
  q?: Linear;
  qA?: Linear;
  qANorm?: Float32Array;
  qB?: Linear;
  /** kv_a_proj_with_mqa (+ bias) */
  kvA: Linear;
  kvANorm: Float32Array;
  /** kv_b_proj [h·(dn+dv), r] for the expanded form: part of the attention product, kept float32 */
  kvB: Matrix;
  /** the same weights regrouped for the absorbed form: W_uk [h, dn, r] and W_uv^T [h, r, dv] */
  wuk: ort.Tensor;
  wuvT: ort.Tensor;
  o: Linear;
}

function mlaSpec(spec: ModelSpec): MlaAttentionSpec {
  if (spec.attention.kind !== 'mla') throw new Error(`mla attention module given a ${spec.attention.kind} spec`);
  return spec.attention;
}

function mlaNames(names: AttentionNames): MlaAttentionNames {
  if (names.kind !== 'mla') throw new Error(`mla attention module given ${names.kind} tensor names`);
  return names;
}

/** Multiply-adds of each form for t queries over l positions; the model runs the smaller. */
export function mlaCosts(a: MlaAttentionSpec, t: number, l: number): { absorbed: number; expanded: number } {
  const { numHeads: h, kvLoraRank: r, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv } = a;
  return {
    absorbed: h * t * r * (dn + dv) + h * t * l * (2 * r + dr),
    expanded: l * r * h * (dn + dv) + h * t * l * (dn + dr + dv),
  };
}

class MlaLayer implements LayerAttention {
  private readonly scale: Float32Array;

  constructor(private readonly a: MlaAttentionSpec, private readonly W: MlaWeights) {
    this.scale = Float32Array.of(a.scale);
  }

  async forward(x: Float32Array, T: number, pos0: number, layerKv: LayerKv, { kernels, rope }: AttentionStep): Promise<Float32Array> {
    const { a, W } = this;
    const kv = layerKv as MlaLayerKv;
    const { numHeads: h, kvLoraRank: r, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv, latentNormEps: eps } = a;
    const dq = dn + dr;
    let q: Float32Array; // [T, h·(dn+dr)]
    if (W.q) {
      q = await W.q.run(x, T);
    } else {
      const qa = await W.qA!.run(x, T);
      rmsNormRows(qa, a.qLoraRank!, W.qANorm!, eps);
      q = await W.qB!.run(qa, T);
    }
    // [T, r + dr] = [latent | k_pe]: the cache keeps RMSNorm(latent) and the rotated k_pe
    const ckv = await W.kvA.run(x, T);
    for (let t = 0; t < T; t++) {
      const p = pos0 + t;
      rmsNormRow(ckv, t * (r + dr), r, W.kvANorm, eps, kv.latent, p * r);
      kv.kpe.set(ckv.subarray(t * (r + dr) + r, (t + 1) * (r + dr)), p * dr);
    }
    rope.apply(kv.kpe, T, dr, 1, pos0, pos0 * dr);
    rope.apply(q, T, h * dq, h, pos0, dn, dq);

    // q [T, h, dn | dr] -> q_nope [h, T, dn] and q_pe [h, T, dr]
    const qn = new Float32Array(h * T * dn);
    const qr = new Float32Array(h * T * dr);
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < h; hh++) {
        const src = t * h * dq + hh * dq;
        qn.set(q.subarray(src, src + dn), (hh * T + t) * dn);
        qr.set(q.subarray(src + dn, src + dq), (hh * T + t) * dr);
      }
    }
    const l = pos0 + T;
    const mask = causalMask(T, pos0, l, null);
    const latent = kv.latent.subarray(0, l * r);
    const kpe = kv.kpe.subarray(0, l * dr);
    const dims = { heads: h, t: T, l, dn, dr, dv, rank: r, scale: this.scale };
    const cost = mlaCosts(a, T, l);
    const out =
      cost.absorbed <= cost.expanded
        ? await kernels.mlaAbsorbed(qn, qr, W.wuk, W.wuvT, latent, kpe, mask, dims)
        : await kernels.mlaExpanded(qn, qr, W.kvB, latent, kpe, mask, dims);
    return W.o.run(out, T);
  }

  async release(): Promise<void> {
    const W = this.W;
    await Promise.all([W.q, W.qA, W.qB, W.kvA, W.o].map((l) => l?.release()));
  }
}

/** kv_b_proj [h·(dn+dv), r] → W_uk [h, dn, r] (its key rows) and W_uv^T [h, r, dv] (its value rows, transposed). */
function absorbedWeights(kvB: Float32Array, h: number, dn: number, dv: number, r: number): { wuk: Float32Array; wuvT: Float32Array } {
  const wuk = new Float32Array(h * dn * r);
  const wuvT = new Float32Array(h * r * dv);
  for (let hh = 0; hh < h; hh++) {
    const base = hh * (dn + dv) * r;
    wuk.set(kvB.subarray(base, base + dn * r), hh * dn * r);
    for (let i = 0; i < dv; i++) {
      const row = base + (dn + i) * r;
      for (let j = 0; j < r; j++) wuvT[(hh * r + j) * dv + i] = kvB[row + j];
    }
  }
  return { wuk, wuvT };
}

export const mlaAttention: AttentionModule = {
  kind: 'mla',
  tensors(spec, names) {
    const a = mlaSpec(spec);
    const n = mlaNames(names);
    const H = spec.hiddenSize;
    const { numHeads: h, kvLoraRank: r, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv, qLoraRank: qr } = a;
    const out: [string, number[]][] = [];
    if (n.q) out.push([n.q, [h * (dn + dr), H]]);
    else {
      out.push([n.qA!, [qr!, H]], [n.qANorm!, [qr!]], [n.qB!, [h * (dn + dr), qr!]]);
      if (n.qABias) out.push([n.qABias, [qr!]]);
    }
    out.push([n.kvA, [r + dr, H]], [n.kvANorm, [r]], [n.kvB, [h * (dn + dv), r]], [n.o, [H, h * dv]]);
    if (n.kvABias) out.push([n.kvABias, [r + dr]]);
    if (n.oBias) out.push([n.oBias, [H]]);
    return out;
  },
  async load(ckpt: Checkpoint, spec, names, linear) {
    const a = mlaSpec(spec);
    const n = mlaNames(names);
    const H = spec.hiddenSize;
    const { numHeads: h, kvLoraRank: r, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv, qLoraRank: qr } = a;
    const proj = (name: string, rows: number, cols: number, biasName?: string) => linear([[name, rows]], cols, biasName ? ckpt.readF32(biasName, [rows]) : undefined);
    const kvB = matrix(ckpt.readF32(n.kvB, [h * (dn + dv), r]), h * (dn + dv), r);
    const { wuk, wuvT } = absorbedWeights(kvB.data, h, dn, dv, r);
    const weights: MlaWeights = {
      ...(n.q
        ? { q: await proj(n.q, h * (dn + dr), H) }
        : { qA: await proj(n.qA!, qr!, H, n.qABias), qANorm: ckpt.readF32(n.qANorm!, [qr!]), qB: await proj(n.qB!, h * (dn + dr), qr!) }),
      kvA: await proj(n.kvA, r + dr, H, n.kvABias),
      kvANorm: ckpt.readF32(n.kvANorm, [r]),
      kvB,
      wuk: weightTensor(wuk, [h, dn, r]),
      wuvT: weightTensor(wuvT, [h, r, dv]),
      o: await proj(n.o, H, h * dv, n.oBias),
    };
    return new MlaLayer(a, weights);
  },
  projections(spec, names) {
    const n = mlaNames(names);
    const { numHeads: h, kvLoraRank: r, qkNopeHeadDim: dn, qkRopeHeadDim: dr, vHeadDim: dv, qLoraRank: qr } = mlaSpec(spec);
    const H = spec.hiddenSize;
    const q: [string, number, number][] = n.q ? [[n.q, h * (dn + dr), H]] : [[n.qA!, qr!, H], [n.qB!, h * (dn + dr), qr!]];
    return [...q, [n.kvA, r + dr, H], [n.o, H, h * dv]];
  },
  newLayerKv(spec, capacity) {
    const a = mlaSpec(spec);
    return new MlaLayerKv(a.kvLoraRank, a.qkRopeHeadDim, capacity);
  },
  facts(spec) {
    const a = mlaSpec(spec);
    return {
      heads: a.numHeads,
      kvHeads: a.numHeads,
      headDim: a.qkNopeHeadDim + a.qkRopeHeadDim,
      qkNorm: 'none',
      slidingWindow: null,
      extra: {
        qLoraRank: a.qLoraRank,
        kvLoraRank: a.kvLoraRank,
        qkNopeHeadDim: a.qkNopeHeadDim,
        qkRopeHeadDim: a.qkRopeHeadDim,
        vHeadDim: a.vHeadDim,
        softmaxScale: a.scale,
        kvCache: 'latent: RMSNorm(kv_a latent) + rotated shared k_pe per token',
        kvCacheValuesPerTokenPerLayer: a.kvLoraRank + a.qkRopeHeadDim,
        expandedKvValuesPerTokenPerLayer: a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim),
      },
    };
  },
};
