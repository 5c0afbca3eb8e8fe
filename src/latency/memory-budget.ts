// What a run holds in memory, known from the checkpoint's headers before any weight is read: every
// dense weight (attention, norms, LM head, routers, shared experts, dense MLPs) in float32 except the
// projections --precision holds in 8- or 4-bit blocks (attention, LM head, shared and dense MLPs), not
// the embedding table (lookups read its rows from the checkpoint) unless a tied float32 LM head holds
// it, the routed experts at the precision they are held in (blocks as onnxruntime
// holds them, see PREPACKED_FACTOR), and a fixed overhead for Node.js, onnxruntime, activations and the KV cache. An offloading run holds C
// routed experts per MoE layer plus one float32 transient expert (a batched prefill runs an expert
// the cache no longer holds, and reads go through one buffer). A run that cannot fit is refused up
// front with the numbers and the flags that would fit, instead of meeting the out-of-memory killer.

import { usageError } from '../errors.js';
import { BLOCK_PRECISION_NAMES, BLOCK_SIZE } from '../engine/block-quant.js';
import type { ModelFacts } from '../engine/inspect.js';
import { matrixBytes, type MatrixPrecision } from '../engine/linear.js';
import type { ExpertPrecision } from '../engine/routed-expert.js';
import { canFuse } from '../engine/fused-experts.js';

/** Node.js + onnxruntime + activations + KV cache of one sample (measured RSS of a tiny model run is ~250 MiB) */
export const OVERHEAD_BYTES = 512 * 2 ** 20;
const COMPUTE_BYTES_PER_PARAMETER = 4;

const UNITS: Record<string, number> = { b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, t: 1e12, tb: 1e12 };

export function parseSize(text: string, flag = '--memory-limit'): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined) throw usageError('bad-size', `${flag} ${text}: not a size`, `use a number with a unit, e.g. ${flag} 6GiB or 800MB`);
  return Number(m[1]) * unit;
}

/** How a run holds its weights (the engine options' names): routed experts, and every other projection (--precision). */
export interface HeldPrecisions {
  precision: ExpertPrecision;
  densePrecision: MatrixPrecision;
}

const F32: HeldPrecisions = { precision: 'f32', densePrecision: 'f32' };

export interface MemoryBudget {
  denseBytes: number;
  /** one routed expert as an offloading run holds it (a session of its own) */
  expertBytes: number;
  /** one routed expert as a resident run holds it (block-quantised layers fused into one node) */
  residentExpertBytes: number;
  /** the float32 buffer an offloading run reads and runs transient experts through */
  transientBytes: number;
  moeLayers: number;
  experts: number;
  overheadBytes: number;
  /** an offloading run with C experts per layer */
  boundBytes(capacity: number): number;
  /** a run that holds every routed expert */
  residentBytes: number;
}

/**
 * A block-quantised session holds more than its blocks: onnxruntime prepacks them for its int8
 * kernels. Measured in blocks of 32: 64 OLMoE-shaped experts (2048 × 1024) held 1.37–1.55x their
 * blocks at q4 and 1.43–1.55x at q8; the budget takes the top of that. In blocks of 128 the same
 * sessions held 5 % less against their blocks (q4; 2 % at q8, a cruder measurement of both), so the
 * factor stays on the safe side.
 */
export const PREPACKED_FACTOR = 1.55;

/**
 * A resident MoE layer of block-quantised experts is one fused QMoE node (fused-experts.ts), which
 * holds less than 64 sessions. Measured (proportional set size, blocks of 128): the 16 layers of the
 * OLMoE-1B-7B shape held 1.06x their 4-bit blocks, two layers 1.09x at q4 and at q8 (in blocks of
 * 32 it was 1.22x and 1.35x / 1.24x: the prepacked layout adds a fixed amount per block).
 */
export const FUSED_PREPACKED_FACTOR = 1.1;
/** Bytes a [rows, cols] matrix occupies in memory as held at `p`. */
const heldMatrixBytes = (rows: number, cols: number, p: MatrixPrecision) => (p === 'f32' ? 1 : PREPACKED_FACTOR) * matrixBytes(rows, cols, p);

