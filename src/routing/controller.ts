// The strategy + cache controller behind the engine's ExpertRouting seam (docs/routing-contract.md
// "One routing event", "State lifecycle"): snapshot → select → weights from the unmodified logits →
// hits vs snapshot → cache update in --lru-order → statistics → trace line. The live caches, the
// replays of the original trace and the saved states are parts of their own (live-caches.ts,
// replay-recorder.ts, routing-state.ts); this class routes and keeps the sample lifecycle.
// route() is on the decode hot path: every buffer is allocated once, per controller.

import { parseCachePolicy, validateCacheCapacity } from '../cache/cache-registry.js';
import { LiveStatsCollector } from '../cache/stats-collector.js';
import { summariseLive } from '../cache/stats.js';
import { parseUpdateOrder, sortPairsByWeight, touchOrderInto, type UpdateOrder } from '../cache/update-order.js';
import { runtimeError, usageError } from '../errors.js';
import { parseCacheReset, parsePrefillCache, type PrefillCacheMode } from './lifecycle.js';
import { LiveCaches, type RoutingCacheListener } from './live-caches.js';
import { ReplayRecorder, type TraceSegment } from './replay-recorder.js';
import { ForkKeeper, restoreCheckpoint, takeCheckpoint, type RoutingCheckpoint, type RoutingFork, type RoutingParts } from './routing-state.js';
import { ROUTING_CONVENTIONS, ROUTING_REPORT_SCHEMA, type RoutingConfigRecord, type RoutingRunReport } from './run-report.js';
import type { RoutingEventView, StrategyParams } from './strategies/strategy.js';
import { DEFAULT_STRATEGY, getStrategy } from './strategy-registry.js';
import { formatTraceLine, sampleLinePrefix } from './trace-line.js';
import type { TraceSink } from './trace-sink.js';
import type { ExpertRouting, RouterRule, RoutingPhase } from './types.js';

export type { RoutingCacheListener } from './live-caches.js';
export type { TraceSegment } from './replay-recorder.js';
export type { RoutingCheckpoint } from './routing-state.js';
/** What saveState() captures: the live caches and the strategy's Δavg estimators. Opaque to callers. */
export type RoutingState = RoutingFork;

export interface RoutingControllerOptions {
  rule: RouterRule;
  /** decoder-layer indices that have routed experts (any order; duplicates are an error) */
  moeLayers: readonly number[];
  /** --strategy, default topk */
  strategy?: string;
  /** --lambda, --top-j, --max-rank, --threshold; leave a parameter undefined when it was not given */
  strategyParams?: StrategyParams;
  /** --cache C and --policy (default lru); null/undefined = no cache */
  cache?: { capacity: number; policy?: string } | null;
  /** --lru-order, default weight-desc-first */
  lruOrder?: string;
  /** --cache-reset, default per-sample */
  cacheReset?: string;
  /** --prefill-cache, default count */
  prefillCache?: string;
  /** bytes one routed expert occupies at the stored precision (bytes that misses move) */
  bytesPerExpert?: number | null;
  /** --trace FILE sink; closed by finish() */
  trace?: TraceSink | null;
  listener?: RoutingCacheListener | null;
  /** --delta-avg: Δavg per MoE layer fixed for the whole run (cache-prior), from `moe-eval calibrate` */
  deltaAvg?: { source: string; layers: { layer: number; deltaAvg: number }[] } | null;
}

/** Mutable backing of the RoutingEventView handed to strategies (z is the caller's array). */
interface EventScratch {
  numExperts: number;
  topK: number;
  z: Float32Array;
  probs: Float64Array;
  order: Int32Array;
  rankPos: Int32Array;
  resident: Uint8Array;
}

