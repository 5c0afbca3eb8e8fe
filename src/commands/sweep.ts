// `moe-eval sweep`: run a grid of tasks × cache sizes × strategies × parameters on one loaded model.

import { Flags } from '@oclif/core';
import { MoeEvalCommand } from '../cli/base-command.js';
import { modelFlag, threadsFlag } from '../cli/flags.js';
import { createProgress } from '../cli/progress.js';
import { routingFlags } from '../cli/routing-flags.js';
import { usageError } from '../errors.js';
import type { SweepRun } from '../sweep.js';
import { STRATEGY_IDS } from '../routing/index.js';
import { DEFAULT_DEVICE } from '../latency/device-profile.js';
import { inShard, parseShard } from '../shard.js';

const list = (flag: string, v: string | undefined, parse: (s: string) => number | string): (number | string)[] => {
  if (v === undefined || v === '') return [];
  return v.split(',').map((s) => {
    const x = parse(s.trim());
    if (typeof x === 'number' && !Number.isFinite(x)) throw usageError('sweep-bad-list', `--${flag}: "${s}" is not a number`, `pass a comma-separated list, e.g. --${flag} 0,0.25,0.5`);
    return x;
  });
};

export interface SweepResult {
  output: string;
  runs: { id: string; runDir: string; status: string }[];
}

export default class Sweep extends MoeEvalCommand {
  static override description = 'Run a grid of tasks, cache sizes, strategies and strategy parameters on one loaded model (resumable: finished points are skipped)';
  static override examples = ['<%= config.bin %> sweep --task mmlu,gsm8k --cache 4,8,16 --strategy topk,cache-prior,max-rank --lambda 0,0.1,0.25,0.5,1 --max-rank 8 --output reports/sweeps/s1'];
  static override flags = {
    model: modelFlag,
    data: Flags.string({ description: 'dataset for the (single) task; default: each task\'s embedded set', helpValue: 'PATH|HF_ID' }),
    task: Flags.string({ description: 'comma-separated tasks', required: true, helpValue: 'mmlu,gsm8k' }),
    cache: Flags.string({ description: 'comma-separated cache sizes (experts per MoE layer)', required: true, helpValue: '4,8,16' }),
    strategy: Flags.string({ description: `comma-separated strategies (${STRATEGY_IDS.join(', ')})`, default: 'topk,cache-prior', helpValue: 'topk,cache-prior' }),
    lambda: Flags.string({ description: 'cache-prior λ values', helpValue: '0,0.25,0.5' }),
    'top-j': Flags.string({ description: 'top-J values (default 0)', helpValue: '0,1' }),
    'max-rank': Flags.string({ description: 'max-rank M values', helpValue: '8,16' }),
    threshold: Flags.string({ description: 'cumulative-threshold p values', helpValue: '0.8,0.9' }),
    policy: routingFlags.policy,
    'lru-order': routingFlags['lru-order'],
    'cache-reset': routingFlags['cache-reset'],
    'prefill-cache': routingFlags['prefill-cache'],
    limit: Flags.integer({ description: 'documents per run (per subject for MMLU)', min: 1 }),
    'num-fewshot': Flags.integer({ description: 'few-shot examples (default: each task\'s)', min: 0 }),
    seed: Flags.integer({ default: 1234, description: 'seed of the bootstrap standard errors' }),
    output: Flags.string({ description: 'sweep directory: one run directory per point under it', default: 'reports/sweep', helpValue: 'DIR' }),
    concurrency: Flags.integer({ description: 'points run at once (p-limit); the kernels already use every core', default: 1, min: 1 }),
    'log-samples': Flags.boolean({ default: false, description: 'record prompts and outputs in each run\'s samples.jsonl' }),
    quiet: Flags.boolean({ default: false, description: 'no progress output' }),
    device: Flags.string({ description: 'device preset or YAML file for the modeled latency', default: DEFAULT_DEVICE, helpValue: 'PRESET|FILE' }),
    threads: threadsFlag,
    shard: Flags.string({ description: 'run grid point i only if i mod N = I (I 0-based; auto/N reads the index from the environment)', helpValue: 'I/N', helpGroup: 'SHARDING' }),
    'shard-index-env': Flags.string({ description: 'environment variable holding the shard index for --shard auto/N', helpValue: 'NAME', helpGroup: 'SHARDING' }),
    'delta-avg': routingFlags['delta-avg'],
  };

  async run(): Promise<SweepResult> {
    const { flags } = await this.parse(Sweep);
    const tasks = list('task', flags.task, String) as string[];
    if (flags.data && tasks.length > 1) throw usageError('sweep-data-many-tasks', '--data applies to one task, but the sweep has several', 'sweep one task per --data, or drop --data to use the embedded sets');
    const shard = parseShard(flags.shard, flags['shard-index-env']);
    const { runSweep } = await import('../sweep.js');
    const runs: SweepRun[] = await runSweep({
      select: (points) => points.filter((_, i) => inShard(i, shard)),
      grid: {
        tasks,
        caches: list('cache', flags.cache, Number) as number[],
        strategies: list('strategy', flags.strategy, String) as string[],
        lambdas: list('lambda', flags.lambda, Number) as number[],
        topJs: list('top-j', flags['top-j'], Number) as number[],
        maxRanks: list('max-rank', flags['max-rank'], Number) as number[],
        thresholds: list('threshold', flags.threshold, Number) as number[],
      },
      output: flags.output,
      concurrency: flags.concurrency,
      model: flags.model,
      data: flags.data,
      limit: flags.limit ?? null,
      numFewshot: flags['num-fewshot'],
      seed: flags.seed,
      threads: flags.threads,
      logSamples: flags['log-samples'],
      device: flags.device,
      routing: { policy: flags.policy, 'lru-order': flags['lru-order'], 'cache-reset': flags['cache-reset'], 'prefill-cache': flags['prefill-cache'], 'delta-avg': flags['delta-avg'] },
      argv: this.argv,
      progress: (p) => createProgress(p.id, flags.quiet || this.jsonEnabled()),
      onPoint: (p, status, dir) => !this.jsonEnabled() && this.note(`${p.id}: ${status === 'skipped' ? 'already complete, skipped' : 'done'} (${dir})`),
    });
    if (!this.jsonEnabled()) this.log(`${runs.length} runs in ${flags.output}; make the leaderboard with: moe-eval report ${flags.output} --out reports/leaderboard.md`);
    return { output: flags.output, runs: runs.map((r) => ({ id: r.point.id, runDir: r.runDir, status: r.status })) };
  }
}
