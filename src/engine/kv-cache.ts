// Per-sequence attention cache. K is stored transposed per KV head ([kvHeads, dk, capacity]) and V
// as [kvHeads, capacity, dv], so the attention kernel reads both without a copy; slots past the
// sequence are masked out, which lets the capacity run ahead of the length in steps.

const GROW_STEP = 64;

export class KvCache {
  /** tokens currently in the cache */
  length = 0;
  capacity: number;
  kT: Float32Array[];
  v: Float32Array[];

  constructor(readonly layers: number, readonly kvHeads: number, readonly dk: number, readonly dv: number, capacity: number) {
    this.capacity = roundUp(Math.max(1, capacity));
    this.kT = Array.from({ length: layers }, () => new Float32Array(kvHeads * dk * this.capacity));
    this.v = Array.from({ length: layers }, () => new Float32Array(kvHeads * this.capacity * dv));
  }

  /** Make room for `total` positions, keeping what is cached. */
  ensure(total: number): void {
    if (total <= this.capacity) return;
    const cap = roundUp(Math.max(total, this.capacity + GROW_STEP));
    const { kvHeads: G, dk, dv } = this;
    for (let l = 0; l < this.layers; l++) {
      const kT = new Float32Array(G * dk * cap);
      for (let r = 0; r < G * dk; r++) kT.set(this.kT[l].subarray(r * this.capacity, r * this.capacity + this.length), r * cap);
      const v = new Float32Array(G * cap * dv);
      for (let g = 0; g < G; g++) v.set(this.v[l].subarray(g * this.capacity * dv, (g * this.capacity + this.length) * dv), g * cap * dv);
      this.kT[l] = kT;
      this.v[l] = v;
    }
    this.capacity = cap;
  }

  /** Store k [T, kvHeads·dk] and v [T, kvHeads·dv] of layer at positions pos0.. */
  write(layer: number, k: Float32Array, v: Float32Array, T: number, pos0: number): void {
    const { kvHeads: G, dk, dv, capacity: cap } = this;
    const kT = this.kT[layer];
    const vv = this.v[layer];
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

  /** Forget everything after `length` tokens (used to score several continuations of one context). */
  truncate(length: number): void {
    if (length > this.length) throw new Error(`truncate(${length}) beyond cached length ${this.length}`);
    this.length = length;
  }
}

const roundUp = (n: number) => Math.ceil(n / GROW_STEP) * GROW_STEP;