export class RoutingController implements ExpertRouting {
  readonly topK: number;
  readonly numExperts: number;
  readonly config: RoutingConfigRecord;
  private readonly rule: RouterRule;
  private readonly layers: readonly number[];
  private readonly slotOfLayer: Int32Array;
  private readonly lruOrder: UpdateOrder;
  private readonly prefillCache: PrefillCacheMode;
  private readonly bytesPerExpert: number | null;
  private readonly traceSink: TraceSink | null;
  private readonly parts: RoutingParts;
  private readonly forks = new ForkKeeper();
  // per event scratch, [E] or [k]
  private readonly ev: EventScratch;
  private readonly pick: Int32Array;
  private readonly pickWeights: Float32Array;
  private readonly touch: Int32Array;
  private readonly touchWeights: Float32Array;
  private readonly hits: Uint8Array;
  /** an evaluation unit is open (routing before the first beginSample belongs to sample 0) */
  private unitOpen = true;
  private sampleId: string | number = 0;
  private samplePrefix = sampleLinePrefix(0);
  private report: RoutingRunReport | null = null;

  constructor(opts: RoutingControllerOptions) {
    const rule = opts.rule;
    this.rule = rule;
    this.topK = rule.topK;
    this.numExperts = rule.numExperts;
    const k = this.topK;
    const E = this.numExperts;
    if (!(Number.isInteger(k) && Number.isInteger(E) && k >= 1 && k <= E)) {
      throw runtimeError('router-rule-invalid', `router rule ${rule.kind} has top-k ${k} and ${E} experts; need 1 ≤ k ≤ E`);
    }
    this.layers = sortedLayers(opts.moeLayers);
    this.slotOfLayer = new Int32Array(this.layers.length > 0 ? this.layers[this.layers.length - 1] + 1 : 0).fill(-1);
    this.layers.forEach((layer, slot) => (this.slotOfLayer[layer] = slot));

    const fixedDeltaAvg = opts.deltaAvg ? fixedDeltaAvgBySlot(this.layers, opts.deltaAvg) : null;
    const definition = getStrategy(opts.strategy ?? DEFAULT_STRATEGY);
    const strategy = definition.create(opts.strategyParams ?? {}, { rule, numLayers: this.layers.length, fixedDeltaAvg });
    this.lruOrder = parseUpdateOrder(opts.lruOrder);
    const cacheReset = parseCacheReset(opts.cacheReset);
    this.prefillCache = parsePrefillCache(opts.prefillCache);
    this.bytesPerExpert = validBytes(opts.bytesPerExpert);
    this.traceSink = opts.trace ?? null;

    const cacheOpt = opts.cache ?? null;
    if (cacheOpt === null && definition.needsCache) {
      throw usageError('strategy-needs-cache', `--strategy ${definition.id} needs --cache: it has no cache to be aware of`, `add --cache C with C in [${k}, ${E}], or use --strategy topk`);
    }
    const policy = cacheOpt ? parseCachePolicy(cacheOpt.policy) : null;
    const capacity = cacheOpt ? validateCacheCapacity(cacheOpt.capacity, k, E) : 0;
    const stats = new LiveStatsCollector(this.layers, k, policy !== null);
    this.parts = {
      strategy,
      stats,
      caches: policy === null ? null : new LiveCaches(policy, capacity, this.layers, E, stats, opts.listener ?? null),
      replays: policy === null ? null : new ReplayRecorder(rule, this.layers, capacity, this.lruOrder),
      cacheReset,
    };

    this.ev = { numExperts: E, topK: k, z: new Float32Array(E), probs: new Float64Array(E), order: new Int32Array(E), rankPos: new Int32Array(E), resident: new Uint8Array(E) };
    this.pick = new Int32Array(k);
    this.pickWeights = new Float32Array(k);
    this.touch = new Int32Array(k);
    this.touchWeights = new Float32Array(k);
    this.hits = new Uint8Array(k);

    this.config = {
      strategy: { id: definition.id, params: { ...strategy.params }, description: strategy.description },
      cache: policy === null ? null : { policy, capacityExpertsPerLayer: capacity },
      lruOrder: this.lruOrder,
      cacheReset,
      prefillCache: this.prefillCache,
      bytesPerExpert: this.bytesPerExpert,
      router: { kind: rule.kind, description: rule.description, numExperts: E, topK: k },
      moeLayers: [...this.layers],
      fixedDeltaAvg: fixedDeltaAvg ? [...fixedDeltaAvg] : null,
      conventions: [...ROUTING_CONVENTIONS],
    };
  }

