// Resolves --model: a local directory, a Hugging Face hub id found in the local hub cache
// ($HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub: models--ORG--NAME/snapshots/<rev>),
// never the network; no --model means the project's embedded default model.

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findHfSnapshot, isHfRepoId } from '../data/hf-cache.js';
import { inputError } from '../errors.js';

/** The package root (where package.json, models/ and datasets/ live), from dist/ or src/. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EMBEDDED_MODEL_DIR = join(PACKAGE_ROOT, 'models', 'embedded');

export interface ModelSource {
  dir: string;
  /** how it was found: the embedded default, a directory, or a hub id in the local cache */
  kind: 'embedded' | 'directory' | 'hub-cache';
  /** what the user passed (or "embedded") */
  requested: string;
}

export async function resolveModel(requested: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ModelSource> {
  if (requested === undefined) {
    if (!existsSync(join(EMBEDDED_MODEL_DIR, 'config.json'))) {
      throw inputError('embedded-model-missing', `the embedded default model is missing from ${EMBEDDED_MODEL_DIR}`, 'reinstall moe-eval, or pass --model DIR');
    }
    return { dir: EMBEDDED_MODEL_DIR, kind: 'embedded', requested: 'embedded' };
  }
  if (existsSync(requested) && statSync(requested).isDirectory()) return { dir: resolve(requested), kind: 'directory', requested };
  if (!isHfRepoId(requested)) {
    throw inputError('model-dir-missing', `--model ${requested}: no such directory, and not a hub id of the form ORG/NAME`, 'pass a checkpoint directory or a hub id present in the local Hugging Face cache');
  }
  const snapshot = await findHfSnapshot(requested, { env, repoType: 'model' });
  return { dir: snapshot.path, kind: 'hub-cache', requested };
}
