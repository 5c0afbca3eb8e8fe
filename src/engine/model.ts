// The MoE transformer forward pass over a KV cache: embeddings -> decoder layers (pre-norm
// attention + MoE or dense MLP) -> final norm -> LM head (+ bias). Batched over the tokens of one
// call (prefill) or one token at a time (decode). Follows the HF modeling files of the architectures
// in architectures/; everything architecture-specific comes from the ModelSpec through the seams
// chosen by kind: attention/ (gqa | mla), norm.ts (rms | layer), rope.ts (default | yarn | longrope).

import { inputError } from '../errors.js';
import type { ExpertRouting, RoutingPhase } from '../routing/types.js';
import { parseModelSpec } from './architectures/registry.js';
import type { AttentionModule, AttentionStep, LayerAttention, LinearLoader } from './attention/attention.js';
import { attentionModule } from './attention/registry.js';
import { Checkpoint } from './checkpoint.js';
import { ResidentExpertStore, type ExpertStore, type ExpertStoreFactory } from './expert-store.js';
import { loadSwiglu, type ExpertPrecision, type RoutedExpert } from './routed-expert.js';
import { Kernels, matrix, type Matrix } from './kernels.js';
import { checkpointLinears, LAYERS_BUILT_AT_ONCE, loadLinear, type Linear, type MatrixPrecision } from './linear.js';
import { lmHeadName } from './held-matrices.js';
import { heldPrecision, type CheckpointStorage } from './stored-blocks.js';
import { KvCache } from './kv-cache.js';
import { Fp32Embedding, storedEmbedding, type Embedding } from './embedding.js';
import { normFn, readNorm, type NormFn, type NormWeights } from './norm.js';
import { addInPlace, dot, sigmoid } from './ops.js';
import { ropeSchedule, type RopeSchedule } from './rope.js';
import type { ExpertTensorNames, LayerTensorNames, ModelSpec } from './spec.js';
import { join } from 'node:path';
import pLimit from 'p-limit';

interface LayerWeights {
  inputNorm: NormWeights;
  postNorm: NormWeights;
  attn: LayerAttention;
  /** router logits stay float32 at every precision: routing changes are what is measured */
  router?: Matrix;
  shared?: RoutedExpert;
  sharedGate?: Float32Array;
  dense?: RoutedExpert;
}

export interface ForwardOptions {
  phase: RoutingPhase;
  /** logits are computed for the rows [logitsFrom, T) of this call; default T - 1 (last only) */
  logitsFrom?: number;
  /** most token rows one layer step runs at once (default PREFILL_CHUNK_TOKENS) */
  chunkTokens?: number;
}

/**
 * Long prompts run through each layer in chunks of this many tokens, layer by layer (all chunks of
 * layer 0, then of layer 1), so routing events keep their batched-prefill order while a step's
 * scratch (attention scores [heads, chunk, cache], expert activations) stays bounded as prompts grow.
 * Measured on the 2-layer OLMoE shape at q4 (1.24 GiB after loading), a 4096-token prompt: in one
 * step 6.9 GiB PSS and 200 tok/s, in chunks of 512 2.1 GiB and 700 tok/s. Chunks of 256 held less
 * (1.8 GiB) but cost the full-depth shape 5-20 % of its 512-token prefill (fused expert layers run
 * better on more rows; block sessions split their own runs, linear.ts BLOCK_SESSION_ROWS).
 */
export const PREFILL_CHUNK_TOKENS = 512;

/**
 * Logits are computed this many rows at a time: a perplexity window asks for the logits of every
 * position, and [rows, vocab] float32 held at once (twice, while onnxruntime's output is copied
 * out) grows with the window: 0.2 GB for 512 OLMoE positions, 2.5 GB for 2048 of Qwen's 151936
 * tokens. Blocks of 128 rows hold 51 MB / 156 MB at most.
 */
export const LOGIT_ROWS_AT_ONCE = 128;