/** Bytes per parameter of a held matrix whose rows are whole blocks (real checkpoints' are). */
const heldBytesPerParameter = (p: MatrixPrecision) => heldMatrixBytes(1, BLOCK_SIZE, p) / BLOCK_SIZE;

export function memoryBudget(f: ModelFacts, held: HeldPrecisions = F32): MemoryBudget {
  const H = f.hiddenSize;
  const I = f.expertIntermediateSize;
  const paramsPerExpert = 3 * H * I;
  const L = f.moeLayers.length;
  const denseParameters = f.totalParameters - L * f.experts * paramsPerExpert;
  // a tied float32 LM head holds the embedding in float32 for both; otherwise lookups read rows from
  // the checkpoint (embedding.ts) and a tied head is a quantised copy of its own
  const embedding = f.vocabSize * H;
  const sharedHead = f.tiedEmbeddings && held.densePrecision === 'f32';
  const embeddingBytes = sharedHead ? embedding * COMPUTE_BYTES_PER_PARAMETER : 0;
  const quantisedHead = f.tiedEmbeddings && !sharedHead ? embedding : 0;
  const denseBytes = (denseParameters - f.projectionParameters - embedding) * COMPUTE_BYTES_PER_PARAMETER + embeddingBytes + (f.projectionParameters + quantisedHead) * heldBytesPerParameter(held.densePrecision);
  const transientBytes = paramsPerExpert * COMPUTE_BYTES_PER_PARAMETER;
  const expertBytes = 2 * heldMatrixBytes(I, H, held.precision) + heldMatrixBytes(H, I, held.precision);
  const fused = held.precision !== 'f32' && canFuse(H, I);
  const residentExpertBytes = fused ? FUSED_PREPACKED_FACTOR * (2 * matrixBytes(I, H, held.precision) + matrixBytes(H, I, held.precision)) : expertBytes;
  return {
    denseBytes,
    expertBytes,
    residentExpertBytes,
    transientBytes,
    moeLayers: L,
    experts: f.experts,
    overheadBytes: OVERHEAD_BYTES,
    boundBytes: (c) => denseBytes + c * L * expertBytes + transientBytes + OVERHEAD_BYTES,
    residentBytes: denseBytes + L * f.experts * residentExpertBytes + OVERHEAD_BYTES,
  };
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
/** GiB from 1 GiB up, MiB below */
const size = (b: number) => (b >= 2 ** 30 ? gib(b) : mib(b));
const PRECISION_NAMES: Record<MatrixPrecision, string> = { f32: 'float32', ...BLOCK_PRECISION_NAMES };
const denseNote = (p: HeldPrecisions) => (p.densePrecision === 'f32' ? '' : `, projections in ${PRECISION_NAMES[p.densePrecision]}`);

/** The largest offloading cache (experts per layer) that fits in `limitBytes`, possibly below top-k. */
function largestCache(b: MemoryBudget, limitBytes: number): number {
  return Math.min(b.experts, Math.floor((limitBytes - b.denseBytes - b.overheadBytes - b.transientBytes) / (b.moeLayers * b.expertBytes)));
}

/** The cache for an offloading run under a memory limit: the given one if it fits, else the largest that fits (≥ top-k), else a usage error with the numbers. */
export function cacheForMemoryLimit(f: ModelFacts, limitBytes: number, requested: number | undefined, held: HeldPrecisions = F32): number {
  const b = memoryBudget(f, held);
  const fits = largestCache(b, limitBytes);
  const numbers = `dense weights ${gib(b.denseBytes)}${denseNote(held)} + C × ${b.moeLayers} MoE layers × ${mib(b.expertBytes)} per expert (${PRECISION_NAMES[held.precision]}) + 1 transient expert ${mib(b.transientBytes)} + overhead ${gib(b.overheadBytes)}`;
  if (requested !== undefined) {
    if (b.boundBytes(requested) > limitBytes) {
      throw usageError('cache-exceeds-memory', `--cache ${requested} needs ${gib(b.boundBytes(requested))} (${numbers}), more than --memory-limit ${gib(limitBytes)}`, fits >= f.topK ? `use --cache ${fits} or less, or raise --memory-limit` : 'raise --memory-limit');
    }
    return requested;
  }
  if (fits < f.topK) {
    throw usageError('memory-limit-too-small', `--memory-limit ${gib(limitBytes)} cannot hold even top-k = ${f.topK} experts per layer: ${numbers}`, `raise --memory-limit to at least ${gib(b.boundBytes(f.topK))}`);
  }
  return fits;
}

/** The flags that make a run hold `p` (what a suggestion names). */
function flagsFor(p: HeldPrecisions): string {
  if (p.densePrecision === p.precision) return p.densePrecision === 'f32' ? '' : ` --precision ${p.densePrecision}`;
  return `${p.densePrecision === 'f32' ? '' : ` --precision ${p.densePrecision}`} --quant ${p.precision}`;
}

/**
 * Ever smaller ways to hold the model, from the run's own: experts quantised first, then everything.
 * A pre-quantized checkpoint holds only its stored blocks, so what it stores stays as stored.
 */
function smallerPrecisions(p: HeldPrecisions, f: ModelFacts): HeldPrecisions[] {
  const order: MatrixPrecision[] = ['f32', 'q8', 'q4'];
  const at = (x: MatrixPrecision) => order.indexOf(x);
  const candidates: HeldPrecisions[] = [{ precision: 'q4', densePrecision: p.densePrecision }, { precision: 'q4', densePrecision: 'q8' }, { precision: 'q4', densePrecision: 'q4' }];
  return candidates.filter(
    (c) =>
      at(c.precision) >= at(p.precision) && at(c.densePrecision) >= at(p.densePrecision) && (c.precision !== p.precision || c.densePrecision !== p.densePrecision)
      && (f.expertStorage === undefined || c.precision === f.expertStorage) && (f.matrixStorage === undefined || c.densePrecision === f.matrixStorage),
  );
}

/**
 * A run that holds every routed expert must fit in `limit` (the --memory-limit, or the memory the
 * machine has available); otherwise a usage error naming the sizes and the flags that would fit.
 */
export function requireResidentFits(f: ModelFacts, held: HeldPrecisions, limit: { bytes: number; label: string }): void {
  const b = memoryBudget(f, held);
  if (b.residentBytes <= limit.bytes) return;
  const options: string[] = [];
  const smaller = smallerPrecisions(held, f).find((p) => memoryBudget(f, p).residentBytes <= limit.bytes);
  if (smaller) options.push(`${flagsFor(smaller).trim()} (holds ${size(memoryBudget(f, smaller).residentBytes)})`);
  // the flag value is rounded down, so the cache named for it fits in it
  const limitMiB = Math.floor(limit.bytes / 2 ** 20);
  for (const p of [held, ...smallerPrecisions(held, f)]) {
    const cache = largestCache(memoryBudget(f, p), limitMiB * 2 ** 20);
    if (cache >= f.topK) {
      options.push(`--offload --memory-limit ${limitMiB}MiB${flagsFor(p)} (a cache of ${cache} of ${f.experts} experts per layer fits)`);
      break;
    }
  }
  throw usageError(
    'model-exceeds-memory',
    `holding the model needs ${size(b.residentBytes)} (dense weights ${size(b.denseBytes)}${denseNote(held)} + ${b.moeLayers} MoE layers × ${f.experts} experts × ${mib(b.residentExpertBytes)} in ${PRECISION_NAMES[held.precision]} + overhead ${size(b.overheadBytes)}), more than ${limit.label} (${size(limit.bytes)})`,
    (options.length ? `run with ${options.join(', or ')}` : 'no offloading cache fits either: use a machine with more memory')
      + (f.expertStorage || f.matrixStorage ? ' (the checkpoint is pre-quantized and holds only its stored blocks: another precision needs moe-eval quantize of the original)' : ''),
  );
}
