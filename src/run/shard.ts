// Sharding a run (its samples) or a sweep (its grid points) across machines: shard I of N takes
// the items whose index i has i mod N = I. The partition depends only on the item order of the full
// run, never on the machine or on timing, so shards run anywhere and merge to the full run.

import { createHash } from 'node:crypto';
import type { Shard } from './config.js';

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
