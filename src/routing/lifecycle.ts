// The state-lifecycle options of a run (docs/routing-contract.md "State lifecycle"): when caches reset
// (`--cache-reset`) and how prompt tokens are treated (`--prefill-cache`).

import { usageError } from '../errors.js';

export const CACHE_RESET_MODES = ['per-sample', 'never'] as const;
/** per-sample: caches empty at the start of every evaluation unit; never: carried across samples */
export type CacheResetMode = (typeof CACHE_RESET_MODES)[number];
export const DEFAULT_CACHE_RESET: CacheResetMode = 'per-sample';

export const PREFILL_CACHE_MODES = ['count', 'warm', 'skip'] as const;
/**
 * count: prompt tokens are routed by the strategy, update the cache and are counted;
 * warm:  routed by the strategy, update the cache and Δavg, not counted;
 * skip:  routed by the model's own top-k, touch neither the cache nor Δavg, not counted.
 */
export type PrefillCacheMode = (typeof PREFILL_CACHE_MODES)[number];
export const DEFAULT_PREFILL_CACHE: PrefillCacheMode = 'count';

function parseChoice<T extends string>(flag: string, choices: readonly T[], fallback: T, value: string | undefined): T {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw usageError(
    `invalid-${flag.slice(2)}`,
    `${flag} must be one of ${choices.join(', ')}; got "${value}"`,
    `use ${flag} ${fallback} (the default) or one of ${choices.join(', ')}`,
  );
}

export const parseCacheReset = (value: string | undefined): CacheResetMode =>
  parseChoice('--cache-reset', CACHE_RESET_MODES, DEFAULT_CACHE_RESET, value);

export const parsePrefillCache = (value: string | undefined): PrefillCacheMode =>
  parseChoice('--prefill-cache', PREFILL_CACHE_MODES, DEFAULT_PREFILL_CACHE, value);
