// Reading and writing gate baselines. `--baseline` names a baseline file or, for ad-hoc
// comparisons, a run directory; `--update-baseline` writes a file atomically (run-files.ts) from
// one complete run, replacing an existing baseline only with a printed before/after summary.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError, usageError } from '../errors.js';
import { selectPrimaryMetric } from '../report/primary-metric.js';
import { writeJsonAtomic } from '../util/atomic-file.js';
import { describeIssues } from '../run/results/schema.js';
import { strategyLabel } from '../report/run-identity.js';
import { loadRun } from '../run/results/read.js';
import { baselineFromRun } from './baseline-from-run.js';
import { gateBaselineSchema, type GateBaseline } from './gate-baseline.js';

const WRITE_HINT = 'write one with: moe-eval gate --update-baseline --results RUN_DIR --baseline FILE';

export interface BaselineInput {
  /** the path as given */
  path: string;
  kind: 'file' | 'run-dir';
  baseline: GateBaseline;
}

export function readBaselineFile(file: string): GateBaseline {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw inputError('baseline-malformed', `${file}: not valid JSON (${(err as Error).message})`, WRITE_HINT);
  }
  const parsed = gateBaselineSchema.safeParse(value);
  if (!parsed.success) throw inputError('baseline-invalid', `${file}: ${describeIssues(parsed.error)}`, `a gate baseline follows moe-eval.gate-baseline/1; ${WRITE_HINT}`);
  return parsed.data as GateBaseline;
}

export function readBaseline(path: string): BaselineInput {
  const abs = resolve(path);
  if (!existsSync(abs)) throw inputError('baseline-missing', `--baseline ${path}: no such file`, WRITE_HINT);
  if (statSync(abs).isDirectory()) {
    const run = loadRun(abs);
    return { path, kind: 'run-dir', baseline: baselineFromRun(run, abs) };
  }
  return { path, kind: 'file', baseline: readBaselineFile(abs) };
}

/** The few numbers `--update-baseline` prints for the old and the new baseline. */
export interface BaselineSummary {
  metric: string;
  value: number;
  stderr: number | null;
  samples: number;
  sampleErrors: number;
  strategy: string;
  cache: string;
  missRate: number | null;
}

export function summariseBaseline(b: GateBaseline): BaselineSummary {
  const m = selectPrimaryMetric(b, 'baseline');
  const c = b.routing.cache;
  return {
    metric: m.key,
    value: m.value,
    stderr: m.stderr,
    samples: Object.keys(b.samples).length,
    sampleErrors: Object.keys(b.sampleErrors).length,
    strategy: strategyLabel(b.routing.strategy),
    cache: c ? `${c.capacityExpertsPerLayer} ${c.policy}` : 'none',
    missRate: b.routing.missRate,
  };
}

export interface UpdateBaselineResult {
  baseline: string;
  run: string;
  /** an existing file was replaced */
  replaced: boolean;
  /** summary of the replaced baseline; null when there was none or it was unreadable */
  previous: BaselineSummary | null;
  current: BaselineSummary;
}

/**
 * Writes FILE from RUN_DIR. Replacing an existing baseline is allowed (`--update-baseline` is the
 * deliberate act, and version control shows the diff) but never silent: the result carries the
 * old and new summaries, which the command prints. An incomplete run is refused.
 */
export function updateBaseline(file: string, runDir: string): UpdateBaselineResult {
  const abs = resolve(file);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw usageError('baseline-is-directory', `--baseline ${file} is a directory`, '--update-baseline writes a file, e.g. --baseline reports/baselines/mmlu-c8.json');
  // loadRun refuses a run that is not complete: a baseline comes from a finished run only
  const run = loadRun(runDir);
  let previous: BaselineSummary | null = null;
  const replaced = existsSync(abs);
  if (replaced) {
    try {
      previous = summariseBaseline(readBaselineFile(abs));
    } catch {
      previous = null;
    }
  }
  const baseline = baselineFromRun(run, dirname(abs));
  writeJsonAtomic(abs, baseline);
  return { baseline: file, run: runDir, replaced, previous, current: summariseBaseline(baseline) };
}
