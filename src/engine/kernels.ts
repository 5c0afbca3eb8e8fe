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

/** A weight of another shape (e.g. per-head stacks [heads, rows, cols]), passed zero-copy. */
export function weightTensor(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

const gemm = (a: string, b: string, out: string, bias?: string) => ({ op: 'Gemm', inputs: bias ? [a, b, bias] : [a, b], outputs: [out], attrs: { transB: 1 } });

/**
 * down(silu(gate(x)) * up(x)) with gate and up stacked as gu [2I, H] (SwigluWeights): one GEMM,
 * then Split into halves. `tag` keeps node outputs unique when a graph holds several.
 */
function swigluNodes(x: string, gu: string, d: string, out: string, tag: string): GraphDef['nodes'] {
  return [
    gemm(x, gu, `h${tag}`),
    { op: 'Split', inputs: [`h${tag}`], outputs: [`a${tag}`, `b${tag}`], attrs: { axis: 1 } },
    { op: 'Sigmoid', inputs: [`a${tag}`], outputs: [`s${tag}`] },
    { op: 'Mul', inputs: [`a${tag}`, `s${tag}`], outputs: [`c${tag}`] },
    { op: 'Mul', inputs: [`c${tag}`, `b${tag}`], outputs: [`e${tag}`] },
    gemm(`e${tag}`, d, out),
  ];
}

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
  swiglu: {
    name: 'swiglu',
    inputs: [['x', ['m', 'h']], ['gu', ['i2', 'h']], ['d', ['h', 'i']]],
    outputs: [['y', ['m', 'h']]],
    nodes: swigluNodes('x', 'gu', 'd', 'y', ''),
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
  // DeepSeek-V2 MLA over the latent cache (attention/mla.ts), "absorbed": kv_b_proj's key half is
  // folded into q (q_nope·W_uk per head) and its value half applied after attention, so the cache is
  // read as one shared head of [latent | k_pe]: scores = (q_nope·W_uk)·c + q_pe·k_pe. Cheapest for
  // few queries over a long cache (decode). c [l, r] and kpe [l, dr] are row-major cache prefixes.
  mlaAbsorbed: {
    name: 'mla_absorbed',
    inputs: [['qn', ['h', 't', 'dn']], ['qr', ['h', 't', 'dr']], ['wuk', ['h', 'dn', 'r']], ['wuvT', ['h', 'r', 'dv']], ['c', ['l', 'r']], ['kpe', ['l', 'dr']], ['mask', ['t', 'l']], ['scale', [1]]],
    outputs: [['y', ['t', 'hv']]],
    constants: { flat: { int64: [0, -1] }, i0: { int64: [0] }, i2: { int64: [2] }, m1: { int64: [-1] } },
    nodes: [
      { op: 'MatMul', inputs: ['qn', 'wuk'], outputs: ['qa'] },
      { op: 'Flatten', inputs: ['qa'], outputs: ['qa2'], attrs: { axis: 2 } },
      { op: 'Flatten', inputs: ['qr'], outputs: ['qr2'], attrs: { axis: 2 } },
      gemm('qa2', 'c', 's1'),
      gemm('qr2', 'kpe', 's2'),
      { op: 'Add', inputs: ['s1', 's2'], outputs: ['s'] },
      { op: 'Shape', inputs: ['qn'], outputs: ['shp'] },
      { op: 'Slice', inputs: ['shp', 'i0', 'i2'], outputs: ['ht'] },
      { op: 'Concat', inputs: ['ht', 'm1'], outputs: ['htl'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['s', 'htl'], outputs: ['s3'] },
      { op: 'Mul', inputs: ['s3', 'scale'], outputs: ['ss'] },
      { op: 'Add', inputs: ['ss', 'mask'], outputs: ['sm'] },
      { op: 'Softmax', inputs: ['sm'], outputs: ['p'], attrs: { axis: -1 } },
      { op: 'MatMul', inputs: ['p', 'c'], outputs: ['ol'] },
      { op: 'MatMul', inputs: ['ol', 'wuvT'], outputs: ['o'] },
      { op: 'Transpose', inputs: ['o'], outputs: ['ot'], attrs: { perm: [1, 0, 2] } },
      { op: 'Reshape', inputs: ['ot', 'flat'], outputs: ['y'] },
    ],
  },
  // The same attention "expanded": kv_b_proj re-expands every cached latent into per-head
  // [k_nope | v], then ordinary attention with the shared k_pe. Cheapest for many queries (prefill).
  mlaExpanded: {
    name: 'mla_expanded',
    inputs: [['qn', ['h', 't', 'dn']], ['qr', ['h', 't', 'dr']], ['wkvb', ['n', 'r']], ['c', ['l', 'r']], ['kpe', ['l', 'dr']], ['mask', ['t', 'l']], ['scale', [1]]],
    outputs: [['y', ['t', 'hv']]],
    constants: { flat: { int64: [0, -1] }, i0: { int64: [0] }, i1: { int64: [1] }, i2: { int64: [2] }, i3: { int64: [3] }, m1: { int64: [-1] }, end: { int64: [1 << 30] } },
    nodes: [
      gemm('c', 'wkvb', 'kv'),
      { op: 'Shape', inputs: ['qn'], outputs: ['shp'] },
      { op: 'Slice', inputs: ['shp', 'i0', 'i1'], outputs: ['hd'] },
      { op: 'Slice', inputs: ['shp', 'i2', 'i3'], outputs: ['dn'] },
      // [l, h·(dn+dv)] -> [l, h, dn+dv] (Reshape's 0 keeps l)
      { op: 'Concat', inputs: ['i0', 'hd', 'm1'], outputs: ['lhx'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['kv', 'lhx'], outputs: ['kv3'] },
      { op: 'Slice', inputs: ['kv3', 'i0', 'dn', 'i2'], outputs: ['kn'] },
      { op: 'Slice', inputs: ['kv3', 'dn', 'end', 'i2'], outputs: ['vv'] },
      { op: 'Transpose', inputs: ['kn'], outputs: ['knT'], attrs: { perm: [1, 2, 0] } },
      { op: 'MatMul', inputs: ['qn', 'knT'], outputs: ['s1'] },
      { op: 'Transpose', inputs: ['kpe'], outputs: ['kpeT'], attrs: { perm: [1, 0] } },
      { op: 'MatMul', inputs: ['qr', 'kpeT'], outputs: ['s2'] },
      { op: 'Add', inputs: ['s1', 's2'], outputs: ['s'] },
      { op: 'Mul', inputs: ['s', 'scale'], outputs: ['ss'] },
      { op: 'Add', inputs: ['ss', 'mask'], outputs: ['sm'] },
      { op: 'Softmax', inputs: ['sm'], outputs: ['p'], attrs: { axis: -1 } },
      { op: 'Transpose', inputs: ['vv'], outputs: ['vh'], attrs: { perm: [1, 0, 2] } },
      { op: 'MatMul', inputs: ['p', 'vh'], outputs: ['o'] },
      { op: 'Transpose', inputs: ['o'], outputs: ['ot'], attrs: { perm: [1, 0, 2] } },
      { op: 'Reshape', inputs: ['ot', 'flat'], outputs: ['y'] },
    ],
  },
};

/** Shapes of one MLA attention call: h heads, t queries over l cached positions. */
export interface MlaDims {
  heads: number;
  t: number;
  l: number;
  dn: number;
  dr: number;
  dv: number;
  rank: number;
  scale: Float32Array;
}

export interface KernelOptions {
  /** intra-op threads of every session (default: 2, this machine's cores) */
  threads?: number;
}

/**
 * Σ_i gain_i · SwiGLU_i(x) over the k experts one token selected, in one session run: a decode
 * step then makes one call per MoE layer instead of k, and the thread pool stays busy in between.
 */
function expertSumGraph(k: number): GraphDef {
  const inputs: [string, (number | string)[]][] = [['x', ['m', 'h']]];
  const nodes: GraphDef['nodes'] = [];
  for (let i = 0; i < k; i++) {
    inputs.push([`gu${i}`, ['i2', 'h']], [`d${i}`, ['h', 'i']], [`w${i}`, [1]]);
    nodes.push(...swigluNodes('x', `gu${i}`, `d${i}`, `f${i}`, String(i)), { op: 'Mul', inputs: [`f${i}`, `w${i}`], outputs: [`y${i}`] });
  }
  nodes.push({ op: 'Sum', inputs: Array.from({ length: k }, (_, i) => `y${i}`), outputs: ['y'] });
  return { name: `expert_sum_${k}`, inputs, outputs: [['y', ['m', 'h']]], nodes };
}

export class Kernels {
  private readonly expertSums = new Map<number, Promise<ort.InferenceSession>>();

  private constructor(
    private readonly sessions: Record<keyof typeof GRAPHS, ort.InferenceSession>,
    private readonly options: ort.InferenceSession.SessionOptions,
  ) {}

  /** intra-op threads of the shared sessions */
  get threads(): number {
    return this.options.intraOpNumThreads ?? 1;
  }


  static async create(opts: KernelOptions = {}): Promise<Kernels> {
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.threads ?? 2,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Every session owns an intra-op thread pool; spinning workers of the session that just ran
      // kept both cores busy while the next session's workers waited, which made a decode step ~2x
      // slower (measured: OLMoE-shaped 2-layer decode 65 -> 30 ms/token idle). Workers that block at
      // once cost nothing measurable on the large prefill GEMMs.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    const entries = await Promise.all(
      Object.entries(GRAPHS).map(async ([k, def]) => [k, await ort.InferenceSession.create(buildModel(def), options)] as const),
    );
    return new Kernels(Object.fromEntries(entries) as Record<keyof typeof GRAPHS, ort.InferenceSession>, options);
  }

  /** Σ_i gains[i] · SwiGLU(x; experts[i]) for one token's experts (x: [m, hidden]) in one run. */
  async expertSum(x: Float32Array, m: number, experts: readonly { gateUp: Matrix; down: Matrix }[], gains: Float32Array): Promise<Float32Array> {
    const k = experts.length;
    let session = this.expertSums.get(k);
    if (!session) {
      session = ort.InferenceSession.create(buildModel(expertSumGraph(k)), this.options);
      this.expertSums.set(k, session);
    }
    const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [m, experts[0].gateUp.cols]) };
    experts.forEach((e, i) => {
      feeds[`gu${i}`] = e.gateUp.tensor;
      feeds[`d${i}`] = e.down.tensor;
      feeds[`w${i}`] = new ort.Tensor('float32', gains.subarray(i, i + 1), [1]);
    });
    const r = await (await session).run(feeds);
    return r.y.data as Float32Array;
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
  async swiglu(x: Float32Array, m: number, w: { gateUp: Matrix; down: Matrix }): Promise<Float32Array> {
    const r = await this.sessions.swiglu.run({ x: new ort.Tensor('float32', x, [m, w.gateUp.cols]), gu: w.gateUp.tensor, d: w.down.tensor });
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

  /**
   * MLA with kv_b_proj absorbed (attention/mla.ts). qn: [h, t, dn]; qr: [h, t, dr] (rotated);
   * wuk: [h, dn, r]; wuvT: [h, r, dv]; latent: [l, r]; kpe: [l, dr]; mask: [t, l] -> [t, h·dv]
   */
  async mlaAbsorbed(qn: Float32Array, qr: Float32Array, wuk: ort.Tensor, wuvT: ort.Tensor, latent: Float32Array, kpe: Float32Array, mask: Float32Array, d: MlaDims): Promise<Float32Array> {
    const r = await this.sessions.mlaAbsorbed.run({
      qn: new ort.Tensor('float32', qn, [d.heads, d.t, d.dn]),
      qr: new ort.Tensor('float32', qr, [d.heads, d.t, d.dr]),
      wuk,
      wuvT,
      c: new ort.Tensor('float32', latent, [d.l, d.rank]),
      kpe: new ort.Tensor('float32', kpe, [d.l, d.dr]),
      mask: new ort.Tensor('float32', mask, [d.t, d.l]),
      scale: new ort.Tensor('float32', d.scale, [1]),
    });
    return r.y.data as Float32Array;
  }

  /** MLA with the latent re-expanded by kv_b_proj (wkvb: [h·(dn+dv), r]); other inputs as mlaAbsorbed. */
  async mlaExpanded(qn: Float32Array, qr: Float32Array, wkvb: Matrix, latent: Float32Array, kpe: Float32Array, mask: Float32Array, d: MlaDims): Promise<Float32Array> {
    const r = await this.sessions.mlaExpanded.run({
      qn: new ort.Tensor('float32', qn, [d.heads, d.t, d.dn]),
      qr: new ort.Tensor('float32', qr, [d.heads, d.t, d.dr]),
      wkvb: wkvb.tensor,
      c: new ort.Tensor('float32', latent, [d.l, d.rank]),
      kpe: new ort.Tensor('float32', kpe, [d.l, d.dr]),
      mask: new ort.Tensor('float32', mask, [d.t, d.l]),
      scale: new ort.Tensor('float32', d.scale, [1]),
    });
    return r.y.data as Float32Array;
  }

  async release(): Promise<void> {
    await Promise.all([...Object.values(this.sessions), ...(await Promise.all(this.expertSums.values()))].map((s) => s.release()));
  }
}
