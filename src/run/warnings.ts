// Questionable input or output that does not stop a run but must not pass silently: each warning is
// printed on stderr as it is found and kept in the results document (`warnings`), with a stable code.
// Some are known before the first sample (an empty subject file, a window beyond the model's
// positions), the others are derived from the finished samples and metrics, so a merge of shards
// derives them again from the merged samples.

import { z } from 'zod';
import type { DatasetIdentity } from '../data/types.js';
import type { MetricResult } from '../scoring/metric-result.js';

export const runWarningSchema = z.looseObject({ code: z.string(), message: z.string() });
export type RunWarning = z.infer<typeof runWarningSchema>;

/** Codes of the warnings derived from samples and metrics: recomputed, never copied, by a merge. */
export const DERIVED_WARNING_CODES = ['context-truncated', 'metric-not-finite'] as const;

/** Dataset files that hold no rows: a subject of such a file silently vanishes from the table. */
export function dataWarnings(identity: DatasetIdentity): RunWarning[] {
  return identity.files
    .filter((f) => f.rows === 0)
    .map((f) => ({ code: 'data-empty-file', message: `${f.path} has no rows: what it holds (e.g. its subject) is not evaluated` }));
}

/** How many contexts were left-truncated to fit the model, and by how many tokens in all. */
export function truncationWarnings(records: readonly { contextTruncatedTokens?: number }[]): RunWarning[] {
  const cut = records.filter((r) => (r.contextTruncatedTokens ?? 0) > 0);
  if (cut.length === 0) return [];
  const tokens = cut.reduce((s, r) => s + (r.contextTruncatedTokens ?? 0), 0);
  return [{ code: 'context-truncated', message: `${cut.length} of ${records.length} contexts were left-truncated to fit the model's positions (${tokens} tokens cut in all)` }];
}

/** JSON has no Infinity or NaN: a non-finite metric is left out of the document with a warning that says why. */
export function finiteMetrics(metrics: readonly MetricResult[]): { metrics: MetricResult[]; warnings: RunWarning[] } {
  const warnings = metrics
    .filter((m) => !Number.isFinite(m.value))
    .map((m) => ({ code: 'metric-not-finite', message: `${m.name}${m.filter ? `,${m.filter}` : ''} is ${m.value} (e.g. a text without words or bytes) and is left out of the metrics` }));
  return { metrics: metrics.filter((m) => Number.isFinite(m.value)), warnings };
}
