// The weight matrices --precision holds (and `moe-eval quantize --precision` stores in blocks):
// attention projections, the LM head, shared and dense MLPs. Not the routers (router logits stay
// float32: routing changes are what is measured), not the embedding rows a token looks up, not what
// attention multiplies itself (MLA's kv_b). One list serves loading, quantizing and `inspect`.

import { attentionModule } from './attention/registry.js';
import type { ExpertTensorNames, ModelSpec } from './spec.js';

export interface HeldMatrix {
  name: string;
  rows: number;
  cols: number;
}

/** A SwiGLU MLP's three matrices: gate and up [I, H], down [H, I]. */
export const swigluMatrices = (n: ExpertTensorNames, I: number, H: number): HeldMatrix[] => [
  { name: n.gate, rows: I, cols: H },
  { name: n.up, rows: I, cols: H },
  { name: n.down, rows: H, cols: I },
];

/** The LM head's matrix: the embedding when tied (HF ignores a stored lm_head.weight then). */
export const lmHeadName = (spec: ModelSpec): string => (spec.tieWordEmbeddings ? spec.names.embed : spec.names.lmHead);

export function heldMatrices(spec: ModelSpec): HeldMatrix[] {
  const H = spec.hiddenSize;
  const attention = attentionModule(spec.attention.kind);
  const out: HeldMatrix[] = [];
  for (const l of spec.layers) {
    for (const [name, rows, cols] of attention.projections(spec, l.names.attention)) out.push({ name, rows, cols });
    if (l.mlp === 'dense') out.push(...swigluMatrices(l.names.dense!, spec.denseIntermediateSize!, H));
    else if (l.names.shared && spec.moe.shared) out.push(...swigluMatrices(l.names.shared, spec.moe.shared.intermediateSize, H));
  }
  out.push({ name: lmHeadName(spec), rows: spec.vocabSize, cols: H });
  return out;
}
