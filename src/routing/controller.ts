// The strategy + cache controller behind the engine's ExpertRouting seam (routing-contract.md "One
// routing event", "State lifecycle", "What a run must record"): snapshot → select → weights from the
// unmodified logits → hits vs snapshot → cache update in --lru-order → statistics → trace line.
// route() is on the decode hot path: every buffer is allocated once, per controller.

import { AccessTrace } from '../cache/access-trace.js';
import { BeladyReplayer } from '../cache/belady.js';
import { parseCachePolicy, createExpertCache, validateCacheCapacity, type CachePolicyId } from '../cache/cache-registry.js';
import type { CacheListener, DurableCacheState, EvictionCause, ExpertCache, ExpertCacheState } from '../cache/expert-cache.js';
import { fromTypedJson, toTypedJson } from '../util/typed-json.js';
import { PolicyReplayer, type TraceReplayer } from '../cache/replay.js';
import { LiveStatsCollector, replayCountsOf } from '../cache/stats-collector.js';
import { summariseLive, summariseReplay, type HitCounts, type ReplayCounts, type ReplaySummary } from '../cache/stats.js';
import { parseUpdateOrder, sortPairsByWeight, touchOrderInto, type UpdateOrder } from '../cache/update-order.js';
import { runtimeError, usageError } from '../errors.js';
import { parseCacheReset, parsePrefillCache, type CacheResetMode, type PrefillCacheMode } from './lifecycle.js';
import {
  REPLAY_POLICIES,
  ROUTING_CONVENTIONS,
  ROUTING_REPORT_SCHEMA,
  type ReplayPolicyId,
  type RoutingConfigRecord,
  type RoutingRunReport,
} from './run-report.js';
import type { RoutingEventView, RoutingStrategy, StrategyParams } from './strategies/strategy.js';
import { createStrategy, DEFAULT_STRATEGY } from './strategy-registry.js';
import { formatTraceLine, sampleLinePrefix } from './trace-line.js';
import type { TraceSink } from './trace-sink.js';
import type { ExpertRouting, RouterRule, RoutingPhase } from './types.js';

/** Observer of the live caches, e.g. an offloading expert store releasing evicted experts. */
export interface RoutingCacheListener {
  onLoad?(layer: number, expertId: number): void;
  onEvict?(layer: number, expertId: number, cause: EvictionCause): void;
}

export interface RoutingControllerOptions {
  rule: RouterRule;
  /** decoder-layer indices that have routed experts (any order; duplicates are an error) */
  moeLayers: readonly number[];
  /** --strategy, default topk */
  strategy?: string;
  /** --lambda, --top-j, --max-rank, --threshold; leave a flag undefined when it was not given */
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

/** A resume checkpoint: JSON-safe (typed arrays encoded by util/typed-json). */
export type RoutingCheckpoint = Record<string, unknown> & { schema: 'moe-eval.routing-checkpoint/1' };
/** Original-trace events of one MoE layer (ids in cache touch order, counted flags). */
export interface TraceSegment {
  ids: number[];
  counted: number[];
}

interface DecodedCheckpoint {
  sample: string | number;
  stats: Record<string, Float64Array>;
  replayCounts: Record<ReplayPolicyId, HitCounts[]> | null;
  strategy: unknown;
  caches: DurableCacheState[] | null;
  loadCounted: Uint8Array | null;
  running: { events: number; accesses: number; misses: number };
}

/** What saveState() captures: the live caches and the strategy's Δavg estimators. Opaque to callers. */
export interface RoutingState {
  readonly sample: string | number;
  readonly caches: readonly ExpertCacheState[] | null;
  readonly strategy: unknown;
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
  private readonly strategy: RoutingStrategy;
  private readonly layers: readonly number[];
  private readonly slotOfLayer: Int32Array;
  private readonly caches: ExpertCache[] | null;
  private readonly lruOrder: UpdateOrder;
  private readonly cacheReset: CacheResetMode;
  private readonly prefillCache: PrefillCacheMode;
  private readonly bytesPerExpert: number | null;
  private readonly traceSink: TraceSink | null;
  private readonly stats: LiveStatsCollector;
  // replays of the original top-k trace, per reset unit
  private readonly unitTraces: AccessTrace[] | null;
  private readonly replayers: Record<ReplayPolicyId, TraceReplayer> | null;
  private readonly replayCounts: Record<ReplayPolicyId, HitCounts[]> | null;
  // per event scratch, [E] or [k]
  private readonly ev: EventScratch;
  private readonly pick: Int32Array; // [k]
  private readonly pickWeights: Float32Array; // [k]
  private readonly original: Int32Array; // [k]
  private readonly originalWeights: Float32Array; // [k]
  private readonly touch: Int32Array; // [k]
  private readonly touchWeights: Float32Array; // [k]
  private readonly hits: Uint8Array; // [k]
  /** [layers * E] 1 = the resident expert was loaded by a counted event (residency is counted) */
  private readonly loadCounted: Uint8Array;
  private eventCounted = false;
  /** running totals of counted events, for per-sample deltas */
  private running = { events: 0, accesses: 0, misses: 0 };
  /** an evaluation unit is open (routing before the first beginSample belongs to sample 0) */
  private unitOpen = true;
  /** per slot: trace length already written to a checkpoint (--cache-reset never keeps one trace) */
  private traceMark: number[] = [];
  private sampleId: string | number = 0;
  private samplePrefix = sampleLinePrefix(0);
  private report: RoutingRunReport | null = null;
  /** states this controller issued, so a foreign or stale object is refused */
  private readonly issuedStates = new WeakSet<object>();

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
    this.strategy = createStrategy(opts.strategy ?? DEFAULT_STRATEGY, opts.strategyParams ?? {}, { rule, numLayers: this.layers.length, fixedDeltaAvg });
    this.lruOrder = parseUpdateOrder(opts.lruOrder);
    this.cacheReset = parseCacheReset(opts.cacheReset);
    this.prefillCache = parsePrefillCache(opts.prefillCache);
    this.bytesPerExpert = validBytes(opts.bytesPerExpert);
    this.traceSink = opts.trace ?? null;

