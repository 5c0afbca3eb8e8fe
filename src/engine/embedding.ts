// The token embedding table. A token looks up one row, so the table stays in the checkpoint and a
// lookup reads its row by byte range (4 KiB for a BF16 row of OLMoE's 2048): the largest dense tensor
// (as BF16, 206 MB for OLMoE's 50304 × 2048 and 622 MB for Qwen1.5-MoE's 151936 × 2048)
// costs the run no memory of its own, and the page cache serves tokens that come again. A read of
// 512 rows takes milliseconds beside a prefill's seconds. Rows are widened to float32 exactly.
// A tied float32 LM head multiplies the whole table, which then is held once for both.

import type { Checkpoint } from './checkpoint.js';
import { widenHalves, type StoredDtype } from './safetensors.js';

export interface Embedding {
  /** row `id` (already range-checked) as float32 into out[at, at + hidden) */
  lookup(id: number, out: Float32Array, at: number): void;
}

/** A float32 table held in memory: what a tied float32 LM head multiplies. */
export class Fp32Embedding implements Embedding {
  constructor(readonly data: Float32Array, private readonly hidden: number) {}
  lookup(id: number, out: Float32Array, at: number): void {
    out.set(this.data.subarray(id * this.hidden, (id + 1) * this.hidden), at);
  }
}

/** A table left in the checkpoint: each lookup reads one row. The checkpoint stays open while the model lives. */
class StoredEmbedding implements Embedding {
  private readonly rowBytes: number;
  private readonly halves: Uint16Array;

  constructor(private readonly ckpt: Checkpoint, private readonly name: string, private readonly dtype: StoredDtype, private readonly hidden: number) {
    this.rowBytes = hidden * (dtype === 'F32' ? 4 : 2);
    this.halves = new Uint16Array(dtype === 'F32' ? 0 : hidden);
  }

  lookup(id: number, out: Float32Array, at: number): void {
    const H = this.hidden;
    const row = out.subarray(at, at + H);
    if (this.dtype === 'F32') {
      this.ckpt.readSlice(this.name, id * this.rowBytes, new Uint8Array(row.buffer, row.byteOffset, this.rowBytes));
      return;
    }
    this.ckpt.readSlice(this.name, id * this.rowBytes, new Uint8Array(this.halves.buffer));
    widenHalves(this.dtype, this.halves, row);
  }
}

/** The table [vocab, hidden] as a lookup that reads its rows from the checkpoint (shape and dtype checked now). */
export function storedEmbedding(ckpt: Checkpoint, name: string, vocab: number, hidden: number): Embedding {
  ckpt.expectShape(name, [vocab, hidden]);
  return new StoredEmbedding(ckpt, name, ckpt.floatDtype(name), hidden);
}
