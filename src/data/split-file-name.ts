// Reads the split a single data file's name claims (test-00000-of-00001.parquet, anatomy_val.csv,
// test.jsonl, wiki.valid.raw), so a file passed for one split is not silently used for another.

import { basename } from 'node:path';
import type { DatasetKind } from './types.js';
import { canonicalSplit } from './splits.js';

const patterns: readonly RegExp[] = [
  /^([a-z_]+)-\d{5}-of-\d{5}(-[0-9a-f]+)?\.parquet$/, // hub shards
  /^.+_(dev|val|test)\.csv$/, // Hendrycks
  /^(train|test)\.jsonl$/, // grade_school_math/data
  /^wiki\.(train|valid|test)\.raw$/, // WikiText
];

/** The canonical split named by the file name, or undefined when the name says nothing. */
export function splitOfFileName(kind: DatasetKind, path: string): string | undefined {
  const name = basename(path);
  for (const pattern of patterns) {
    const m = pattern.exec(name);
    if (!m) continue;
    try {
      return canonicalSplit(kind, m[1]!);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