  /**
   * Starts an evaluation unit (perplexity window, MMLU question, GSM8K problem, `logits` sequence).
   * per-sample: replays the finished unit and empties every cache; Δavg always persists.
   * Routing before the first call belongs to sample 0.
   */
  beginSample(sampleId: string | number): void {
    this.assertOpen();
    this.endSample();
    this.sampleId = sampleId;
    this.samplePrefix = sampleLinePrefix(sampleId);
    this.unitOpen = true;
  }

  /**
   * Ends the current evaluation unit: per-sample mode replays the unit and empties every cache
   * (closing residencies), so a checkpoint() taken now holds all of the unit's statistics.
   */
  endSample(): void {
    this.assertOpen();
    if (!this.unitOpen) return;
    const { caches, replays, cacheReset } = this.parts;
    if (cacheReset === 'per-sample' && caches) {
      replays?.replayUnit();
      caches.reset();
    }
    this.unitOpen = false;
  }

  /** Everything needed to continue the run exactly after an interruption, taken between samples (after endSample). */
  checkpoint(): { state: RoutingCheckpoint; traceSegments: TraceSegment[] | null } {
    this.assertOpen();
    return takeCheckpoint(this.parts, this.sampleId);
  }

  /** Continue an interrupted run from its last checkpoint state and every trace segment written so far. */
  restoreCheckpoint(checkpoint: RoutingCheckpoint, traceSegments: readonly (readonly TraceSegment[])[]): void {
    this.assertOpen();
    this.sampleId = restoreCheckpoint(this.parts, checkpoint, traceSegments);
    this.samplePrefix = sampleLinePrefix(this.sampleId);
    this.unitOpen = false;
  }

  /**
   * Captures the routing state every continuation of one context must start from (caches, Δavg);
   * statistics, trace and replays are not rolled back. Allocates a copy: call it per request.
   */
  saveState(): RoutingState {
    this.assertOpen();
    return this.forks.save(this.parts, this.sampleId);
  }

  /** Goes back to a saveState() of the current sample (see ForkKeeper.restore). */
  restoreState(state: unknown): void {
    this.assertOpen();
    this.forks.restore(this.parts, state, this.sampleId);
  }

  /** Counted events, cache accesses and misses so far (subtract two readings for one sample's share). */
  totals(): { events: number; accesses: number; misses: number } {
    return this.parts.stats.totals();
  }

  /** Experts resident in the live caches now (e.g. for an offloading store after a restore). */
  residentExperts(): { layer: number; expert: number }[] {
    return this.parts.caches?.residentExperts() ?? [];
  }

  route(layer: number, position: number, phase: RoutingPhase, z: Float32Array, selected: Int32Array, weights: Float32Array): void {
    this.assertOpen();
    const slot = layer >= 0 && layer < this.slotOfLayer.length ? this.slotOfLayer[layer] : -1;
    if (slot < 0) throw runtimeError('routing-unknown-layer', `layer ${layer} is not one of the MoE layers ${this.layers.join(', ')}`);
    const k = this.topK;
    const E = this.numExperts;
    if (z.length !== E || selected.length < k || weights.length < k) {
      throw runtimeError('routing-bad-buffers', `route() needs z of length ${E} and selected/weights of length ≥ ${k}; got ${z.length}, ${selected.length}, ${weights.length}`);
    }
    const ev = this.ev;
    const rule = this.rule;
    ev.z = z;
    rule.probabilities(z, ev.probs);
    rule.ranking(z, ev.probs, ev.order);
    for (let p = 0; p < E; p++) ev.rankPos[ev.order[p]] = p;

    const mode: PrefillCacheMode = phase === 'decode' ? 'count' : this.prefillCache;
    const counted = mode === 'count';
    const { caches, replays, stats, strategy } = this.parts;
    if (caches) ev.resident.set(caches.residentMask(slot)); // the snapshot; stays all 0 without a cache

    const pick = this.pick;
    if (mode === 'skip') {
      for (let i = 0; i < k; i++) pick[i] = ev.order[i];
    } else {
      strategy.select(slot, ev as RoutingEventView, pick);
    }
    // weights always from the unmodified logits, as the model computes them
    rule.mixingWeights(z, ev.probs, pick, this.pickWeights);
    sortPairsByWeight(pick, this.pickWeights, k, true);

    let hitCount = 0;
    let substituted = 0;
    let substitutedRankSum = 0;
    for (let i = 0; i < k; i++) {
      const id = pick[i];
      selected[i] = id;
      weights[i] = this.pickWeights[i];
      const hit = ev.resident[id];
      this.hits[i] = hit;
      hitCount += hit;
      const pos = ev.rankPos[id];
      if (pos >= k) {
        substituted++;
        substitutedRankSum += pos + 1;
      }
    }

    if (caches && mode !== 'skip') {
      touchOrderInto(pick, this.pickWeights, k, this.lruOrder, this.touch, this.touchWeights);
      caches.update(slot, this.touch, k, counted);
      replays?.record(slot, ev as RoutingEventView, counted);
    }
    if (counted) {
      stats.recordRouting(slot, substituted, substitutedRankSum);
      if (caches) stats.recordHits(slot, hitCount, k - hitCount);
    }
    if (this.traceSink) {
      this.traceSink.writeLine(formatTraceLine(this.samplePrefix, position, layer, ev.order, pick, this.pickWeights, this.hits, ev.resident, k));
    }
  }