export interface LoadOptions {
  kernels?: Kernels;
  threads?: number;
  /** replaces the all-resident store (e.g. an offloading store) */
  expertStore?: ExpertStoreFactory;
  /** routed experts in float32 or 8- / 4-bit blocks (--quant); default: as stored when pre-quantized, else densePrecision (resolvePrecisions) */
  expertPrecision?: ExpertPrecision | null;
  /** every other weight matrix but the routers (held-matrices.ts; --precision); default: as stored when pre-quantized, else f32 */
  densePrecision?: MatrixPrecision | null;
}

export class MoeModel {
  private readonly rope: RopeSchedule;
  private readonly norm: NormFn;
  private readonly attention: AttentionModule;

  private constructor(
    readonly spec: ModelSpec,
    readonly checkpoint: Checkpoint,
    readonly kernels: Kernels,
    private readonly embed: Embedding,
    private readonly finalNorm: NormWeights,
    private readonly lmHead: Linear,
    private readonly layers: LayerWeights[],
    readonly experts: ExpertStore,
    /** kernels passed in by the caller are the caller's to release */
    private readonly ownsKernels: boolean,
  ) {
    this.rope = ropeSchedule(spec.rope);
    this.norm = normFn(spec.norm.kind);
    this.attention = attentionModule(spec.attention.kind);
  }

  static async load(dir: string, opts: LoadOptions = {}): Promise<MoeModel> {
    const ckpt = Checkpoint.open(dir);
    try {
      const spec = parseModelSpec(ckpt.config, join(dir, 'config.json'));
      const H = spec.hiddenSize;
      const V = spec.vocabSize;
      const kernels = opts.kernels ?? (await Kernels.create({ threads: opts.threads }));
      const { precision, expertPrecision } = resolvePrecisions(spec.storage, opts, dir);
      const linear = checkpointLinears(ckpt, kernels, precision, spec.storage.matrices);
      // tied: HF ignores a stored lm_head.weight and uses the embedding (a PhiMoE lm_head.bias still applies)
      const lmHeadBias = spec.names.lmHeadBias ? ckpt.readF32(spec.names.lmHeadBias, [V]) : undefined;
      let embed: Embedding;
      let lmHead: Linear;
      if (spec.tieWordEmbeddings && precision === 'f32') {
        // a tied float32 head and the lookups share one float32 array
        const table = new Fp32Embedding(ckpt.readF32(spec.names.embed, [V, H]), H);
        [embed, lmHead] = [table, await loadLinear(kernels, table.data, V, H, 'f32', lmHeadBias)];
      } else {
        [embed, lmHead] = [storedEmbedding(ckpt, spec.names.embed, V, H), await linear([[lmHeadName(spec), V]], H, lmHeadBias)];
      }
      const finalNorm = readNorm(ckpt, spec.norm.kind, spec.names.finalNorm, spec.names.finalNormBias, H);
      const attention = attentionModule(spec.attention.kind);
      // block sessions build off the event loop (linear.ts): layers loading side by side keep both cores busy
      const side = pLimit(LAYERS_BUILT_AT_ONCE);
      const layers = await Promise.all(spec.layers.map((l) => side(() => loadLayer(ckpt, spec, attention, l.names, l.mlp, linear, precision, kernels))));
      const experts = await (opts.expertStore ?? ((c, s, k) => ResidentExpertStore.create(c, s, k, expertPrecision)))(ckpt, spec, kernels);
      return new MoeModel(spec, ckpt, kernels, embed, finalNorm, lmHead, layers, experts, opts.kernels === undefined);
    } catch (e) {
      ckpt.close();
      throw e;
    }
  }

  newKvCache(capacity = 256): KvCache {
    return new KvCache(capacity, (cap) => this.spec.layers.map(() => this.attention.newLayerKv(this.spec, cap)));
  }

  /**
   * Run `tokens` at positions kv.length.. and append them to the cache.
   * Returns logits [rows, vocab] for rows [logitsFrom, T), equal to those of one pass over every
   * token in the cache: when the rope variant of the new total length differs from the cached one
   * (LongRoPE crossing original_max_position_embeddings, either way), the cached prefix is run again
   * first with the new tables (its routing events happen again, as phase prefill).
   */
  async forward(tokens: ArrayLike<number>, kv: KvCache, routing: ExpertRouting, opts: ForwardOptions): Promise<Float32Array> {
    const blocks: Float32Array[] = [];
    await this.forwardLogits(tokens, kv, routing, opts, (_, logits) => blocks.push(logits));
    if (blocks.length === 1) return blocks[0];
    const all = new Float32Array(blocks.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of blocks) {
      all.set(b, at);
      at += b.length;
    }
    return all;
  }

