// The token embedding table. A token looks up one row, so a BF16 table stays BF16 (half of float32:
// 206 MB less for OLMoE's 50304 × 2048) and is widened row by row, exactly: a BF16 value is the top
// half of its float32. Other dtypes are widened once at load.

import type { Checkpoint } from './checkpoint.js';

export interface Embedding {
  /** row `id` (already range-checked) as float32 into out[at, at + hidden) */
  lookup(id: number, out: Float32Array, at: number): void;
}

/** A float32 table: also what a tied float32 LM head multiplies. */
export class Fp32Embedding implements Embedding {
  constructor(readonly data: Float32Array, private readonly hidden: number) {}
  lookup(id: number, out: Float32Array, at: number): void {
    out.set(this.data.subarray(id * this.hidden, (id + 1) * this.hidden), at);
  }
}

class Bf16Embedding implements Embedding {
  constructor(private readonly data: Uint16Array, private readonly hidden: number) {}
  lookup(id: number, out: Float32Array, at: number): void {
    const H = this.hidden;
    const widened = new Uint32Array(out.buffer, out.byteOffset + at * 4, H);
    const row = id * H;
    for (let i = 0; i < H; i++) widened[i] = this.data[row + i] << 16;
  }
}

/** The table [vocab, hidden] as stored when that is BF16, else widened to float32. */
export function readEmbedding(ckpt: Checkpoint, name: string, vocab: number, hidden: number): Embedding {
  if (ckpt.info(name).dtype !== 'BF16') return new Fp32Embedding(ckpt.readF32(name, [vocab, hidden]), hidden);
  ckpt.expectShape(name, [vocab, hidden]);
  const bytes = ckpt.readBytes(name);
  return new Bf16Embedding(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2), hidden);
}
