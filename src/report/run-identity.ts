// What makes two runs comparable (same model, task, dataset, cache size and cache lifecycle) and
// the short labels reports print for them. Strategy parameter symbols are the parameter table's (λ, J, M, p).

import { basename } from 'node:path';
import { paramsLabel } from '../routing/strategies/params.js';
import type { ResultsDocument } from '../run/results/schema.js';

type Doc = Pick<ResultsDocument, 'model' | 'task' | 'dataset' | 'routing'>;

export const modelKey = (r: Doc): string => `${r.model.requested}|${r.model.configSha256}`;

/** A directory model prints as its base name; embedded and hub ids as given. */
export const modelLabel = (r: Doc): string => (r.model.source === 'directory' ? basename(r.model.requested.replace(/[\\/]+$/, '')) : r.model.requested);

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
