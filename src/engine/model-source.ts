// Resolves --model: a local directory, a Hugging Face hub id found in the local hub cache
// ($HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub: models--ORG--NAME/snapshots/<rev>),
// never the network; no --model means the project's embedded default model.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

export function hubCacheRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots: string[] = [];
  if (env.HF_HUB_CACHE) roots.push(env.HF_HUB_CACHE);
  if (env.HF_HOME) roots.push(join(env.HF_HOME, 'hub'));
  roots.push(join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface', 'hub'));
  return [...new Set(roots)];
}

export function resolveModel(requested: string | undefined, env: NodeJS.ProcessEnv = process.env): ModelSource {
  if (requested === undefined) {
    if (!existsSync(join(EMBEDDED_MODEL_DIR, 'config.json'))) {
      throw inputError('embedded-model-missing', `the embedded default model is missing from ${EMBEDDED_MODEL_DIR}`, 'reinstall moe-eval, or pass --model DIR');
    }
    return { dir: EMBEDDED_MODEL_DIR, kind: 'embedded', requested: 'embedded' };
  }
  if (existsSync(requested) && statSync(requested).isDirectory()) return { dir: resolve(requested), kind: 'directory', requested };
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(requested);
  if (!m) {
    throw inputError('model-dir-missing', `--model ${requested}: no such directory, and not a hub id of the form ORG/NAME`, 'pass a checkpoint directory or a hub id present in the local Hugging Face cache');
  }
  const searched: string[] = [];
  for (const root of hubCacheRoots(env)) {
    const repo = join(root, `models--${m[1]}--${m[2]}`);
    searched.push(repo);
    const snapshot = pickSnapshot(repo);
    if (snapshot) return { dir: snapshot, kind: 'hub-cache', requested };
  }
  throw inputError(
    'model-not-cached',
    `--model ${requested}: not a directory and not in the local Hugging Face cache (searched ${searched.join(', ')})`,
    'moe-eval never downloads: fetch the model where you have network (huggingface-cli download) and copy the cache or the directory here',
  );
}

/** refs/main names the snapshot the hub client considers current; otherwise the only / newest one. */
function pickSnapshot(repo: string): string | null {
  const snapshots = join(repo, 'snapshots');
  if (!existsSync(snapshots)) return null;
  const ref = join(repo, 'refs', 'main');
  if (existsSync(ref)) {
    const dir = join(snapshots, readFileSync(ref, 'utf8').trim());
    if (existsSync(join(dir, 'config.json'))) return dir;
  }
  const candidates = readdirSync(snapshots)
    .map((d) => join(snapshots, d))
    .filter((d) => existsSync(join(d, 'config.json')))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return candidates[0] ?? null;
}
