// Element-wise and row-wise operations of the forward pass, in TypeScript (cheap next to the
// matrix products, which run in onnxruntime). Sums accumulate in float64.

/** RMSNorm of each row of width w (HF LlamaRMSNorm): y = x / sqrt(mean(x²) + eps) · weight. In place when out === x. */
export function rmsNormRows(x: Float32Array, width: number, weight: Float32Array, eps: number, out: Float32Array = x): Float32Array {
  const rows = x.length / width;
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let ss = 0;
    for (let i = 0; i < width; i++) ss += x[o + i] * x[o + i];
    const inv = 1 / Math.sqrt(ss / width + eps);
    for (let i = 0; i < width; i++) out[o + i] = x[o + i] * inv * weight[i];
  }
  return out;
}

/** RMSNorm of one row of width w read at x[xOff..] and written to out[outOff..] (rows inside wider rows, e.g. MLA's latent). */
export function rmsNormRow(x: Float32Array, xOff: number, width: number, weight: Float32Array, eps: number, out: Float32Array, outOff: number): void {
  let ss = 0;
  for (let i = 0; i < width; i++) ss += x[xOff + i] * x[xOff + i];
  const inv = 1 / Math.sqrt(ss / width + eps);
  for (let i = 0; i < width; i++) out[outOff + i] = x[xOff + i] * inv * weight[i];
}

/** LayerNorm of each row (PhiMoE nn.LayerNorm with weight and bias). */
export function layerNormRows(x: Float32Array, width: number, weight: Float32Array, bias: Float32Array, eps: number, out: Float32Array = x): Float32Array {
  const rows = x.length / width;
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let mean = 0;
    for (let i = 0; i < width; i++) mean += x[o + i];
    mean /= width;
    let v = 0;
    for (let i = 0; i < width; i++) v += (x[o + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / width + eps);
    for (let i = 0; i < width; i++) out[o + i] = (x[o + i] - mean) * inv * weight[i] + bias[i];
  }
  return out;
}

export function addInPlace(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

export function clampInPlace(a: Float32Array, limit: number): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i] > limit ? limit : a[i] < -limit ? -limit : a[i];
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function dot(a: Float32Array, aOffset: number, b: Float32Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aOffset + i] * b[i];
  return s;
}

/**
 * Rotary position embedding tables for given inverse frequencies (rope.ts derives them per rope
 * kind): angle = position · inv_j, cos / sin times `mult` (YaRN attention factor, LongRoPE mscale);
 * computed in float64 and grown on demand.
 */
export class RopeTable {
  private cos = new Float64Array(0);
  private sin = new Float64Array(0);
  private positions = 0;
  private readonly half: number;

  constructor(readonly dim: number, private readonly inv: Float64Array, private readonly interleaved: boolean, private readonly mult = 1) {
    this.half = dim / 2;
    if (inv.length !== this.half) throw new Error(`RopeTable: ${inv.length} inverse frequencies for ${dim} dims`);
  }

  private ensure(positions: number): void {
    if (positions <= this.positions) return;
    const n = Math.max(positions, this.positions * 2, 256);
    this.cos = new Float64Array(n * this.half);
    this.sin = new Float64Array(n * this.half);
    for (let p = 0; p < n; p++) {
      for (let j = 0; j < this.half; j++) {
        const a = p * this.inv[j];
        // mult === 1 leaves the default tables exactly as before
        this.cos[p * this.half + j] = this.mult === 1 ? Math.cos(a) : Math.cos(a) * this.mult;
        this.sin[p * this.half + j] = this.mult === 1 ? Math.sin(a) : Math.sin(a) * this.mult;
      }
    }
    this.positions = n;
  }

  /**
   * Rotate `heads` vectors of this.dim values for each of t tokens in place.
   * x: [t, stride] with head h of token i at i·stride + offset + h·dim.
   */
  apply(x: Float32Array, t: number, stride: number, heads: number, pos0: number, offset = 0, headStride = this.dim): void {
    this.ensure(pos0 + t);
    const half = this.half;
    for (let i = 0; i < t; i++) {
      const tab = (pos0 + i) * half;
      for (let h = 0; h < heads; h++) {
        const o = i * stride + offset + h * headStride;
        for (let j = 0; j < half; j++) {
          const c = this.cos[tab + j];
          const s = this.sin[tab + j];
          // rotate_half pairs (j, j + half); interleaved pairs (2j, 2j + 1)
          const a = this.interleaved ? o + 2 * j : o + j;
          const b = this.interleaved ? a + 1 : a + half;
          const x1 = x[a];
          const x2 = x[b];
          x[a] = x1 * c - x2 * s;
          x[b] = x2 * c + x1 * s;
        }
      }
    }
  }
}
