// The one versioned results document of a run (moe-eval.results/1) and the per-sample records
// beside it: the only definition of their shape. Reports and gates read only these files, so they
// can be re-run without a model. Each part is defined once, by the module that produces it (routing
// report, dataset identity, metrics, modeled latency) and composed here; types are inferred.
//
// A run folder holds results.json (this document), samples.jsonl (one SampleRecord per evaluated
// document, appended as it finishes) and, while it runs, the routing checkpoint and its lock.

import { z } from 'zod';
import { CACHE_POLICY_IDS } from '../../cache/cache-registry.js';
import { UPDATE_ORDERS } from '../../cache/update-order.js';
import { datasetIdentitySchema } from '../../data/types.js';
import { MATRIX_PRECISIONS } from '../../engine/linear.js';
import { modeledLatencySchema } from '../../latency/modeled.js';
import { CACHE_RESET_MODES, PREFILL_CACHE_MODES } from '../../routing/lifecycle.js';
import { routingRunReportSchema } from '../../routing/run-report.js';
import { STRATEGY_PARAM_KEYS, type StrategyParamKey } from '../../routing/strategies/params.js';
import { STRATEGY_IDS } from '../../routing/strategy-registry.js';
import { metricResultSchema } from '../../scoring/metric-result.js';
import { OUTPUT_TYPES } from '../../tasks/adapters/registry.js';
import { runWarningSchema } from '../warnings.js';

