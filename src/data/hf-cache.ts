// Looks a dataset id up in the local Hugging Face hub cache, never the network. Cache location and
// layout follow huggingface_hub (constants.py; https://huggingface.co/docs/hub/local-cache):
// <cache>/datasets--ORG--NAME/{refs/<ref> = commit, snapshots/<commit>/<repo files>}.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { inputError } from '../errors.js';
import { listNames, pathKind } from './fs-probe.js';

export interface HfLookupOptions {
  /** environment to read HF_HUB_CACHE, HF_HOME, ... from (default process.env) */
  readonly env?: NodeJS.ProcessEnv;
  /** a ref under refs/ (default "main") or a commit hash */
  readonly revision?: string;
  /** datasets (default) or models: the cache keeps them as datasets--ORG--NAME / models--ORG--NAME */
  readonly repoType?: 'dataset' | 'model';
}

export interface HfSnapshot {
  readonly id: string;
  /** the commit hash of the snapshot */
  readonly revision: string;
  /** absolute path of snapshots/<commit> */
  readonly path: string;
}

const expandHome = (p: string, env: NodeJS.ProcessEnv) => resolve(p.replace(/^~(?=$|\/)/, home(env)));
const home = (env: NodeJS.ProcessEnv) => env.HOME || homedir();
const set = (v: string | undefined): v is string => v !== undefined && v !== '';

/**
 * Hub cache directories in the order searched. huggingface_hub uses the first that is set of
 * HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE (legacy), $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub,
 * ~/.cache/huggingface/hub; we search all of them, so data downloaded under another setting is found.
 */
export function hubCacheRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = [
    env.HF_HUB_CACHE,
    env.HUGGINGFACE_HUB_CACHE,
    set(env.HF_HOME) ? join(env.HF_HOME, 'hub') : undefined,
    set(env.XDG_CACHE_HOME) ? join(env.XDG_CACHE_HOME, 'huggingface', 'hub') : undefined,
    join(home(env), '.cache', 'huggingface', 'hub'),
  ].filter(set);
  return [...new Set(roots.map((r) => expandHome(r, env)))];
}

/**
 * The `datasets` library's own cache (HF_DATASETS_CACHE, $HF_HOME/datasets, ~/.cache/huggingface/
 * datasets). It holds Arrow files under hashed directories, which we cannot read; we only look
 * there to tell the user that a copy exists and how to export it.
 */
export function datasetsCacheRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = [
    env.HF_DATASETS_CACHE,
    set(env.HF_HOME) ? join(env.HF_HOME, 'datasets') : undefined,
    set(env.XDG_CACHE_HOME) ? join(env.XDG_CACHE_HOME, 'huggingface', 'datasets') : undefined,
    join(home(env), '.cache', 'huggingface', 'datasets'),
  ].filter(set);
  return [...new Set(roots.map((r) => expandHome(r, env)))];
}

/** "cais/mmlu" or a legacy un-namespaced id ("gsm8k"); "--" is reserved by the cache's naming. */
export function isHfRepoId(spec: string): boolean {
  return /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(spec) && !spec.includes('--') && !spec.includes('..');
}

export const hfRepoFolder = (id: string, repoType: 'dataset' | 'model' = 'dataset') => `${repoType}s--${id.split('/').join('--')}`;

/** The cached snapshot of a dataset (or model), or throws an input error listing every place searched. */
export async function findHfSnapshot(id: string, options: HfLookupOptions = {}): Promise<HfSnapshot> {
  const env = options.env ?? process.env;
  const revision = options.revision ?? 'main';
  const repoType = options.repoType ?? 'dataset';
  const searched: string[] = [];
  for (const root of hubCacheRoots(env)) {
    const repo = join(root, hfRepoFolder(id, repoType));
    searched.push(repo);
    if ((await pathKind(repo)) !== 'dir') continue;
    const snapshot = await snapshotIn(repo, revision);
    if (snapshot) return { id, revision: snapshot.commit, path: snapshot.path };
  }
  if (repoType === 'model') {
    throw inputError(
      'model-not-cached',
      `model "${id}" (revision ${revision}) is not a directory and not in the local Hugging Face cache (no network is used). Searched:\n${searched.map((s) => `  ${s}`).join('\n')}`,
      `Pass --model DIR (a checkpoint directory), or download it first where you have network with \`huggingface-cli download ${id}\` and copy the cache here (set HF_HUB_CACHE or HF_HOME if it lives elsewhere).`,
    );
  }
  const arrowCopies: string[] = [];
  const arrowFolder = id.split('/').join('___');
  for (const root of datasetsCacheRoots(env)) {
    if ((await pathKind(join(root, arrowFolder))) === 'dir') arrowCopies.push(join(root, arrowFolder));
  }
  const arrowNote = arrowCopies.length
    ? ` A \`datasets\` Arrow cache exists at ${arrowCopies.join(', ')}, which moe-eval cannot read; export it with ds.to_parquet(...) and pass that file.`
    : '';
  throw inputError(
    'data-hf-not-cached',
    `dataset "${id}" (revision ${revision}) is not in the local Hugging Face cache (no network is used). Searched:\n${searched.map((s) => `  ${s}`).join('\n')}`,
    `Pass --data PATH (a local copy of the data), or download it first with \`huggingface-cli download ${id} --repo-type dataset\` (set HF_HUB_CACHE or HF_HOME if the cache lives elsewhere).${arrowNote}`,
  );
}

async function snapshotIn(repo: string, revision: string): Promise<{ commit: string; path: string } | undefined> {
  const snapshots = join(repo, 'snapshots');
  if (/^[0-9a-f]{40}$/.test(revision) && (await pathKind(join(snapshots, revision))) === 'dir') {
    return { commit: revision, path: join(snapshots, revision) };
  }
  let commit: string | undefined;
  try {
    commit = (await readFile(join(repo, 'refs', revision), 'utf8')).trim();
  } catch {
    commit = undefined;
  }
  if (commit && (await pathKind(join(snapshots, commit))) === 'dir') return { commit, path: join(snapshots, commit) };
  if (revision !== 'main') return undefined;
  // refs/main can be missing (e.g. a cache copied by hand); one snapshot is unambiguous, several are not
  const all = [];
  for (const name of await listNames(snapshots)) if ((await pathKind(join(snapshots, name))) === 'dir') all.push(name);
  if (all.length === 1) return { commit: all[0]!, path: join(snapshots, all[0]!) };
  if (all.length > 1) {
    throw inputError(
      'data-hf-ambiguous-snapshot',
      `${repo} has no refs/main and ${all.length} snapshots (${all.join(', ')})`,
      'Pass the snapshot directory itself with --data PATH.',
    );
  }
  return undefined;
}
