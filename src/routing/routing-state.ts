// Saving and restoring the routing state of a run, in its two uses: a resume checkpoint between
// samples (JSON-safe, durable: everything needed to continue an interrupted run exactly), and a fork
// inside one sample (continuations of one context each start from the same caches and Δavg;
// statistics, trace and replays are never rolled back, because every routed event happened).

import type { DurableCacheState, ExpertCacheState } from '../cache/expert-cache.js';
import type { LiveStatsCollector } from '../cache/stats-collector.js';
import { runtimeError } from '../errors.js';
import { fromTypedJson, toTypedJson } from '../util/typed-json.js';
import type { CacheResetMode } from './lifecycle.js';
import type { LiveCaches } from './live-caches.js';
import type { ReplayCountsByPolicy, ReplayRecorder, TraceSegment } from './replay-recorder.js';
import type { RoutingStrategy } from './strategies/strategy.js';

/** A resume checkpoint: JSON-safe (typed arrays encoded by util/typed-json). */
export type RoutingCheckpoint = Record<string, unknown> & { schema: 'moe-eval.routing-checkpoint/1' };

/** The stateful parts of a routing controller. */
export interface RoutingParts {
  readonly strategy: RoutingStrategy;
  readonly stats: LiveStatsCollector;
  readonly caches: LiveCaches | null;
  readonly replays: ReplayRecorder | null;
  readonly cacheReset: CacheResetMode;
}

interface DecodedCheckpoint {
  sample: string | number;
  stats: Record<string, Float64Array>;
  replayCounts: ReplayCountsByPolicy | null;
  strategy: unknown;
  caches: DurableCacheState[] | null;
  loadCounted: Uint8Array | null;
}

/**
 * The cumulative state after a finished sample, and the original-trace events since the previous
 * checkpoint (non-empty only with --cache-reset never, where the trace spans samples and every
 * segment must be kept, in order).
 */
export function takeCheckpoint(parts: RoutingParts, sample: string | number): { state: RoutingCheckpoint; traceSegments: TraceSegment[] | null } {
  // per-sample mode empties the caches at every sample's end: there is nothing to carry
  const carries = parts.cacheReset === 'never';
  const caches = carries ? (parts.caches?.exportDurable() ?? null) : null;
  const state = toTypedJson({
    schema: 'moe-eval.routing-checkpoint/1',
    sample,
    stats: parts.stats.exportDurable(),
    replayCounts: parts.replays?.exportCounts() ?? null,
    strategy: parts.strategy.saveState(),
    caches: caches?.caches ?? null,
    loadCounted: caches?.loadCounted ?? null,
  }) as RoutingCheckpoint;
  const segments = parts.replays?.segmentsSinceMark() ?? null;
  return { state, traceSegments: carries ? segments : null };
}

/** Continues from the last checkpoint and every trace segment written so far; returns its sample id. */
export function restoreCheckpoint(parts: RoutingParts, checkpoint: RoutingCheckpoint, traceSegments: readonly (readonly TraceSegment[])[]): string | number {
  const last = fromTypedJson(checkpoint) as DecodedCheckpoint;
  parts.stats.importDurable(last.stats);
  if (parts.replays && last.replayCounts) parts.replays.restore(last.replayCounts, traceSegments);
  if (last.strategy !== null && last.strategy !== undefined) parts.strategy.restoreState(last.strategy);
  if (parts.caches && last.caches && last.loadCounted) parts.caches.importDurable({ caches: last.caches, loadCounted: last.loadCounted });
  return last.sample;
}

/** What a fork captures: the live caches and the strategy's Δavg estimators. Opaque to callers. */
export interface RoutingFork {
  readonly sample: string | number;
  readonly caches: readonly ExpertCacheState[] | null;
  readonly strategy: unknown;
}

/** Hands out forks and takes back only its own, of the current sample. */
export class ForkKeeper {
  private readonly issued = new WeakSet<object>();

  save(parts: RoutingParts, sample: string | number): RoutingFork {
    const fork: RoutingFork = { sample, caches: parts.caches?.saveState() ?? null, strategy: parts.strategy.saveState() };
    this.issued.add(fork);
    return fork;
  }

  /**
   * Experts the restore drops are reported to the cache listener as evictions with cause "restore",
   * experts it brings back as loads; neither is a counted miss. Restoring Δavg too makes each
   * continuation's routing independent of the order in which the continuations are scored.
   */
  restore(parts: RoutingParts, fork: unknown, sample: string | number): void {
    if (typeof fork !== 'object' || fork === null || !this.issued.has(fork)) {
      throw runtimeError('routing-bad-state', 'restoreState() needs a state returned by saveState() of the same controller');
    }
    const f = fork as RoutingFork;
    if (f.sample !== sample) {
      throw runtimeError('routing-stale-state', `restoreState(): the state belongs to sample ${String(f.sample)}, the current sample is ${String(sample)}`);
    }
    if (parts.caches && f.caches) parts.caches.restoreState(f.caches);
    parts.strategy.restoreState(f.strategy);
  }
}
