// A model loaded for evaluation, with what every run on it needs (its facts, tokenizer, the
// offloading store when experts live on disk); a sweep loads it once for all of its runs.

import { join } from 'node:path';
import { inputError } from '../errors.js';
import { inspectModel, type ModelFacts } from '../engine/inspect.js';
import { availableMemory } from '../latency/available-memory.js';
import { requireResidentFits } from '../latency/memory-budget.js';
import { MoeModel, resolvePrecisions } from '../engine/model.js';
import type { CheckpointStorage } from '../engine/stored-blocks.js';
import { resolveModel, type ModelSource } from '../engine/model-source.js';
import { OffloadingExpertStore } from '../engine/offload-store.js';
import type { Checkpoint } from '../engine/checkpoint.js';
import type { Kernels } from '../engine/kernels.js';
import type { ExpertPrecision } from '../engine/routed-expert.js';
import type { MatrixPrecision } from '../engine/linear.js';
import type { ModelSpec } from '../engine/spec.js';
import { loadTokenizer, type TextTokenizer } from '../tasks/tokenizer.js';
import type { EngineOptions } from './config.js';

export interface LoadedModel {
  source: ModelSource;
  model: MoeModel;
  /** set when offloading: the store the run's cache events drive */
  offload: OffloadingExpertStore | null;
  /** the options the model was loaded with, precisions resolved (how its weights are held) */
  engine: EngineOptions & { precision: ExpertPrecision; densePrecision: MatrixPrecision };
  facts: ModelFacts;
  tokenizer: TextTokenizer;
  loadMs: number;
}

/**
 * `model`: a checkpoint directory or hub id in the local cache; null = the embedded model. A model
 * that would hold all its experts is checked against `memoryLimitBytes` (or the memory available)
 * from its headers, before a weight is read.
 */
export async function loadModel(model: string | null, engine: EngineOptions, memoryLimitBytes: number | null = null): Promise<LoadedModel> {
  const source = await resolveModel(model ?? undefined);
  // the facts come from the checkpoint's headers: known before a weight is read, and all a run needs
  const facts = inspectModel(source.dir);
  const { precision: densePrecision, expertPrecision: precision } = resolvePrecisions(factsStorage(facts), { densePrecision: engine.densePrecision, expertPrecision: engine.precision }, source.dir);
  if (!engine.offload) {
    const available = availableMemory();
    const limit = memoryLimitBytes === null ? { bytes: available.bytes, label: available.source } : { bytes: memoryLimitBytes, label: '--memory-limit' };
    requireResidentFits(facts, { precision, densePrecision }, limit);
  }
  const t0 = performance.now();
  let store: OffloadingExpertStore | null = null;
  const offload = engine.offload ? { ioBandwidthMBps: engine.ioBandwidthMBps ?? undefined, precision } : null;
  const loaded = await MoeModel.load(source.dir, {
    threads: engine.threads ?? undefined,
    expertPrecision: precision,
    densePrecision,
    ...(offload ? { expertStore: (c: Checkpoint, s: ModelSpec, k: Kernels) => (store = new OffloadingExpertStore(c, s, k, offload)) } : {}),
  });
  try {
    const tokenizer = await loadTokenizer(source.dir, loaded.spec.eosTokenIds);
    // caught here, before any run folder exists, rather than at the first token of a sample
    if (tokenizer.maxTokenId >= loaded.spec.vocabSize) {
      throw inputError(
        'tokenizer-vocab-mismatch',
        `${join(source.dir, 'tokenizer.json')} has token ids up to ${tokenizer.maxTokenId}, but ${join(source.dir, 'config.json')} has vocab_size ${loaded.spec.vocabSize}`,
        'the tokenizer belongs to another model: put the model\'s own tokenizer.json beside its weights',
      );
    }
    return { source, model: loaded, offload: store, engine: { ...engine, precision, densePrecision }, facts, tokenizer, loadMs: performance.now() - t0 };
  } catch (e) {
    await loaded.release();
    throw e;
  }
}

/** How a checkpoint stores its matrices, from its facts. */
export const factsStorage = (facts: ModelFacts): CheckpointStorage => ({ experts: facts.expertStorage ?? 'weights', matrices: facts.matrixStorage ?? 'weights' });

/** Runs `fn` on a freshly loaded model and releases it afterwards, whatever happens. */
export async function withModel<T>(model: string | null, engine: EngineOptions, fn: (loaded: LoadedModel) => Promise<T>, memoryLimitBytes: number | null = null): Promise<T> {
  const loaded = await loadModel(model, engine, memoryLimitBytes);
  try {
    return await fn(loaded);
  } finally {
    await loaded.model.release();
  }
}
