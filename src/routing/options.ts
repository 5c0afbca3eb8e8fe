// The routing and expert-cache options of a run, typed (docs/routing-contract.md: every option the
// contract leaves open is a recorded, overridable option), with their defaults, and the controller
// they build. Ids and parameter names come from the registries; only the CLI knows the flag spelling.

import { z } from 'zod';
import { usageError } from '../errors.js';
import { CACHE_POLICY_IDS, DEFAULT_CACHE_POLICY } from '../cache/cache-registry.js';
import { DEFAULT_UPDATE_ORDER, UPDATE_ORDERS } from '../cache/update-order.js';
import { moeLayerIndices, type ModelSpec } from '../engine/spec.js';
import { CACHE_RESET_MODES, DEFAULT_CACHE_RESET, DEFAULT_PREFILL_CACHE, PREFILL_CACHE_MODES } from './lifecycle.js';
import { RoutingController, type RoutingCacheListener } from './controller.js';
import { readDeltaAvgFile } from './delta-avg-file.js';
import { STRATEGY_PARAM_KEYS, type StrategyParamKey } from './strategies/params.js';
import { DEFAULT_STRATEGY, STRATEGY_IDS } from './strategy-registry.js';
import { openTraceFile } from './trace-sink.js';

const strategyParams = z.object(Object.fromEntries(STRATEGY_PARAM_KEYS.map((k) => [k, z.number().optional()])) as Record<StrategyParamKey, z.ZodOptional<z.ZodNumber>>).strict();

export const routingOptionsSchema = z.object({
  strategy: z.enum(STRATEGY_IDS).default(DEFAULT_STRATEGY),
  /** the strategy's parameters; one it does not take is refused when the controller is built */
  params: strategyParams.default({}),
  /** experts resident per MoE layer; null = no cache (a run's memory limit may derive one) */
  cache: z.number().int().nullable().default(null),
  policy: z.enum(CACHE_POLICY_IDS).default(DEFAULT_CACHE_POLICY),
  lruOrder: z.enum(UPDATE_ORDERS).default(DEFAULT_UPDATE_ORDER),
  cacheReset: z.enum(CACHE_RESET_MODES).default(DEFAULT_CACHE_RESET),
  prefillCache: z.enum(PREFILL_CACHE_MODES).default(DEFAULT_PREFILL_CACHE),
  /** file for one JSON line per routing event */
  trace: z.string().nullable().default(null),
  /** calibration file of `moe-eval calibrate`: cache-prior's Δavg fixed per layer */
  deltaAvg: z.string().nullable().default(null),
});
export type RoutingOptions = z.infer<typeof routingOptionsSchema>;

/** The model a controller routes for: its spec, the bytes a miss moves, and the hash a calibration must match. */
export interface RoutingTarget {
  spec: ModelSpec;
  bytesPerExpert: number;
  configSha256: string;
}

/** The controller of one run; `cache` overrides options.cache (e.g. derived from a memory limit). */
export function createRouting(options: RoutingOptions, target: RoutingTarget, extra: { listener?: RoutingCacheListener; cache?: number | null } = {}): RoutingController {
  const { spec, bytesPerExpert, configSha256 } = target;
  const cache = extra.cache === undefined ? options.cache : extra.cache;
  const listener = extra.listener;
  const deltaAvg = options.deltaAvg === null ? null : calibration(options.deltaAvg, configSha256);
  return new RoutingController({
    rule: spec.moe.router,
    moeLayers: moeLayerIndices(spec),
    strategy: options.strategy,
    strategyParams: options.params,
    cache: cache === null ? null : { capacity: cache, policy: options.policy },
    lruOrder: options.lruOrder,
    cacheReset: options.cacheReset,
    prefillCache: options.prefillCache,
    bytesPerExpert,
    trace: options.trace === null ? null : openTraceFile(options.trace),
    listener: listener ?? null,
    deltaAvg,
  });
}

/** A calibration file's Δavg, refused when it was measured on another model (its config.json differs). */
function calibration(path: string, configSha256: string): { source: string; layers: { layer: number; deltaAvg: number }[] } {
  const file = readDeltaAvgFile(path);
  if (file.model.configSha256 !== configSha256) {
    throw usageError(
      'delta-avg-other-model',
      `--delta-avg ${path} was calibrated on another model (${file.model.path}, config sha256 ${file.model.configSha256.slice(0, 12)}…; this model's is ${configSha256.slice(0, 12)}…)`,
      'calibrate this model with `moe-eval calibrate TASK --model … --out FILE`',
    );
  }
  return { source: path, layers: file.layers };
}
