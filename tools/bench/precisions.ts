// The precisions `npm run bench` compares, and what each contender runs for it: moe-eval's
// checkpoint (null where moe-eval has no such mode, so the row shows the peer alone), llama.cpp's
// GGUF layout (llama-peer.ts), and whether the fp32-only PyTorch-eager peer takes part.

import type { MatrixPrecision } from '../../src/engine/linear.js';
import type { CheckpointStorage } from '../../src/engine/stored-blocks.js';
import type { LlamaLayout } from './llama-peer.js';

export interface BenchPrecision {
  /** what the row means, for the table */
  label: string;
  /**
   * moe-eval's checkpoint (the synthetic one, or its `moe-eval quantize` copy in `${dir}${suffix}`
   * storing as `stored` says) and its --precision, or null (no such mode)
   */
  ours: { suffix: string; stored?: CheckpointStorage; precision: MatrixPrecision } | null;
  llamaCpp: LlamaLayout;
  torch: boolean;
}

export const BENCH_PRECISIONS = {
  f32: { label: 'f32', ours: { suffix: '', precision: 'f32' }, llamaCpp: 'stored', torch: true },
  // moe-eval quantize --precision f32 --quant q4: routed experts stored in 4-bit blocks, every other matrix as stored, run at f32
  'experts-q4': { label: 'experts 4-bit, rest f32', ours: { suffix: '-experts-q4', stored: { experts: 'q4', matrices: 'weights' }, precision: 'f32' }, llamaCpp: 'experts-q4', torch: false },
  // moe-eval quantize --precision q4: every matrix but the routers and the embedding stored in 4-bit blocks
  q4: { label: 'all matrices 4-bit (llama.cpp Q4_0)', ours: { suffix: '-q4', stored: { experts: 'q4', matrices: 'q4' }, precision: 'q4' }, llamaCpp: 'q4_0', torch: false },
  bf16: { label: 'bf16', ours: null, llamaCpp: 'bf16', torch: false },
} satisfies Record<string, BenchPrecision>;

export type PrecisionId = keyof typeof BENCH_PRECISIONS;
