// Files of a run directory, written so that nothing computed is lost: documents are replaced
// atomically (temp file + rename) and finished samples are appended one JSON line at a time, so a
// killed process leaves at worst one torn last line, which resume ignores. Per-sample writes are
// not fsync'd: a killed process loses nothing the kernel already has; only final documents are.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { inputError } from '../errors.js';

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

/** Append-only JSON-lines file of finished samples. */
export class SampleJournal<T> {
  private fd: number | null = null;

  constructor(readonly path: string) {}

  /** Records already in the file; a torn last line (killed mid-write) is dropped. */
  readExisting(): T[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const lines = text.split('\n');
    const out: T[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
        if (!isLast) throw inputError('journal-corrupt', `${this.path}: line ${i + 1} is not JSON`, 'the run directory is damaged; start a new run (without --resume) or fix the file');
      }
    });
    return out;
  }

  /** Start appending after the `keep` records (the file is rewritten with exactly those first). */
  open(keep: T[]): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileAtomic(this.path, keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.fd = openSync(this.path, 'a');
  }

  append(record: T): void {
    if (this.fd === null) throw new Error('journal not open');
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
