// Checkpoints written by `moe-eval quantize`: a weight matrix W (HF name N, [rows, cols]) is stored
// pre-quantized as N.q4 / N.q8 (U8 [rows, blocks, 64 | 128], onnxruntime MatMulNBits' packed values)
// and N.q4_scales / N.q8_scales (F32 [rows, blocks]), and config.json says which matrices are stored
// so under `moe_eval_quantization`: the routed experts, and optionally every matrix --precision holds
// (held-matrices.ts). Loading such a checkpoint skips the quantization a run would redo at every
// start (minutes for a real-size model), and an offloaded miss reads the stored bytes.

import { inputError, usageError } from '../errors.js';
import type { Checkpoint } from './checkpoint.js';
import { BLOCK_BITS, BLOCK_PRECISION_NAMES, blockBytes, BLOCK_SIZE, quantizeBlocks, type BlockMatrix, type BlockPrecision } from './block-quant.js';
import type { MatrixPrecision } from './linear.js';
import type { ExpertTensorNames } from './spec.js';

export const QUANTIZATION_KEY = 'moe_eval_quantization';
export const STORED_LAYOUT = { block_size: BLOCK_SIZE, layout: 'onnxruntime-matmulnbits' } as const;

/** a block precision a checkpoint can store */
export type StoredPrecision = BlockPrecision;
const STORED = Object.keys(BLOCK_BITS) as StoredPrecision[];

/** How a checkpoint holds its matrices: HF weights, or pre-quantized blocks. */
export type Storage = 'weights' | StoredPrecision;

export interface CheckpointStorage {
  /** the routed experts */
  experts: Storage;
  /** attention projections, LM head, shared and dense MLPs (held-matrices.ts) */
  matrices: Storage;
}

/** The config.json marker for a checkpoint quantize writes. */
export function quantizationMarker(storage: CheckpointStorage): Record<string, unknown> {
  return { ...(storage.experts !== 'weights' ? { routed_experts: storage.experts } : {}), ...(storage.matrices !== 'weights' ? { matrices: storage.matrices } : {}), ...STORED_LAYOUT };
}

/** How a config.json says its matrices are stored; a marker this moe-eval did not write is refused. */
export function storageOf(config: Record<string, unknown>, source: string): CheckpointStorage {
  const q = config[QUANTIZATION_KEY] as Record<string, unknown> | undefined;
  if (q === undefined) return { experts: 'weights', matrices: 'weights' };
  const storage = (v: unknown): Storage | null => (v === undefined ? 'weights' : STORED.includes(v as StoredPrecision) ? (v as StoredPrecision) : null);
  const experts = storage(q?.routed_experts);
  const matrices = storage(q?.matrices);
  if (experts === null || matrices === null || (experts === 'weights' && matrices === 'weights') || q.block_size !== STORED_LAYOUT.block_size || q.layout !== STORED_LAYOUT.layout) {
    const older = q?.block_size !== STORED_LAYOUT.block_size && q?.layout === STORED_LAYOUT.layout ? `; blocks of ${q.block_size} come from an older moe-eval: run moe-eval quantize on the original checkpoint again` : '';
    throw inputError('quantization-unsupported', `${source}: ${QUANTIZATION_KEY} ${JSON.stringify(q)} is not a layout this moe-eval reads`, `expected routed_experts and/or matrices of ${STORED.join(' or ')} with ${JSON.stringify(STORED_LAYOUT)} (written by moe-eval quantize)${older}`);
  }
  return { experts, matrices };
}

export const storageName = (s: StoredPrecision): string => BLOCK_PRECISION_NAMES[s];

/**
 * The precision a run holds matrices stored as `stored` in: the requested one, which must be the
 * stored one when the checkpoint holds only blocks (the original weights are gone), else as stored.
 */
export function heldPrecision(requested: MatrixPrecision | null | undefined, stored: Storage, what: string, flag: string, dir: string): MatrixPrecision | null {
  if (stored === 'weights') return requested ?? null;
  if (requested != null && requested !== stored) {
    throw usageError('precision-differs-from-stored', `${flag} ${requested}: ${dir} stores its ${what} in ${storageName(stored)} (moe-eval quantize)`, `drop ${flag} (or pass ${flag} ${stored}), or pass the original checkpoint for ${requested}`);
  }
  return stored;
}

