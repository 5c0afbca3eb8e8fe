// Dataset ids resolved in a fake Hugging Face hub cache built in a temp folder (blobs + symlinked
// snapshots + refs/main, as huggingface_hub lays it out), and the error when nothing is cached.

import { createHash } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findHfSnapshot, hubCacheRoots, isHfRepoId, loadGsm8k, loadMmlu, loadRawText } from '../../src/data/index.js';
import { FIXTURES, inputErrorOf, isolatedEnv, withTempDir } from './helpers.js';

const COMMIT = 'c0ffee0000000000000000000000000000000001';

/** Lays fixture files out as <hub>/datasets--ORG--NAME/{blobs,snapshots/<commit>,refs/main}. */
async function cacheDataset(hub: string, id: string, files: Record<string, string>, commit = COMMIT, ref: string | null = 'main'): Promise<string> {
  const repo = join(hub, `datasets--${id.split('/').join('--')}`);
  const snapshot = join(repo, 'snapshots', commit);
  for (const [repoPath, source] of Object.entries(files)) {
    const bytes = await readFile(source);
    const blob = join(repo, 'blobs', createHash('sha256').update(bytes).digest('hex'));
    await mkdir(dirname(blob), { recursive: true });
    await writeFile(blob, bytes);
    const link = join(snapshot, repoPath);
    await mkdir(dirname(link), { recursive: true });
    await symlink(relative(dirname(link), blob), link);
  }
  if (ref) {
    await mkdir(join(repo, 'refs'), { recursive: true });
    await writeFile(join(repo, 'refs', ref), commit);
  }
  return snapshot;
}

const fixture = (path: string) => join(FIXTURES, 'hf', path);

