// Checkpoints whose routed experts are stored pre-quantized (`moe-eval quantize`): each expert
// matrix W (HF name N, [rows, cols]) is stored as N.q4 (U8 [rows, blocks, 16], onnxruntime
// MatMulNBits' packed nibbles) and N.q4_scales (F32 [rows, blocks]), and config.json says so under
// `moe_eval_quantization`. Loading such a checkpoint skips the quantization that --quant q4 would
// redo at every start (minutes for a real-size model), and an offloaded miss reads the 4-bit bytes.

import { inputError } from '../errors.js';
import type { Checkpoint } from './checkpoint.js';
import { Q4_BLOCK, type Q4Matrix } from './block-quant.js';
import type { ExpertTensorNames } from './spec.js';

export const QUANTIZATION_KEY = 'moe_eval_quantization';
export const STORED_Q4 = { routed_experts: 'q4', block_size: Q4_BLOCK, layout: 'onnxruntime-matmulnbits' } as const;

export type ExpertStorage = 'weights' | 'q4';

/** How a config.json says its routed experts are stored; anything but moe-eval's own q4 is refused. */
export function expertStorageOf(config: Record<string, unknown>, source: string): ExpertStorage {
  const q = config[QUANTIZATION_KEY] as Record<string, unknown> | undefined;
  if (q === undefined) return 'weights';
  if (q?.routed_experts !== STORED_Q4.routed_experts || q.block_size !== STORED_Q4.block_size || q.layout !== STORED_Q4.layout) {
    throw inputError('quantization-unsupported', `${source}: ${QUANTIZATION_KEY} ${JSON.stringify(q)} is not a layout this moe-eval reads`, `expected ${JSON.stringify(STORED_Q4)} (written by moe-eval quantize)`);
  }
  return 'q4';
}

export const storedQ4Names = (weight: string) => ({ packed: `${weight}.q4`, scales: `${weight}.q4_scales` });

/** One stored 4-bit matrix of HF shape [rows, cols], checked against that shape; into `reuse`'s buffers when given. */
export function readStoredQ4(ckpt: Checkpoint, weight: string, rows: number, cols: number, reuse?: Q4Matrix): Q4Matrix {
  const names = storedQ4Names(weight);
  const blocks = Math.ceil(cols / Q4_BLOCK);
  const packed = ckpt.info(names.packed);
  if (packed.dtype !== 'U8' || packed.shape.join() !== [rows, blocks, Q4_BLOCK / 2].join()) {
    throw inputError('tensor-shape', `${ckpt.dir}: tensor ${names.packed} is ${packed.dtype} [${packed.shape}], expected U8 [${rows},${blocks},${Q4_BLOCK / 2}]`, 'config.json does not match the quantized weights');
  }
  return { bits: 4, packed: ckpt.readBytes(names.packed, reuse?.packed), scales: ckpt.readF32(names.scales, [rows, blocks], reuse?.scales), rows, cols, blocks };
}

export interface StoredQ4Expert {
  gate: Q4Matrix;
  up: Q4Matrix;
  down: Q4Matrix;
}

/** A routed expert's three stored matrices: gate and up [I, H], down [H, I] (into `reuse`'s buffers when given). */
export function readStoredQ4Expert(ckpt: Checkpoint, n: ExpertTensorNames, I: number, H: number, reuse?: StoredQ4Expert): StoredQ4Expert {
  return { gate: readStoredQ4(ckpt, n.gate, I, H, reuse?.gate), up: readStoredQ4(ckpt, n.up, I, H, reuse?.up), down: readStoredQ4(ckpt, n.down, H, I, reuse?.down) };
}

/** Bytes of one stored expert (what an offloaded miss reads). */
export function storedQ4ExpertBytes(ckpt: Checkpoint, n: ExpertTensorNames): number {
  return [n.gate, n.up, n.down].flatMap((w) => Object.values(storedQ4Names(w))).reduce((s, t) => s + ckpt.info(t).byteLength, 0);
}
