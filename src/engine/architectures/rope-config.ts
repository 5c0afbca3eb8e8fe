// Scaled rotary embeddings from config.json, for the architectures that ship them: YaRN (DeepSeek-V2)
// and LongRoPE (PhiMoE). Follows moe_ref.py `_rope_config`, `_parse_config_ext` and HF
// modeling_rope_utils.py (`_compute_yarn_parameters`, `_compute_longrope_parameters`); every
// unsupported or malformed value is an error naming its config key.

import type { ConfigReader } from './config-reader.js';
import type { LongRopeSpec, YarnRopeSpec } from '../spec.js';

export interface RopeConfig {
  /** rope_theta, or rope_parameters.rope_theta (transformers 5.x); null when absent */
  theta: number | null;
  /** default | yarn | longrope | … as written */
  type: string;
  /** the scaling parameters of that type */
  params: Record<string, unknown>;
  /** the config key holding params, for error messages ("rope_scaling" or "rope_parameters") */
  key: string;
  /** the key naming the type within it ("type" in 4.x configs, else "rope_type") */
  typeKey: string;
}

type Dict = Record<string, unknown>;
const asDict = (v: unknown): Dict | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : null);
const typeOf = (d: Dict | null): [string, string] => {
  if (!d) return ['default', 'rope_type'];
  if (d.rope_type !== undefined && d.rope_type !== null) return [String(d.rope_type), 'rope_type'];
  if (d.type !== undefined && d.type !== null) return [String(d.type), 'type'];
  return ['default', 'rope_type'];
};

/** Both config layouts: 4.x `rope_theta` + `rope_scaling` {type | rope_type}, 5.x `rope_parameters`. */
export function readRopeConfig(c: ConfigReader): RopeConfig {
  const rp = asDict(c.raw('rope_parameters'));
  const rsRaw = asDict(c.raw('rope_scaling'));
  const rs = rsRaw && Object.keys(rsRaw).length > 0 ? rsRaw : null;
  const [rpType] = typeOf(rp);
  const [rsType] = typeOf(rs);
  if (rp && rs && rpType !== 'default' && rsType !== 'default' && rpType !== rsType) {
    throw c.unsupported('rope_scaling', rs, `the same rope type as rope_parameters (${rpType})`);
  }
  const useScaling = rs !== null && rsType !== 'default';
  const params = useScaling ? rs : (rp ?? rs ?? {});
  const [type, typeKey] = typeOf(params);
  const thetaRaw = c.raw('rope_theta') ?? rp?.rope_theta;
  if (thetaRaw !== undefined && thetaRaw !== null && typeof thetaRaw !== 'number') throw c.invalid('rope_theta', thetaRaw, 'a number');
  const prf = c.raw('partial_rotary_factor') ?? params.partial_rotary_factor;
  if (prf !== undefined && prf !== null && prf !== 1) throw c.unsupported('partial_rotary_factor', prf, 'only 1');
  return {
    theta: typeof thetaRaw === 'number' ? thetaRaw : null,
    type,
    params: { ...params },
    key: useScaling || !rp ? 'rope_scaling' : 'rope_parameters',
    typeKey,
  };
}

/** The rope type must be one of `allowed`, else config-unsupported naming e.g. rope_scaling.type. */
export function requireRopeType(c: ConfigReader, rc: RopeConfig, allowed: string[]): void {
  if (!allowed.includes(rc.type)) throw c.unsupported(`${rc.key}.${rc.typeKey}`, rc.type, allowed.join(' or '));
}

function num(c: ConfigReader, rc: RopeConfig, name: string, what = 'a positive number'): number {
  const v = rc.params[name];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw c.invalid(`${rc.key}.${name}`, v, what);
  return v;
}

const truthy = (v: unknown) => v !== undefined && v !== null && v !== 0 && v !== false;

/** YaRN magnitude correction 0.1·m·ln(scale) + 1 (1 when scale ≤ 1); DeepSeek's yarn_get_mscale. */
export function yarnMscale(scale: number, m = 1): number {
  return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
}

/**
 * YaRN for `dim` rotated dims. Returns the rope spec and the factor DeepSeek-V2 multiplies its
 * softmax scale by: mscale(factor, mscale_all_dim)² when mscale_all_dim is set (transformers 4.57
 * leaves it out, 5.x and DeepSeek's code apply it; the reference follows DeepSeek).
 */
