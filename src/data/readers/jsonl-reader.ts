// Reads JSON Lines (one JSON object per line, as openai/grade-school-math ships GSM8K) with the
// 1-based line of every record; blank lines are skipped but still counted.

import { decodeUtf8, readFileBytes, stripBom } from '../file-bytes.js';
import { malformedRow, type ReadOptions, type Table, type TableReader, type TableRow } from './table.js';

export const jsonlReader: TableReader = {
  format: 'jsonl',
  extensions: ['.jsonl', '.ndjson'],
  async read(path: string, options: ReadOptions = {}): Promise<Table> {
    const file = await readFileBytes(path);
    const lines = stripBom(decodeUtf8(file)).split('\n');
    const rows: TableRow[] = [];
    lines.forEach((raw, k) => {
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') return;
      const at = { file: file.path, line: k + 1 };
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw malformedRow(at, `not valid JSON (${(err as Error).message})`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw malformedRow(at, `expected a JSON object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
      }
      const values = value as Record<string, unknown>;
      for (const name of options.columns ?? []) {
        if (!(name in values)) throw malformedRow(at, `missing field "${name}"`);
      }
      rows.push({ values, at });
    });
    return {
      file: { path: file.path, format: 'jsonl', sha256: file.sha256, bytes: file.bytes.length, rows: rows.length },
      rows,
    };
  },
};
