// Paths and loaders of the test fixtures: the golden checkpoints and the real-data samples.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GOLDEN_DIR = join(ROOT, 'test', 'fixtures', 'golden');
/** Small byte-exact samples of the real benchmark files, in their original layouts (see its README.md). */
export const SAMPLE_DATASETS = join(ROOT, 'test', 'fixtures', 'datasets');

export interface Golden {
  name: string;
  model_type: string;
  token_ids: number[];
  logits: number[][];
  routing: { layer: number; selected_experts: number[][]; expert_weights: number[][]; topk_prob_gap: number[] }[];
  tolerance_hint: { logits_atol: number; expert_weights_atol: number };
}

export function goldenNames(modelTypes?: string[]): string[] {
  return readdirSync(GOLDEN_DIR)
    .filter((n) => existsSync(join(GOLDEN_DIR, n, 'golden.json')))
    .filter((n) => !modelTypes || modelTypes.some((t) => n.startsWith(`${t}-`)))
    .sort();
}

export function loadGolden(name: string): Golden {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, name, 'golden.json'), 'utf8'));
}

export const goldenDir = (name: string) => join(GOLDEN_DIR, name);

export function maxAbsDiff(expected: number[][], actual: Float32Array, width: number): number {
  let m = 0;
  expected.forEach((row, t) => row.forEach((v, i) => (m = Math.max(m, Math.abs(v - actual[t * width + i])))));
  return m;
}
