// The strategy seam behind the routing controller (docs/routing-contract.md "Strategies"): a strategy sees
// one event's unmodified logits, the rule's original ranking and the cache snapshot, and picks k
// distinct experts. It never computes mixing weights (the controller does, from the unmodified z).

import type { RouterRule } from '../types.js';
import type { StrategyParamKey, StrategyParams } from './params.js';

export type { StrategyParams } from './params.js';

/** One routing event as a strategy sees it. Preallocated by the controller, refilled per event. */
export interface RoutingEventView {
  readonly numExperts: number;
  readonly topK: number;
  /** router logits, unmodified [E] */
  readonly z: Float32Array;
  /** the rule's probabilities of the unmodified logits [E] */
  readonly probs: Float64Array;
  /** the rule's original ranking [E]: order[0] has rank 1; order[0..k) is the model's own top-k */
  readonly order: Int32Array;
  /** inverse of order [E]: rankPos[id] = 0-based position of id in order (rank - 1) */
  readonly rankPos: Int32Array;
  /** the layer's resident set before the event [E], 1 = resident (all 0 without a cache) */
  readonly resident: Uint8Array;
}

export interface RoutingStrategy {
  /** registry id (kebab-case) */
  readonly id: string;
  /** resolved parameters, recorded in results: lambda, topJ, maxRank, threshold as applicable */
  readonly params: Readonly<Record<string, number>>;
  /** one line for results documents: the selection rule with its parameters */
  readonly description: string;
  /**
   * Writes k distinct expert ids into selected[0..k) (any order; the controller sorts by weight).
   * Called once per routed event of a layer, in run order; may update per-layer state (Δavg).
   * @param slot 0-based index of the MoE layer among the run's MoE layers
   */
  select(slot: number, ev: RoutingEventView, selected: Int32Array): void;
  /** JSON-serialisable per-layer state for results (e.g. Δavg), null when stateless */
  layerState(slot: number): Record<string, number> | null;
  /** A copy of the routing state (Δavg estimators), null when stateless; see RoutingController.saveState */
  saveState(): unknown;
  restoreState(state: unknown): void;
}

export interface StrategyContext {
  readonly rule: RouterRule;
  /** number of MoE layers of the run (per-layer state is indexed by slot) */
  readonly numLayers: number;
  /**
   * Δavg per layer slot fixed up front (--delta-avg FILE from `moe-eval calibrate`): cache-prior uses
   * these instead of its running means, so no state crosses samples and shards equal one long run.
   */
  readonly fixedDeltaAvg?: readonly number[] | null;
}

export interface StrategyDefinition {
  readonly id: string;
  readonly summary: string;
  /** parameters the strategy takes (keys of STRATEGY_PARAMS); any other non-neutral parameter is a usage error */
  readonly params: readonly StrategyParamKey[];
  /** true when the strategy only makes sense with a cache (every strategy but topk) */
  readonly needsCache: boolean;
  /** Validates the parameters (usage errors name the flag) and builds a per-run instance. */
  create(params: StrategyParams, ctx: StrategyContext): RoutingStrategy;
}
