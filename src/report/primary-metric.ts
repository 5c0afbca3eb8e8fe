// Which metric of a results document a report row or a gate judges (lm-eval's headline metric per
// output type), and where its per-sample values live in samples.jsonl ("metric" or "metric,filter").

import { inputError, usageError } from '../errors.js';
import type { ResultsDocument } from '../run/results/schema.js';
import { metricKey, type MetricResult } from '../scoring/metric-result.js';

/** mean: the metric is the mean of per-sample values; perplexity: exp(−Σ loglikelihood / Σ units). */
export type MetricKind = 'mean' | 'perplexity';

export interface PrimaryMetric extends MetricResult {
  /** key of the per-sample value in SampleRecord.values */
  key: string;
  kind: MetricKind;
  /** perplexity: the per-sample count the log-likelihood is divided by (tokens, words, bytes) */
  unitKey: string | null;
}

/** Per-sample key of the log-likelihood of rolling (perplexity) tasks. */
export const LOGLIKELIHOOD_KEY = 'loglikelihood';

/** Perplexity metrics and the per-sample unit that divides the log-likelihood. */
const PERPLEXITY_UNITS: Readonly<Record<string, string>> = {
  token_perplexity: 'tokens',
  word_perplexity: 'words',
  byte_perplexity: 'bytes',
};

/** Headline metric per output type, first match wins (lm-eval's conventions: word_perplexity for wikitext, strict-match for GSM8K). */
const PREFERENCE: Readonly<Record<ResultsDocument['task']['outputType'], readonly string[]>> = {
  multiple_choice: ['acc', 'acc_norm'],
  generate_until: ['exact_match,strict-match', 'exact_match,flexible-extract', 'exact_match'],
  loglikelihood_rolling: ['word_perplexity', 'token_perplexity', 'byte_perplexity', 'bits_per_byte'],
};

export { metricKey };

function toPrimary(m: MetricResult): PrimaryMetric {
  const unitKey = PERPLEXITY_UNITS[m.name] ?? null;
  return { ...m, key: metricKey(m), kind: unitKey === null ? 'mean' : 'perplexity', unitKey };
}

/**
 * The headline metric of a run, or `requested` ("name" or "name,filter") when given.
 * `source` names the document in errors.
 */
export function selectPrimaryMetric(
  results: { metrics: readonly MetricResult[]; task: Pick<ResultsDocument['task'], 'outputType'> },
  source: string,
  requested?: string,
): PrimaryMetric {
  const available = results.metrics.map(metricKey);
  if (results.metrics.length === 0) throw inputError('results-no-metrics', `${source}: metrics is empty`, 'the run evaluated no sample; re-run it');
  if (requested !== undefined) {
    const i = available.indexOf(requested);
    if (i < 0) throw usageError('unknown-metric', `--metric ${requested}: ${source} has no such metric; available: ${available.join(', ')}`, 'pass --metric NAME or NAME,FILTER as listed');
    return toPrimary(results.metrics[i]);
  }
  for (const key of PREFERENCE[results.task.outputType]) {
    const i = available.indexOf(key);
    if (i >= 0) return toPrimary(results.metrics[i]);
  }
  return toPrimary(results.metrics[0]);
}
