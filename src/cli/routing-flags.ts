// The routing and expert-cache flags (routing-contract.md), shared by `logits` and every task
// command, and their translation into a RoutingController. Validation lives in src/routing; the
// flags only parse numbers and list the valid ids.

import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { inputError } from '../errors.js';
import {
  CACHE_POLICY_IDS,
  CACHE_RESET_MODES,
  DEFAULT_CACHE_POLICY,
  DEFAULT_CACHE_RESET,
  DEFAULT_PREFILL_CACHE,
  DEFAULT_STRATEGY,
  DEFAULT_UPDATE_ORDER,
  openTraceFile,
  PREFILL_CACHE_MODES,
  RoutingController,
  STRATEGY_IDS,
  UPDATE_ORDERS,
  type RoutingCacheListener,
} from '../routing/index.js';
import type { ModelSpec } from '../engine/spec.js';
import { moeLayerIndices } from '../engine/spec.js';

export const routingFlags = {
  strategy: Flags.string({ description: 'routing strategy', options: [...STRATEGY_IDS], default: DEFAULT_STRATEGY, helpGroup: 'ROUTING' }),
  lambda: Flags.string({ description: "cache-prior strength λ in [0, 1]: z' = z + λ·Δavg·[resident or original top-J]", helpValue: 'X', helpGroup: 'ROUTING' }),
  'top-j': Flags.integer({ description: "original top-J experts always kept (0 ≤ J ≤ k; default 0)", helpValue: 'J', helpGroup: 'ROUTING' }),
  'max-rank': Flags.integer({ description: 'max-rank: resident experts of original rank ≤ M may replace (k ≤ M ≤ experts)', helpValue: 'M', helpGroup: 'ROUTING' }),
  threshold: Flags.string({ description: 'cumulative-threshold: candidate window = smallest prefix with cumulative probability ≥ p (0 < p ≤ 1)', helpValue: 'P', helpGroup: 'ROUTING' }),
  cache: Flags.integer({ description: 'experts resident per MoE layer (top-k ≤ C ≤ experts); no cache when absent', helpValue: 'C', helpGroup: 'CACHE' }),
  policy: Flags.string({ description: 'cache eviction policy', options: [...CACHE_POLICY_IDS], default: DEFAULT_CACHE_POLICY, helpGroup: 'CACHE' }),
  'lru-order': Flags.string({ description: "order in which an event's experts update the cache", options: [...UPDATE_ORDERS], default: DEFAULT_UPDATE_ORDER, helpGroup: 'CACHE' }),
  'cache-reset': Flags.string({ description: 'empty the caches at every evaluation unit, or never', options: [...CACHE_RESET_MODES], default: DEFAULT_CACHE_RESET, helpGroup: 'CACHE' }),
  'prefill-cache': Flags.string({ description: 'prompt tokens: count (like any token), warm (update caches and Δavg, not counted), skip (own top-k, untouched)', options: [...PREFILL_CACHE_MODES], default: DEFAULT_PREFILL_CACHE, helpGroup: 'CACHE' }),
  trace: Flags.string({ description: 'write one JSON line per routing event to FILE', helpValue: 'FILE', helpGroup: 'CACHE' }),
  'delta-avg': Flags.string({ description: 'cache-prior: use the per-layer Δavg of FILE (from `moe-eval calibrate`) instead of running means, so no state crosses samples (exact sharding)', helpValue: 'FILE', helpGroup: 'ROUTING' }),
};

export interface RoutingFlagValues {
  strategy: string;
  lambda?: string;
  'top-j'?: number;
  'max-rank'?: number;
  threshold?: string;
  cache?: number;
  policy: string;
  'lru-order': string;
  'cache-reset': string;
  'prefill-cache': string;
  trace?: string;
  'delta-avg'?: string;
}

/** a real number flag; NaN reaches the validators, which name the flag and its range */
const real = (v: string | undefined) => (v === undefined ? undefined : Number(v));

export function createRouting(flags: RoutingFlagValues, spec: ModelSpec, bytesPerExpert: number, listener?: RoutingCacheListener): RoutingController {
  return new RoutingController({
    rule: spec.moe.router,
    moeLayers: moeLayerIndices(spec),
    strategy: flags.strategy,
    strategyParams: { lambda: real(flags.lambda), topJ: flags['top-j'], maxRank: flags['max-rank'], threshold: real(flags.threshold) },
    cache: flags.cache === undefined ? null : { capacity: flags.cache, policy: flags.policy },
    lruOrder: flags['lru-order'],
    cacheReset: flags['cache-reset'],
    prefillCache: flags['prefill-cache'],
    bytesPerExpert,
    trace: flags.trace ? openTraceFile(flags.trace) : null,
    listener: listener ?? null,
    deltaAvg: flags['delta-avg'] ? readDeltaAvgFile(flags['delta-avg']) : null,
  });
}

/** A `moe-eval calibrate` file: { schema, layers: [{ layer, deltaAvg, events }] }. */
export function readDeltaAvgFile(path: string): { source: string; layers: { layer: number; deltaAvg: number }[] } {
  let doc: { schema?: string; layers?: { layer: number; deltaAvg: number }[] };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw inputError('delta-avg-unreadable', `--delta-avg ${path}: ${(e as Error).message}`, 'pass a file written by `moe-eval calibrate`');
  }
  if (doc.schema !== DELTA_AVG_SCHEMA || !Array.isArray(doc.layers)) {
    throw inputError('delta-avg-invalid', `--delta-avg ${path}: not a ${DELTA_AVG_SCHEMA} document`, 'pass a file written by `moe-eval calibrate`');
  }
  return { source: path, layers: doc.layers };
}

export const DELTA_AVG_SCHEMA = 'moe-eval.delta-avg/1';