export const storedBlockNames = (weight: string, precision: StoredPrecision) => ({ packed: `${weight}.${precision}`, scales: `${weight}.${precision}_scales` });

/**
 * Stored matrices stacked by rows (parts [name, rows], all of `cols` columns) into one block matrix,
 * each checked against its shape; into `reuse`'s buffers when given. Blocks never cross a row, so
 * stacking rows of blocks is stacking the matrices (fused q, k, v projections).
 */
export function readStoredBlocks(ckpt: Checkpoint, parts: readonly (readonly [name: string, rows: number])[], cols: number, precision: StoredPrecision, reuse?: BlockMatrix): BlockMatrix {
  const bits = BLOCK_BITS[precision];
  const per = blockBytes(bits);
  const blocks = Math.ceil(cols / BLOCK_SIZE);
  const rows = parts.reduce((n, [, r]) => n + r, 0);
  const packed = reuse?.packed ?? new Uint8Array(rows * blocks * per);
  const scales = reuse?.scales ?? new Float32Array(rows * blocks);
  let row = 0;
  for (const [weight, r] of parts) {
    const names = storedBlockNames(weight, precision);
    const info = ckpt.info(names.packed);
    if (info.dtype !== 'U8' || info.shape.join() !== [r, blocks, per].join()) {
      throw inputError('tensor-shape', `${ckpt.dir}: tensor ${names.packed} is ${info.dtype} [${info.shape}], expected U8 [${r},${blocks},${per}]`, 'config.json does not match the quantized weights');
    }
    ckpt.readBytes(names.packed, packed.subarray(row * blocks * per, (row + r) * blocks * per));
    ckpt.readF32(names.scales, [r, blocks], scales.subarray(row * blocks, (row + r) * blocks));
    row += r;
  }
  return { bits, packed, scales, rows, cols, blocks };
}

/**
 * Matrices stacked by rows (as readStoredBlocks) in `precision`'s blocks: as stored when the
 * checkpoint holds them at that precision, else their weights widened to float32 and quantised now.
 */
export function blocksAt(ckpt: Checkpoint, parts: readonly (readonly [name: string, rows: number])[], cols: number, precision: BlockPrecision, stored: Storage): BlockMatrix {
  if (stored === precision) return readStoredBlocks(ckpt, parts, cols, precision);
  const rows = parts.reduce((n, [, r]) => n + r, 0);
  return quantizeBlocks(ckpt.readStacked(parts.map(([name, r]) => [name, [r, cols]])), rows, cols, BLOCK_BITS[precision]);
}

/** One stored matrix of HF shape [rows, cols]. */
export const readStoredMatrix = (ckpt: Checkpoint, weight: string, rows: number, cols: number, precision: StoredPrecision, reuse?: BlockMatrix): BlockMatrix =>
  readStoredBlocks(ckpt, [[weight, rows]], cols, precision, reuse);

export interface StoredSwiglu {
  gate: BlockMatrix;
  up: BlockMatrix;
  down: BlockMatrix;
}

/** A SwiGLU MLP's three stored matrices: gate and up [I, H], down [H, I] (into `reuse`'s buffers when given). */
export function readStoredSwiglu(ckpt: Checkpoint, n: ExpertTensorNames, I: number, H: number, precision: StoredPrecision, reuse?: StoredSwiglu): StoredSwiglu {
  return { gate: readStoredMatrix(ckpt, n.gate, I, H, precision, reuse?.gate), up: readStoredMatrix(ckpt, n.up, I, H, precision, reuse?.up), down: readStoredMatrix(ckpt, n.down, H, I, precision, reuse?.down) };
}

/** Bytes of one stored SwiGLU MLP (what an offloaded miss reads). */
export function storedSwigluBytes(ckpt: Checkpoint, n: ExpertTensorNames, precision: StoredPrecision): number {
  return [n.gate, n.up, n.down].flatMap((w) => Object.values(storedBlockNames(w, precision))).reduce((s, t) => s + ckpt.info(t).byteLength, 0);
}
