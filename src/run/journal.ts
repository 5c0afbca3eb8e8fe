// The append-only JSON-lines files of a run folder (samples.jsonl, the routing trace segments):
// finished records are appended one line at a time, so a killed process leaves at worst one torn
// last line, which a resume ignores.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { inputError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';

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
        if (!isLast) throw inputError('journal-corrupt', `${this.path}: line ${i + 1} is not JSON`, 'the run folder is damaged; start a new run (without --resume) or fix the file');
      }
    });
    return out;
  }

  /** Start appending after the `keep` records (the file is rewritten with exactly those first). */
  open(keep: readonly T[]): void {
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
