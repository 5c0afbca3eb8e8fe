// Builds the DatasetSource returned by every loader: records, their locations and the identity
// block (paths, per-file sha256, combined digest, row count) for results documents.

import { relative } from 'node:path';
import { sha256Hex } from './file-bytes.js';
import type { LocatedData } from './locate.js';
import type { DatasetIdentity, DatasetKind, DatasetSource, FileIdentity, RowLocation } from './types.js';

export interface SourceParts<T> {
  readonly kind: DatasetKind;
  readonly located: LocatedData;
  readonly layout: string;
  readonly split: string;
  readonly files: readonly FileIdentity[];
  readonly rows: readonly T[];
  readonly locations: readonly RowLocation[];
  readonly subjects?: readonly string[];
}

/** One file: its own sha256; several: sha256 of "<sha256>  <relative path>\n" lines sorted by path. */
export function combinedSha256(root: string, files: readonly FileIdentity[]): string {
  if (files.length === 1) return files[0]!.sha256;
  const lines = files.map((f) => ({ rel: relative(root, f.path), sha: f.sha256 })).sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return sha256Hex(lines.map((l) => `${l.sha}  ${l.rel}\n`).join(''));
}

export function makeSource<T>(parts: SourceParts<T>): DatasetSource<T> {
  const { kind, located, layout, split, rows, locations } = parts;
  const files = [...parts.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const identity: DatasetIdentity = {
    kind,
    source: located.source,
    path: located.path,
    layout,
    split,
    ...(located.hf ? { hf: located.hf } : {}),
    ...(parts.subjects ? { subjects: [...parts.subjects] } : {}),
    files,
    sha256: combinedSha256(located.path, files),
    rows: rows.length,
  };
  return {
    kind,
    path: located.path,
    layout,
    split,
    identity,
    rows,
    locations,
    describe() {
      const from = located.hf ? `${located.hf.id}@${located.hf.revision.slice(0, 12)} (${located.path})` : located.path;
      const count = files.length > 1 ? `, ${files.length} files` : '';
      return `${kind} ${split}: ${rows.length} rows from ${from} [${layout}${count}]`;
    },
  };
}
