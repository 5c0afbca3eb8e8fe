// Typed access to an HF config.json with the per-architecture defaults of the transformers config
// classes (configuration_<model>.py) and key aliases; every bad value is an error naming the key.

import { inputError } from '../../errors.js';

export class ConfigReader {
  constructor(
    private readonly cfg: Record<string, unknown>,
    private readonly defaults: Record<string, unknown>,
    private readonly source: string,
  ) {}

  /** First present key among `keys` (aliases), else the default of the first key. */
  raw(...keys: string[]): unknown {
    for (const k of keys) if (this.cfg[k] !== undefined) return this.cfg[k];
    return this.defaults[keys[0]];
  }

  has(key: string): boolean {
    return this.cfg[key] !== undefined && this.cfg[key] !== null;
  }

  int(...keys: string[]): number {
    const v = this.raw(...keys);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.bad(keys, v, 'an integer');
    return v;
  }

  positiveInt(...keys: string[]): number {
    const v = this.int(...keys);
    if (v <= 0) throw this.bad(keys, v, 'a positive integer');
    return v;
  }

  optionalInt(...keys: string[]): number | null {
    const v = this.raw(...keys);
    if (v === null || v === undefined) return null;
    return this.int(...keys);
  }

  number(...keys: string[]): number {
    const v = this.raw(...keys);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.bad(keys, v, 'a number');
    return v;
  }

  optionalNumber(...keys: string[]): number | null {
    const v = this.raw(...keys);
    return v === null || v === undefined ? null : this.number(...keys);
  }

  bool(...keys: string[]): boolean {
    const v = this.raw(...keys);
    if (typeof v !== 'boolean') throw this.bad(keys, v, 'true or false');
    return v;
  }

  intList(...keys: string[]): number[] {
    const v = this.raw(...keys) ?? [];
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw this.bad(keys, v, 'a list of integers');
    return v as number[];
  }

  /** eos_token_id may be an int or a list */
  tokenIds(key: string): number[] {
    const v = this.cfg[key];
    if (v === undefined || v === null) return [];
    if (Number.isInteger(v)) return [v as number];
    if (Array.isArray(v) && v.every((x) => Number.isInteger(x))) return v as number[];
    throw this.bad([key], v, 'a token id or a list of token ids');
  }

  unsupported(key: string, value: unknown, supported: string): Error {
    return inputError('config-unsupported', `${this.source}: ${key} = ${JSON.stringify(value)} is not supported (${supported})`, `use a checkpoint whose ${key} is supported`);
  }

  /** a present but malformed value of `key` (config-invalid, exit 2) */
  invalid(key: string, v: unknown, what: string): Error {
    return this.bad([key], v, what);
  }

  private bad(keys: string[], v: unknown, what: string): Error {
    return inputError('config-invalid', `${this.source}: ${keys.join(' / ')} = ${JSON.stringify(v)} must be ${what}`, 'fix config.json');
  }
}

/**
 * rope_theta from `rope_theta` or transformers 5.x `rope_parameters`; only the default (unscaled)
 * rotary embedding is supported by the four GQA architectures.
 */
export function defaultRopeTheta(c: ConfigReader, fallback: number): number {
  const params = c.raw('rope_parameters') as Record<string, unknown> | undefined | null;
  const scaling = c.raw('rope_scaling') as Record<string, unknown> | undefined | null;
  for (const [key, p] of [['rope_parameters', params], ['rope_scaling', scaling]] as const) {
    if (p && typeof p === 'object') {
      const type = p.rope_type ?? p.type ?? 'default';
      if (type !== 'default') throw c.unsupported(`${key}.rope_type`, type, 'only the default rotary embedding for this architecture');
    }
  }
  const prf = c.raw('partial_rotary_factor');
  if (prf !== undefined && prf !== null && prf !== 1) throw c.unsupported('partial_rotary_factor', prf, 'only 1');
  const theta = c.raw('rope_theta') ?? (params && typeof params === 'object' ? params.rope_theta : undefined);
  if (theta === undefined || theta === null) return fallback;
  if (typeof theta !== 'number') throw c.unsupported('rope_theta', theta, 'a number');
  return theta;
}

export function requireSilu(c: ConfigReader): void {
  const act = c.raw('hidden_act');
  if (act !== 'silu') throw c.unsupported('hidden_act', act, 'silu, as every supported architecture ships');
}
