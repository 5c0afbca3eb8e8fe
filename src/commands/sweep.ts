// `moe-eval sweep`: run a grid of tasks × cache sizes × strategies × parameters on one loaded model.
// The parameter list flags come from the strategy parameter table, like the task commands' flags.

import { Flags } from '@oclif/core';
import { MoeEvalCommand } from '../cli/base-command.js';
import { modelFlag, precisionFlags, precisionsFromFlags, threadsFlag } from '../cli/flags.js';
import { createProgress } from '../cli/progress.js';
import { cacheLifecycleFlags, lifecycleFromFlags, parseParam } from '../cli/routing-flags.js';
import { parseShard } from '../cli/shard-flag.js';
import { usageError } from '../errors.js';
import { DEFAULT_DEVICE } from '../latency/device-profile.js';
import { getStrategy, STRATEGY_IDS, STRATEGY_PARAM_KEYS, STRATEGY_PARAMS, type StrategyId, type StrategyParamKey } from '../routing/index.js';
import type { SweepRun } from '../run/sweep.js';

const list = (flag: string, v: string | undefined): string[] => (v === undefined || v === '' ? [] : v.split(',').map((s) => s.trim()));

const integers = (flag: string, v: string | undefined): number[] =>
  list(flag, v).map((s) => {
    const x = Number(s);
    if (!Number.isInteger(x)) throw usageError('sweep-bad-list', `--${flag}: "${s}" is not an integer`, `pass a comma-separated list, e.g. --${flag} 4,8,16`);
    return x;
  });

/** One comma-separated list flag per strategy parameter. */
const paramListFlags = Object.fromEntries(
  STRATEGY_PARAM_KEYS.map((k) => [STRATEGY_PARAMS[k].flag, Flags.string({ description: `${STRATEGY_PARAMS[k].symbol} values: ${STRATEGY_PARAMS[k].description}`, helpValue: 'LIST' })]),
) as Record<string, ReturnType<typeof Flags.string>>;

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
    ...paramListFlags,
    ...cacheLifecycleFlags,
    limit: Flags.integer({ description: 'documents per run (per subject for MMLU)', min: 1 }),
    'num-fewshot': Flags.integer({ description: 'few-shot examples (default: each task\'s)', min: 0 }),
    seed: Flags.integer({ default: 1234, description: 'seed of the bootstrap standard errors' }),
    output: Flags.string({ description: 'sweep folder: one run folder per point under it', default: 'reports/sweep', helpValue: 'DIR' }),
    concurrency: Flags.integer({ description: 'points run at once (p-limit); the kernels already use every core', default: 1, min: 1 }),
    'log-samples': Flags.boolean({ default: false, description: 'record prompts and outputs in each run\'s samples.jsonl' }),
    quiet: Flags.boolean({ default: false, description: 'no progress output' }),
    device: Flags.string({ description: 'device preset or YAML file for the modeled latency', default: DEFAULT_DEVICE, helpValue: 'PRESET|FILE' }),
    threads: threadsFlag,
    ...precisionFlags,
    shard: Flags.string({ description: 'run grid point i only if i mod N = I (I 0-based; auto/N reads the index from the environment)', helpValue: 'I/N', helpGroup: 'SHARDING' }),
    'shard-index-env': Flags.string({ description: 'environment variable holding the shard index for --shard auto/N', helpValue: 'NAME', helpGroup: 'SHARDING' }),
  };

  async run(): Promise<SweepResult> {
    const { flags } = await this.parse(Sweep);
    const values = flags as Record<string, unknown>;
    const tasks = list('task', flags.task);
    if (flags.data && tasks.length > 1) throw usageError('sweep-data-many-tasks', '--data applies to one task, but the sweep has several', 'sweep one task per --data, or drop --data to use the embedded sets');
    const strategies = list('strategy', flags.strategy).map((s) => getStrategy(s).id as StrategyId);
    const params = Object.fromEntries(
      STRATEGY_PARAM_KEYS.map((k) => [k, list(STRATEGY_PARAMS[k].flag, values[STRATEGY_PARAMS[k].flag] as string | undefined).map((s) => parseParam(k, s))]),
    ) as Record<StrategyParamKey, number[]>;
    const { runSweep } = await import('../run/sweep.js');
    const runs: SweepRun[] = await this.interruptible((signal) => runSweep(
      {
        grid: { tasks, caches: integers('cache', flags.cache), strategies, params },
        output: flags.output,
        concurrency: flags.concurrency,
        shard: parseShard(flags.shard, flags['shard-index-env']),
        base: {
          model: flags.model ?? null,
          data: flags.data ?? null,
          limit: flags.limit ?? null,
          numFewshot: flags['num-fewshot'] ?? null,
          seed: flags.seed,
          logSamples: flags['log-samples'],
          device: flags.device,
          engine: { threads: flags.threads ?? null, ...precisionsFromFlags(flags) },
          routing: lifecycleFromFlags(values),
        },
      },
      {
        argv: this.recordedArgv(),
        signal,
        observer: (p) => createProgress(p.id, flags.quiet || this.jsonEnabled()),
        onPoint: (r) => !this.jsonEnabled() && this.note(`${r.point.id}: ${r.status === 'skipped' ? 'already complete, skipped' : 'done'} (${r.runDir})`),
      },
    ));
    if (!this.jsonEnabled()) this.log(`${runs.length} runs in ${flags.output}; make the leaderboard with: moe-eval report ${flags.output} --out ${flags.output}/leaderboard.md`);
    return { output: flags.output, runs: runs.map((r) => ({ id: r.point.id, runDir: r.runDir, status: r.status })) };
  }
}
