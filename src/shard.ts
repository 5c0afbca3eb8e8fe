// Sharding a run (its samples) or a sweep (its grid points) across machines (issue 9): shard I of N
// takes the items whose index i has i mod N = I. The partition depends only on the item order of
// the full run, never on the machine or on timing, and the index may come from the environment an
// orchestrator sets (Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX; Slurm arrays: SLURM_ARRAY_TASK_ID).

import { createHash } from 'node:crypto';
import { usageError } from './errors.js';

export interface Shard {
  index: number;
  count: number;
}

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

export const inShard = (i: number, shard: Shard | null): boolean => shard === null || i % shard.count === shard.index;

/** sha256 of a canonical JSON: the identity of the full run every shard must share. */
export function identityHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
