// Per-sequence attention cache: the bookkeeping every attention kind shares (length, capacity grown
// in steps, the token ids and the rope variant the cached positions were computed with) around one
// store per layer whose layout the attention kind owns (attention/gqa-kv.ts, attention/mla-kv.ts).
// Slots past the sequence are masked out or not read, which lets the capacity run ahead of the length.

const GROW_STEP = 64;

/** One layer's cached keys / values in the layout of its attention kind. */
export interface LayerKv {
  /** Reallocate for `capacity` positions, keeping the first `length`. */
  grow(capacity: number, length: number): void;
}

export class KvCache {
  /** tokens currently in the cache */
  length = 0;
  capacity: number;
  readonly layers: LayerKv[];
  /** token ids of the cached positions (a rope switch recomputes them) */
  tokens: Int32Array;
  /** rope variant (rope.ts RopeSchedule) the cached positions were computed with; -1 = none yet */
  ropeVariant = -1;

  constructor(capacity: number, newLayers: (capacity: number) => LayerKv[]) {
    this.capacity = roundUp(Math.max(1, capacity));
    this.layers = newLayers(this.capacity);
    this.tokens = new Int32Array(this.capacity);
  }

  /** Make room for `total` positions, keeping what is cached. */
  ensure(total: number): void {
    if (total <= this.capacity) return;
    const cap = roundUp(Math.max(total, this.capacity + GROW_STEP));
    for (const layer of this.layers) layer.grow(cap, this.length);
    const tokens = new Int32Array(cap);
    tokens.set(this.tokens.subarray(0, this.length));
    this.tokens = tokens;
    this.capacity = cap;
  }

  /** Forget everything after `length` tokens (used to score several continuations of one context). */
  truncate(length: number): void {
    if (length > this.length) throw new Error(`truncate(${length}) beyond cached length ${this.length}`);
    this.length = length;
  }
}

const roundUp = (n: number) => Math.ceil(n / GROW_STEP) * GROW_STEP;
