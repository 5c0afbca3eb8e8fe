// The model's own routing (its top-k, no cache): the engine's default ExpertRouting, and a
// recorder that keeps every decision for the `logits` command.

import type { ExpertRouting, RouterRule, RoutingPhase } from '../routing/types.js';

/** Order (selected, weights) pairs by descending weight, ties lower id first (routing contract). */
export function sortByWeightDesc(selected: Int32Array, weights: Float32Array): void {
  for (let i = 1; i < selected.length; i++) {
    const id = selected[i];
    const w = weights[i];
    let j = i - 1;
    while (j >= 0 && (weights[j] < w || (weights[j] === w && selected[j] > id))) {
      selected[j + 1] = selected[j];
      weights[j + 1] = weights[j];
      j--;
    }
    selected[j + 1] = id;
    weights[j + 1] = w;
  }
}

export class OwnTopKRouting implements ExpertRouting {
  readonly topK: number;
  private readonly probs: Float64Array;
  private readonly order: Int32Array;

  constructor(private readonly rule: RouterRule) {
    this.topK = rule.topK;
    this.probs = new Float64Array(rule.numExperts);
    this.order = new Int32Array(rule.numExperts);
  }

  route(_layer: number, _position: number, _phase: RoutingPhase, z: Float32Array, selected: Int32Array, weights: Float32Array): void {
    this.rule.probabilities(z, this.probs);
    this.rule.ranking(z, this.probs, this.order);
    selected.set(this.order.subarray(0, this.topK));
    this.rule.mixingWeights(z, this.probs, selected, weights);
    sortByWeightDesc(selected, weights);
  }
}

export interface RoutingRecord {
  layer: number;
  token: number;
  selected: number[];
  weights: number[];
}

/** Wraps any ExpertRouting and keeps each decision (layer, token, selected, weights) in order. */
export class RecordingRouting implements ExpertRouting {
  readonly records: RoutingRecord[] = [];
  readonly topK: number;

  constructor(private readonly inner: ExpertRouting) {
    this.topK = inner.topK;
  }

  route(layer: number, position: number, phase: RoutingPhase, z: Float32Array, selected: Int32Array, weights: Float32Array): void {
    this.inner.route(layer, position, phase, z, selected, weights);
    this.records.push({ layer, token: position, selected: Array.from(selected), weights: Array.from(weights) });
  }
}
