// Paths shared by the dataset-reader tests: the committed samples of the real data, the committed
// parquet fixtures, and temp folders.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MoeEvalError } from '../../src/errors.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLES = join(PROJECT_ROOT, 'test/fixtures/datasets');
export const FIXTURES = join(PROJECT_ROOT, 'test/fixtures/data');

export const MMLU_DIR = join(SAMPLES, 'mmlu-hendrycks');
export const GSM8K_DIR = join(SAMPLES, 'gsm8k');
export const WIKITEXT_DIR = join(SAMPLES, 'wikitext-2-raw');

/** An environment that can find no real Hugging Face cache: tests must never see the machine's. */
export const isolatedEnv = (home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ HOME: home, ...extra });

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'moe-eval-data-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs fn, expects a MoeEvalError, returns it for assertions. */
export async function inputErrorOf(fn: () => Promise<unknown>): Promise<MoeEvalError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof MoeEvalError) return err;
    throw new Error(`expected a MoeEvalError, got ${String(err)}`);
  }
  throw new Error('expected a MoeEvalError, but the call succeeded');
}

/** Loads once per test file: the real splits are read by several tests. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => (cached ??= load());
}