export const RESULTS_SCHEMA = 'moe-eval.results/1';
export const RUN_STATUSES = ['complete', 'partial', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RESULTS_FILE = 'results.json';
export const SAMPLES_FILE = 'samples.jsonl';

/**
 * Fields that hold wall-clock measurements or the date. Everything else in a results document is
 * deterministic: two identical runs give identical documents once these are removed.
 */
export const TIMING_FIELDS = ['run.createdAt', 'run.finishedAt', 'latency', 'memory', 'samples[].latency'] as const;

const count = z.number().int().nonnegative();
const nullableNum = z.number().nullable();

export const latencyReportSchema = z.looseObject({
  /** model load, excluded from everything below */
  loadMs: z.number(),
  /** evaluation wall time, model load excluded */
  evalMs: z.number(),
  prefill: z.looseObject({ tokens: count, totalMs: z.number(), msPerToken: nullableNum, tokensPerSecond: nullableNum }),
  decode: z.looseObject({ tokens: count, meanMs: nullableNum, p50Ms: nullableNum, p95Ms: nullableNum, tokensPerSecond: nullableNum }),
});
export type LatencyReport = z.infer<typeof latencyReportSchema>;

/**
 * Every resolved option of the run: the run folder's identity. Resume, sweep and merge compare it
 * field by field. The strategy parameters are the parameter table's keys (null when not taken).
 */
export const recordedConfigSchema = z.looseObject({
  task: z.string(),
  numFewshot: count,
  limit: count.nullable(),
  seed: z.number(),
  /** task settings after the task file's and the run's (perplexity protocol, window, bootstrap) */
  settings: z.record(z.string(), z.unknown()),
  strategy: z.enum(STRATEGY_IDS),
  ...(Object.fromEntries(STRATEGY_PARAM_KEYS.map((k) => [k, nullableNum])) as Record<StrategyParamKey, typeof nullableNum>),
  cache: count.nullable(),
  policy: z.enum(CACHE_POLICY_IDS),
  lruOrder: z.enum(UPDATE_ORDERS),
  cacheReset: z.enum(CACHE_RESET_MODES),
  prefillCache: z.enum(PREFILL_CACHE_MODES),
  // recorded since the run core; documents written before lack them
  precision: z.enum(MATRIX_PRECISIONS).optional(),
  /** --precision: every matrix but the routers and routed experts (recorded since the matrix precisions) */
  densePrecision: z.enum(MATRIX_PRECISIONS).nullable().optional(),
  offload: z.boolean().optional(),
  ioBandwidthMBps: nullableNum.optional(),
  device: z.string().optional(),
  /** the calibration file's content hash and the model it was measured on */
  deltaAvg: z.looseObject({ sha256: z.string(), configSha256: z.string() }).nullable().optional(),
});
export type RecordedConfig = z.infer<typeof recordedConfigSchema>;

export const modelIdentitySchema = z.looseObject({
  requested: z.string(),
  source: z.enum(['embedded', 'directory', 'hub-cache']),
  path: z.string(),
  modelType: z.string(),
  configSha256: z.string(),
  weightFiles: z.array(z.looseObject({ path: z.string(), sizeBytes: count })),
  experts: count,
  topK: count,
  moeLayers: z.array(count),
  bytesPerExpert: z.number(),
  storedDtypes: z.array(z.string()),
  totalParameters: z.number(),
  activeParameters: z.number(),
});

export const resultsDocumentSchema = z.object({
  schema: z.literal(RESULTS_SCHEMA),
  run: z.looseObject({
    /** complete: every selected sample was evaluated; partial: running or killed; interrupted: stopped by a signal */
    status: z.enum(RUN_STATUSES),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    tool: z.looseObject({ name: z.literal('moe-eval'), version: z.string(), gitSha: z.string().nullable(), node: z.string() }),
    /** the command line that produced it (argv after the binary) */
    argv: z.array(z.string()),
    /** set by `moe-eval merge`: the shards it joined and whether the result equals one unsharded run */
    merge: z.looseObject({ shards: count, dirs: z.array(z.string()), identicalToUnsharded: z.boolean(), reasons: z.array(z.string()) }).optional(),
  }),
  task: z.looseObject({
    name: z.string(),
    version: z.number(),
    outputType: z.enum(OUTPUT_TYPES),
    numFewshot: count,
    /** --limit (per subject for grouped tasks, as lm-eval), null = all */
    limit: count.nullable(),
    /** task-specific settings, e.g. perplexity protocol and window */
    settings: z.record(z.string(), z.unknown()),
  }),
  model: modelIdentitySchema,
  dataset: datasetIdentitySchema.extend({ label: z.enum(['embedded', 'user']) }),
  config: recordedConfigSchema,
  metrics: z.array(metricResultSchema),
  /** per-group metrics (MMLU: per subject), sorted by name */
  groups: z.array(z.looseObject({ name: z.string(), n: count, metrics: z.array(metricResultSchema) })),
  /** routing configuration, live cache statistics and the replays of the original trace */
  routing: routingRunReportSchema,
  latency: latencyReportSchema,
  /** peak resident memory and, with offloading, expert reads (measured) */
  memory: z.record(z.string(), z.unknown()).optional(),
  /** per-token latency modeled for a target device, labelled "modeled" */
  modeled: modeledLatencySchema.optional(),
  samples: z.looseObject({ total: count, evaluated: count, errors: count, file: z.literal(SAMPLES_FILE) }),
  /** questionable input or output that did not stop the run (documents written before warnings lack them) */
  warnings: z.array(runWarningSchema).optional(),
  /** present on the result of one shard: merge them with `moe-eval merge` */
  shard: z.looseObject({ index: count, count: count, runIdentity: z.string(), fullRunSamples: count }).optional(),
});
export type ResultsDocument = z.infer<typeof resultsDocumentSchema>;

/** One evaluated document (one line of samples.jsonl). */
export const sampleRecordSchema = z.looseObject({
  /** position in the task's document order (after --limit selection) */
  index: count,
  /** stable id within the dataset, e.g. "abstract_algebra/test/12" or "gsm8k/test/7" */
  docId: z.string().min(1),
  /** MMLU subject etc. */
  group: z.string().nullable(),
  /** per-sample metric values keyed "metric" or "metric,filter"; perplexity: loglikelihood, tokens, words, bytes */
  values: z.record(z.string(), z.number()),
  /** a harness failure on this sample (never scored as a wrong answer) */
  error: z.string().nullable(),
  /** routing of this sample: counted events, accesses, misses (mergeable) */
  routing: z.looseObject({ events: count, accesses: count, misses: count }),
  /** tokens cut from the start of the context so that it fits the model's positions (absent: none) */
  contextTruncatedTokens: count.optional(),
  /** wall time of this sample's forward passes */
  latency: z.looseObject({ prefillTokens: count, prefillMs: z.number(), decodeMs: z.array(z.number()) }),
  /** prompt, target, raw output, extracted answers (when asked for) */
  log: z.record(z.string(), z.unknown()).optional(),
});
export type SampleRecord = z.infer<typeof sampleRecordSchema>;

/** "routing.summary.missRate: expected number, received string" for the first few issues. */
export function describeIssues(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(document)';
    return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return `${parts.join('; ')}${more}`;
}
