// One SwiGLU MLP (a routed expert, or a shared / dense MLP) ready to run on m token rows: float32
// weights through the shared SwiGLU kernel, or 8- / 4-bit blocks (--quant, --precision) baked into a
// session of its own, because onnxruntime's MatMulNBits is only fast when it can prepack constant
// weights (measured here: ~0.5 ms vs ~400 ms per 2048×6144 GEMV when the weights are a graph input).
// Every session gets the kernels' intra-op threads: an OLMoE-shaped 4-bit expert on 64 prefill rows
// took 2.9 ms on 2 threads against 4.8 ms on 1 (its pool's workers sleep when idle, so hundreds of
// sessions cost threads, not cores).

import * as ort from 'onnxruntime-node';
import type { Checkpoint } from './checkpoint.js';
import { matrix, type Kernels, type Matrix } from './kernels.js';
import { createSession } from './onnx-graph.js';
import { quantizeBlocks, type BlockBits, type BlockMatrix } from './block-quant.js';
import { BLOCK_BITS, blockSessionOptions, blockTensors, DEFAULT_ACCURACY_LEVEL, matMulNBits, matrixBytes, runBlockSession, type MatrixPrecision } from './linear.js';
import type { ExpertTensorNames, ModelSpec } from './spec.js';
import { blocksAt, type Storage } from './stored-blocks.js';

/** float32, or 8- / 4-bit blocks through onnxruntime's MatMulNBits (--quant): the matrix precisions */
export type ExpertPrecision = MatrixPrecision;

export interface RoutedExpert {
  /** SwiGLU of the expert on x [m, hidden] -> [m, hidden] */
  run(x: Float32Array, m: number): Promise<Float32Array>;
  /** its float32 weights, for the fused kernel of a token's k experts; null for quantised experts */
  fp32Weights(): Promise<ExpertFp32Weights | null>;
  /** free what the expert holds (quantised: its session) */
  release(): Promise<void>;
}

/**
 * The float32 weights of a SwiGLU MLP (routed, shared or dense): HF's gate and up [I, H] stacked
 * into one buffer as `gateUp` [2I, H], and down [H, I]. One GEMM of 2I rows replaces two of I:
 * fewer, longer weight streams (decode of the OLMoE shape: 30 -> 27 ms/token).
 */
export interface SwigluWeights {
  gateUp: Matrix;
  down: Matrix;
}

/** A routed expert's float32 weights (same layout as any SwiGLU MLP). */
export type ExpertFp32Weights = SwigluWeights;

/** Reads one SwiGLU MLP, synchronously, into `reuse`'s buffers when given (an offloading store recycles them). */
export function readSwiglu(ckpt: Checkpoint, names: ExpertTensorNames, I: number, H: number, reuse?: SwigluWeights): SwigluWeights {
  const gateUp = reuse?.gateUp.data ?? new Float32Array(2 * I * H);
  ckpt.readF32(names.gate, [I, H], gateUp.subarray(0, I * H));
  ckpt.readF32(names.up, [I, H], gateUp.subarray(I * H));
  return { gateUp: matrix(gateUp, 2 * I, H), down: matrix(ckpt.readF32(names.down, [H, I], reuse?.down.data), H, I) };
}

class Fp32Expert implements RoutedExpert {
  constructor(readonly w: ExpertFp32Weights, private readonly kernels: Kernels) {}
  run(x: Float32Array, m: number): Promise<Float32Array> {
    return this.kernels.swiglu(x, m, this.w);
  }
  async fp32Weights(): Promise<ExpertFp32Weights> {
    return this.w;
  }
  async release(): Promise<void> {}
}

class BlockExpert implements RoutedExpert {
  constructor(private readonly session: ort.InferenceSession, private readonly hidden: number) {}
  run(x: Float32Array, m: number): Promise<Float32Array> {
    return runBlockSession(this.session, x, m, this.hidden, this.hidden);
  }
  async fp32Weights(): Promise<null> {
    return null;
  }
  release(): Promise<void> {
    return this.session.release();
  }
}

/**
 * The SwiGLU of one block-quantised MLP as a session on `threads` intra-op threads. accuracy_level 4 (int8 activations, the default) was measured ~4x faster than float32
 * GEMV on this CPU; level 0 computes in float32 (tests).
 */
export async function blockSwigluSession(gate: BlockMatrix, up: BlockMatrix, down: BlockMatrix, hidden: number, accuracyLevel = DEFAULT_ACCURACY_LEVEL, threads = 1): Promise<ort.InferenceSession> {
  return createSession({
    name: `q${gate.bits}_mlp`,
    inputs: [['x', ['m', hidden]]],
    outputs: [['y', ['m', hidden]]],
    tensors: [...blockTensors('gate', gate), ...blockTensors('up', up), ...blockTensors('down', down)],
    nodes: [
      matMulNBits('x', 'gate', 'g', gate, accuracyLevel),
      matMulNBits('x', 'up', 'u', up, accuracyLevel),
      { op: 'Sigmoid', inputs: ['g'], outputs: ['sg'] },
      { op: 'Mul', inputs: ['g', 'sg'], outputs: ['act'] },
      { op: 'Mul', inputs: ['act', 'u'], outputs: ['hid'] },
      matMulNBits('hid', 'down', 'y', down, accuracyLevel),
    ],
  }, blockSessionOptions(threads));
}