describe('hub cache location', () => {
  it('searches HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub', () => {
    expect(hubCacheRoots({ HOME: '/h', HF_HUB_CACHE: '/a', HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/c', XDG_CACHE_HOME: '/x' })).toEqual([
      '/a',
      '/b',
      '/c/hub',
      '/x/huggingface/hub',
      '/h/.cache/huggingface/hub',
    ]);
    expect(hubCacheRoots({ HOME: '/h', HF_HOME: '~/hf' })).toEqual(['/h/hf/hub', '/h/.cache/huggingface/hub']);
  });

  it('tells dataset ids from paths', () => {
    for (const id of ['cais/mmlu', 'openai/gsm8k', 'Salesforce/wikitext', 'gsm8k', 'hails/mmlu_no_train']) expect(isHfRepoId(id)).toBe(true);
    for (const path of ['./data', '/abs/x', '../data/gsm8k', 'a/b/c', 'a--b/c', '']) expect(isHfRepoId(path)).toBe(false);
  });
});

describe('dataset ids in a fake hub cache', () => {
  it('resolves cais/mmlu through HF_HUB_CACHE to the same records as the fixture folder', async () => {
    await withTempDir(async (dir) => {
      const hub = join(dir, 'hub-cache');
      const snapshot = await cacheDataset(hub, 'cais/mmlu', {
        'all/dev-00000-of-00001.parquet': fixture('cais-mmlu/all/dev-00000-of-00001.parquet'),
        'all/validation-00000-of-00001.parquet': fixture('cais-mmlu/all/validation-00000-of-00001.parquet'),
      });
      const env = isolatedEnv(dir, { HF_HUB_CACHE: hub });
      const cached = await loadMmlu('cais/mmlu', 'dev', { env });
      const direct = await loadMmlu(fixture('cais-mmlu'), 'dev');
      expect(cached.rows).toEqual(direct.rows);
      expect(cached.identity.hf).toEqual({ id: 'cais/mmlu', revision: COMMIT });
      expect(cached.identity.source).toBe('cais/mmlu');
      expect(cached.path).toBe(snapshot);
      expect(cached.identity.files[0]!.path).toBe(join(snapshot, 'all/dev-00000-of-00001.parquet'));
      expect(cached.identity.sha256).toBe(direct.identity.sha256);
      expect(cached.describe()).toContain(`cais/mmlu@${COMMIT.slice(0, 12)}`);
    });
  });

  it('resolves openai/gsm8k under $HF_HOME/hub and Salesforce/wikitext under ~/.cache/huggingface/hub', async () => {
    await withTempDir(async (dir) => {
      await cacheDataset(join(dir, 'hf-home', 'hub'), 'openai/gsm8k', {
        'main/test-00000-of-00001.parquet': fixture('openai-gsm8k/main/test-00000-of-00001.parquet'),
      });
      await cacheDataset(join(dir, '.cache', 'huggingface', 'hub'), 'Salesforce/wikitext', {
        'wikitext-2-raw-v1/test-00000-of-00001.parquet': fixture('salesforce-wikitext/wikitext-2-raw-v1/test-00000-of-00001.parquet'),
      });
      const env = isolatedEnv(dir, { HF_HOME: join(dir, 'hf-home') });
      const gsm8k = await loadGsm8k('openai/gsm8k', 'test', { env });
      expect(gsm8k.rows).toEqual((await loadGsm8k(fixture('openai-gsm8k'), 'test')).rows);
      expect(gsm8k.identity.hf?.id).toBe('openai/gsm8k');
      const wikitext = await loadRawText('Salesforce/wikitext', { env });
      expect(wikitext.rows).toEqual((await loadRawText(fixture('salesforce-wikitext'))).rows);
      expect(wikitext.identity.hf?.revision).toBe(COMMIT);
      // the snapshot lacks train: the error names the expected file inside it
      const missing = await inputErrorOf(() => loadGsm8k('openai/gsm8k', 'train', { env }));
      expect(missing.code).toBe('data-split-missing');
      expect(missing.message).toMatch(/main\/train-00000-of-00001\.parquet/);
    });
  });

  it('follows another ref or a commit, and takes the only snapshot when refs/main is missing', async () => {
    await withTempDir(async (dir) => {
      const hub = join(dir, 'hub');
      const files = { 'main/test-00000-of-00001.parquet': fixture('openai-gsm8k/main/test-00000-of-00001.parquet') };
      await cacheDataset(hub, 'openai/gsm8k', files, COMMIT, 'v1');
      const env = isolatedEnv(dir, { HF_HUB_CACHE: hub });
      expect((await findHfSnapshot('openai/gsm8k', { env, revision: 'v1' })).revision).toBe(COMMIT);
      expect((await findHfSnapshot('openai/gsm8k', { env, revision: COMMIT })).revision).toBe(COMMIT);
      expect((await findHfSnapshot('openai/gsm8k', { env })).revision).toBe(COMMIT);
      const other = 'beef000000000000000000000000000000000002';
      await cacheDataset(hub, 'openai/gsm8k', files, other, null);
      const error = await inputErrorOf(() => findHfSnapshot('openai/gsm8k', { env }));
      expect(error.code).toBe('data-hf-ambiguous-snapshot');
      expect(error.message).toContain(COMMIT);
      expect(error.message).toContain(other);
    });
  });

  it('names every place searched and how to provide the data when nothing is cached', async () => {
    await withTempDir(async (dir) => {
      const env = isolatedEnv(join(dir, 'home'), { HF_HUB_CACHE: join(dir, 'a'), HF_HOME: join(dir, 'b') });
      const error = await inputErrorOf(() => loadMmlu('cais/mmlu', 'test', { env }));
      expect(error.kind).toBe('input');
      expect(error.code).toBe('data-hf-not-cached');
      for (const searched of [
        join(dir, 'a', 'datasets--cais--mmlu'),
        join(dir, 'b', 'hub', 'datasets--cais--mmlu'),
        join(dir, 'home', '.cache', 'huggingface', 'hub', 'datasets--cais--mmlu'),
      ]) {
        expect(error.message).toContain(searched);
      }
      expect(error.message).toMatch(/no network/);
      expect(error.hint).toMatch(/--data PATH/);
      expect(error.hint).toMatch(/huggingface-cli download cais\/mmlu --repo-type dataset/);
    });
  });

  it('points at a `datasets` Arrow cache it cannot read', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'hf', 'datasets', 'openai___gsm8k', 'main'), { recursive: true });
      const env = isolatedEnv(dir, { HF_HOME: join(dir, 'hf') });
      const error = await inputErrorOf(() => loadGsm8k('openai/gsm8k', 'test', { env }));
      expect(error.hint).toContain(join(dir, 'hf', 'datasets', 'openai___gsm8k'));
      expect(error.hint).toMatch(/to_parquet/);
    });
  });

  it('reports a missing path, or a folder in no known layout, with the accepted layouts', async () => {
    await withTempDir(async (dir) => {
      const missing = await inputErrorOf(() => loadMmlu(join(dir, 'nowhere'), 'test'));
      expect(missing.code).toBe('data-not-found');
      expect(missing.message).toContain(join(dir, 'nowhere'));
      expect(missing.hint).toMatch(/DIR\/\{dev,val,test\}\/<subject>_<split>\.csv/);
      const empty = await inputErrorOf(() => loadRawText(dir));
      expect(empty.code).toBe('data-layout-unknown');
      expect(empty.hint).toMatch(/wiki\.\{train,valid,test\}\.raw/);
      expect(empty.hint).toMatch(/wikitext-2-raw-v1\/<split>-00000-of-00001\.parquet/);
    });
  });
});
