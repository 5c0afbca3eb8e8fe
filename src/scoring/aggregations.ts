// Registry of metric aggregations, by the `aggregation` id a task file gives each metric
// (lm-evaluation-harness's metric/aggregation pairs): `mean` of per-sample values with the standard
// error of the mean (per group and pooled over groups), and the corpus-level ratios of rolling
// log-likelihood tasks (token and word perplexity, bits per byte) with a seeded bootstrap stderr.
// A task's metrics are aggregated by looking each one up here; no task type aggregates on its own.

import type { MetricConfig, TaskConfig } from '../tasks/task-config.js';
import { metricKey, type MetricResult } from './metric-result.js';
import { bootstrapStderr, mean, meanStderr, pooledStderr } from './statistics.js';

/** The per-sample values of one evaluated document, keyed "metric" or "metric,filter". */
export interface SampleValues {
  group: string | null;
  values: Record<string, number>;
}

/** Settings of the aggregation: the bootstrap's seed and resample count. */
export interface AggregationSettings {
  seed: number;
  bootstrapIterations: number;
}

interface AggregationInput {
  metric: MetricConfig;
  samples: readonly SampleValues[];
  /** group names, sorted; empty when the task has no groupBy */
  groups: readonly string[];
  settings: AggregationSettings;
}

interface AggregationOutput {
  metrics: MetricResult[];
  /** per group name, the metrics of this metric config (mean aggregations only) */
  byGroup: Map<string, MetricResult[]>;
}

type Aggregation = (input: AggregationInput) => AggregationOutput;

const result = (key: string, value: number, stderr: number, method: MetricResult['stderrMethod'], higherIsBetter: boolean, n: number): MetricResult => ({
  name: key.split(',')[0],
  filter: key.includes(',') ? key.split(',').slice(1).join(',') : null,
  value,
  stderr: Number.isFinite(stderr) ? stderr : null,
  stderrMethod: Number.isFinite(stderr) ? method : null,
  higherIsBetter,
  n,
});

/** Each value key of the metric (one per filter): per group, and overall as the size-weighted mean of groups. */
const meanAggregation: Aggregation = ({ metric, samples, groups }) => {
  const keys = [...new Set(samples.flatMap((s) => Object.keys(s.values)))].filter((k) => k.split(',')[0] === metric.metric).sort();
  const byGroup = new Map<string, MetricResult[]>();
  for (const name of groups) {
    const members = samples.filter((s) => (s.group ?? '') === name);
    byGroup.set(name, keys.map((k) => { const xs = members.map((s) => s.values[k]); return result(k, mean(xs), meanStderr(xs), 'mean', metric.higherIsBetter, xs.length); }));
  }
  const metrics = keys.map((k) => {
    const xs = samples.map((s) => s.values[k]);
    if (groups.length <= 1) return result(k, mean(xs), meanStderr(xs), 'mean', metric.higherIsBetter, xs.length);
    // the size-weighted mean of group means is the mean over all samples; its stderr is pooled
    const stderrs = groups.map((g) => byGroup.get(g)!.find((m) => metricKey(m) === k)?.stderr ?? NaN);
    const sizes = groups.map((g) => samples.filter((s) => (s.group ?? '') === g).length);
    return result(k, mean(xs), pooledStderr(stderrs, sizes), 'pooled', metric.higherIsBetter, xs.length);
  });
  return { metrics, byGroup };
};

const total = (samples: readonly SampleValues[], key: string) => samples.reduce((s, x) => s + x.values[key], 0);

/** A corpus-level ratio of summed per-sample log-likelihoods and units, with a bootstrap stderr over samples. */
const ratioAggregation =
  (statistic: (s: readonly SampleValues[]) => number): Aggregation =>
  ({ metric, samples, settings }) => {
    const stderr = settings.bootstrapIterations > 0 ? bootstrapStderr([...samples], statistic, settings.bootstrapIterations, settings.seed) : NaN;
    return { metrics: [result(metric.metric, statistic(samples), stderr, 'bootstrap', metric.higherIsBetter, samples.length)], byGroup: new Map() };
  };

const AGGREGATIONS = {
  mean: meanAggregation,
  token_perplexity: ratioAggregation((s) => Math.exp(-total(s, 'loglikelihood') / total(s, 'tokens'))),
  word_perplexity: ratioAggregation((s) => Math.exp(-total(s, 'loglikelihood') / total(s, 'words'))),
  bits_per_byte: ratioAggregation((s) => -total(s, 'loglikelihood') / total(s, 'bytes') / Math.LN2),
} satisfies Record<string, Aggregation>;

export type AggregationId = keyof typeof AGGREGATIONS;
export const AGGREGATION_IDS = Object.keys(AGGREGATIONS) as [AggregationId, ...AggregationId[]];

/** The task's metrics over its scored samples, overall and per group (groups sorted by name). */
export function aggregateMetrics(task: TaskConfig, samples: readonly SampleValues[], settings: AggregationSettings): { metrics: MetricResult[]; groups: { name: string; n: number; metrics: MetricResult[] }[] } {
  const groupNames = task.groupBy ? [...new Set(samples.map((s) => s.group ?? ''))].sort() : [];
  const outputs = task.metrics.map((metric) => AGGREGATIONS[metric.aggregation]({ metric, samples, groups: groupNames, settings }));
  return {
    metrics: outputs.flatMap((o) => o.metrics),
    groups: groupNames.map((name) => ({ name, n: samples.filter((s) => (s.group ?? '') === name).length, metrics: outputs.flatMap((o) => o.byGroup.get(name) ?? []) })),
  };
}