/** Stored bytes of one routed expert at a precision (q4: packed nibbles + scales). */
export function expertBytes(spec: ModelSpec, precision: ExpertPrecision, storedBytes: number): number {
  if (precision === 'f32') return storedBytes;
  const H = spec.hiddenSize;
  const I = spec.moe.intermediateSize;
  return 2 * matrixBytes(I, H, precision) + matrixBytes(H, I, precision);
}

/** Reads routed expert `expert` of `layer` widened to float32 (see readSwiglu). */
export function readExpertFp32(ckpt: Checkpoint, spec: ModelSpec, layer: number, expert: number, reuse?: ExpertFp32Weights): ExpertFp32Weights {
  return readSwiglu(ckpt, spec.layers[layer].names.expert!(expert), spec.moe.intermediateSize, spec.hiddenSize, reuse);
}

/** Makes an expert runnable: at once for float32 weights, by building a session for blocks. */
export type ExpertBuild = () => Promise<RoutedExpert>;

/** The build of an expert held as float32 weights (runnable as they are) or as blocks (a session, built when the build is called). */
function buildFor(kernels: Kernels, hidden: number, w: ExpertFp32Weights | { gate: BlockMatrix; up: BlockMatrix; down: BlockMatrix }): ExpertBuild {
  if ('gateUp' in w) {
    const e = new Fp32Expert(w, kernels);
    return () => Promise.resolve(e);
  }
  return () => blockSwigluSession(w.gate, w.up, w.down, hidden, DEFAULT_ACCURACY_LEVEL, kernels.threads).then((s) => new BlockExpert(s, hidden));
}

/**
 * Float32 SwiGLU weights at a precision: quantised now (the caller may reuse `w`'s buffers at once),
 * made runnable when the returned build is called.
 */
export function expertBuild(w: ExpertFp32Weights, precision: ExpertPrecision, kernels: Kernels): ExpertBuild {
  return buildFor(kernels, w.gateUp.cols, precision === 'f32' ? w : quantizeExpert(w, BLOCK_BITS[precision]));
}

/** A SwiGLU MLP's float32 weights in b-bit blocks: gate and up [I, H], down [H, I]. */
export function quantizeExpert(w: ExpertFp32Weights, bits: BlockBits): { gate: BlockMatrix; up: BlockMatrix; down: BlockMatrix } {
  const H = w.gateUp.cols;
  const I = w.gateUp.rows / 2;
  const gu = w.gateUp.data;
  return { gate: quantizeBlocks(gu.subarray(0, I * H), I, H, bits), up: quantizeBlocks(gu.subarray(I * H), I, H, bits), down: quantizeBlocks(w.down.data, H, I, bits) };
}

/**
 * Reads a SwiGLU MLP (routed, shared or dense) now, at `precision`: float32 weights, or blocks
 * (blocksAt: as stored, else quantised now); the returned build makes it runnable.
 */
export function readSwigluBuild(ckpt: Checkpoint, names: ExpertTensorNames, I: number, H: number, precision: MatrixPrecision, stored: Storage, kernels: Kernels): ExpertBuild {
  if (precision === 'f32') return buildFor(kernels, H, readSwiglu(ckpt, names, I, H));
  const at = (name: string, rows: number, cols: number) => blocksAt(ckpt, [[name, rows]], cols, precision, stored);
  return buildFor(kernels, H, { gate: at(names.gate, I, H), up: at(names.up, I, H), down: at(names.down, H, I) });
}

/** Reads a SwiGLU MLP and makes it runnable (see readSwigluBuild). */
export function loadSwiglu(ckpt: Checkpoint, names: ExpertTensorNames, I: number, H: number, precision: MatrixPrecision, stored: Storage, kernels: Kernels): Promise<RoutedExpert> {
  return readSwigluBuild(ckpt, names, I, H, precision, stored, kernels)();
}

/** Reads routed expert `expert` of `layer` now (see readSwigluBuild). */
export function readRoutedExpertBuild(ckpt: Checkpoint, spec: ModelSpec, layer: number, expert: number, precision: ExpertPrecision, kernels: Kernels): ExpertBuild {
  return readSwigluBuild(ckpt, spec.layers[layer].names.expert!(expert), spec.moe.intermediateSize, spec.hiddenSize, precision, spec.storage.experts, kernels);
}

/** Reads routed expert `expert` of `layer` and makes it runnable. */
export function loadRoutedExpert(ckpt: Checkpoint, spec: ModelSpec, layer: number, expert: number, precision: ExpertPrecision, kernels: Kernels): Promise<RoutedExpert> {
  return readRoutedExpertBuild(ckpt, spec, layer, expert, precision, kernels)();
}
