// Reads headerless CSV (the original Hendrycks MMLU files) into named columns, enforcing the
// column count per record; parsing is csv-rfc4180.ts.

import { CsvSyntaxError, parseCsv } from '../csv-rfc4180.js';
import { decodeUtf8, readFileBytes, stripBom } from '../file-bytes.js';
import { malformedRow, type ReadOptions, type Table, type TableReader, type TableRow } from './table.js';

export const csvReader: TableReader = {
  format: 'csv',
  extensions: ['.csv'],
  async read(path: string, options: ReadOptions = {}): Promise<Table> {
    const file = await readFileBytes(path);
    let records;
    try {
      records = parseCsv(stripBom(decodeUtf8(file)));
    } catch (err) {
      if (err instanceof CsvSyntaxError) throw malformedRow({ file: file.path, line: err.line }, err.message);
      throw err;
    }
    const names = options.columns;
    const rows: TableRow[] = records.map(({ fields, line }) => {
      const at = { file: file.path, line };
      if (!names) return { values: Object.fromEntries(fields.map((v, k) => [String(k), v])), at };
      if (fields.length !== names.length) {
        throw malformedRow(at, `expected ${names.length} columns (${names.join(', ')}), found ${fields.length}`);
      }
      return { values: Object.fromEntries(names.map((name, k) => [name, fields[k]])), at };
    });
    return {
      file: { path: file.path, format: 'csv', sha256: file.sha256, bytes: file.bytes.length, rows: rows.length },
      rows,
    };
  },
};
