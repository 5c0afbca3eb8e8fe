// Reads a data file once for both parsing and its sha256 (dataset identity), and decodes UTF-8
// strictly: a file that is not valid UTF-8 is an input error, never silently "fixed".

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inputError } from '../errors.js';

export interface FileBytes {
  /** absolute path */
  readonly path: string;
  readonly bytes: Buffer;
  readonly sha256: string;
}

export async function readFileBytes(path: string): Promise<FileBytes> {
  const abs = resolve(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError('data-not-found', `data file not found: ${abs}`);
    if (code === 'EISDIR') throw inputError('data-not-a-file', `expected a file, found a directory: ${abs}`);
    throw inputError('data-unreadable', `cannot read data file ${abs}: ${(err as Error).message}`);
  }
  return { path: abs, bytes, sha256: sha256Hex(bytes) };
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Decodes UTF-8 without dropping a leading BOM (ignoreBOM keeps it in the text), so raw text
 * stays byte-exact; callers that parse structured text strip it themselves.
 */
export function decodeUtf8(file: FileBytes): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.bytes);
  } catch {
    throw inputError('data-not-utf8', `${file.path} is not valid UTF-8`);
  }
}

export const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
