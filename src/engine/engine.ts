// What the task adapters ask of a model (docs/design.md "The seams"): log-likelihoods
// of continuations sharing one context, rolling/windowed log-likelihoods, and greedy generation
// until stop strings. Semantics follow lm-evaluation-harness's HFLM (models/huggingface.py); every
// forward call is timed by phase so latency can be reported separately for prefill and decode.

import type { ExpertRouting, RoutingPhase, SampleRouting } from '../routing/types.js';
import type { KvCache } from './kv-cache.js';
import type { MoeModel } from './model.js';

export interface ForwardTiming {
  phase: RoutingPhase;
  tokens: number;
  ms: number;
}

export interface ContinuationScore {
  /** sum of log-probabilities of the continuation tokens */
  logprob: number;
  /** every continuation token is the argmax of its position (lm-eval is_greedy) */
  greedy: boolean;
  tokens: number;
}

export interface Generation {
  tokens: number[];
  /** why generation ended */
  stop: 'eos' | 'until' | 'max-tokens';
}

export class Engine {
  readonly timings: ForwardTiming[] = [];

  constructor(readonly model: MoeModel) {}

  private async forward(tokens: number[], kv: KvCache, routing: ExpertRouting, phase: RoutingPhase, logitsFrom?: number): Promise<Float32Array> {
    return this.timed(phase, tokens.length, () => this.model.forward(tokens, kv, routing, { phase, logitsFrom }));
  }

  private async timed<T>(phase: RoutingPhase, tokens: number, pass: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const result = await pass();
    this.timings.push({ phase, tokens, ms: performance.now() - t0 });
    return result;
  }

  /**
   * Scores each continuation after one shared context: the context runs once (prefill) and each
   * continuation resumes from its KV cache and from the same routing state. As in lm-eval, the
   * last continuation token is never fed to the model, so a one-token continuation costs no
   * forward pass at all. An empty context must be given as [prefix token] by the caller.
   */
  async loglikelihood(context: number[], continuations: number[][], routing: SampleRouting): Promise<ContinuationScore[]> {
    if (context.length === 0) throw new Error('loglikelihood: empty context (use the prefix token)');
    const V = this.model.spec.vocabSize;
    const longest = Math.max(...continuations.map((c) => c.length));
    const kv = this.model.newKvCache(context.length + longest);
    const last = await this.forward(context, kv, routing, 'prefill');
    const afterContext = routing.saveState();
    const scores: ContinuationScore[] = [];
    for (const cont of continuations) {
      if (cont.length === 0) throw new Error('loglikelihood: empty continuation');
      routing.restoreState(afterContext);
      kv.truncate(context.length);
      let rows = last;
      if (cont.length > 1) {
        const more = await this.forward(cont.slice(0, -1), kv, routing, 'prefill', 0);
        rows = new Float32Array((cont.length) * V);
        rows.set(last, 0);
        rows.set(more, V);
      }
      let logprob = 0;
      let greedy = true;
      for (let i = 0; i < cont.length; i++) {
        const row = rows.subarray(i * V, (i + 1) * V);
        logprob += logSoftmaxAt(row, cont[i]);
        if (argmax(row) !== cont[i]) greedy = false;
      }
      scores.push({ logprob, greedy, tokens: cont.length });
    }
    return scores;
  }

  /**
   * Sum of log-probabilities of `target` given `context` tokens that are fed but not scored
   * (one window of a rolling or windowed perplexity). Returns per-token log-probabilities.
   */
  async scoreWindow(context: number[], target: number[], routing: ExpertRouting): Promise<Float64Array> {
    const input = [...context, ...target].slice(0, -1);
    const V = this.model.spec.vocabSize;
    const kv = this.model.newKvCache(input.length);
    const from = context.length - 1;
    const out = new Float64Array(target.length);
    // each block of logits is reduced as it comes: a long window never holds all of its logits
    const score = (firstRow: number, logits: Float32Array) => {
      for (let r = 0; r * V < logits.length; r++) out[firstRow - from + r] = logSoftmaxAt(logits.subarray(r * V, (r + 1) * V), target[firstRow - from + r]);
    };
    await this.timed('prefill', input.length, () => this.model.forwardLogits(input, kv, routing, { phase: 'prefill', logitsFrom: from }, score));
    return out;
  }

  /**
   * Greedy generation (argmax, ties to the lowest id, as torch.argmax): stops at an end-of-sequence
   * token, when `stopWhen` says the decoded text reached a stop string, or after maxTokens.
   */
  async generate(prompt: number[], opts: { maxTokens: number; eosTokenIds: number[]; stopWhen?: (generated: number[]) => boolean }, routing: ExpertRouting): Promise<Generation> {
    const kv = this.model.newKvCache(prompt.length + opts.maxTokens);
    let logits = await this.forward(prompt, kv, routing, 'prefill');
    const tokens: number[] = [];
    const eos = new Set(opts.eosTokenIds);
    for (;;) {
      const next = argmax(logits);
      if (eos.has(next)) return { tokens, stop: 'eos' };
      tokens.push(next);
      if (opts.stopWhen?.(tokens)) return { tokens, stop: 'until' };
      if (tokens.length >= opts.maxTokens) return { tokens, stop: 'max-tokens' };
      logits = await this.forward([next], kv, routing, 'decode');
    }
  }
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** log softmax(row)[index], in float64 */
export function logSoftmaxAt(row: Float32Array, index: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return row[index] - max - Math.log(sum);
}
