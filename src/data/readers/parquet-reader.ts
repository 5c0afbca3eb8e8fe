// Reads Parquet files as the Hugging Face hub stores datasets (pyarrow-written, usually snappy or
// zstd) with hyparquet + hyparquet-compressors; rows keep their 0-based index in the file.

import { parquetMetadata, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { inputError } from '../../errors.js';
import { readFileBytes } from '../file-bytes.js';
import type { ReadOptions, Table, TableReader, TableRow } from './table.js';

export const parquetReader: TableReader = {
  format: 'parquet',
  extensions: ['.parquet'],
  async read(path: string, options: ReadOptions = {}): Promise<Table> {
    const file = await readFileBytes(path);
    // hyparquet wants an ArrayBuffer of exactly the file (a Buffer may be a view of a larger pool)
    const buffer = file.bytes.buffer.slice(file.bytes.byteOffset, file.bytes.byteOffset + file.bytes.byteLength) as ArrayBuffer;
    let metadata: FileMetaData;
    try {
      metadata = parquetMetadata(buffer);
    } catch (err) {
      throw inputError('data-parquet-unreadable', `${file.path} is not a readable Parquet file: ${(err as Error).message}`);
    }
    const present = parquetSchema(metadata).children.map((child) => child.element.name);
    const wanted = options.columns;
    const missing = (wanted ?? []).filter((name) => !present.includes(name));
    if (missing.length > 0) {
      throw inputError(
        'data-missing-column',
        `${file.path}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (the file has ${present.join(', ') || 'no columns'})`,
        `Expected columns: ${wanted!.join(', ')}.`,
      );
    }
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({ file: buffer, compressors, ...(wanted ? { columns: [...wanted] } : {}) });
    } catch (err) {
      throw inputError('data-parquet-unreadable', `cannot read the rows of ${file.path}: ${(err as Error).message}`);
    }
    const rows: TableRow[] = objects.map((values, row) => ({ values, at: { file: file.path, row } }));
    return {
      file: { path: file.path, format: 'parquet', sha256: file.sha256, bytes: file.bytes.length, rows: rows.length },
      rows,
    };
  },
};
