// The routing seam (docs/routing-contract.md, docs/design.md "The seams"): the engine's MoE layer hands the
// unmodified router logits of one token to an ExpertRouting and gets back the experts to run and
// their mixing weights. Strategies and caches live behind that interface; the engine never sees them.

/** How an architecture turns router logits into its own ranking and mixing weights. */
export interface RouterRule {
  /** stable id recorded in results, e.g. "softmax-topk" */
  readonly kind: string;
  readonly numExperts: number;
  /** k: experts per token */
  readonly topK: number;
  /** recorded in results: what "original ranking" and "mixing weights" mean for this rule */
  readonly description: string;
  /** The model's own probability of every expert from the unmodified logits. z, probs: [E] */
  probabilities(z: Float32Array, probs: Float64Array): void;
  /**
   * The model's original ranking of all experts (rank 1 first) given its probabilities;
   * order[0..k) is the model's own top-k in the model's order. order: [E]
   */
  ranking(z: Float32Array, probs: Float64Array, order: Int32Array): void;
  /**
   * Mixing weights for `selected` (k distinct ids, any order), computed from the unmodified
   * logits exactly as the model does (renormalised / scaled where the architecture does it).
   * weights[i] belongs to selected[i]. A modified logit never reaches this function.
   */
  mixingWeights(z: Float32Array, probs: Float64Array, selected: Int32Array, weights: Float32Array): void;
}

/** Phase of the tokens being routed: prompt processing or generation (--prefill-cache). */
export type RoutingPhase = 'prefill' | 'decode';

/**
 * What the engine calls once per (token, MoE layer), in the order the engine runs them.
 * Implementations: the model's own top-k without a cache (engine default) and the
 * strategy + cache controller of src/routing.
 */
export interface ExpertRouting {
  /** k experts per token */
  readonly topK: number;
  /**
   * Route one token at one MoE layer.
   * @param layer    0-based decoder-layer index as in the checkpoint's tensor names
   * @param position 0-based position of the token within the current sample
   * @param phase    prefill (prompt / scored context) or decode (generated token)
   * @param z        router logits [E], unmodified; must not be mutated
   * @param selected out: the k experts to run, in descending mixing weight (ties: lower id first)
   * @param weights  out: their mixing weights (after renormalisation and scaling)
   */
  route(layer: number, position: number, phase: RoutingPhase, z: Float32Array, selected: Int32Array, weights: Float32Array): void;
}

/** A routing that is told where evaluation units begin and can fork its state (expert caches, Δavg). */
export interface SampleRouting extends ExpertRouting {
  /** a new evaluation unit (perplexity window, MMLU question, GSM8K problem, `logits` sequence) */
  beginSample(sampleId: string | number): void;
  /** capture the state every continuation of one context must start from, and go back to it */
  saveState(): unknown;
  restoreState(state: unknown): void;
}
