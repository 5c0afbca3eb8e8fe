// The registry of table readers by format (jsonl, csv, parquet, text) and the file-name rule that
// picks one; loaders ask the registry instead of switching on formats.

import { usageError } from '../../errors.js';
import type { DatasetFormat } from '../types.js';
import { csvReader } from './csv-reader.js';
import { jsonlReader } from './jsonl-reader.js';
import { parquetReader } from './parquet-reader.js';
import type { ReadOptions, Table, TableReader } from './table.js';
import { textReader } from './text-reader.js';

const readers: ReadonlyMap<DatasetFormat, TableReader> = new Map(
  [jsonlReader, csvReader, parquetReader, textReader].map((reader) => [reader.format, reader]),
);

export const readerFormats = (): DatasetFormat[] => [...readers.keys()];

export function readerFor(format: DatasetFormat): TableReader {
  const reader = readers.get(format);
  if (!reader) throw usageError('data-unknown-format', `unknown data format "${format}"; valid formats: ${readerFormats().join(', ')}`);
  return reader;
}

/** The format a file name claims by its ending, or undefined when no reader claims it. */
export function formatOfPath(path: string): DatasetFormat | undefined {
  const lower = path.toLowerCase();
  for (const reader of readers.values()) {
    if (reader.extensions.some((ext) => lower.endsWith(ext))) return reader.format;
  }
  return undefined;
}

export function readTable(path: string, format: DatasetFormat, options?: ReadOptions): Promise<Table> {
  return readerFor(format).read(path, options);
}