export function yarnRope(c: ConfigReader, rc: RopeConfig, theta: number, dim: number, interleaved: boolean): { rope: YarnRopeSpec; softmaxScaleFactor: number } {
  const factor = num(c, rc, 'factor');
  const orig = num(c, rc, 'original_max_position_embeddings');
  const mscale = rc.params.mscale;
  const mscaleAllDim = rc.params.mscale_all_dim;
  for (const [k, v] of [['mscale', mscale], ['mscale_all_dim', mscaleAllDim]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'number') throw c.invalid(`${rc.key}.${k}`, v, 'a number');
  }
  let attentionFactor: number;
  if (rc.params.attention_factor !== undefined && rc.params.attention_factor !== null) {
    attentionFactor = num(c, rc, 'attention_factor');
  } else if (truthy(mscale) !== truthy(mscaleAllDim)) {
    // HF derives cos/sin × mscale(factor, mscale) alone, DeepSeek's code the ratio: they disagree
    throw c.unsupported(`${rc.key}.mscale_all_dim`, mscaleAllDim ?? null, 'set together with mscale, or both unset');
  } else {
    attentionFactor = truthy(mscale) ? yarnMscale(factor, mscale as number) / yarnMscale(factor, mscaleAllDim as number) : yarnMscale(factor);
  }
  const betaFast = truthy(rc.params.beta_fast) ? num(c, rc, 'beta_fast') : 32;
  const betaSlow = truthy(rc.params.beta_slow) ? num(c, rc, 'beta_slow') : 1;
  const truncate = 'truncate' in rc.params ? truthy(rc.params.truncate) : true;
  // slot j of dim/2 turns orig / (2π·θ^(2j/dim)) times within orig positions; the ramp runs between
  // the slots that turn beta_fast and beta_slow times
  const slot = (turns: number) => (dim * Math.log(orig / (turns * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = slot(betaFast);
  let high = slot(betaSlow);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // as HF / DeepSeek: no zero-width ramp
  const softmaxScaleFactor = truthy(mscaleAllDim) ? yarnMscale(factor, mscaleAllDim as number) ** 2 : 1;
  return {
    rope: { kind: 'yarn', theta, dim, interleaved, factor, originalMaxPositionEmbeddings: orig, rampLow: low, rampHigh: high, attentionFactor },
    softmaxScaleFactor,
  };
}

/** LongRoPE as Phi-3.5-MoE ships it: both factor lists (dim/2 each) and both mscales. */
export function longRope(c: ConfigReader, rc: RopeConfig, theta: number, dim: number): LongRopeSpec {
  const top = c.raw('original_max_position_embeddings');
  const inner = rc.params.original_max_position_embeddings;
  if (top !== undefined && top !== null && inner !== undefined && inner !== null && top !== inner) {
    // transformers 4.57 reads the top-level key, 5.x the one inside the rope parameters
    throw c.unsupported('original_max_position_embeddings', top, `equal to ${rc.key}.original_max_position_embeddings (${JSON.stringify(inner)})`);
  }
  const orig = top ?? inner;
  if (typeof orig !== 'number' || !Number.isInteger(orig) || orig <= 0) throw c.invalid('original_max_position_embeddings', orig ?? null, 'a positive integer (longrope needs it)');
  const factors = (name: string): number[] => {
    const v = rc.params[name];
    if (!Array.isArray(v) || v.length !== dim / 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      throw c.invalid(`${rc.key}.${name}`, v ?? null, `a list of ${dim / 2} positive numbers (head_dim / 2)`);
    }
    return v as number[];
  };
  const mscale = (name: string): number => {
    const v = rc.params[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw c.unsupported(`${rc.key}.${name}`, v ?? null, 'a number (transformers 5.x requires short_mscale and long_mscale; Phi-3.5-MoE has both)');
    return v;
  };
  return {
    kind: 'longrope',
    theta,
    dim,
    interleaved: false,
    shortFactor: factors('short_factor'),
    longFactor: factors('long_factor'),
    shortMscale: mscale('short_mscale'),
    longMscale: mscale('long_mscale'),
    originalMaxPositionEmbeddings: orig,
  };
}
