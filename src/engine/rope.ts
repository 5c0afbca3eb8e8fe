// Rotary tables of every rope kind (spec.ts RopeSpec) and which one a sequence uses. Follows
// moe_ref.py `rope_angles_ext` (HF modeling_rope_utils.py default / yarn / longrope): the default
// and yarn kinds have one table; longrope has two and picks by the TOTAL sequence length, so a
// cached sequence that grows past original_max_position_embeddings needs its prefix recomputed
// (MoeModel.forward does that; the reference follows transformers 4.57 / Phi-3's LongRoPE, which
// switch factor AND mscale — 5.18 switches only the mscale).

import { RopeTable } from './ops.js';
import type { RopeSpec } from './spec.js';

export interface RopeSchedule {
  /** one table per variant; variant 0 is the one for short sequences */
  readonly tables: readonly RopeTable[];
  /** the variant a sequence of `totalLength` tokens uses at every position */
  variantFor(totalLength: number): number;
}

/** theta^(2j/dim), j < dim/2 */
function bases(theta: number, dim: number): Float64Array {
  const b = new Float64Array(dim / 2);
  for (let j = 0; j < b.length; j++) b[j] = theta ** ((2 * j) / dim);
  return b;
}

const single = (table: RopeTable): RopeSchedule => ({ tables: [table], variantFor: () => 0 });

type Builders = { [K in RopeSpec['kind']]: (r: Extract<RopeSpec, { kind: K }>) => RopeSchedule };

const BUILDERS: Builders = {
  default(r) {
    // 1 / theta ** (2j/dim): the expression the four GQA architectures were verified with
    const inv = new Float64Array(r.dim / 2);
    for (let j = 0; j < inv.length; j++) inv[j] = 1 / r.theta ** ((2 * j) / r.dim);
    return single(new RopeTable(r.dim, inv, r.interleaved));
  },
  yarn(r) {
    // blend from the original frequency (slots below rampLow) to original / factor (above rampHigh)
    const base = bases(r.theta, r.dim);
    const inv = new Float64Array(base.length);
    for (let j = 0; j < inv.length; j++) {
      const keep = 1 - Math.min(1, Math.max(0, (j - r.rampLow) / (r.rampHigh - r.rampLow)));
      inv[j] = (1 / (r.factor * base[j])) * (1 - keep) + (1 / base[j]) * keep;
    }
    return single(new RopeTable(r.dim, inv, r.interleaved, r.attentionFactor));
  },
  longrope(r) {
    const base = bases(r.theta, r.dim);
    const table = (factor: number[], mscale: number) => new RopeTable(r.dim, base.map((b, j) => 1 / (factor[j] * b)), r.interleaved, mscale);
    const orig = r.originalMaxPositionEmbeddings;
    return {
      tables: [table(r.shortFactor, r.shortMscale), table(r.longFactor, r.longMscale)],
      variantFor: (total) => (total > orig ? 1 : 0),
    };
  },
};

export function ropeSchedule(rope: RopeSpec): RopeSchedule {
  return (BUILDERS[rope.kind] as (r: RopeSpec) => RopeSchedule)(rope);
}
