// Paths of the hand-made run fixtures (test/fixtures/runs, built by make-run-fixtures.ts) and
// helpers to copy and damage a run directory in a temporary directory.

import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRun, type LoadedRun } from '../../src/run/results/read.js';
import { ROOT } from '../helpers/fixtures.js';

export const RUNS_DIR = join(ROOT, 'test', 'fixtures', 'runs');
export const SWEEP_DIR = join(RUNS_DIR, 'sweep');
export const GATE_DIR = join(RUNS_DIR, 'gate');
export const GOLDEN_REPORT_DIR = join(RUNS_DIR, 'golden');
export const BASELINES_DIR = join(RUNS_DIR, 'baselines');

export const sweepRun = (name: string): string => join(SWEEP_DIR, name);

export const sweepRunNames = (): string[] => readdirSync(SWEEP_DIR).sort();

let cache: LoadedRun[] | null = null;
export function loadSweep(): LoadedRun[] {
  cache ??= sweepRunNames().map((n) => loadRun(sweepRun(n)));
  return cache;
}

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `moe-eval-${prefix}-`));

/** A copy of a sweep run in a fresh temporary directory, to damage. */
export function copyRun(name: string): string {
  const dir = join(tempDir('run'), name);
  cpSync(sweepRun(name), dir, { recursive: true });
  return dir;
}
