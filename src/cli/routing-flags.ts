// The routing and expert-cache flags (docs/routing-contract.md), shared by `logits`, `sweep` and
// every task command, and their translation into typed RoutingOptions. Ids come from the registries
// and the strategy parameters from their table, so a new strategy or parameter needs no edit here.

import { Flags } from '@oclif/core';
import { usageError } from '../errors.js';
import {
  CACHE_POLICY_IDS,
  CACHE_RESET_MODES,
  DEFAULT_CACHE_POLICY,
  DEFAULT_CACHE_RESET,
  DEFAULT_PREFILL_CACHE,
  DEFAULT_STRATEGY,
  DEFAULT_UPDATE_ORDER,
  PREFILL_CACHE_MODES,
  STRATEGY_IDS,
  STRATEGY_PARAM_KEYS,
  STRATEGY_PARAMS,
  UPDATE_ORDERS,
  type StrategyParamKey,
  type StrategyParams,
} from '../routing/index.js';
import type { RoutingOptions } from '../routing/options.js';

/** A parameter's help placeholder: its symbol when it is a Latin letter (J, M, P), else X. */
const helpValueOf = (symbol: string) => (/^[a-z]$/i.test(symbol) ? symbol.toUpperCase() : 'X');

/** One flag per strategy parameter, read as text so that a bad number reaches parseParam with its flag name. */
const paramFlags = Object.fromEntries(
  STRATEGY_PARAM_KEYS.map((k) => [STRATEGY_PARAMS[k].flag, Flags.string({ description: STRATEGY_PARAMS[k].description, helpValue: helpValueOf(STRATEGY_PARAMS[k].symbol), helpGroup: 'ROUTING' })]),
) as Record<string, ReturnType<typeof Flags.string>>;

/** The lifecycle and policy flags a sweep shares across its points. */
export const cacheLifecycleFlags = {
  policy: Flags.string({ description: 'cache eviction policy', options: [...CACHE_POLICY_IDS], default: DEFAULT_CACHE_POLICY, helpGroup: 'CACHE' }),
  'lru-order': Flags.string({ description: "order in which an event's experts update the cache", options: [...UPDATE_ORDERS], default: DEFAULT_UPDATE_ORDER, helpGroup: 'CACHE' }),
  'cache-reset': Flags.string({ description: 'empty the caches at every evaluation unit, or never', options: [...CACHE_RESET_MODES], default: DEFAULT_CACHE_RESET, helpGroup: 'CACHE' }),
  'prefill-cache': Flags.string({ description: 'prompt tokens: count (like any token), warm (update caches and Δavg, not counted), skip (own top-k, untouched)', options: [...PREFILL_CACHE_MODES], default: DEFAULT_PREFILL_CACHE, helpGroup: 'CACHE' }),
  'delta-avg': Flags.string({ description: 'cache-prior: use the per-layer Δavg of FILE (from `moe-eval calibrate`) instead of running means, so no state crosses samples (exact sharding)', helpValue: 'FILE', helpGroup: 'ROUTING' }),
};

export const routingFlags = {
  strategy: Flags.string({ description: 'routing strategy', options: [...STRATEGY_IDS], default: DEFAULT_STRATEGY, helpGroup: 'ROUTING' }),
  ...paramFlags,
  cache: Flags.integer({ description: 'experts resident per MoE layer (top-k ≤ C ≤ experts); no cache when absent', helpValue: 'C', helpGroup: 'CACHE' }),
  ...cacheLifecycleFlags,
  trace: Flags.string({ description: 'write one JSON line per routing event to FILE', helpValue: 'FILE', helpGroup: 'CACHE' }),
};

/** Parsed values of routingFlags (oclif's inferred type loses the derived parameter flags). */
export type RoutingFlagValues = Record<string, unknown>;

/** A parameter flag's text as a number; integers must be integers. NaN and fractions are named with the flag. */
export function parseParam(key: StrategyParamKey, text: string): number {
  const spec = STRATEGY_PARAMS[key];
  const value = Number(text);
  const ok = text.trim() !== '' && Number.isFinite(value) && (spec.kind === 'real' || Number.isInteger(value));
  if (!ok) throw usageError(`invalid-${spec.flag}`, `--${spec.flag} must be ${spec.kind === 'real' ? 'a number' : 'an integer'}; got "${text}"`, `see moe-eval --help for the range of --${spec.flag}`);
  return value;
}

/** The strategy parameters given on the command line. */
export function strategyParamsFromFlags(flags: RoutingFlagValues): StrategyParams {
  const params: StrategyParams = {};
  for (const key of STRATEGY_PARAM_KEYS) {
    const text = flags[STRATEGY_PARAMS[key].flag];
    if (typeof text === 'string') params[key] = parseParam(key, text);
  }
  return params;
}

/** The shared lifecycle flags as RoutingOptions fields. */
export function lifecycleFromFlags(flags: RoutingFlagValues): Pick<RoutingOptions, 'policy' | 'lruOrder' | 'cacheReset' | 'prefillCache' | 'deltaAvg'> {
  return {
    policy: flags.policy as RoutingOptions['policy'],
    lruOrder: flags['lru-order'] as RoutingOptions['lruOrder'],
    cacheReset: flags['cache-reset'] as RoutingOptions['cacheReset'],
    prefillCache: flags['prefill-cache'] as RoutingOptions['prefillCache'],
    deltaAvg: (flags['delta-avg'] as string | undefined) ?? null,
  };
}

export function routingOptionsFromFlags(flags: RoutingFlagValues): RoutingOptions {
  return {
    strategy: flags.strategy as RoutingOptions['strategy'],
    params: strategyParamsFromFlags(flags),
    cache: (flags.cache as number | undefined) ?? null,
    ...lifecycleFromFlags(flags),
    trace: (flags.trace as string | undefined) ?? null,
  };
}
