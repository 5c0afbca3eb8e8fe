// `cache-prior`, the paper's method (docs/routing-contract.md "Strategies"): z'_i = z_i + λ·Δavg·protected_i,
// then top-k of z'. Δavg is the running mean of max(z) − min(z) over every routed event of this
// layer in the run, the current one included; it persists across samples (state lives per run).
//
// "top-k of z'" is the rule's own selection applied to z': z' is formed in the logits' float32 (as the
// model's router arithmetic) and passed through rule.probabilities + rule.ranking. For softmax-topk
// that is z' descending, equal z' lower id first; for other routers it is their own selection on the
// boosted logits. With λ·Δavg = 0, z' = z and the result is the original top-k, bit for bit.

import { runtimeError } from '../../errors.js';
import { readLambda, readTopJ, rejectUnusedParams } from './params.js';
import type { RoutingEventView, RoutingStrategy, StrategyContext, StrategyDefinition, StrategyParams } from './strategy.js';

export const CACHE_PRIOR_ID = 'cache-prior';

export class CachePriorStrategy implements RoutingStrategy {
  readonly id = CACHE_PRIOR_ID;
  readonly params: Readonly<Record<string, number>>;
  readonly description: string;
  readonly lambda: number;
  readonly topJ: number;
  private readonly ctx: StrategyContext;
  /** per layer slot: sum of max(z) − min(z) and the number of events in it (mergeable) */
  private readonly deltaSum: Float64Array;
  private readonly deltaEvents: Float64Array;
  private readonly zPrime: Float32Array; // [E]
  private readonly probsPrime: Float64Array; // [E]
  private readonly orderPrime: Int32Array; // [E]

  constructor(params: StrategyParams, ctx: StrategyContext) {
    rejectUnusedParams(CACHE_PRIOR_ID, params, cachePriorStrategy.params);
    const { rule } = ctx;
    this.lambda = readLambda(CACHE_PRIOR_ID, params);
    this.topJ = readTopJ(params, rule.topK);
    this.ctx = ctx;
    this.params = { lambda: this.lambda, topJ: this.topJ };
    this.description =
      `cache-prior: z' = z + ${this.lambda}·Δavg·protected, protected = resident before the event or original top-${this.topJ}; ` +
      `Δavg = running mean of max(z) − min(z) of the layer over the run including the event; ` +
      `selected = the rule's top-${rule.topK} of z' (z' in float32)`;
    this.deltaSum = new Float64Array(ctx.numLayers);
    this.deltaEvents = new Float64Array(ctx.numLayers);
    this.zPrime = new Float32Array(rule.numExperts);
    this.probsPrime = new Float64Array(rule.numExperts);
    this.orderPrime = new Int32Array(rule.numExperts);
  }

  select(slot: number, ev: RoutingEventView, selected: Int32Array): void {
    const { z, resident, rankPos, topK } = ev;
    const n = z.length;
    let max = -Infinity;
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const v = z[i];
      if (v > max) max = v;
      if (v < min) min = v;
    }
    this.deltaEvents[slot] += 1;
    const fixed = this.ctx.fixedDeltaAvg;
    if (!fixed) this.deltaSum[slot] += max - min;
    const boost = this.lambda * (fixed ? fixed[slot] : this.deltaSum[slot] / this.deltaEvents[slot]);
    if (boost === 0) {
      // z' = z exactly: the rule's ranking of z is already in ev.order
      for (let i = 0; i < topK; i++) selected[i] = ev.order[i];
      return;
    }
    const zp = this.zPrime;
    const topJ = this.topJ;
    for (let i = 0; i < n; i++) zp[i] = resident[i] === 1 || rankPos[i] < topJ ? z[i] + boost : z[i];
    const { rule } = this.ctx;
    rule.probabilities(zp, this.probsPrime);
    rule.ranking(zp, this.probsPrime, this.orderPrime);
    for (let i = 0; i < topK; i++) selected[i] = this.orderPrime[i];
  }

  layerState(slot: number): Record<string, number> {
    const events = this.deltaEvents[slot];
    const fixed = this.ctx.fixedDeltaAvg;
    if (fixed) return { deltaAvg: fixed[slot], deltaEvents: events, fixed: 1 };
    return { deltaAvg: events > 0 ? this.deltaSum[slot] / events : 0, deltaSum: this.deltaSum[slot], deltaEvents: events };
  }

  saveState(): { deltaSum: Float64Array; deltaEvents: Float64Array } {
    return { deltaSum: Float64Array.from(this.deltaSum), deltaEvents: Float64Array.from(this.deltaEvents) };
  }

  restoreState(state: unknown): void {
    const s = state as { deltaSum?: unknown; deltaEvents?: unknown } | null;
    if (!(s && s.deltaSum instanceof Float64Array && s.deltaEvents instanceof Float64Array && s.deltaSum.length === this.deltaSum.length)) {
      throw runtimeError('routing-bad-state', 'cache-prior: restoreState() needs a state from saveState() of the same run');
    }
    this.deltaSum.set(s.deltaSum);
    this.deltaEvents.set(s.deltaEvents);
  }

  /** Δavg of a layer slot so far (0 before its first event), or the fixed one. */
  deltaAvg(slot: number): number {
    if (this.ctx.fixedDeltaAvg) return this.ctx.fixedDeltaAvg[slot];
    const events = this.deltaEvents[slot];
    return events > 0 ? this.deltaSum[slot] / events : 0;
  }
}

export const cachePriorStrategy = {
  id: CACHE_PRIOR_ID,
  summary: "the paper's cache prior: boost resident (and original top-J) logits by λ·Δavg, then top-k",
  params: ['lambda', 'topJ'] as const,
  needsCache: true,
  create: (params, ctx) => new CachePriorStrategy(params, ctx),
} satisfies StrategyDefinition;
