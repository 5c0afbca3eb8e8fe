// A MoE layer's block-quantised routed experts as one onnxruntime QMoE node, so a forward pass runs
// one session per layer instead of one per selected expert: measured on the OLMoE shape (64 experts,
// 2048 -> 1024, top-8, 4-bit, 2 threads) 0.9-1.2 ms per decode token against 2.0-2.2 ms for eight
// expert sessions, and 198 against 251 ms for a 512-token prefill, with the same MatMulNBits kernels
// (outputs equal to 1e-7). The routing stays ours: the node's Top-K runs on a 0/1 mask of the experts
// we selected, and `router_weights` carries our mixing weights as they are (no softmax, no renormalisation).

import * as ort from 'onnxruntime-node';
import { blockBytes, BLOCK_SIZE, type BlockBits, type BlockMatrix } from './block-quant.js';
import { blockSessionOptions, DEFAULT_ACCURACY_LEVEL, INT8_ACCURACY_LEVEL } from './linear.js';
import { WeightsFile } from './onnx-graph.js';

/** One expert's SwiGLU matrices in blocks: gate and up [I, H], down [H, I]. */
export interface ExpertBlocks {
  gate: BlockMatrix;
  up: BlockMatrix;
  down: BlockMatrix;
}

export interface FusedShape {
  experts: number;
  topK: number;
  hidden: number;
  intermediate: number;
  bits: BlockBits;
}

/** QMoE reads whole blocks only: both matrix widths must be multiples of the block (tiny test shapes are not). */
export const canFuse = (hidden: number, intermediate: number): boolean => hidden % BLOCK_SIZE === 0 && intermediate % BLOCK_SIZE === 0;

export class FusedExperts {
  private constructor(private readonly session: ort.InferenceSession, private readonly shape: FusedShape) {}

