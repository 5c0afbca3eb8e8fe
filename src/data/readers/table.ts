// The format-neutral shape every reader returns (rows of named values, each with its location)
// and the row-error helper, so every malformed-row message names file and line/row the same way.

import { inputError, type MoeEvalError } from '../../errors.js';
import type { DatasetFormat, FileIdentity, RowLocation } from '../types.js';

export interface TableRow {
  readonly values: Readonly<Record<string, unknown>>;
  readonly at: RowLocation;
}

export interface Table {
  readonly file: FileIdentity;
  readonly rows: readonly TableRow[];
  /** text reader only: the whole file content */
  readonly text?: string;
}

export interface ReadOptions {
  /**
   * CSV (headerless): the names of the columns, in order; the count is enforced per record.
   * JSONL, parquet: fields/columns that must be present.
   */
  readonly columns?: readonly string[];
}

export interface TableReader {
  readonly format: DatasetFormat;
  /** lower-case file name endings this reader claims, with the dot */
  readonly extensions: readonly string[];
  read(path: string, options?: ReadOptions): Promise<Table>;
}

/** "/abs/test.jsonl line 12" (line-based formats) or "/abs/test.parquet row 12" (0-based). */
export function formatLocation(at: RowLocation): string {
  if (at.line !== undefined) return `${at.file} line ${at.line}`;
  if (at.row !== undefined) return `${at.file} row ${at.row}`;
  return at.file;
}

export function malformedRow(at: RowLocation, what: string): MoeEvalError {
  return inputError(
    'data-malformed-row',
    `malformed data at ${formatLocation(at)}: ${what}`,
    'Fix or remove the row, or point --data at an unmodified copy of the dataset.',
  );
}
