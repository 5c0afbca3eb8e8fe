// Flags shared by several commands, defined once.

import { Flags } from '@oclif/core';
import { MATRIX_PRECISIONS, type MatrixPrecision } from '../engine/linear.js';
import type { ExpertPrecision } from '../engine/routed-expert.js';

export const modelFlag = Flags.string({
  description: 'model: a Hugging Face checkpoint directory, or a hub id (ORG/NAME) present in the local Hugging Face cache; default: the embedded model',
  helpValue: 'DIR|HF_ID',
});

export const threadsFlag = Flags.integer({
  description: 'threads of the matrix kernels (default 2)',
  min: 1,
});

/** How the weights are held: --precision for every matrix but the routers, --quant for the routed experts alone. */
export const precisionFlags = {
  quant: Flags.string({ description: 'routed experts in float32 (f32) or 8- / 4-bit blocks through onnxruntime MatMulNBits (q8, q4), as on-device deployments store them; default: as the checkpoint stores them (moe-eval quantize; f32 where it stores only the other matrices), else --precision', options: [...MATRIX_PRECISIONS], helpGroup: 'PRECISION' }),
  precision: Flags.string({ description: 'every weight matrix but the routers (attention projections, LM head, shared and dense MLPs, and the routed experts unless --quant says otherwise) held in float32 (f32) or 8- / 4-bit blocks of 128 (q8, q4), computed with int8 activations and float32 accumulation; router logits stay float32; default: as the checkpoint stores them (moe-eval quantize --precision), else f32', options: [...MATRIX_PRECISIONS], helpGroup: 'PRECISION' }),
};

export interface PrecisionFlagValues {
  quant?: string;
  precision?: string;
}

/** The engine options the precision flags describe. */
export function precisionsFromFlags(flags: PrecisionFlagValues): { precision: ExpertPrecision | null; densePrecision: MatrixPrecision | null } {
  return { precision: (flags.quant ?? null) as ExpertPrecision | null, densePrecision: (flags.precision ?? null) as MatrixPrecision | null };
}
