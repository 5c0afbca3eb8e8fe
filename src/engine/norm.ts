// The decoder's norms by kind (spec.ts NormKind): RMSNorm (HF LlamaRMSNorm and kin) or LayerNorm with
// weight and bias (PhiMoE's nn.LayerNorm, eps = rms_norm_eps). The model picks one function at load.

import { inputError } from '../errors.js';
import type { Checkpoint } from './checkpoint.js';
import { layerNormRows, rmsNormRows } from './ops.js';
import type { NormKind } from './spec.js';

export interface NormWeights {
  weight: Float32Array;
  bias?: Float32Array;
}

/** Normalise each row of width `width` of x into out. */
export type NormFn = (x: Float32Array, width: number, w: NormWeights, eps: number, out: Float32Array) => Float32Array;

const NORMS: Record<NormKind, NormFn> = {
  rms: (x, width, w, eps, out) => rmsNormRows(x, width, w.weight, eps, out),
  layer: (x, width, w, eps, out) => layerNormRows(x, width, w.weight, w.bias!, eps, out),
};

export const normFn = (kind: NormKind): NormFn => NORMS[kind];

/** A norm's weight (and bias where the kind has one), shape-checked. */
export function readNorm(ckpt: Checkpoint, kind: NormKind, weight: string, bias: string | undefined, width: number): NormWeights {
  if (kind === 'layer' && !bias) throw inputError('norm-bias-missing', `LayerNorm ${weight} has no bias tensor name`, 'the architecture file must name the bias');
  return { weight: ckpt.readF32(weight, [width]), ...(bias ? { bias: ckpt.readF32(bias, [width]) } : {}) };
}
