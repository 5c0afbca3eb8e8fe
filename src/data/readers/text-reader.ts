// Reads a raw text file (wiki.test.raw) exactly as stored, plus its rows in the Salesforce/wikitext
// convention (one per line, "" for blank lines; wikitext-text.ts) at their 1-based line numbers.

import { decodeUtf8, readFileBytes } from '../file-bytes.js';
import { wikitextRowsFromRaw } from '../wikitext-text.js';
import type { Table, TableReader } from './table.js';

export const textReader: TableReader = {
  format: 'text',
  extensions: ['.raw', '.txt', '.tokens'],
  async read(path: string): Promise<Table> {
    const file = await readFileBytes(path);
    const text = decodeUtf8(file);
    const rows = wikitextRowsFromRaw(text).map((line, k) => ({ values: { text: line }, at: { file: file.path, line: k + 1 } }));
    return {
      file: { path: file.path, format: 'text', sha256: file.sha256, bytes: file.bytes.length, rows: rows.length },
      rows,
      text,
    };
  },
};
