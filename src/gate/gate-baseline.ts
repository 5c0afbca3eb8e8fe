// The gate baseline format, moe-eval.gate-baseline/1: everything `moe-eval gate` compares a run with,
// taken from one approved run (identity, metrics, per-sample values keyed by docId, routing
// summary, latency), so the baseline can be committed without its run directory.

import { z } from 'zod';
import type { MetricResult } from '../report/results-schema.js';
import type { MeasuredSource, ModeledSummary } from '../report/run-latency.js';

export const BASELINE_SCHEMA = 'moe-eval.gate-baseline/1';

export interface GateBaseline {
  schema: typeof BASELINE_SCHEMA;
  /** where it came from (informational) */
  source: { runDir: string; createdAt: string; finishedAt: string | null; toolVersion: string; gitSha: string | null; argv: string[] };
  /** informational: a different model is allowed (that is what a model gate is for) and noted */
  model: { requested: string; modelType: string; configSha256: string };
  /** must match the run's task exactly */
  task: { name: string; version: number; outputType: 'multiple_choice' | 'generate_until' | 'loglikelihood_rolling'; numFewshot: number; limit: number | null };
  /** must match the run's dataset exactly */
  dataset: { kind: string; split: string; sha256: string; rows: number };
  routing: {
    strategy: { id: string; params: Record<string, number> };
    cache: { policy: string; capacityExpertsPerLayer: number } | null;
    lruOrder: string;
    cacheReset: string;
    prefillCache: string;
    missRate: number | null;
    missesPerToken: number | null;
    bytesMoved: number | null;
    /** replays of this run's own original top-k trace */
    replays: { lru: number | null; belady: number | null } | null;
    perLayer: { layer: number; missRate: number | null }[];
  };
  metrics: MetricResult[];
  /** per-document values (SampleRecord.values) keyed by docId, keys sorted; errors apart */
  samples: Record<string, Record<string, number>>;
  /** documents whose evaluation failed in the harness: docId → error */
  sampleErrors: Record<string, string>;
  latency: {
    measured: { msPerToken: number; source: MeasuredSource } | null;
    modeled: ModeledSummary | null;
  };
}

const num = z.number();
const nullableNum = z.number().nullable();

export const gateBaselineSchema = z.looseObject({
  schema: z.literal(BASELINE_SCHEMA),
  source: z.looseObject({ runDir: z.string(), createdAt: z.string(), finishedAt: z.string().nullable(), toolVersion: z.string(), gitSha: z.string().nullable(), argv: z.array(z.string()) }),
  model: z.looseObject({ requested: z.string(), modelType: z.string(), configSha256: z.string() }),
  task: z.looseObject({
    name: z.string(),
    version: num,
    outputType: z.enum(['multiple_choice', 'generate_until', 'loglikelihood_rolling']),
    numFewshot: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative().nullable(),
  }),
  dataset: z.looseObject({ kind: z.string(), split: z.string(), sha256: z.string(), rows: z.number().int().nonnegative() }),
  routing: z.looseObject({
    strategy: z.looseObject({ id: z.string(), params: z.record(z.string(), num) }),
    cache: z.looseObject({ policy: z.string(), capacityExpertsPerLayer: z.number().int().positive() }).nullable(),
    lruOrder: z.string(),
    cacheReset: z.string(),
    prefillCache: z.string(),
    missRate: nullableNum,
    missesPerToken: nullableNum,
    bytesMoved: nullableNum,
    replays: z.looseObject({ lru: nullableNum, belady: nullableNum }).nullable(),
    perLayer: z.array(z.looseObject({ layer: z.number().int().nonnegative(), missRate: nullableNum })),
  }),
  metrics: z
    .array(
      z.looseObject({
        name: z.string(),
        filter: z.string().nullable(),
        value: num,
        stderr: nullableNum,
        stderrMethod: z.enum(['mean', 'pooled', 'bootstrap']).nullable(),
        higherIsBetter: z.boolean(),
        n: z.number().int().nonnegative(),
      }),
    )
    .min(1),
  samples: z.record(z.string(), z.record(z.string(), num)),
  sampleErrors: z.record(z.string(), z.string()),
  latency: z.looseObject({
    measured: z.looseObject({ msPerToken: num, source: z.enum(['decode-p50', 'prefill']) }).nullable(),
    modeled: z.looseObject({ device: z.string(), msPerToken: num, tokensPerSecond: num, topkLruMsPerToken: nullableNum, speedupVsTopkLru: nullableNum }).nullable(),
  }),
});

type Assignable<T extends U, U> = T;
export type _BaselineCheck = Assignable<z.infer<typeof gateBaselineSchema>, GateBaseline>;
