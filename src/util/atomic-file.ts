// Whole-file writes that never leave a half-written file: a temp file beside the target, then a
// rename. Final documents are fsync'd; per-sample checkpoints are not (a killed process loses
// nothing the kernel already has).

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, content: string, durable = true): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export const writeJsonAtomic = (path: string, value: unknown, durable = true): void => writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, durable);
