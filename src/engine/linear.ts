// A weight matrix that runs y[m, out] = x[m, in]·Wᵀ (+ b) at the precision it is held in: float32
// through the shared Gemm session (weights passed zero-copy), or block-quantised (q8, q4) through
// onnxruntime's MatMulNBits with the blocks baked into a session of their own, because MatMulNBits
// is only fast when it can prepack constant weights. accuracy_level 4 (int8 activations, fp32
// accumulation) measured ~7x faster than a float32 GEMV of the OLMoE LM head [50304, 2048] here.

import * as ort from 'onnxruntime-node';
import { BLOCK_BITS, BLOCK_SIZE, blockBytes, blockMatrixBytes, quantizeBlocks, type BlockMatrix } from './block-quant.js';
import { matrix, vectorTensor, type Kernels, type Matrix } from './kernels.js';
import { createSession, type GraphDef, type GraphNode } from './onnx-graph.js';
import type { LinearLoader } from './attention/attention.js';
import type { Checkpoint } from './checkpoint.js';
import { blocksAt, type Storage } from './stored-blocks.js';

/** float32, or 8- / 4-bit blocks of BLOCK_SIZE (128) with one float scale each */
export const MATRIX_PRECISIONS = ['f32', 'q8', 'q4'] as const;
export type MatrixPrecision = (typeof MATRIX_PRECISIONS)[number];

export { BLOCK_BITS };

/** Bytes one [rows, cols] matrix is held in at a precision. */
export function matrixBytes(rows: number, cols: number, precision: MatrixPrecision): number {
  return precision === 'f32' ? rows * cols * 4 : blockMatrixBytes(rows, cols, BLOCK_BITS[precision]);
}

/**
 * onnxruntime-node builds a session on a worker thread only when the session has a JavaScript
 * callback to serve, otherwise on the event loop. Our graphs hold no EPContext nodes, so this read
 * callback is never called: registering it moves a block session's build (the copying and prepacking
 * of its weights, most of a quantized model's load) off the event loop, so the next layer's weights
 * are written meanwhile and two layers build at once on two cores. Measured on OLMoE-shaped 4-bit
 * fused layers: 700-850 ms each two at a time against 1160-1270 ms one by one. Only for builds whose
 * caller bounds how many run at once (loading, two layers at a time): the offloading store starts one
 * build per miss, and 200 expert sessions started together took 8.9 s and 2.7 GiB off the event loop
 * against 3.8 s and 0.9 GiB on it.
 */
const BUILD_OFF_THE_EVENT_LOOP: ort.InferenceSession.SessionOptions['epContextDataRead'] = { callback: () => new Uint8Array(0), maxDataSize: 1 };

/** How many layers loading builds at once off the event loop: one per core here; three were no faster (18.8 against 16.0 s). */
export const LAYERS_BUILT_AT_ONCE = 2;

/**
 * Options of a session that holds block-quantised weights of its own. Without onnxruntime's CPU
 * memory arena: every such session kept its largest run's activations, so resident memory grew with
 * the prompt (64 OLMoE-shaped 4-bit experts after 512-row runs: +811 MiB with the arena, +390 MiB
 * without; and 31 instead of 47 ms per expert). Idle pool workers sleep rather than spin.
 * `offTheEventLoop`: see BUILD_OFF_THE_EVENT_LOOP.
 */
export function blockSessionOptions(threads: number, offTheEventLoop = false): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: false,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    ...(offTheEventLoop ? { epContextDataRead: BUILD_OFF_THE_EVENT_LOOP } : {}),
  };
}

/** int8 activations: onnxruntime's fast path for 4- and 8-bit weights, which copies (prepacks) them when the session is built */
export const INT8_ACCURACY_LEVEL = 4;
/** int8 activations; 0 computes in float32 (tests). */
export const DEFAULT_ACCURACY_LEVEL = INT8_ACCURACY_LEVEL;

/** A MatMulNBits node reading the blocks named `${weight}_q` / `${weight}_s` (see blockTensors). */
export function matMulNBits(input: string, weight: string, output: string, q: BlockMatrix, accuracyLevel: number): GraphNode {
  return {
    op: 'MatMulNBits',
    domain: 'com.microsoft',
    inputs: [input, `${weight}_q`, `${weight}_s`],
    outputs: [output],
    attrs: { K: q.cols, N: q.rows, bits: q.bits, block_size: BLOCK_SIZE, accuracy_level: accuracyLevel },
  };
}

/** The constant tensors of a block matrix, named for matMulNBits. */
export function blockTensors(weight: string, q: BlockMatrix): NonNullable<GraphDef['tensors']> {
  return [
    { name: `${weight}_q`, dims: [q.rows, q.blocks, blockBytes(q.bits)], data: q.packed },
    { name: `${weight}_s`, dims: [q.rows * q.blocks], data: q.scales },
  ];
}

