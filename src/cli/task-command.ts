// The shared shape of the task commands (mmlu, gsm8k, perplexity): parse the common flags into a
// RunConfig, run it, print a readable summary (or only the results document with --json).

import { Flags } from '@oclif/core';
import { DEFAULT_DEVICE, devicePresets } from '../latency/device-profile.js';
import { parseSize } from '../latency/memory-budget.js';
import { runConfig, type RunConfig } from '../run/config.js';
import type { ResultsDocument } from '../run/results/schema.js';
import { MoeEvalCommand } from './base-command.js';
import { modelFlag, precisionFlags, precisionsFromFlags, threadsFlag, type PrecisionFlagValues } from './flags.js';
import { formatResults } from './format-results.js';
import { createProgress } from './progress.js';
import { routingFlags, routingOptionsFromFlags, type RoutingFlagValues } from './routing-flags.js';
import { parseShard } from './shard-flag.js';

export const taskFlags = {
  model: modelFlag,
  data: Flags.string({ description: 'dataset: a file or directory in a supported layout, or a Hugging Face dataset id in the local cache; default: the embedded set of the task', helpValue: 'PATH|HF_ID' }),
  limit: Flags.integer({ description: 'evaluate only the first N documents (per subject for MMLU, as lm-eval)', min: 1, helpValue: 'N' }),
  'num-fewshot': Flags.integer({ description: 'few-shot examples (default: the task\'s)', min: 0, helpValue: 'K' }),
  seed: Flags.integer({ description: 'seed of the bootstrap standard errors', default: 1234 }),
  output: Flags.string({ description: 'run directory (default reports/runs/<timestamp>-<task>-<strategy>-c<cache>)', helpValue: 'DIR' }),
  resume: Flags.boolean({ description: 'continue the run in --output, skipping finished samples (starts it when --output holds none)', default: false }),
  'log-samples': Flags.boolean({ description: 'record prompt, target, raw output and extracted answer of every sample in samples.jsonl', default: false }),
  quiet: Flags.boolean({ description: 'no progress output', default: false }),
  offload: Flags.boolean({ description: 'keep only the cached experts in memory and read an expert from the weight files on every miss (needs --cache or --memory-limit)', default: false, helpGroup: 'CACHE' }),
  'memory-limit': Flags.string({ description: 'memory budget, e.g. 6GiB: the largest --cache that fits, or exit 2 if --cache does not fit', helpValue: 'SIZE', helpGroup: 'CACHE' }),
  ...precisionFlags,
  'io-bandwidth': Flags.integer({ description: 'emulate storage of this read bandwidth for offloaded experts (MB/s, labelled emulated)', min: 1, helpValue: 'MBPS', helpGroup: 'CACHE' }),
  shard: Flags.string({ description: 'evaluate shard I of N (samples with index mod N = I; I 0-based); auto/N takes I from --shard-index-env, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID', helpValue: 'I/N', helpGroup: 'SHARDING' }),
  'shard-index-env': Flags.string({ description: 'environment variable holding the shard index for --shard auto/N', helpValue: 'NAME', helpGroup: 'SHARDING' }),
  device: Flags.string({ description: `device for the modeled latency: a preset (${devicePresets().join(', ')}) or a device YAML file`, default: DEFAULT_DEVICE, helpValue: 'PRESET|FILE' }),
  threads: threadsFlag,
  ...routingFlags,
};

export type TaskFlagValues = RoutingFlagValues & PrecisionFlagValues & {
  model?: string;
  data?: string;
  limit?: number;
  'num-fewshot'?: number;
  seed: number;
  output?: string;
  resume: boolean;
  'log-samples': boolean;
  quiet: boolean;
  device: string;
  offload: boolean;
  shard?: string;
  'shard-index-env'?: string;
  'memory-limit'?: string;
  'io-bandwidth'?: number;
  threads?: number;
};

/** The run configuration a task command's flags describe. */
export function runConfigFromFlags(task: string, flags: TaskFlagValues, taskSettings: Record<string, unknown>): RunConfig {
  return runConfig({
    task,
    model: flags.model ?? null,
    data: flags.data ?? null,
    limit: flags.limit ?? null,
    numFewshot: flags['num-fewshot'] ?? null,
    seed: flags.seed,
    taskSettings,
    routing: routingOptionsFromFlags(flags),
    engine: {
      threads: flags.threads ?? null,
      ...precisionsFromFlags(flags),
      offload: flags.offload,
      ioBandwidthMBps: flags['io-bandwidth'] ?? null,
    },
    memoryLimitBytes: flags['memory-limit'] === undefined ? null : parseSize(flags['memory-limit']),
    device: flags.device,
    shard: parseShard(flags.shard, flags['shard-index-env']),
    output: flags.output ?? null,
    resume: flags.resume,
    logSamples: flags['log-samples'],
  });
}

export abstract class TaskCommand extends MoeEvalCommand {
  protected async runTask(task: string, flags: TaskFlagValues, taskSettings: Record<string, unknown> = {}): Promise<ResultsDocument> {
    const config = runConfigFromFlags(task, flags, taskSettings);
    // the engine and tokenizer load only when a task runs: keeps every command's startup light
    const { evaluate } = await import('../run/evaluate.js');
    const observer = createProgress(task, flags.quiet || this.jsonEnabled());
    const { results, runDir } = await this.interruptible((signal) => evaluate(config, { argv: this.recordedArgv(), observer, signal }));
    if (!this.jsonEnabled()) this.log(formatResults(results, runDir));
    return results;
  }
}
