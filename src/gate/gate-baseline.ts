// The gate baseline format, moe-eval.gate-baseline/1: everything `moe-eval gate` compares a run with,
// taken from one approved run (identity, metrics, per-sample values keyed by docId, routing
// summary, latency), so the baseline can be committed without its run folder. The zod schema is
// the one definition; the type is inferred from it.

import { z } from 'zod';
import { OUTPUT_TYPES } from '../tasks/adapters/registry.js';
import { metricResultSchema } from '../scoring/metric-result.js';
import { measuredSchema, modeledSummarySchema } from '../report/run-latency.js';

export const BASELINE_SCHEMA = 'moe-eval.gate-baseline/1';

const num = z.number();
const nullableNum = z.number().nullable();
const count = z.number().int().nonnegative();

export const gateBaselineSchema = z.object({
  schema: z.literal(BASELINE_SCHEMA),
  /** where it came from (informational) */
  source: z.looseObject({ runDir: z.string(), createdAt: z.string(), finishedAt: z.string().nullable(), toolVersion: z.string(), gitSha: z.string().nullable(), argv: z.array(z.string()) }),
  /** informational: a different model is allowed (that is what a model gate is for) and noted */
  model: z.looseObject({ requested: z.string(), modelType: z.string(), configSha256: z.string() }),
  /** must match the run's task exactly */
  task: z.looseObject({ name: z.string(), version: num, outputType: z.enum(OUTPUT_TYPES), numFewshot: count, limit: count.nullable() }),
  /** must match the run's dataset exactly */
  dataset: z.looseObject({ kind: z.string(), split: z.string(), sha256: z.string(), rows: count }),
  routing: z.looseObject({
    strategy: z.looseObject({ id: z.string(), params: z.record(z.string(), num) }),
    cache: z.looseObject({ policy: z.string(), capacityExpertsPerLayer: z.number().int().positive() }).nullable(),
    lruOrder: z.string(),
    cacheReset: z.string(),
    prefillCache: z.string(),
    missRate: nullableNum,
    missesPerToken: nullableNum,
    bytesMoved: nullableNum,
    /** replays of this run's own original top-k trace */
    replays: z.looseObject({ lru: nullableNum, belady: nullableNum }).nullable(),
    perLayer: z.array(z.looseObject({ layer: count, missRate: nullableNum })),
  }),
  metrics: z.array(metricResultSchema).min(1),
  /** per-document values (sample values) keyed by docId, keys sorted; errors apart */
  samples: z.record(z.string(), z.record(z.string(), num)),
  /** documents whose evaluation failed in the harness: docId → error */
  sampleErrors: z.record(z.string(), z.string()),
  latency: z.looseObject({
    measured: measuredSchema.nullable(),
    modeled: modeledSummarySchema.nullable(),
  }),
});
export type GateBaseline = z.infer<typeof gateBaselineSchema>;
