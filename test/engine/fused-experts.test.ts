// The fused layer of block-quantised experts (one QMoE node) against an independent float64
// reference: the blocks dequantised by hand from the documented layout (w = (q − 2^(b−1))·scale),
// then Σ_j w_j · down(SiLU(gate·x) ⊙ up·x) over the experts we selected, with our weights as given.

import { describe, expect, it } from 'vitest';
import { quantizeBlocks, type BlockBits, type BlockMatrix } from '../../src/engine/block-quant.js';
import { canFuse, FusedExperts, type ExpertBlocks } from '../../src/engine/fused-experts.js';
import { WeightsFile } from '../../src/engine/onnx-graph.js';
import { blockSwigluSession } from '../../src/engine/routed-expert.js';
import * as ort from 'onnxruntime-node';

// whole blocks of 128: two along the hidden width, one along the intermediate
const [E, k, H, I, T] = [6, 3, 256, 128, 5];

function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
}

/** Dequantises one block matrix by the layout's formula, independently of the engine. */
function dequantize(m: BlockMatrix): Float64Array {
  const out = new Float64Array(m.rows * m.cols);
  const per = (128 * m.bits) / 8;
  const zero = 1 << (m.bits - 1);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const b = Math.floor(c / 128);
      const i = c % 128;
      const byte = m.packed[(r * m.blocks + b) * per + (m.bits === 8 ? i : i >> 1)];
      const q = m.bits === 8 ? byte : i % 2 === 0 ? byte & 15 : byte >> 4;
      out[r * m.cols + c] = (q - zero) * m.scales[r * m.blocks + b];
    }
  }
  return out;
}

const matvec = (w: Float64Array, rows: number, cols: number, x: ArrayLike<number>) =>
  Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += w[r * cols + c] * x[c];
    return s;
  });

function reference(experts: ExpertBlocks[], x: Float32Array, selected: Int32Array, weights: Float32Array): Float64Array {
  const deq = experts.map((e) => ({ gate: dequantize(e.gate), up: dequantize(e.up), down: dequantize(e.down) }));
  const out = new Float64Array(T * H);
  for (let t = 0; t < T; t++) {
    const xt = x.subarray(t * H, (t + 1) * H);
    for (let j = 0; j < k; j++) {
      const d = deq[selected[t * k + j]];
      const g = matvec(d.gate, I, H, xt);
      const u = matvec(d.up, I, H, xt);
      const y = matvec(d.down, H, I, g.map((v, i) => (v / (1 + Math.exp(-v))) * u[i]));
      for (let h = 0; h < H; h++) out[t * H + h] += weights[t * k + j] * y[h];
    }
  }
  return out;
}

function layer(bits: BlockBits, seed: number = bits) {
  const rnd = random(seed);
  const mat = (rows: number, cols: number) => quantizeBlocks(Float32Array.from({ length: rows * cols }, () => rnd() * 0.3), rows, cols, bits);
  const experts = Array.from({ length: E }, () => ({ gate: mat(I, H), up: mat(I, H), down: mat(H, I) }));
  const x = Float32Array.from({ length: T * H }, () => rnd());
  // selections no top-k of any score would give, weights that do not sum to 1 (one negative)
  const selected = Int32Array.from([5, 0, 3, 1, 2, 4, 0, 5, 1, 3, 4, 2, 2, 3, 0]);
  const weights = Float32Array.from([0.1, 0.05, 0.3, 0.9, 0.01, 0.2, 0.5, 0.5, 0.5, -0.25, 0.6, 0.1, 0.33, 0.33, 0.33]);
  return { experts, x, selected, weights };
}

describe('fused block-quantised experts (QMoE)', () => {
  it('needs whole blocks in both widths', () => {
    expect(canFuse(256, 128)).toBe(true);
    expect(canFuse(256, 192)).toBe(false);
    expect(canFuse(320, 128)).toBe(false);
  });

  // onnxruntime's QMoE has no float32-activation kernel for 8-bit weights (int8 at every accuracy
  // level), so float32 activations are checked at 4 bits, the int8 path at both
  it('4-bit, accuracy level 0 (float32 activations): equals the hand-dequantised float64 mixture with our selection and weights (one negative)', async () => {
    const { experts, x, selected, weights } = layer(4);
    const fused = await FusedExperts.create({ experts: E, topK: k, hidden: H, intermediate: I, bits: 4 }, (e) => experts[e], 1, 0);
    const y = await fused.run(x, T, selected, weights);
    const ref = reference(experts, x, selected, weights);
    const scale = Math.max(...ref.map(Math.abs));
    for (let i = 0; i < ref.length; i++) expect(Math.abs(y[i] - ref[i])).toBeLessThan(1e-5 * scale);
    await fused.release();
  });

  it('layers built over one weights file run their own weights after the file is emptied and refilled by the next', async () => {
    const shape = { experts: E, topK: k, hidden: H, intermediate: I, bits: 4 } as const;
    const [a, b] = [layer(4, 11), layer(4, 12)];
    const file = WeightsFile.open();
    try {
      const first = await FusedExperts.create(shape, (e) => a.experts[e], 1, undefined, file);
      const second = await FusedExperts.create(shape, (e) => b.experts[e], 1, undefined, file);
      const alone = await FusedExperts.create(shape, (e) => a.experts[e], 1);
      const y = await first.run(a.x, T, a.selected, a.weights);
      expect(y).toEqual(await alone.run(a.x, T, a.selected, a.weights));
      expect(y).not.toEqual(await second.run(a.x, T, a.selected, a.weights));
      await Promise.all([first.release(), second.release(), alone.release()]);
    } finally {
      file.close();
    }
  });

  it('float32 activations, which read the weights file at run time, refuse a shared one', async () => {
    const { experts } = layer(4);
    const file = WeightsFile.open();
    try {
      await expect(FusedExperts.create({ experts: E, topK: k, hidden: H, intermediate: I, bits: 4 }, (e) => experts[e], 1, 0, file)).rejects.toThrow(/cannot share/);
    } finally {
      file.close();
    }
  });

  for (const bits of [4, 8] as const) {
    it(`${bits}-bit, int8 activations (the default): equals the expert sessions run one by one`, async () => {
      const { experts, x, selected, weights } = layer(bits);
      const fused = await FusedExperts.create({ experts: E, topK: k, hidden: H, intermediate: I, bits }, (e) => experts[e], 1);
      const y = await fused.run(x, T, selected, weights);
      const out = new Float64Array(T * H);
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < k; j++) {
          const e = experts[selected[t * k + j]];
          const s = await blockSwigluSession(e.gate, e.up, e.down, H, 4, 1);
          const r = (await s.run({ x: new ort.Tensor('float32', x.slice(t * H, (t + 1) * H), [1, H]) })).y.data as Float32Array;
          for (let h = 0; h < H; h++) out[t * H + h] += weights[t * k + j] * r[h];
          await s.release();
        }
      }
      const scale = Math.max(...out.map(Math.abs));
      for (let i = 0; i < out.length; i++) expect(Math.abs(y[i] - out[i])).toBeLessThan(1e-5 * scale);
      // and int8 activations stay near the float64 reference (the q8 / q4 error is the weights')
      const ref = reference(experts, x, selected, weights);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(y[i] - ref[i])).toBeLessThan(0.02 * scale);
      await fused.release();
    });
  }
});