  /**
   * Builds the layer's node from each expert's blocks, asked for one at a time (`blocksOf`) and
   * written straight to the weights file at the expert's place, so loading holds one expert's blocks,
   * never a layer's. A store passes each layer one of a few `file`s it reuses: rewriting pages is ~80x cheaper
   * than faulting in new memory here (226 MB: 11 ms refilled, 858 ms fresh), and fresh memory made
   * up most of a full-depth OLMoE's load (82 -> 41 s with the reuse). At int8 activations (the
   * default accuracy level) the built session has copied everything it runs and no longer reads the
   * file (checked by overwriting it, then by emptying it: outputs bit-equal), so the file is emptied
   * once the session exists (WeightsFile.discard), which drops onnxruntime's lingering maps from the
   * resident set; the next layer's writes take the freed pages again. Full-depth OLMoE q4: peak RSS
   * 5.31 vs 6.01 GiB; load 24.3-30.8 s (median 26.9, 8 loads) vs 22.7-28.6 s (median 23.0, 5 loads)
   * with the file kept until the end of loading, so it may cost a few seconds. Float32 activations
   * (accuracy level 0, tests) read the file at every run: they get a file of their own.
   */
  static async create(shape: FusedShape, blocksOf: (expert: number) => ExpertBlocks, threads: number, accuracyLevel = DEFAULT_ACCURACY_LEVEL, file?: WeightsFile): Promise<FusedExperts> {
    const { experts: E, hidden: H, intermediate: I, bits } = shape;
    if (!canFuse(H, I)) throw new Error(`FusedExperts: ${H}x${I} is not whole blocks of ${BLOCK_SIZE}`);
    const per = blockBytes(bits);
    const [bH, bI] = [H / BLOCK_SIZE, I / BLOCK_SIZE];
    const rowBytes = bH * per;
    const copies = accuracyLevel === INT8_ACCURACY_LEVEL;
    if (file && !copies) throw new Error(`FusedExperts: accuracy level ${accuracyLevel} reads its weights file at run time and cannot share one`);
    const own = file === undefined;
    const out = file ?? WeightsFile.open();
    try {
      out.rewind();
      const places = {
        fc1_q: out.reserve(E * 2 * I * rowBytes),
        fc1_s: out.reserve(E * 2 * I * bH * 4),
        fc2_q: out.reserve(E * H * bI * per),
        fc2_s: out.reserve(E * H * bI * 4),
      };
      // fc1 interleaves gate and up rows (QMoE's swiglu_fusion = 1): row 2r is gate r, row 2r+1 is up r
      const fc1q = new Uint8Array(2 * I * rowBytes);
      const fc1s = new Float32Array(2 * I * bH);
      for (let e = 0; e < E; e++) {
        const { gate, up, down } = blocksOf(e);
        for (let r = 0; r < I; r++) {
          const [a, b] = [r * rowBytes, r * bH];
          fc1q.set(gate.packed.subarray(a, a + rowBytes), 2 * a);
          fc1q.set(up.packed.subarray(a, a + rowBytes), 2 * a + rowBytes);
          fc1s.set(gate.scales.subarray(b, b + bH), 2 * b);
          fc1s.set(up.scales.subarray(b, b + bH), 2 * b + bH);
        }
        out.write(fc1q, places.fc1_q.offset + e * fc1q.byteLength);
        out.write(fc1s, places.fc1_s.offset + e * fc1s.byteLength);
        out.write(down.packed, places.fc2_q.offset + e * down.packed.byteLength);
        out.write(down.scales, places.fc2_s.offset + e * down.scales.byteLength);
      }
      const session = await out.session(
        {
          name: `qmoe${bits}`,
          inputs: [['x', ['t', H]], ['selected', ['t', E]], ['weights', ['t', E]]],
          outputs: [['y', ['t', H]]],
          placed: [
            { name: 'fc1_q', dims: [E, 2 * I, (H * bits) / 8], dtype: 'uint8' },
            { name: 'fc1_s', dims: [E, 2 * I, bH], dtype: 'float32' },
            { name: 'fc2_q', dims: [E, H, (I * bits) / 8], dtype: 'uint8' },
            { name: 'fc2_s', dims: [E, H, bI], dtype: 'float32' },
          ],
          nodes: [
            {
              op: 'QMoE',
              domain: 'com.microsoft',
              // inputs 4 and 7-13 (biases, fc3, zero points) are absent; 14 is router_weights
              inputs: ['x', 'selected', 'fc1_q', 'fc1_s', '', 'fc2_q', 'fc2_s', '', '', '', '', '', '', '', 'weights'],
              outputs: ['y'],
              attrs: {
                k: shape.topK,
                expert_weight_bits: bits,
                block_size: BLOCK_SIZE,
                accuracy_level: accuracyLevel,
                normalize_routing_weights: 0,
                // swiglu(g, u) = g·σ(α·g)·(u + β), g and u clamped at the limit: α = 1, β = 0 and no limit is SiLU(g)·u
                activation_type: { string: 'swiglu' },
                swiglu_fusion: 1,
                activation_alpha: { float: 1 },
                activation_beta: { float: 0 },
                swiglu_limit: { float: 3.4e38 },
              },
            },
          ],
        },
        new Map(Object.entries(places)),
        blockSessionOptions(threads, true),
      );
      if (copies) out.discard();
      return new FusedExperts(session, shape);
    } finally {
      if (own) out.close();
    }
  }

  /**
   * Σ_j weights[t·k+j] · expert_{selected[t·k+j]}(x_t) for the T rows of x [T, H]. The node skips
   * experts whose weight is not positive, so negative weights (no shipped router gives them, a
   * strategy might) run as a second pass over their magnitudes, subtracted.
   */
  async run(x: Float32Array, T: number, selected: Int32Array, weights: Float32Array): Promise<Float32Array> {
    const { experts: E, topK: k } = this.shape;
    const mask = new Float32Array(T * E);
    const positive = new Float32Array(T * E);
    let negative: Float32Array | undefined;
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < k; j++) {
        const at = t * E + selected[t * k + j];
        const w = weights[t * k + j];
        mask[at] = 1;
        if (w >= 0) positive[at] = w;
        else (negative ??= new Float32Array(T * E))[at] = -w;
      }
    }
    const y = await this.pass(x, T, mask, positive);
    if (negative) {
      const minus = await this.pass(x, T, mask, negative);
      for (let i = 0; i < y.length; i++) y[i] -= minus[i];
    }
    return y;
  }

  private async pass(x: Float32Array, T: number, mask: Float32Array, weights: Float32Array): Promise<Float32Array> {
    const { experts: E, hidden: H } = this.shape;
    const r = await this.session.run({
      x: new ort.Tensor('float32', x, [T, H]),
      selected: new ort.Tensor('float32', mask, [T, E]),
      weights: new ort.Tensor('float32', weights, [T, E]),
    });
    return r.y.data as Float32Array;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
