// Public surface of cache-aware routing (docs/routing-contract.md): what the engine, the run layer
// and the commands import. The engine needs only RoutingController (an ExpertRouting).

export type { ExpertRouting, RouterRule, RoutingPhase, SampleRouting } from './types.js';
export { RoutingController } from './controller.js';
export type { RoutingCacheListener, RoutingCheckpoint, RoutingControllerOptions, TraceSegment, RoutingState } from './controller.js';
export { STRATEGY_IDS, DEFAULT_STRATEGY, getStrategy, createStrategy } from './strategy-registry.js';
export type { StrategyId } from './strategy-registry.js';
export type { RoutingStrategy, RoutingEventView, StrategyParams, StrategyDefinition } from './strategies/strategy.js';
export { STRATEGY_PARAMS, STRATEGY_PARAM_KEYS, paramsLabel, type StrategyParamKey, type StrategyParamSpec } from './strategies/params.js';
export { CACHE_RESET_MODES, PREFILL_CACHE_MODES, DEFAULT_CACHE_RESET, DEFAULT_PREFILL_CACHE, parseCacheReset, parsePrefillCache } from './lifecycle.js';
export type { CacheResetMode, PrefillCacheMode } from './lifecycle.js';
export { openTraceFile, BufferedTraceFile, MemoryTraceSink } from './trace-sink.js';
export type { TraceSink } from './trace-sink.js';
export { ROUTING_REPORT_SCHEMA, ROUTING_CONVENTIONS, routingRunReportSchema } from './run-report.js';
export type { RoutingConfigRecord, RoutingReplayReport, RoutingRunReport } from './run-report.js';
export { CACHE_POLICY_IDS, REPLAY_POLICY_IDS, DEFAULT_CACHE_POLICY, parseCachePolicy, validateCacheCapacity } from '../cache/cache-registry.js';
export type { CachePolicyId, ReplayPolicyId } from '../cache/cache-registry.js';
export { UPDATE_ORDERS, DEFAULT_UPDATE_ORDER, parseUpdateOrder } from '../cache/update-order.js';
export type { UpdateOrder } from '../cache/update-order.js';
export { mergeLiveCounts, mergeReplayCounts, summariseLive, summariseReplay } from '../cache/stats.js';
export type { LiveCounts, LiveSummary, ReplayCounts, ReplaySummary } from '../cache/stats.js';
