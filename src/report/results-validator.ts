// Runtime validation of a run directory's documents (results-schema.ts, routing/run-report.ts,
// cache/stats.ts) with zod. Objects are loose (unknown keys kept) so newer documents still load;
// every field the interfaces declare is required with its declared type.

import { z } from 'zod';
import type { ResultsDocument, SampleRecord } from './results-schema.js';
import { RESULTS_SCHEMA } from './results-schema.js';
import type { ModeledLatencyView, ResultsExtensions } from './results-extensions.js';

const num = z.number();
const nullableNum = z.number().nullable();
const count = z.number().int().nonnegative();

const metricResult = z.looseObject({
  name: z.string(),
  filter: z.string().nullable(),
  value: num,
  stderr: nullableNum,
  stderrMethod: z.enum(['mean', 'pooled', 'bootstrap']).nullable(),
  higherIsBetter: z.boolean(),
  n: count,
});

const hitCounts = { accesses: count, hits: count, misses: count };

const liveCounts = z.looseObject({
  topK: count,
  events: count,
  tokens: count,
  changedEvents: count,
  substitutedExperts: count,
  substitutedRankSum: count,
  perLayer: z.array(
    z.looseObject({ layer: count, events: count, changedEvents: count, substitutedExperts: count, substitutedRankSum: count }),
  ),
  cache: z
    .looseObject({
      ...hitCounts,
      evictions: count,
      residencyEventsSum: count,
      residencyCount: count,
      perLayer: z.array(
        z.looseObject({ layer: count, ...hitCounts, evictions: count, residencyEventsSum: count, residencyCount: count }),
      ),
    })
    .nullable(),
});

const liveSummary = z.looseObject({
  events: count,
  tokens: count,
  changedFraction: nullableNum,
  meanSubstitutedRank: nullableNum,
  accesses: count.nullable(),
  hits: count.nullable(),
  misses: count.nullable(),
  missRate: nullableNum,
  missesPerToken: nullableNum,
  meanResidencyEvents: nullableNum,
  bytesMoved: nullableNum,
  perLayer: z.array(z.looseObject({ layer: count, events: count, changedFraction: nullableNum, missRate: nullableNum })),
});

const replayCounts = z.looseObject({ policy: z.string(), ...hitCounts, perLayer: z.array(z.looseObject({ layer: count, ...hitCounts })) });
const replaySummary = z.looseObject({
  policy: z.string(),
  ...hitCounts,
  missRate: nullableNum,
  missesPerToken: nullableNum,
  bytesMoved: nullableNum,
  perLayer: z.array(z.looseObject({ layer: count, missRate: nullableNum })),
});
const byReplayPolicy = <T extends z.ZodType>(t: T) => z.looseObject({ lru: t, lfu: t, fifo: t, belady: t });

const routingRunReport = z.looseObject({
  schema: z.literal('moe-eval.routing-run/1'),
  config: z.looseObject({
    strategy: z.looseObject({ id: z.string(), params: z.record(z.string(), num), description: z.string() }),
    cache: z.looseObject({ policy: z.enum(['lru', 'lfu', 'fifo']), capacityExpertsPerLayer: count }).nullable(),
    lruOrder: z.enum(['weight-desc-first', 'weight-asc-first']),
    cacheReset: z.enum(['per-sample', 'never']),
    prefillCache: z.enum(['count', 'warm', 'skip']),
    bytesPerExpert: nullableNum,
    router: z.looseObject({ kind: z.string(), description: z.string(), numExperts: count, topK: count }),
    moeLayers: z.array(count),
    // added with --delta-avg; documents written before it mean "running means" (null)
    fixedDeltaAvg: z.array(num).nullable().default(null),
    conventions: z.array(z.string()),
  }),
  counts: liveCounts,
  summary: liveSummary,
  strategyState: z.array(z.looseObject({ layer: count }).catchall(num)).nullable(),
  replays: z
    .looseObject({
      trace: z.literal('original-top-k'),
      capacityExpertsPerLayer: count,
      counts: byReplayPolicy(replayCounts),
      summary: byReplayPolicy(replaySummary),
    })
    .nullable(),
});

