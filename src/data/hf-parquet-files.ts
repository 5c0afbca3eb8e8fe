// Finds the parquet shards of one config and split inside a Hugging Face dataset snapshot, in the
// hub's two layouts: "<config>/<split>-00000-of-00001.parquet" (datasets' push_to_hub; cais/mmlu,
// openai/gsm8k, Salesforce/wikitext) and "<config>/<split>/0000.parquet" (refs/convert/parquet).

import { join } from 'node:path';
import { listNames, pathKind } from './fs-probe.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Shard paths in shard order, or [] when the snapshot has none for this config and split. */
export async function hfParquetShards(snapshot: string, config: string, split: string): Promise<string[]> {
  const configDir = join(snapshot, config);
  // older push_to_hub versions appended a content hash: train-00000-of-00001-0b9c6e4a5a5b2f3b.parquet
  const shard = new RegExp(`^${escape(split)}-\\d{5}-of-\\d{5}(-[0-9a-f]+)?\\.parquet$`);
  const direct = (await listNames(configDir)).filter((name) => shard.test(name));
  if (direct.length > 0) return direct.map((name) => join(configDir, name));
  const splitDir = join(configDir, split);
  if ((await pathKind(splitDir)) !== 'dir') return [];
  return (await listNames(splitDir)).filter((name) => /^\d+\.parquet$/.test(name)).map((name) => join(splitDir, name));
}

export const hfShardPattern = (config: string, split: string) =>
  `${config}/${split}-00000-of-00001.parquet (or ${config}/${split}/0000.parquet)`;