    const cacheOpt = opts.cache ?? null;
    if (cacheOpt === null && this.strategy.needsCache) {
      throw usageError(
        'strategy-needs-cache',
        `--strategy ${this.strategy.id} needs --cache: it has no cache to be aware of`,
        `add --cache C with C in [${k}, ${E}], or use --strategy topk`,
      );
    }
    const policy: CachePolicyId | null = cacheOpt ? parseCachePolicy(cacheOpt.policy) : null;
    const capacity = cacheOpt ? validateCacheCapacity(cacheOpt.capacity, k, E) : 0;

    this.stats = new LiveStatsCollector(this.layers, k, cacheOpt !== null);
    this.loadCounted = new Uint8Array(this.layers.length * E);
    this.caches = policy === null ? null : this.layers.map((layer, slot) => createExpertCache(policy, E, capacity, this.cacheListener(slot, layer, opts.listener ?? null)));
    this.unitTraces = policy === null ? null : this.layers.map(() => new AccessTrace(k, E));
    this.replayers =
      policy === null
        ? null
        : {
            lru: new PolicyReplayer('lru', E, capacity, k),
            lfu: new PolicyReplayer('lfu', E, capacity, k),
            fifo: new PolicyReplayer('fifo', E, capacity, k),
            belady: new BeladyReplayer(E, capacity),
          };
    this.replayCounts =
      policy === null
        ? null
        : (Object.fromEntries(REPLAY_POLICIES.map((p) => [p, this.layers.map(() => ({ accesses: 0, hits: 0, misses: 0 }))])) as Record<
            ReplayPolicyId,
            HitCounts[]
          >);

    this.ev = {
      numExperts: E,
      topK: k,
      z: new Float32Array(E),
      probs: new Float64Array(E),
      order: new Int32Array(E),
      rankPos: new Int32Array(E),
      resident: new Uint8Array(E),
    };
    this.pick = new Int32Array(k);
    this.pickWeights = new Float32Array(k);
    this.original = new Int32Array(k);
    this.originalWeights = new Float32Array(k);
    this.touch = new Int32Array(k);
    this.touchWeights = new Float32Array(k);
    this.hits = new Uint8Array(k);

    this.config = {
      strategy: { id: this.strategy.id, params: { ...this.strategy.params }, description: this.strategy.description },
      cache: policy === null ? null : { policy, capacityExpertsPerLayer: capacity },
      lruOrder: this.lruOrder,
      cacheReset: this.cacheReset,
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
    if (this.cacheReset === 'per-sample' && this.caches) {
      this.replayUnit();
      for (const cache of this.caches) cache.reset();
    }
    this.unitOpen = false;
  }