  /**
   * forward, handing the logits of rows [logitsFrom, T) to `consume` as they are computed, in
   * blocks of at most LOGIT_ROWS_AT_ONCE rows (the first row's index in this call, logits [rows,
   * vocab]): a caller that reduces each row at once never holds the logits of a long window.
   */
  async forwardLogits(tokens: ArrayLike<number>, kv: KvCache, routing: ExpertRouting, opts: ForwardOptions, consume: (firstRow: number, logits: Float32Array) => void): Promise<void> {
    const spec = this.spec;
    const T = tokens.length;
    const H = spec.hiddenSize;
    const pos0 = kv.length;
    const limit = spec.notes.max_sequence_length as number | undefined;
    if (limit !== undefined && pos0 + T > limit) {
      throw inputError('sequence-too-long', `sequence of ${pos0 + T} tokens exceeds ${limit}: ${spec.notes.max_sequence_reason}`);
    }
    const variant = this.rope.variantFor(pos0 + T);
    if (pos0 > 0 && kv.ropeVariant !== variant) {
      // the reference computes every position of a sequence with the tables of its total length, and
      // later layers' keys depend on earlier layers' rotations, so re-rotating cached keys would not do
      const prefix = kv.tokens.slice(0, pos0);
      kv.length = 0;
      await this.run(prefix, kv, routing, 'prefill', variant, opts.chunkTokens);
    }
    const h = await this.run(tokens, kv, routing, opts.phase, variant, opts.chunkTokens);
    const from = opts.logitsFrom ?? T - 1;
    for (let r0 = from; r0 < T; r0 += LOGIT_ROWS_AT_ONCE) {
      const n = Math.min(LOGIT_ROWS_AT_ONCE, T - r0);
      const rows = h.subarray(r0 * H, (r0 + n) * H);
      const normed = this.norm(rows, H, this.finalNorm, spec.norm.eps, new Float32Array(rows.length));
      consume(r0, await this.lmHead.run(normed, n));
    }
  }

  /** The decoder layers over `tokens` at positions kv.length..; returns the residual stream [T, H]. */
  private async run(tokens: ArrayLike<number>, kv: KvCache, routing: ExpertRouting, phase: RoutingPhase, variant: number, chunk = PREFILL_CHUNK_TOKENS): Promise<Float32Array> {
    const spec = this.spec;
    const T = tokens.length;
    const H = spec.hiddenSize;
    const eps = spec.norm.eps;
    const pos0 = kv.length;
    const h = new Float32Array(T * H);
    for (let t = 0; t < T; t++) {
      const id = tokens[t];
      if (!Number.isInteger(id) || id < 0 || id >= spec.vocabSize) {
        throw inputError('token-out-of-range', `token id ${id} at position ${pos0 + t} is outside the vocabulary [0, ${spec.vocabSize})`, 'token ids must be < vocab_size of config.json');
      }
      this.embed.lookup(id, h, t * H);
    }
    kv.ensure(pos0 + T);
    kv.tokens.set(tokens, pos0);
    const step: AttentionStep = { kernels: this.kernels, rope: this.rope.tables[variant] };
    if (!(Number.isInteger(chunk) && chunk >= 1)) throw new Error(`chunkTokens must be a positive integer, got ${chunk}`);
    for (let i = 0; i < this.layers.length; i++) {
      const L = this.layers[i];
      for (let c0 = 0; c0 < T; c0 += chunk) {
        const n = Math.min(chunk, T - c0);
        const hc = h.subarray(c0 * H, (c0 + n) * H);
        const x = this.norm(hc, H, L.inputNorm, eps, new Float32Array(hc.length));
        addInPlace(hc, await L.attn.forward(x, n, pos0 + c0, kv.layers[i], step));
        const x2 = this.norm(hc, H, L.postNorm, eps, new Float32Array(hc.length));
        addInPlace(hc, L.dense ? await L.dense.run(x2, n) : await this.moe(i, L, x2, n, pos0 + c0, routing, phase));
      }
    }
    kv.length = pos0 + T;
    kv.ropeVariant = variant;
    return h;
  }

