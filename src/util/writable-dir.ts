// Output folders are created (or found writable) before any work is done, so a bad path is a usage
// error naming its flag at once, not an internal error after a long computation.

import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../errors.js';

/** mkdir -p `dir` and check it is writable; errors name `flag`. Returns the absolute path. */
export function ensureWritableDir(dir: string, flag: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
    accessSync(abs, constants.W_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw usageError('output-unwritable', `${flag} ${dir}: cannot write there (${why})`, `pass a writable path for ${flag}`);
  }
  return abs;
}