  /**
   * Everything needed to continue the run exactly after an interruption, as JSON-safe data, taken
   * between samples (after endSample): the cumulative `state`, and the original-trace events since
   * the previous checkpoint (`traceSegments`, one per MoE layer; only --cache-reset never keeps a
   * trace across samples, so only then are they non-empty and must all be kept, in order).
   */
  checkpoint(): { state: RoutingCheckpoint; traceSegments: TraceSegment[] | null } {
    this.assertOpen();
    const carries = this.cacheReset === 'never';
    const traceSegments = carries && this.unitTraces ? this.unitTraces.map((t, slot) => t.segment(Math.min(this.traceMark[slot] ?? 0, t.length))) : null;
    if (this.unitTraces) this.traceMark = this.unitTraces.map((t) => t.length);
    const state = toTypedJson({
      schema: 'moe-eval.routing-checkpoint/1',
      sample: this.sampleId,
      stats: this.stats.exportDurable(),
      replayCounts: this.replayCounts,
      strategy: this.strategy.saveState(),
      // per-sample mode empties the caches at every endSample: nothing to carry
      caches: carries ? (this.caches?.map((c) => c.exportDurable()) ?? null) : null,
      loadCounted: carries ? this.loadCounted : null,
      running: this.running,
    }) as RoutingCheckpoint;
    return { state, traceSegments };
  }

  /** Continue an interrupted run from its last checkpoint state and every trace segment written so far. */
  restoreCheckpoint(checkpoint: RoutingCheckpoint, traceSegments: readonly (readonly TraceSegment[])[]): void {
    this.assertOpen();
    const last = fromTypedJson(checkpoint) as DecodedCheckpoint;
    this.stats.importDurable(last.stats);
    if (this.replayCounts && last.replayCounts) {
      for (const policy of REPLAY_POLICIES) this.replayCounts[policy].forEach((c, slot) => Object.assign(c, last.replayCounts![policy][slot]));
    }
    if (last.strategy !== null && last.strategy !== undefined) this.strategy.restoreState(last.strategy);
    if (last.caches) this.caches?.forEach((c, slot) => c.importDurable(last.caches![slot]));
    if (last.loadCounted) this.loadCounted.set(last.loadCounted);
    this.running = { ...last.running };
    if (this.unitTraces) {
      for (const segs of traceSegments) segs.forEach((seg, slot) => this.unitTraces![slot].appendSegment(seg));
      this.traceMark = this.unitTraces.map((t) => t.length);
    }
    this.sampleId = last.sample;
    this.samplePrefix = sampleLinePrefix(last.sample);
    this.unitOpen = false;
  }

  /**
   * Captures the routing state that every continuation of one context must start from (the
   * engine's loglikelihood forks after the shared context): each layer's cache and the Δavg
   * estimators. Statistics, the trace and the replays are NOT rolled back: every routed event
   * happened and is counted. Allocates a copy; call it per request, not per event.
   */
  saveState(): RoutingState {
    this.assertOpen();
    const state: RoutingState = {
      sample: this.sampleId,
      caches: this.caches ? this.caches.map((c) => c.saveState()) : null,
      strategy: this.strategy.saveState(),
    };
    this.issuedStates.add(state);
    return state;
  }

  /**
   * Goes back to a saveState() of the current sample. Experts the restore drops are reported to the
   * listener as evictions with cause "restore" (their residency ends), experts it brings back as
   * loads; neither is a counted miss. Restoring Δavg too makes each continuation's routing
   * independent of the order in which the continuations are scored.
   */
  restoreState(state: unknown): void {
    this.assertOpen();
    const s = state as RoutingState;
    if (typeof state !== 'object' || state === null || !this.issuedStates.has(state)) {
      throw runtimeError('routing-bad-state', 'restoreState() needs a state returned by saveState() of the same controller');
    }
    if (s.sample !== this.sampleId) {
      throw runtimeError('routing-stale-state', `restoreState(): the state belongs to sample ${String(s.sample)}, the current sample is ${String(this.sampleId)}`);
    }
    this.eventCounted = false; // restored experts are not loads of a counted event
    if (this.caches && s.caches) this.caches.forEach((cache, slot) => cache.restoreState(s.caches![slot]));
    this.strategy.restoreState(s.strategy);
  }

  /** Counted events, cache accesses and misses so far (subtract two readings for one sample's share). */
  totals(): { events: number; accesses: number; misses: number } {
    return { ...this.running };
  }

  /** Experts resident in the live caches now (e.g. for an offloading store after a restore). */
  residentExperts(): { layer: number; expert: number }[] {
    const out: { layer: number; expert: number }[] = [];
    this.caches?.forEach((cache, slot) => {
      for (let id = 0; id < this.numExperts; id++) if (cache.isResident(id)) out.push({ layer: this.layers[slot], expert: id });
    });
    return out;
  }