const fileIdentity = z.looseObject({
  path: z.string(),
  format: z.enum(['jsonl', 'csv', 'parquet', 'text']),
  sha256: z.string(),
  bytes: count,
  rows: count,
});

const latencyReport = z.looseObject({
  loadMs: num,
  evalMs: num,
  prefill: z.looseObject({ tokens: count, totalMs: num, msPerToken: nullableNum, tokensPerSecond: nullableNum }),
  decode: z.looseObject({ tokens: count, meanMs: nullableNum, p50Ms: nullableNum, p95Ms: nullableNum, tokensPerSecond: nullableNum }),
});

// only the fields reports and gates read are checked; the rest of the block may evolve
const modeledLatency = z.looseObject({
  device: z.string(),
  msPerToken: num,
  tokensPerSecond: num,
  topkLruMsPerToken: nullableNum,
  speedupVsTopkLru: nullableNum,
});

export const resultsDocumentSchema = z.looseObject({
  schema: z.literal(RESULTS_SCHEMA),
  run: z.looseObject({
    status: z.enum(['complete', 'partial']),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    tool: z.looseObject({ name: z.literal('moe-eval'), version: z.string(), gitSha: z.string().nullable(), node: z.string() }),
    argv: z.array(z.string()),
  }),
  task: z.looseObject({
    name: z.string(),
    version: num,
    outputType: z.enum(['multiple_choice', 'generate_until', 'loglikelihood_rolling']),
    numFewshot: count,
    limit: count.nullable(),
    settings: z.record(z.string(), z.unknown()),
  }),
  model: z.looseObject({
    requested: z.string(),
    source: z.enum(['embedded', 'directory', 'hub-cache']),
    path: z.string(),
    modelType: z.string(),
    configSha256: z.string(),
    weightFiles: z.array(z.looseObject({ path: z.string(), sizeBytes: count })),
    experts: count,
    topK: count,
    moeLayers: z.array(count),
    bytesPerExpert: num,
    storedDtypes: z.array(z.string()),
    totalParameters: num,
    activeParameters: num,
  }),
  dataset: z.looseObject({
    kind: z.enum(['mmlu', 'gsm8k', 'raw-text']),
    source: z.string(),
    path: z.string(),
    layout: z.string(),
    split: z.string(),
    hf: z.looseObject({ id: z.string(), revision: z.string() }).optional(),
    subjects: z.array(z.string()).optional(),
    files: z.array(fileIdentity),
    sha256: z.string(),
    rows: count,
    label: z.enum(['embedded', 'user']),
  }),
  config: z.record(z.string(), z.unknown()),
  metrics: z.array(metricResult),
  groups: z.array(z.looseObject({ name: z.string(), n: count, metrics: z.array(metricResult) })),
  routing: routingRunReport,
  latency: latencyReport,
  samples: z.looseObject({ total: count, evaluated: count, errors: count, file: z.literal('samples.jsonl') }),
  // optional in the schema (see results-extensions.ts)
  modeled: modeledLatency.optional(),
  memory: z.record(z.string(), z.unknown()).optional(),
});

export const sampleRecordSchema = z.looseObject({
  index: count,
  docId: z.string().min(1),
  group: z.string().nullable(),
  values: z.record(z.string(), num),
  error: z.string().nullable(),
  routing: z.looseObject({ events: count, accesses: count, misses: count }),
  latency: z.looseObject({ prefillTokens: count, prefillMs: num, decodeMs: z.array(num) }),
  log: z.record(z.string(), z.unknown()).optional(),
});

/** A validated results document; of `modeled`, only the fields reports and gates read are typed. */
export type LoadedResults = Omit<ResultsDocument, 'modeled'> & ResultsExtensions;

// Compile-time proof that what the schemas accept is what the interfaces declare.
type Assignable<T extends U, U> = T;
export type _ResultsCheck = Assignable<z.infer<typeof resultsDocumentSchema>, LoadedResults>;
export type _SampleCheck = Assignable<z.infer<typeof sampleRecordSchema>, SampleRecord>;
export type _ModeledCheck = Assignable<z.infer<typeof modeledLatency>, ModeledLatencyView>;

/** "routing.summary.missRate: expected number, received string" for the first few issues. */
export function describeIssues(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(document)';
    return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return `${parts.join('; ')}${more}`;
}
