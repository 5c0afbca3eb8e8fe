// Matrix kernels through onnxruntime-node: one InferenceSession per graph shape, reused for every
// layer and expert (weights are inputs, passed zero-copy). Weights keep HF's [out, in] layout and
// run as Gemm with transB=1: MLAS's M=1 kernel for that layout measured ~2x faster than MatMul
// on a pre-transposed [in, out] matrix on this CPU, and no transpose copy is needed at load.

import * as ort from 'onnxruntime-node';
import { buildModel, type GraphDef } from './onnx-graph.js';

/** A weight matrix in HF layout [rows = out features, cols = in features]. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly tensor: ort.Tensor;
}

export function matrix(data: Float32Array, rows: number, cols: number): Matrix {
  if (data.length !== rows * cols) throw new Error(`matrix: ${data.length} values for [${rows}, ${cols}]`);
  return { data, rows, cols, tensor: new ort.Tensor('float32', data, [rows, cols]) };
}

export function vectorTensor(data: Float32Array): ort.Tensor {
  return new ort.Tensor('float32', data, [data.length]);
}

const gemm = (a: string, b: string, out: string, bias?: string) => ({ op: 'Gemm', inputs: bias ? [a, b, bias] : [a, b], outputs: [out], attrs: { transB: 1 } });

const GRAPHS: Record<string, GraphDef> = {
  linear: {
    name: 'linear',
    inputs: [['x', ['m', 'k']], ['w', ['n', 'k']]],
    outputs: [['y', ['m', 'n']]],
    nodes: [gemm('x', 'w', 'y')],
  },
  linearBias: {
    name: 'linear_bias',
    inputs: [['x', ['m', 'k']], ['w', ['n', 'k']], ['b', ['n']]],
    outputs: [['y', ['m', 'n']]],
    nodes: [gemm('x', 'w', 'y', 'b')],
  },
  // down(silu(gate(x)) * up(x))
  swiglu: {
    name: 'swiglu',
    inputs: [['x', ['m', 'h']], ['wg', ['i', 'h']], ['wu', ['i', 'h']], ['wd', ['h', 'i']]],
    outputs: [['y', ['m', 'h']]],
    nodes: [
      gemm('x', 'wg', 'g'),
      gemm('x', 'wu', 'u'),
      { op: 'Sigmoid', inputs: ['g'], outputs: ['sg'] },
      { op: 'Mul', inputs: ['g', 'sg'], outputs: ['act'] },
      { op: 'Mul', inputs: ['act', 'u'], outputs: ['hid'] },
      gemm('hid', 'wd', 'y'),
    ],
  },
  // Causal attention over a KV cache. Query head h = g·rep + r reads KV head g: q is laid out
  // [kvHeads, rep, t, dk] and broadcast against K^T [kvHeads, 1, dk, cap] and V [kvHeads, 1, cap, dv].
  // The mask is additive [t, cap]: 0 where visible, -inf elsewhere (future, outside the sliding
  // window, or cache slots not yet written), so the cache can be larger than the sequence.
  attention: {
    name: 'attention',
    inputs: [['q', ['g', 'r', 't', 'dk']], ['kT', ['g', 1, 'dk', 'c']], ['v', ['g', 1, 'c', 'dv']], ['mask', ['t', 'c']], ['scale', [1]]],
    outputs: [['y', ['t', 'hv']]],
    constants: { flat: { int64: [0, -1] } },
    nodes: [
      { op: 'MatMul', inputs: ['q', 'kT'], outputs: ['s'] },
      { op: 'Mul', inputs: ['s', 'scale'], outputs: ['ss'] },
      { op: 'Add', inputs: ['ss', 'mask'], outputs: ['sm'] },
      { op: 'Softmax', inputs: ['sm'], outputs: ['p'], attrs: { axis: -1 } },
      { op: 'MatMul', inputs: ['p', 'v'], outputs: ['o'] },
      { op: 'Transpose', inputs: ['o'], outputs: ['ot'], attrs: { perm: [2, 0, 1, 3] } },
      { op: 'Reshape', inputs: ['ot', 'flat'], outputs: ['y'] },
    ],
  },
};

export interface KernelOptions {
  /** intra-op threads of every session (default: 2, this machine's cores) */
  threads?: number;
}

export class Kernels {
  private constructor(private readonly sessions: Record<keyof typeof GRAPHS, ort.InferenceSession>) {}

  static async create(opts: KernelOptions = {}): Promise<Kernels> {
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.threads ?? 2,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const entries = await Promise.all(
      Object.entries(GRAPHS).map(async ([k, def]) => [k, await ort.InferenceSession.create(buildModel(def), options)] as const),
    );
    return new Kernels(Object.fromEntries(entries) as Record<keyof typeof GRAPHS, ort.InferenceSession>);
  }

  /** y[m, out] = x[m, in] · W^T (+ b) */
  async linear(x: Float32Array, m: number, w: Matrix, bias?: ort.Tensor): Promise<Float32Array> {
    const xt = new ort.Tensor('float32', x, [m, w.cols]);
    const r = bias
      ? await this.sessions.linearBias.run({ x: xt, w: w.tensor, b: bias })
      : await this.sessions.linear.run({ x: xt, w: w.tensor });
    return r.y.data as Float32Array;
  }

  /** SwiGLU MLP of one expert (or a dense / shared MLP) on m rows: [m, hidden] -> [m, hidden] */
  async swiglu(x: Float32Array, m: number, gate: Matrix, up: Matrix, down: Matrix): Promise<Float32Array> {
    const r = await this.sessions.swiglu.run({ x: new ort.Tensor('float32', x, [m, gate.cols]), wg: gate.tensor, wu: up.tensor, wd: down.tensor });
    return r.y.data as Float32Array;
  }

  /**
   * Attention of t queries over a cache of `cap` slots.
   * q: [kvHeads, rep, t, dk]; kT: [kvHeads, dk, cap]; v: [kvHeads, cap, dv]; mask: [t, cap] -> [t, heads·dv]
   */
  async attention(q: Float32Array, kT: Float32Array, v: Float32Array, mask: Float32Array, d: { kvHeads: number; rep: number; t: number; dk: number; dv: number; cap: number; scale: Float32Array }): Promise<Float32Array> {
    const r = await this.sessions.attention.run({
      q: new ort.Tensor('float32', q, [d.kvHeads, d.rep, d.t, d.dk]),
      kT: new ort.Tensor('float32', kT, [d.kvHeads, 1, d.dk, d.cap]),
      v: new ort.Tensor('float32', v, [d.kvHeads, 1, d.cap, d.dv]),
      mask: new ort.Tensor('float32', mask, [d.t, d.cap]),
      scale: new ort.Tensor('float32', d.scale, [1]),
    });
    return r.y.data as Float32Array;
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }
}
