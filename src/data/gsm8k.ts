// Loads GSM8K in every layout we accept into openai/gsm8k "main" records {question, answer},
// in file order (lm-eval's gsm8k task takes few-shot examples as the first n of train).

import { join } from 'node:path';
import { inputError } from '../errors.js';
import { listNames, pathKind } from './fs-probe.js';
import { makeSource } from './dataset-source.js';
import type { HfLookupOptions } from './hf-cache.js';
import { hfParquetShards, hfShardPattern } from './hf-parquet-files.js';
import { layoutHelp, missingSplit, planLayout, type LayoutProbe } from './layout-probe.js';
import { locateData } from './locate.js';
import { formatOfPath, readTable } from './readers/reader-registry.js';
import { stringField } from './record-fields.js';
import { splitOfFileName } from './split-file-name.js';
import { canonicalSplit } from './splits.js';
import type { DatasetSource, FileIdentity, Gsm8kRecord, RowLocation } from './types.js';

/** Hugging Face ids with GSM8K (the un-namespaced "gsm8k" is the id older lm-eval configs use). */
export const GSM8K_DATASET_IDS = ['openai/gsm8k', 'gsm8k'] as const;
const COLUMNS = ['question', 'answer'] as const;

export interface LoadGsm8kOptions extends HfLookupOptions {
  /** Hugging Face config folder: "main" (default; what lm-eval's gsm8k uses) or "socratic" */
  readonly config?: string;
}

const probes = (config: string): LayoutProbe[] => [
  {
    name: 'jsonl-dir',
    help: 'a folder of JSON Lines files: DIR/<split>.jsonl with {"question","answer"} per line (grade_school_math/data)',
    async probe(path, kind, split) {
      if (kind !== 'dir') return undefined;
      const names = await listNames(path);
      if (!names.some((n) => n.endsWith('.jsonl'))) return undefined;
      const file = join(path, `${split}.jsonl`);
      if ((await pathKind(file)) !== 'file') throw missingSplit('GSM8K', split, file, 'JSON Lines folder');
      return { layout: 'jsonl', files: [{ path: file, format: 'jsonl' }] };
    },
  },
  {
    name: 'hf-parquet',
    help: `an openai/gsm8k snapshot: DIR/${hfShardPattern(config, '<split>')}`,
    async probe(path, kind, split) {
      if (kind !== 'dir') return undefined;
      const shards = await hfParquetShards(path, config, split);
      if (shards.length) return { layout: 'hf-parquet', files: shards.map((p) => ({ path: p, format: 'parquet' as const })) };
      if ((await pathKind(join(path, config))) === 'dir') throw missingSplit('GSM8K', split, join(path, hfShardPattern(config, split)), 'openai/gsm8k parquet');
      return undefined;
    },
  },
  {
    name: 'single-file',
    help: 'one file: a .jsonl file or an openai/gsm8k .parquet file (columns question, answer)',
    async probe(path, kind, split) {
      if (kind !== 'file') return undefined;
      const format = formatOfPath(path);
      if (format !== 'jsonl' && format !== 'parquet') return undefined;
      const named = splitOfFileName('gsm8k', path);
      if (named !== undefined && named !== split) throw missingSplit('GSM8K', split, `a ${split} file, but ${path} holds the ${named} split`, 'single-file');
      return { layout: format === 'jsonl' ? 'jsonl' : 'parquet-file', files: [{ path, format }] };
    },
  },
];

export const GSM8K_LAYOUTS = layoutHelp(probes('main'));

/**
 * GSM8K split `split` (train | test) from `spec`: a path in any layout of GSM8K_LAYOUTS, or a
 * Hugging Face dataset id (openai/gsm8k) found in the local hub cache.
 */
export async function loadGsm8k(spec: string, split: string, options: LoadGsm8kOptions = {}): Promise<DatasetSource<Gsm8kRecord>> {
  const canonical = canonicalSplit('gsm8k', split);
  const config = options.config ?? 'main';
  const located = await locateData(spec, layoutHelp(probes(config)), options);
  const plan = await planLayout(probes(config), 'GSM8K', located.path, located.pathKind, canonical);
  const identities: FileIdentity[] = [];
  const rows: Gsm8kRecord[] = [];
  const locations: RowLocation[] = [];
  for (const file of plan.files) {
    const table = await readTable(file.path, file.format, { columns: COLUMNS });
    identities.push(table.file);
    for (const { values, at } of table.rows) {
      rows.push({ question: stringField(values, 'question', at), answer: stringField(values, 'answer', at) });
      locations.push(at);
    }
  }
  if (rows.length === 0) throw inputError('data-empty', `GSM8K ${canonical} split at ${located.path} has no rows`);
  return makeSource({ kind: 'gsm8k', located, layout: plan.layout, split: canonical, files: identities, rows, locations });
}
