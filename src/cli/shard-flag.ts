// --shard I/N and --shard auto/N: the index may come from the environment an orchestrator sets
// (Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX; Slurm arrays: SLURM_ARRAY_TASK_ID).

import { usageError } from '../errors.js';
import type { Shard } from '../run/config.js';

export const SHARD_INDEX_ENVS = ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID'] as const;

/**
 * --shard I/N, or --shard auto/N with I from --shard-index-env NAME, else JOB_COMPLETION_INDEX,
 * else SLURM_ARRAY_TASK_ID (0-based: run Slurm arrays as --array=0-(N-1)).
 */
export function parseShard(flag: string | undefined, indexEnv: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (flag === undefined) {
    if (indexEnv) throw usageError('shard-index-env-alone', '--shard-index-env needs --shard auto/N', 'add --shard auto/N');
    return null;
  }
  const m = /^(\d+|auto)\/(\d+)$/.exec(flag.trim());
  if (!m) throw usageError('bad-shard', `--shard ${flag}: expected I/N (e.g. 2/8) or auto/N`, 'I is 0-based: shards of N are 0/N … (N-1)/N');
  const count = Number(m[2]);
  let indexText = m[1];
  let from = '--shard';
  if (indexText === 'auto') {
    const names = indexEnv ? [indexEnv] : [...SHARD_INDEX_ENVS];
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (!name) throw usageError('shard-index-missing', `--shard auto/${count}: none of ${names.join(', ')} is set`, 'set the variable (the orchestrator does) or pass --shard I/N');
    indexText = env[name]!;
    from = name;
  }
  const index = Number(indexText);
  if (!(count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw usageError('bad-shard', `shard index ${indexText} (from ${from}) is not in [0, ${count})`, 'shard indices are 0-based');
  }
  return { index, count };
}