  /** The sample id of the current unit (as given to beginSample). */
  get currentSample(): string | number {
    return this.sampleId;
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
    const cache = this.caches ? this.caches[slot] : null;
    if (cache) ev.resident.set(cache.residentMask); // the snapshot; stays all 0 without a cache

    const pick = this.pick;
    if (mode === 'skip') {
      for (let i = 0; i < k; i++) pick[i] = ev.order[i];
    } else {
      this.strategy.select(slot, ev as RoutingEventView, pick);
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

    if (cache && mode !== 'skip') {
      this.eventCounted = counted;
      touchOrderInto(pick, this.pickWeights, k, this.lruOrder, this.touch, this.touchWeights);
      cache.update(this.touch, k);
      this.recordOriginal(slot, counted);
    }
    if (counted) {
      this.stats.recordRouting(slot, substituted, substitutedRankSum);
      this.running.events += 1;
      if (cache) {
        this.stats.recordHits(slot, hitCount, k - hitCount);
        this.running.accesses += k;
        this.running.misses += k - hitCount;
      }
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
    if (this.caches) {
      this.replayUnit();
      this.caches.forEach((cache, slot) => {
        for (let id = 0; id < this.numExperts; id++) {
          if (cache.isResident(id) && this.loadCounted[slot * this.numExperts + id] === 1) {
            this.stats.recordResidency(slot, cache.residencyEvents(id));
          }
        }
      });
    }
    this.traceSink?.close();
    const counts = this.stats.toCounts();
    this.report = {
      schema: ROUTING_REPORT_SCHEMA,
      config: this.config,
      counts,
      summary: summariseLive(counts, this.bytesPerExpert),
      strategyState: this.strategyState(),
      replays: this.replayReport(counts.tokens),
    };
    return this.report;
  }

  /** Original top-k of the event, in the cache touch order of its own weights, for the replays. */
  private recordOriginal(slot: number, counted: boolean): void {
    const k = this.topK;
    for (let i = 0; i < k; i++) this.original[i] = this.ev.order[i];
    this.rule.mixingWeights(this.ev.z, this.ev.probs, this.original, this.originalWeights);
    touchOrderInto(this.original, this.originalWeights, k, this.lruOrder, this.touch, this.touchWeights);
    this.unitTraces![slot].push(this.touch, counted);
  }

  private replayUnit(): void {
    if (!this.unitTraces || !this.replayers || !this.replayCounts) return;
    this.unitTraces.forEach((trace, slot) => {
      if (trace.length === 0) return;
      for (const policy of REPLAY_POLICIES) this.replayers![policy].run(trace, this.replayCounts![policy][slot]);
      trace.clear();
    });
  }

  private replayReport(tokens: number): RoutingRunReport['replays'] {
    if (!this.replayCounts || !this.config.cache) return null;
    const counts = {} as Record<ReplayPolicyId, ReplayCounts>;
    const summary = {} as Record<ReplayPolicyId, ReplaySummary>;
    for (const policy of REPLAY_POLICIES) {
      counts[policy] = replayCountsOf(policy, this.layers, this.replayCounts[policy]);
      summary[policy] = summariseReplay(counts[policy], tokens, this.bytesPerExpert);
    }
    return { trace: 'original-top-k', capacityExpertsPerLayer: this.config.cache.capacityExpertsPerLayer, counts, summary };
  }

  private strategyState(): RoutingRunReport['strategyState'] {
    const rows = this.layers.map((layer, slot) => {
      const state = this.strategy.layerState(slot);
      return state ? { layer, ...state } : null;
    });
    return rows.every((r) => r !== null) && rows.length > 0 ? (rows as NonNullable<RoutingRunReport['strategyState']>) : null;
  }

  private cacheListener(slot: number, layer: number, user: RoutingCacheListener | null): CacheListener {
    const base = slot * this.numExperts;
    return {
      onLoad: (id) => {
        this.loadCounted[base + id] = this.eventCounted ? 1 : 0;
        user?.onLoad?.(layer, id);
      },
      onEvict: (id, residencyEvents, cause) => {
        if (this.loadCounted[base + id] === 1) this.stats.recordResidency(slot, residencyEvents);
        this.loadCounted[base + id] = 0;
        if (cause === 'evicted' && this.eventCounted) this.stats.recordEviction(slot);
        user?.onEvict?.(layer, id, cause);
      },
    };
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

export function createRoutingController(opts: RoutingControllerOptions): RoutingController {
  return new RoutingController(opts);
}
