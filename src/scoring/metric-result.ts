// One aggregated metric of a run as results documents, reports and gates carry it (lm-eval's
// naming: acc, exact_match with its filter, token_perplexity, word_perplexity, bits_per_byte).

import { z } from 'zod';

export const metricResultSchema = z.looseObject({
  name: z.string(),
  /** filter pipeline of generate-until tasks (strict-match, flexible-extract), else null */
  filter: z.string().nullable(),
  value: z.number(),
  /** closed form for means, seeded bootstrap for perplexity-type metrics; null when undefined (n < 2) */
  stderr: z.number().nullable(),
  stderrMethod: z.enum(['mean', 'pooled', 'bootstrap']).nullable(),
  higherIsBetter: z.boolean(),
  /** samples (or windows / documents) aggregated */
  n: z.number().int().nonnegative(),
});
export type MetricResult = z.infer<typeof metricResultSchema>;

/** "metric" or "metric,filter": how per-sample values are keyed in samples.jsonl */
export const metricKey = (m: Pick<MetricResult, 'name' | 'filter'>): string => (m.filter === null ? m.name : `${m.name},${m.filter}`);
