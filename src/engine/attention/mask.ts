// The additive causal mask of the attention kernels (0 = visible, -inf = hidden).

/** Additive mask [T, cap]: query t (position pos0 + t) sees slot j iff j <= pos0 + t and, with a window W, j > pos0 + t - W. */
export function causalMask(T: number, pos0: number, cap: number, window: number | null): Float32Array {
  const mask = new Float32Array(T * cap);
  for (let t = 0; t < T; t++) {
    const p = pos0 + t;
    const lo = window === null ? 0 : Math.max(0, p - window + 1);
    const row = mask.subarray(t * cap, (t + 1) * cap);
    row.fill(-Infinity);
    row.fill(0, lo, p + 1);
  }
  return mask;
}
