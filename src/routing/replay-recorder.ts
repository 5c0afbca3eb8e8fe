// The offline comparison of every cached run (docs/routing-contract.md "What a run must record"):
// the model's own top-k of each event that touched the live cache is recorded per MoE layer, in the
// cache touch order of its own weights, and each reset unit is replayed through every policy of the
// cache registry (lru, lfu, fifo, belady) from an empty cache, exactly as the live cache starts.

import { AccessTrace } from '../cache/access-trace.js';
import { createReplayer, REPLAY_POLICY_IDS, type ReplayPolicyId } from '../cache/cache-registry.js';
import type { TraceReplayer } from '../cache/replay.js';
import { replayCountsOf } from '../cache/stats-collector.js';
import { summariseReplay, type HitCounts, type ReplayCounts, type ReplaySummary } from '../cache/stats.js';
import { touchOrderInto, type UpdateOrder } from '../cache/update-order.js';
import type { RoutingReplayReport } from './run-report.js';
import type { RoutingEventView } from './strategies/strategy.js';
import type { RouterRule } from './types.js';

/** Original-trace events of one MoE layer (ids in cache touch order, counted flags). */
export interface TraceSegment {
  ids: number[];
  counted: number[];
}

export type ReplayCountsByPolicy = Record<ReplayPolicyId, HitCounts[]>;

export class ReplayRecorder {
  private readonly traces: AccessTrace[];
  private readonly replayers: Record<ReplayPolicyId, TraceReplayer>;
  private readonly counts: ReplayCountsByPolicy;
  /** per slot: trace length already handed to a checkpoint (only --cache-reset never keeps a trace across samples) */
  private mark: number[];
  private readonly original: Int32Array; // [k]
  private readonly originalWeights: Float32Array; // [k]
  private readonly touch: Int32Array; // [k]
  private readonly touchWeights: Float32Array; // [k]

  constructor(
    private readonly rule: RouterRule,
    private readonly layers: readonly number[],
    readonly capacity: number,
    private readonly lruOrder: UpdateOrder,
  ) {
    const { topK: k, numExperts: E } = rule;
    this.traces = layers.map(() => new AccessTrace(k, E));
    this.replayers = Object.fromEntries(REPLAY_POLICY_IDS.map((p) => [p, createReplayer(p, E, capacity, k)])) as Record<ReplayPolicyId, TraceReplayer>;
    this.counts = Object.fromEntries(REPLAY_POLICY_IDS.map((p) => [p, layers.map(() => ({ accesses: 0, hits: 0, misses: 0 }))])) as ReplayCountsByPolicy;
    this.mark = layers.map(() => 0);
    this.original = new Int32Array(k);
    this.originalWeights = new Float32Array(k);
    this.touch = new Int32Array(k);
    this.touchWeights = new Float32Array(k);
  }

  /** The event's original top-k, weighted from the unmodified logits, in cache touch order. */
  record(slot: number, ev: RoutingEventView, counted: boolean): void {
    const k = ev.topK;
    for (let i = 0; i < k; i++) this.original[i] = ev.order[i];
    this.rule.mixingWeights(ev.z, ev.probs, this.original, this.originalWeights);
    touchOrderInto(this.original, this.originalWeights, k, this.lruOrder, this.touch, this.touchWeights);
    this.traces[slot].push(this.touch, counted);
  }

  /** Replays the finished reset unit through every policy and starts the next one. */
  replayUnit(): void {
    this.traces.forEach((trace, slot) => {
      if (trace.length === 0) return;
      for (const policy of REPLAY_POLICY_IDS) this.replayers[policy].run(trace, this.counts[policy][slot]);
      trace.clear();
    });
    this.mark = this.layers.map(() => 0);
  }

  /** The events recorded since the previous call, per layer (a trace that spans samples must be kept whole). */
  segmentsSinceMark(): TraceSegment[] {
    const segments = this.traces.map((t, slot) => t.segment(Math.min(this.mark[slot], t.length)));
    this.mark = this.traces.map((t) => t.length);
    return segments;
  }

  exportCounts(): ReplayCountsByPolicy {
    return Object.fromEntries(REPLAY_POLICY_IDS.map((p) => [p, this.counts[p].map((c) => ({ ...c }))])) as ReplayCountsByPolicy;
  }

  /** Continue from a checkpoint: its counts, then every trace segment written so far, in order. */
  restore(counts: ReplayCountsByPolicy, segments: readonly (readonly TraceSegment[])[]): void {
    for (const policy of REPLAY_POLICY_IDS) this.counts[policy].forEach((c, slot) => Object.assign(c, counts[policy][slot]));
    for (const segs of segments) segs.forEach((seg, slot) => this.traces[slot].appendSegment(seg));
    this.mark = this.traces.map((t) => t.length);
  }

  report(tokens: number, bytesPerExpert: number | null): RoutingReplayReport {
    const counts = {} as Record<ReplayPolicyId, ReplayCounts>;
    const summary = {} as Record<ReplayPolicyId, ReplaySummary>;
    for (const policy of REPLAY_POLICY_IDS) {
      counts[policy] = replayCountsOf(policy, this.layers, this.counts[policy]);
      summary[policy] = summariseReplay(counts[policy], tokens, bytesPerExpert);
    }
    return { trace: 'original-top-k', capacityExpertsPerLayer: this.capacity, counts, summary };
  }
}