  /**
   * Ends the run: replays the last unit, closes residency at the end of the run, closes the trace,
   * and returns the plain JSON statistics document. Idempotent; route() after finish() throws.
   */
  finish(): RoutingRunReport {
    if (this.report) return this.report;
    const { caches, replays, stats, strategy } = this.parts;
    replays?.replayUnit();
    caches?.closeResidencies();
    this.traceSink?.close();
    const counts = stats.toCounts();
    const layerStates = this.layers.map((layer, slot) => {
      const state = strategy.layerState(slot);
      return state ? { layer, ...state } : null;
    });
    this.report = {
      schema: ROUTING_REPORT_SCHEMA,
      config: this.config,
      counts,
      summary: summariseLive(counts, this.bytesPerExpert),
      strategyState: layerStates.length > 0 && layerStates.every((r) => r !== null) ? (layerStates as { layer: number }[] as RoutingRunReport['strategyState']) : null,
      replays: replays ? replays.report(counts.tokens, this.bytesPerExpert) : null,
    };
    return this.report;
  }

  /** The sample id of the current unit (as given to beginSample). */
  get currentSample(): string | number {
    return this.sampleId;
  }

  private assertOpen(): void {
    if (this.report) throw runtimeError('routing-finished', 'the routing controller is finished; create a new one per run');
  }
}

/** One Δavg per MoE layer of the model, from a calibration file; any gap is a usage error naming the file. */
function fixedDeltaAvgBySlot(layers: readonly number[], d: NonNullable<RoutingControllerOptions['deltaAvg']>): number[] {
  const byLayer = new Map(d.layers.map((l) => [l.layer, l.deltaAvg]));
  return layers.map((layer) => {
    const v = byLayer.get(layer);
    if (v === undefined || !Number.isFinite(v) || v < 0) {
      throw usageError('delta-avg-missing-layer', `--delta-avg ${d.source} has no valid Δavg for MoE layer ${layer}`, 'write the file with `moe-eval calibrate` on the same model');
    }
    return v;
  });
}

function sortedLayers(moeLayers: readonly number[]): number[] {
  const layers = [...moeLayers].sort((a, b) => a - b);
  layers.forEach((layer, i) => {
    if (!Number.isInteger(layer) || layer < 0 || (i > 0 && layers[i - 1] === layer)) {
      throw runtimeError('routing-bad-layers', `MoE layer indices must be distinct non-negative integers; got ${moeLayers.join(', ')}`);
    }
  });
  return layers;
}

function validBytes(bytes: number | null | undefined): number | null {
  if (bytes === undefined || bytes === null) return null;
  if (!(Number.isFinite(bytes) && bytes >= 0)) throw runtimeError('routing-bad-bytes', `bytes per expert must be a finite number ≥ 0, got ${bytes}`);
  return bytes;
}
