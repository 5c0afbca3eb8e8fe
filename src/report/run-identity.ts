// What makes two runs comparable (same model held at the same precision, task, dataset, cache size
// and cache lifecycle) and
// the short labels reports print for them. Strategy parameter symbols are the parameter table's (λ, J, M, p).

import { basename } from 'node:path';
import { paramsLabel } from '../routing/strategies/params.js';
import type { ResultsDocument } from '../run/results/schema.js';

type Doc = Pick<ResultsDocument, 'model' | 'task' | 'dataset' | 'routing' | 'config'>;

/**
 * How the weights were held: "f32", "q4", or "q8, experts q4" (--precision, --quant). Documents
 * written before the precisions were recorded ran float32.
 */
export const precisionLabel = (r: Doc): string => {
  const experts = r.config.precision ?? 'f32';
  const dense = r.config.densePrecision ?? 'f32';
  return experts === dense ? dense : `${dense}, experts ${experts}`;
};

/** Quantised weights change the scores: the same checkpoint at another precision is another model. */
export const modelKey = (r: Doc): string => `${r.model.requested}|${r.model.configSha256}|${precisionLabel(r)}`;

/** A directory model prints as its base name, embedded and hub ids as given; a precision other than f32 follows in parentheses. */
export const modelLabel = (r: Doc): string => {
  const name = r.model.source === 'directory' ? basename(r.model.requested.replace(/[\\/]+$/, '')) : r.model.requested;
  const precision = precisionLabel(r);
  return precision === 'f32' ? name : `${name} (${precision})`;
};

/** Few-shot count and --limit change the scores, so they are part of the task's identity. */
export const taskKey = (r: Doc): string => `${r.task.name}|v${r.task.version}|${r.task.numFewshot}-shot|limit ${r.task.limit ?? 'all'}`;

export const taskLabel = (r: Doc): string => (r.task.numFewshot > 0 ? `${r.task.name} ${r.task.numFewshot}-shot` : r.task.name);

export const datasetKey = (r: Doc): string => `${r.dataset.kind}|${r.dataset.split}|${r.dataset.sha256}`;

export const cacheCapacity = (r: Doc): number | null => r.routing.config.cache?.capacityExpertsPerLayer ?? null;

/** Options that change miss counts without changing the cache size. */
export const lifecycleKey = (r: Doc): string => {
  const c = r.routing.config;
  return `${c.cacheReset}|${c.prefillCache}|${c.lruOrder}`;
};

/** Runs with equal keys differ only in strategy, its parameters and the cache policy. */
export const comparisonKey = (r: Doc): string => [modelKey(r), taskKey(r), datasetKey(r), cacheCapacity(r) ?? 'no-cache', lifecycleKey(r)].join('#');

/** "cache-prior λ=0.25", "topk". */
export const strategyLabel = (s: { id: string; params: Readonly<Record<string, number>> }): string => {
  const p = paramsLabel(s.params);
  return p ? `${s.id} ${p}` : s.id;
};
