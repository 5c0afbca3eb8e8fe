// The GQA layer cache: K stored transposed per KV head ([kvHeads, dk, capacity]) and V as
// [kvHeads, capacity, dv], so the attention kernel reads both without a copy.

import type { LayerKv } from '../kv-cache.js';

export class GqaLayerKv implements LayerKv {
  kT: Float32Array;
  v: Float32Array;

  constructor(readonly kvHeads: number, readonly dk: number, readonly dv: number, public capacity: number) {
    this.kT = new Float32Array(kvHeads * dk * capacity);
    this.v = new Float32Array(kvHeads * capacity * dv);
  }

  grow(cap: number, length: number): void {
    const { kvHeads: G, dk, dv } = this;
    const kT = new Float32Array(G * dk * cap);
    for (let r = 0; r < G * dk; r++) kT.set(this.kT.subarray(r * this.capacity, r * this.capacity + length), r * cap);
    const v = new Float32Array(G * cap * dv);
    for (let g = 0; g < G; g++) v.set(this.v.subarray(g * this.capacity * dv, (g * this.capacity + length) * dv), g * cap * dv);
    this.kT = kT;
    this.v = v;
    this.capacity = cap;
  }

  /** Store k [T, kvHeads·dk] and v [T, kvHeads·dv] at positions pos0.. */
  write(k: Float32Array, v: Float32Array, T: number, pos0: number): void {
    const { kvHeads: G, dk, dv, capacity: cap } = this;
    const kT = this.kT;
    const vv = this.v;
    for (let t = 0; t < T; t++) {
      const p = pos0 + t;
      for (let g = 0; g < G; g++) {
        const src = t * G * dk + g * dk;
        const dst = g * dk * cap + p;
        for (let d = 0; d < dk; d++) kT[dst + d * cap] = k[src + d];
        vv.set(v.subarray(t * G * dv + g * dv, t * G * dv + (g + 1) * dv), (g * cap + p) * dv);
      }
    }
  }
}
