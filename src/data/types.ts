// The one interface every dataset loader returns (DatasetSource) and the normalised records
// tasks consume, whatever the on-disk format. Record shapes follow the HF dataset cards.

import { z } from 'zod';

/** On-disk formats with a reader in reader-registry.ts. */
export const DATASET_FORMATS = ['jsonl', 'csv', 'parquet', 'text'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** What a loader produces; a task asks for a kind, never for a format. */
export const DATASET_KINDS = ['mmlu', 'gsm8k', 'raw-text'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

/** Where a row came from, for error messages and per-sample logs. */
export interface RowLocation {
  /** absolute path of the file */
  readonly file: string;
  /** JSONL, CSV, raw text: 1-based line number of the record's first line */
  readonly line?: number;
  /** parquet: 0-based row index in the file */
  readonly row?: number;
}

const count = z.number().int().nonnegative();

/** One file that was read: enough to tell later whether the same bytes were evaluated; rows = records
 * (lines) the file holds, before any subject filter. */
export const fileIdentitySchema = z.looseObject({ path: z.string(), format: z.enum(DATASET_FORMATS), sha256: z.string(), bytes: count, rows: count });
export type FileIdentity = z.infer<typeof fileIdentitySchema>;

/** Dataset identity for the results document; plain JSON data. */
export const datasetIdentitySchema = z.looseObject({
  kind: z.enum(DATASET_KINDS),
  /** what the caller passed: a path or a Hugging Face dataset id */
  source: z.string(),
  /** absolute path of the file read, or of the root directory of a multi-file layout */
  path: z.string(),
  /** which on-disk layout was recognised, e.g. "hendrycks-csv", "hf-parquet", "jsonl" */
  layout: z.string(),
  split: z.string(),
  /** set when the data came out of the local Hugging Face hub cache */
  hf: z.looseObject({ id: z.string(), revision: z.string() }).optional(),
  /** only for MMLU when a subject filter was given */
  subjects: z.array(z.string()).optional(),
  /** every file read, sorted by path */
  files: z.array(fileIdentitySchema),
  /** one file: its sha256; several: sha256 of the sha256sum-style manifest ("<sha256>  <relative path>\n" per file, sorted by path) */
  sha256: z.string(),
  /** normalised records delivered (after the subject filter) */
  rows: count,
});
export type DatasetIdentity = z.infer<typeof datasetIdentitySchema>;

/**
 * A loaded dataset split. Everything is read eagerly: the largest supported split (MMLU test,
 * 14k rows) is a few MB, and eager loading lets identity carry the row count and hashes.
 */
export interface DatasetSource<T> {
  readonly kind: DatasetKind;
  /** same as identity.path */
  readonly path: string;
  readonly layout: string;
  readonly split: string;
  readonly identity: DatasetIdentity;
  /** normalised records in deterministic order */
  readonly rows: readonly T[];
  /** locations[i] is where rows[i] was read */
  readonly locations: readonly RowLocation[];
  /** one line for logs and `--json` notes, e.g. "mmlu test: 14079 rows from hendrycks-csv /x (57 files)" */
  describe(): string;
}

/** cais/mmlu row: choices in A-D order, answer the index of the right one. */
export interface MmluRecord {
  /** snake_case subject as in the Hendrycks file names and cais/mmlu, e.g. "abstract_algebra" */
  readonly subject: string;
  readonly question: string;
  readonly choices: readonly [string, string, string, string];
  readonly answer: 0 | 1 | 2 | 3;
}

/** openai/gsm8k "main" row: the answer holds the worked solution ending in "#### N". */
export interface Gsm8kRecord {
  readonly question: string;
  readonly answer: string;
}

/**
 * Salesforce/wikitext row: one line of the raw file including its "\n", or "" for a
 * whitespace-only line (the HF builder's rule; see wikitext-rows.ts).
 */
export interface TextLineRecord {
  readonly text: string;
}

/** Raw text: the rows above plus the exact file content. */
export interface RawTextSource extends DatasetSource<TextLineRecord> {
  /**
   * The raw file's content as read (for a raw file, byte for byte; for parquet, rebuilt from
   * the rows, which reproduces wiki.*.raw exactly because every blank WikiText line is " \n").
   */
  readonly text: string;
}
