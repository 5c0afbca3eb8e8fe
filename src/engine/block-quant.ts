// Block quantisation of weight matrices (--quant / --precision q8 and q4, as on-device deployments
// store them), in the layout of onnxruntime's MatMulNBits contrib op: per output row, blocks of
// BLOCK_SIZE inputs share one float scale; values are unsigned b-bit q with the default zero point 2^(b-1),
// w ≈ (q − 2^(b-1))·scale. 4-bit: two values per byte, the even element in the low nibble; 8-bit: one
// per byte. Symmetric rounding: scale = max|w| / (2^(b-1) − 1) of the block.

/**
 * Inputs per block. 128, the group size of GPTQ / AWQ int4 checkpoints, rather than llama.cpp Q4_0's
 * 32: onnxruntime's int8-activation kernels run 4-bit blocks of 128 about twice as fast here (a
 * [512, 2048] x [2048, 6144] MatMulNBits 23 against 50 ms; a 64-expert OLMoE QMoE layer on 512 tokens
 * 112 against 214 ms, one token 0.45 against 1.0 ms; 8-bit 22 against 28 ms), and a scale per 128
 * weights stores 4.25 bits a weight instead of 5. The price is a coarser scale (docs/precision.md).
 */
export const BLOCK_SIZE = 128;
export type BlockBits = 4 | 8;

/** The block precisions by name (--precision, --quant, stored checkpoints) and their bits per weight. */
export const BLOCK_BITS = { q8: 8, q4: 4 } as const satisfies Record<string, BlockBits>;
export type BlockPrecision = keyof typeof BLOCK_BITS;

/** What messages call a block precision. */
export const BLOCK_PRECISION_NAMES: Record<BlockPrecision, string> = { q8: '8-bit blocks', q4: '4-bit blocks' };

/** Bytes per weight of a block precision (packed values + one float scale per block). */
export const blockBytesPerWeight = (p: BlockPrecision): number => BLOCK_BITS[p] / 8 + 4 / BLOCK_SIZE;

export interface BlockMatrix {
  bits: BlockBits;
  /** [rows, blocks, BLOCK_SIZE·bits/8] packed values */
  packed: Uint8Array;
  /** [rows · blocks] */
  scales: Float32Array;
  rows: number;
  cols: number;
  blocks: number;
}


/** Bytes of one block's packed values. */
export const blockBytes = (bits: BlockBits): number => (BLOCK_SIZE * bits) / 8;

/** Quantise a [rows, cols] float32 matrix (HF [out, in] layout); cols are zero-padded to whole blocks. */
export function quantizeBlocks(w: Float32Array, rows: number, cols: number, bits: BlockBits): BlockMatrix {
  const blocks = Math.ceil(cols / BLOCK_SIZE);
  const per = blockBytes(bits);
  const zero = 1 << (bits - 1);
  const qmax = zero - 1;
  const top = 2 * zero - 1;
  const packed = new Uint8Array(rows * blocks * per);
  const scales = new Float32Array(rows * blocks);
  // one block's values, zero-padded past the row's end; a plain loop over it (no closures) keeps
  // this at ~10^8 weights per second, which a real-size LM head needs at every load
  const q = new Uint8Array(BLOCK_SIZE);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < blocks; b++) {
      const start = r * cols + b * BLOCK_SIZE;
      const len = Math.min(BLOCK_SIZE, cols - b * BLOCK_SIZE);
      let max = 0;
      for (let i = 0; i < len; i++) {
        const a = Math.abs(w[start + i]);
        if (a > max) max = a;
      }
      const scale = max > 0 ? max / qmax : 1;
      scales[r * blocks + b] = scale;
      for (let i = 0; i < BLOCK_SIZE; i++) {
        let v = i < len ? Math.round(w[start + i] / scale) + zero : zero;
        if (v < 0) v = 0;
        else if (v > top) v = top;
        q[i] = v;
      }
      const out = (r * blocks + b) * per;
      if (bits === 8) packed.set(q, out);
      else for (let i = 0; i < BLOCK_SIZE; i += 2) packed[out + (i >> 1)] = q[i] | (q[i + 1] << 4);
    }
  }
  return { bits, packed, scales, rows, cols, blocks };
}

export const quantizeQ4 = (w: Float32Array, rows: number, cols: number): BlockMatrix => quantizeBlocks(w, rows, cols, 4);

/** Bytes a block-quantised matrix occupies (packed values + scales): what it holds and an offloaded read costs. */
export const blockMatrixBytes = (rows: number, cols: number, bits: BlockBits): number => rows * Math.ceil(cols / BLOCK_SIZE) * (blockBytes(bits) + 4);
export const q4Bytes = (rows: number, cols: number): number => blockMatrixBytes(rows, cols, 4);
