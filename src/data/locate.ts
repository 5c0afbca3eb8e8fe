// Turns what the user passed (--data PATH or a Hugging Face dataset id) into a local path: an
// existing file or directory wins; otherwise an id-shaped spec is looked up in the hub cache.

import { resolve } from 'node:path';
import { inputError, MoeEvalError } from '../errors.js';
import { pathKind, type PathKind } from './fs-probe.js';
import { findHfSnapshot, isHfRepoId, type HfLookupOptions } from './hf-cache.js';

export interface LocatedData {
  /** the spec as given */
  readonly source: string;
  /** absolute path of the file or directory to read */
  readonly path: string;
  readonly pathKind: PathKind;
  readonly hf?: { readonly id: string; readonly revision: string };
}

export async function locateData(spec: string, layoutHelp: string, options: HfLookupOptions = {}): Promise<LocatedData> {
  const abs = resolve(spec);
  const kind = await pathKind(abs);
  if (kind) return { source: spec, path: abs, pathKind: kind };
  if (isHfRepoId(spec)) {
    try {
      const snapshot = await findHfSnapshot(spec, options);
      return { source: spec, path: snapshot.path, pathKind: 'dir', hf: { id: snapshot.id, revision: snapshot.revision } };
    } catch (err) {
      // an id-shaped spec may also have been meant as a relative path: say both
      if (err instanceof MoeEvalError && err.code === 'data-hf-not-cached') {
        throw inputError(err.code, `no file or directory ${abs}, and ${err.message}`, err.hint);
      }
      throw err;
    }
  }
  throw inputError('data-not-found', `no such file or directory: ${abs}`, `Pass --data PATH in one of these layouts:\n${layoutHelp}`);
}
