// The configuration of one evaluation run, typed: what the CLI builds from its flags and what a
// program passes to evaluate() (as lm-eval's simple_evaluate and vitest's startVitest take typed
// options). Only src/cli knows flag spellings; everything here is camelCase data with defaults.

import { z } from 'zod';
import { MATRIX_PRECISIONS } from '../engine/linear.js';
import { usageError } from '../errors.js';
import { DEFAULT_DEVICE } from '../latency/device-profile.js';
import { routingOptionsSchema } from '../routing/options.js';

export const shardSchema = z.object({ index: z.number().int().nonnegative(), count: z.number().int().positive() }).refine((s) => s.index < s.count, 'the shard index must be below the shard count');
export type Shard = z.infer<typeof shardSchema>;

/** How the model is loaded and run: the same for every run a sweep makes on one loaded model. */
export const engineOptionsSchema = z.object({
  /** threads of the matrix kernels; null = the kernels' default */
  threads: z.number().int().positive().nullable().default(null),
  /** routed experts in float32 or 8- / 4-bit blocks; null = as stored when pre-quantized, else densePrecision */
  precision: z.enum(MATRIX_PRECISIONS).nullable().default(null),
  /** every other weight matrix but the routers (attention projections, LM head, shared and dense MLPs); null = as stored when pre-quantized, else float32 */
  densePrecision: z.enum(MATRIX_PRECISIONS).nullable().default(null),
  /** keep only the cached experts in memory, read the others from the weight files on a miss */
  offload: z.boolean().default(false),
  /** emulated storage read bandwidth for offloaded experts, MB/s */
  ioBandwidthMBps: z.number().positive().nullable().default(null),
});
export type EngineOptions = z.infer<typeof engineOptionsSchema>;

export const runConfigSchema = z.object({
  /** a task of tasks/*.yaml */
  task: z.string(),
  /** checkpoint directory or hub id in the local cache; null = the embedded model */
  model: z.string().nullable().default(null),
  /** dataset path or hub id in the local cache; null = the task's embedded set */
  data: z.string().nullable().default(null),
  /** documents to evaluate (per group, as lm-eval limits each subtask); null = all */
  limit: z.number().int().positive().nullable().default(null),
  /** few-shot examples; null = the task's own */
  numFewshot: z.number().int().nonnegative().nullable().default(null),
  /** seed of the bootstrap standard errors */
  seed: z.number().int().default(1234),
  /** task settings that override the task file's (perplexity: protocol, window) */
  taskSettings: z.record(z.string(), z.unknown()).default({}),
  routing: routingOptionsSchema.default(routingOptionsSchema.parse({})),
  engine: engineOptionsSchema.default(engineOptionsSchema.parse({})),
  /** memory budget in bytes: the largest cache that fits, or a refusal of one that does not */
  memoryLimitBytes: z.number().positive().nullable().default(null),
  /** device preset or YAML file of the modeled latency */
  device: z.string().default(DEFAULT_DEVICE),
  /** evaluate only the samples with index mod count = index */
  shard: shardSchema.nullable().default(null),
  /** run folder; null = reports/runs/<timestamp>-<task>-<strategy>-c<cache> */
  output: z.string().nullable().default(null),
  /** continue the run in `output` (starts it when there is none) */
  resume: z.boolean().default(false),
  /** prompt, target, raw output and extracted answers in samples.jsonl */
  logSamples: z.boolean().default(false),
});
export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Validates a configuration from a program; a bad field is a usage error that names it. */
export function runConfig(input: RunConfigInput): RunConfig {
  const parsed = runConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.') || '(config)';
  throw usageError('run-config-invalid', `run configuration: ${field}: ${issue.message}`, 'see src/run/config.ts for the fields and their ranges');
}
