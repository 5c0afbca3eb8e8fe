// Loads WikiText-style raw text in every layout we accept: the raw file byte for byte plus its
// Salesforce/wikitext rows; parquet copies give the same rows and rebuild the same raw text.

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
import { canonicalSplit, wikitextRawFileName } from './splits.js';
import type { FileIdentity, RawTextSource, RowLocation, TextLineRecord } from './types.js';
import { rawFromWikitextRows } from './wikitext-text.js';

/** Hugging Face ids with WikiText ("wikitext" is the pre-namespace id of the same repo). */
export const WIKITEXT_DATASET_IDS = ['Salesforce/wikitext', 'wikitext'] as const;

export interface LoadRawTextOptions extends HfLookupOptions {
  /** default "test" */
  readonly split?: string;
  /** Hugging Face config folder, default "wikitext-2-raw-v1" */
  readonly config?: string;
}

const probes = (config: string): LayoutProbe[] => [
  {
    name: 'wikitext-raw-dir',
    help: 'a folder of WikiText raw files: DIR/wiki.{train,valid,test}.raw (the wikitext-2-raw-v1 archive)',
    async probe(path, kind, split) {
      if (kind !== 'dir') return undefined;
      if (!(await listNames(path)).some((n) => /^wiki\.\w+\.raw$/.test(n))) return undefined;
      const file = join(path, wikitextRawFileName(split));
      if ((await pathKind(file)) !== 'file') throw missingSplit('WikiText', split, file, 'WikiText raw folder');
      return { layout: 'raw-text', files: [{ path: file, format: 'text' }] };
    },
  },
  {
    name: 'hf-parquet',
    help: `a Salesforce/wikitext snapshot: DIR/${hfShardPattern(config, '<split>')} (column text, one row per line)`,
    async probe(path, kind, split) {
      if (kind !== 'dir') return undefined;
      const shards = await hfParquetShards(path, config, split);
      if (shards.length) return { layout: 'hf-parquet', files: shards.map((p) => ({ path: p, format: 'parquet' as const })) };
      if ((await pathKind(join(path, config))) === 'dir') throw missingSplit('WikiText', split, join(path, hfShardPattern(config, split)), 'Salesforce/wikitext parquet');
      return undefined;
    },
  },
  {
    name: 'single-file',
    help: 'one file: raw text (e.g. wiki.test.raw), or a .parquet file with a text column of lines',
    async probe(path, kind, split) {
      if (kind !== 'file') return undefined;
      const named = splitOfFileName('raw-text', path);
      if (named !== undefined && named !== split) throw missingSplit('WikiText', split, `a ${split} file, but ${path} holds the ${named} split`, 'single-file');
      const format = formatOfPath(path) === 'parquet' ? 'parquet' : 'text';
      return { layout: format === 'parquet' ? 'parquet-file' : 'raw-text', files: [{ path, format }] };
    },
  },
];

export const RAW_TEXT_LAYOUTS = layoutHelp(probes('wikitext-2-raw-v1'));

/**
 * Raw text (split default "test") from `spec`: a path in any layout of RAW_TEXT_LAYOUTS, or a
 * Hugging Face dataset id (Salesforce/wikitext) found in the local hub cache. `rows` follow the
 * Salesforce/wikitext rows; `text` is the raw file. The paper's perplexity protocol tokenises
 * rows.map(r => r.text).join("\n\n") (as HF's perplexity guide does); lm-eval's wikitext task
 * scores wikitextDocuments(text) instead.
 */
export async function loadRawText(spec: string, options: LoadRawTextOptions = {}): Promise<RawTextSource> {
  const canonical = canonicalSplit('raw-text', options.split ?? 'test');
  const config = options.config ?? 'wikitext-2-raw-v1';
  const located = await locateData(spec, layoutHelp(probes(config)), options);
  const plan = await planLayout(probes(config), 'raw text', located.path, located.pathKind, canonical);
  const identities: FileIdentity[] = [];
  const rows: TextLineRecord[] = [];
  const locations: RowLocation[] = [];
  const rawParts: string[] = [];
  for (const file of plan.files) {
    const table = await readTable(file.path, file.format, { columns: ['text'] });
    identities.push(table.file);
    const start = rows.length;
    for (const { values, at } of table.rows) {
      rows.push({ text: stringField(values, 'text', at) });
      locations.push(at);
    }
    rawParts.push(table.text ?? rawFromWikitextRows(rows.slice(start).map((r) => r.text)));
  }
  if (rows.length === 0) throw inputError('data-empty', `raw text ${canonical} split at ${located.path} is empty`);
  const source = makeSource({ kind: 'raw-text', located, layout: plan.layout, split: canonical, files: identities, rows, locations });
  return { ...source, text: rawParts.join('') };
}
