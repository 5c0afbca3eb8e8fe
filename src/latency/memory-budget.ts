// The memory an offloading run needs: every dense weight (attention, norms, embeddings,
// LM head, routers, shared experts, dense MLPs) in float32, C routed experts per MoE layer in
// float32 plus one transient expert (a batched prefill runs an expert the cache no longer holds from
// a buffer of its own), and a fixed overhead for Node.js, onnxruntime, activations and the KV cache. Derives the
// largest cache that fits a --memory-limit, or refuses one that cannot fit.

import { usageError } from '../errors.js';
import type { ModelFacts } from '../engine/inspect.js';

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

export interface MemoryBudget {
  denseBytes: number;
  expertBytes: number;
  moeLayers: number;
  overheadBytes: number;
  /** the bound for C experts per layer */
  boundBytes(capacity: number): number;
}

export function memoryBudget(f: ModelFacts): MemoryBudget {
  const paramsPerExpert = 3 * f.hiddenSize * f.expertIntermediateSize;
  const routed = f.moeLayers.length * f.experts * paramsPerExpert;
  const denseBytes = (f.totalParameters - routed) * COMPUTE_BYTES_PER_PARAMETER;
  const expertBytes = paramsPerExpert * COMPUTE_BYTES_PER_PARAMETER;
  return {
    denseBytes,
    expertBytes,
    moeLayers: f.moeLayers.length,
    overheadBytes: OVERHEAD_BYTES,
    boundBytes: (c) => denseBytes + (c * f.moeLayers.length + 1) * expertBytes + OVERHEAD_BYTES,
  };
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

/** The cache for a memory limit: the given one if it fits, else the largest that fits (≥ top-k), else a usage error with the numbers. */
export function cacheForMemoryLimit(f: ModelFacts, limitBytes: number, requested: number | undefined): number {
  const b = memoryBudget(f);
  const fits = Math.min(f.experts, Math.floor((limitBytes - b.denseBytes - b.overheadBytes - b.expertBytes) / (b.moeLayers * b.expertBytes)));
  const numbers = `dense weights ${gib(b.denseBytes)} + C × ${b.moeLayers} MoE layers × ${(b.expertBytes / 2 ** 20).toFixed(2)} MiB per expert (float32) + 1 transient expert + overhead ${gib(b.overheadBytes)}`;
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