export interface Linear {
  readonly rows: number;
  readonly cols: number;
  readonly precision: MatrixPrecision;
  run(x: Float32Array, m: number): Promise<Float32Array>;
  release(): Promise<void>;
}

class Fp32Linear implements Linear {
  readonly precision = 'f32';
  private readonly bias?: ort.Tensor;
  constructor(private readonly w: Matrix, bias: Float32Array | undefined, private readonly kernels: Kernels) {
    this.bias = bias ? vectorTensor(bias) : undefined;
  }
  get rows(): number {
    return this.w.rows;
  }
  get cols(): number {
    return this.w.cols;
  }
  run(x: Float32Array, m: number): Promise<Float32Array> {
    return this.kernels.linear(x, m, this.w, this.bias);
  }
  async release(): Promise<void> {}
}

/**
 * Most rows one run of a block session takes. Block sessions run without onnxruntime's arena (each
 * session would keep its peak), so a run allocates its outputs and intermediates afresh, and past a
 * few hundred rows that costs more than the GEMM. Measured at q4 on [2048 -> 6144]: 512 rows 60 ms
 * in one run, 36 ms in two; the Qwen1.5-MoE shared expert (2048 -> 5632 -> 2048): 160 ms against
 * 2 x 45 ms. Splitting further (128) measured the same.
 */
export const BLOCK_SESSION_ROWS = 256;

/** y [m, outCols] of a session mapping x [m, cols] -> y row by row, at most BLOCK_SESSION_ROWS rows per run. */
export async function runBlockSession(session: ort.InferenceSession, x: Float32Array, m: number, cols: number, outCols: number): Promise<Float32Array> {
  const once = async (from: number, n: number) => (await session.run({ x: new ort.Tensor('float32', x.subarray(from * cols, (from + n) * cols), [n, cols]) })).y.data as Float32Array;
  if (m <= BLOCK_SESSION_ROWS) return once(0, m);
  const y = new Float32Array(m * outCols);
  for (let r = 0; r < m; r += BLOCK_SESSION_ROWS) y.set(await once(r, Math.min(BLOCK_SESSION_ROWS, m - r)), r * outCols);
  return y;
}

class BlockLinear implements Linear {
  constructor(readonly rows: number, readonly cols: number, readonly precision: MatrixPrecision, private readonly session: ort.InferenceSession) {}
  run(x: Float32Array, m: number): Promise<Float32Array> {
    return runBlockSession(this.session, x, m, this.cols, this.rows);
  }
  release(): Promise<void> {
    return this.session.release();
  }
}

/**
 * Makes a [rows, cols] float32 matrix (HF [out, in] layout) runnable at `precision`. A quantised
 * matrix keeps only its blocks: `data` may be reused or dropped once the promise resolves.
 */
export function loadLinear(kernels: Kernels, data: Float32Array, rows: number, cols: number, precision: MatrixPrecision, bias?: Float32Array, accuracyLevel = DEFAULT_ACCURACY_LEVEL): Promise<Linear> {
  if (precision === 'f32') return Promise.resolve(new Fp32Linear(matrix(data, rows, cols), bias, kernels));
  return blockLinear(kernels, quantizeBlocks(data, rows, cols, BLOCK_BITS[precision]), precision, bias, accuracyLevel);
}

/** A block-quantised matrix (+ bias) as a session of its own. */
async function blockLinear(kernels: Kernels, q: BlockMatrix, precision: MatrixPrecision, bias?: Float32Array, accuracyLevel = DEFAULT_ACCURACY_LEVEL): Promise<Linear> {
  const nodes: GraphNode[] = [matMulNBits('x', 'w', bias ? 'xw' : 'y', q, accuracyLevel)];
  const tensors = blockTensors('w', q);
  if (bias) {
    tensors.push({ name: 'b', dims: [q.rows], data: bias });
    nodes.push({ op: 'Add', inputs: ['xw', 'b'], outputs: ['y'] });
  }
  const session = await createSession({ name: `linear_${precision}`, inputs: [['x', ['m', q.cols]]], outputs: [['y', ['m', q.rows]]], tensors, nodes }, blockSessionOptions(kernels.threads, true));
  return new BlockLinear(q.rows, q.cols, precision, session);
}

/** The LinearLoader of a checkpoint at `precision`: float32 weights, or blocks (blocksAt: as stored, else quantised now). */
export function checkpointLinears(ckpt: Checkpoint, kernels: Kernels, precision: MatrixPrecision, stored: Storage): LinearLoader {
  return (parts, cols, bias) => {
    if (precision !== 'f32') return blockLinear(kernels, blocksAt(ckpt, parts, cols, precision, stored), precision, bias);
    const rows = parts.reduce((n, [, r]) => n + r, 0);
    return loadLinear(kernels, ckpt.readStacked(parts.map(([name, r]) => [name, [r, cols]])), rows, cols, 'f32', bias);
  };
}
