// The MLA layer cache (DeepSeek-V2): per position the RMS-normalised compressed latent [kv_lora_rank]
// and the rotated shared rope key k_pe [qk_rope_head_dim], row-major — (r + dr) values per token
// instead of heads·(dn + dr + dv) for expanded per-head K/V (576 vs 5120 for DeepSeek-V2-Lite). The
// latent is stored after kv_a_layernorm, which is per token, so nothing is recomputed per step;
// attention/mla.ts re-expands it (prefill) or absorbs kv_b_proj into q and the output (decode).

import type { LayerKv } from '../kv-cache.js';

export class MlaLayerKv implements LayerKv {
  /** [capacity, rank] */
  latent: Float32Array;
  /** [capacity, ropeDim] */
  kpe: Float32Array;

  constructor(readonly rank: number, readonly ropeDim: number, capacity: number) {
    this.latent = new Float32Array(capacity * rank);
    this.kpe = new Float32Array(capacity * ropeDim);
  }

  grow(cap: number, length: number): void {
    const latent = new Float32Array(cap * this.rank);
    latent.set(this.latent.subarray(0, length * this.rank));
    const kpe = new Float32Array(cap * this.ropeDim);
    kpe.set(this.kpe.subarray(0, length * this.ropeDim));
    this.latent = latent;
    this.kpe = kpe;
  }
}
