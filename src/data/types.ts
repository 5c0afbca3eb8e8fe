// The one interface every dataset loader returns (DatasetSource) and the normalised records
// tasks consume, whatever the on-disk format. Record shapes follow the HF dataset cards.

/** On-disk formats with a reader in reader-registry.ts. */
export type DatasetFormat = 'jsonl' | 'csv' | 'parquet' | 'text';

/** What a loader produces; a task asks for a kind, never for a format. */
export type DatasetKind = 'mmlu' | 'gsm8k' | 'raw-text';

/** Where a row came from, for error messages and per-sample logs. */
export interface RowLocation {
  /** absolute path of the file */
  readonly file: string;
  /** JSONL, CSV, raw text: 1-based line number of the record's first line */
  readonly line?: number;
  /** parquet: 0-based row index in the file */
  readonly row?: number;
}

/** One file that was read: enough to tell later whether the same bytes were evaluated. */
export interface FileIdentity {
  readonly path: string;
  readonly format: DatasetFormat;
  readonly sha256: string;
  readonly bytes: number;
  /** rows (records, lines) the file holds, before any subject filter */
  readonly rows: number;
}

/** Dataset identity for the results document; plain JSON data. */
export interface DatasetIdentity {
  readonly kind: DatasetKind;
  /** what the caller passed: a path or a Hugging Face dataset id */
  readonly source: string;
  /** absolute path of the file read, or of the root directory of a multi-file layout */
  readonly path: string;
  /** which on-disk layout was recognised, e.g. "hendrycks-csv", "hf-parquet", "jsonl" */
  readonly layout: string;
  readonly split: string;
  /** set when the data came out of the local Hugging Face hub cache */
  readonly hf?: { readonly id: string; readonly revision: string };
  /** only for MMLU when a subject filter was given */
  readonly subjects?: readonly string[];
  /** every file read, sorted by path */
  readonly files: readonly FileIdentity[];
  /**
   * One file: that file's sha256. Several: sha256 of the `sha256sum`-style manifest
   * ("<sha256>  <path relative to `path`>\n" per file, sorted by relative path).
   */
  readonly sha256: string;
  /** normalised records delivered (after the subject filter) */
  readonly rows: number;
}

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
