// 4-bit block quantisation of routed experts (--quant q4, as on-device deployments store them), in the layout of onnxruntime's
// MatMulNBits contrib op: per output row, blocks of 32 inputs share one float scale; values are
// unsigned 4-bit q with the default zero point 8, w ≈ (q − 8)·scale, two values per byte, the even
// element in the low nibble. Symmetric rounding: scale = max|w| / 7 of the block.

export const Q4_BLOCK = 32;

export interface Q4Matrix {
  /** [rows, blocks, 16] packed nibbles */
  packed: Uint8Array;
  /** [rows · blocks] */
  scales: Float32Array;
  rows: number;
  cols: number;
  blocks: number;
}

/** Quantise a [rows, cols] float32 matrix (HF [out, in] layout); cols are zero-padded to whole blocks. */
export function quantizeQ4(w: Float32Array, rows: number, cols: number): Q4Matrix {
  const blocks = Math.ceil(cols / Q4_BLOCK);
  const packed = new Uint8Array(rows * blocks * (Q4_BLOCK / 2));
  const scales = new Float32Array(rows * blocks);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < blocks; b++) {
      const start = r * cols + b * Q4_BLOCK;
      const len = Math.min(Q4_BLOCK, cols - b * Q4_BLOCK);
      let max = 0;
      for (let i = 0; i < len; i++) max = Math.max(max, Math.abs(w[start + i]));
      const scale = max > 0 ? max / 7 : 1;
      scales[r * blocks + b] = scale;
      const out = (r * blocks + b) * (Q4_BLOCK / 2);
      for (let i = 0; i < Q4_BLOCK; i += 2) {
        const q0 = i < len ? clampNibble(Math.round(w[start + i] / scale) + 8) : 8;
        const q1 = i + 1 < len ? clampNibble(Math.round(w[start + i + 1] / scale) + 8) : 8;
        packed[out + i / 2] = q0 | (q1 << 4);
      }
    }
  }
  return { packed, scales, rows, cols, blocks };
}

const clampNibble = (q: number) => (q < 0 ? 0 : q > 15 ? 15 : q);

/** Bytes a q4 matrix occupies (packed nibbles + scales): what an offloaded q4 expert reads. */
export const q4Bytes = (rows: number, cols: number): number => rows * Math.ceil(cols / Q4_BLOCK) * (Q4_BLOCK / 2 + 4);