  /** Routed experts (+ shared expert) of one MoE layer for T tokens: [T, H] -> [T, H]. */
  private async moe(layer: number, L: LayerWeights, x: Float32Array, T: number, pos0: number, routing: ExpertRouting, phase: RoutingPhase): Promise<Float32Array> {
    const { numExperts: E, topK: k } = this.spec.moe;
    const H = this.spec.hiddenSize;
    const z = await this.kernels.linear(x, T, L.router!); // [T, E]
    const selected = new Int32Array(T * k);
    const weights = new Float32Array(T * k);
    for (let t = 0; t < T; t++) {
      routing.route(layer, pos0 + t, phase, z.subarray(t * E, (t + 1) * E), selected.subarray(t * k, (t + 1) * k), weights.subarray(t * k, (t + 1) * k));
    }
    const out = await this.experts.mix(layer, x, T, { selected, weights });
    if (L.shared) {
      const y = await L.shared.run(x, T);
      for (let t = 0; t < T; t++) {
        const g = L.sharedGate ? sigmoid(dot(x, t * H, L.sharedGate, H)) : 1;
        for (let i = 0; i < H; i++) out[t * H + i] += g * y[t * H + i];
      }
    }
    return out;
  }

  /** The one way to free a model: closes the weight files and releases experts and kernel sessions. */
  async release(): Promise<void> {
    await this.experts.release();
    await Promise.all([this.lmHead.release(), ...this.layers.flatMap((l) => [l.attn.release(), l.shared?.release(), l.dense?.release()])]);
    this.checkpoint.close();
    if (this.ownsKernels) await this.kernels.release();
  }
}

async function loadLayer(ckpt: Checkpoint, spec: ModelSpec, attention: AttentionModule, n: LayerTensorNames, mlp: 'moe' | 'dense', linear: LinearLoader, precision: MatrixPrecision, kernels: Kernels): Promise<LayerWeights> {
  const H = spec.hiddenSize;
  const swiglu = (names: ExpertTensorNames, I: number) => loadSwiglu(ckpt, names, I, H, precision, spec.storage.matrices, kernels);
  const layer: LayerWeights = {
    inputNorm: readNorm(ckpt, spec.norm.kind, n.inputNorm, n.inputNormBias, H),
    postNorm: readNorm(ckpt, spec.norm.kind, n.postAttentionNorm, n.postAttentionNormBias, H),
    attn: await attention.load(ckpt, spec, n.attention, linear),
  };
  if (mlp === 'dense') {
    layer.dense = await swiglu(n.dense!, spec.denseIntermediateSize!);
  } else {
    layer.router = matrix(ckpt.readF32(n.router!, [spec.moe.numExperts, H]), spec.moe.numExperts, H);
    if (n.shared && spec.moe.shared) layer.shared = await swiglu(n.shared, spec.moe.shared.intermediateSize);
    if (n.sharedGate) layer.sharedGate = ckpt.readF32(n.sharedGate, [1, H]);
  }
  return layer;
}

/**
 * The precisions a model holds its matrices in: as requested, or as stored when the checkpoint is
 * pre-quantized (which holds only its blocks: another precision is refused, naming the flag).
 */
export function resolvePrecisions(storage: CheckpointStorage, requested: Pick<LoadOptions, 'densePrecision' | 'expertPrecision'>, dir: string): { precision: MatrixPrecision; expertPrecision: ExpertPrecision } {
  const precision = heldPrecision(requested.densePrecision, storage.matrices, 'attention, LM head and MLP matrices', '--precision', dir) ?? 'f32';
  // experts left as weights beside stored matrices (quantize --quant f32) were asked for unquantized
  const expertDefault = storage.matrices !== 'weights' ? 'f32' : precision;
  return { precision, expertPrecision: heldPrecision(requested.expertPrecision, storage.experts, 'routed experts', '--quant', dir) ?? expertDefault };
}
