// Where `--trace FILE` lines go (docs/routing-contract.md "What a run must record"): a buffered writer on
// a file descriptor (fs.writeSync, flushed when the buffer fills and on close), so tracing costs one
// string per event and a system call per ~64 KiB, and an in-memory sink for tests and tools.

import { closeSync, openSync, writeSync } from 'node:fs';
import { usageError } from '../errors.js';

export interface TraceSink {
  /** one JSON line, without the newline */
  writeLine(line: string): void;
  /** writes what is buffered and releases the sink; idempotent */
  close(): void;
}

export class BufferedTraceFile implements TraceSink {
  readonly path: string;
  private fd: number | null;
  private buffer = '';
  private readonly flushChars: number;

  constructor(path: string, flushChars = 1 << 16) {
    this.path = path;
    this.flushChars = flushChars;
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw usageError('trace-open-failed', `cannot open --trace file ${path}: ${(err as Error).message}`, 'pass a writable file path to --trace');
    }
  }

  writeLine(line: string): void {
    if (this.fd === null) throw usageError('trace-closed', `the --trace file ${this.path} is already closed`);
    this.buffer += line;
    this.buffer += '\n';
    if (this.buffer.length >= this.flushChars) this.flush();
  }

  flush(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    const bytes = Buffer.from(this.buffer, 'utf8');
    this.buffer = '';
    // writeSync may write less than asked; loop until the whole chunk is out
    for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}

/** Opens `--trace FILE` for writing (truncates); a bad path is a usage error. */
export function openTraceFile(path: string): TraceSink {
  return new BufferedTraceFile(path);
}

export class MemoryTraceSink implements TraceSink {
  readonly lines: string[] = [];
  closed = false;

  writeLine(line: string): void {
    this.lines.push(line);
  }

  close(): void {
    this.closed = true;
  }
}
