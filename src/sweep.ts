// A sweep over the grid task × cache × strategy × strategy parameters (issue 7): every point is an
// ordinary run directory, the model is loaded once, points run through p-limit, and a point whose
// results are complete is skipped (a partial one resumes), so an interrupted sweep just reruns.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { usageError } from './errors.js';
import { evaluateLoaded, loadModelForEvaluation, releaseModel, type EvaluateOptions, type LoadedModel } from './evaluator.js';
import { createRouting, type RoutingFlagValues } from './cli/routing-flags.js';
import { RESULTS_FILE, SAMPLES_FILE, type ResultsDocument } from './report/results-schema.js';
import type { ProgressReporter } from './cli/progress.js';

export interface SweepGrid {
  tasks: string[];
  caches: number[];
  strategies: string[];
  lambdas: number[];
  topJs: number[];
  maxRanks: number[];
  thresholds: number[];
}

export interface SweepPoint {
  id: string;
  task: string;
  cache: number;
  strategy: string;
  params: { lambda?: number; topJ?: number; maxRank?: number; threshold?: number };
}

/** Which grid axes each strategy takes (the rest do not multiply its points). */
const STRATEGY_AXES: Record<string, (keyof SweepPoint['params'])[]> = {
  topk: [],
  'cache-prior': ['lambda', 'topJ'],
  'max-rank': ['topJ', 'maxRank'],
  'cumulative-threshold': ['topJ', 'threshold'],
};
const AXIS_VALUES: Record<keyof SweepPoint['params'], keyof SweepGrid> = { lambda: 'lambdas', topJ: 'topJs', maxRank: 'maxRanks', threshold: 'thresholds' };
const AXIS_LABEL: Record<keyof SweepPoint['params'], string> = { lambda: 'lambda', topJ: 'topj', maxRank: 'maxrank', threshold: 'p' };

export function expandGrid(grid: SweepGrid): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const task of grid.tasks) {
    for (const cache of grid.caches) {
      for (const strategy of grid.strategies) {
        const axes = STRATEGY_AXES[strategy];
        if (!axes) throw usageError('strategy-unknown', `--strategy ${strategy} is not a strategy; strategies: ${Object.keys(STRATEGY_AXES).join(', ')}`);
        let combos: SweepPoint['params'][] = [{}];
        for (const axis of axes) {
          const values = grid[AXIS_VALUES[axis]];
          if (values.length === 0) {
            if (axis === 'topJ') continue; // --top-j defaults to 0
            throw usageError('sweep-axis-missing', `the sweep has --strategy ${strategy} but no --${axis === 'maxRank' ? 'max-rank' : axis} values`, `add e.g. --${axis === 'maxRank' ? 'max-rank' : axis} with a comma-separated list`);
          }
          combos = combos.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
        }
        for (const params of combos) {
          const suffix = (Object.keys(params) as (keyof SweepPoint['params'])[]).map((k) => `-${AXIS_LABEL[k]}${params[k]}`).join('');
          points.push({ id: `${task}/c${cache}/${strategy}${suffix}`, task, cache, strategy, params });
        }
      }
    }
  }
  return points;
}

export interface SweepOptions {
  grid: SweepGrid;
  output: string;
  concurrency: number;
  model?: string;
  data?: string;
  limit: number | null;
  numFewshot?: number;
  seed: number;
  threads?: number;
  logSamples: boolean;
  device?: string;
  /** policy, lru-order, cache-reset, prefill-cache shared by every point */
  routing: Omit<RoutingFlagValues, 'strategy' | 'lambda' | 'top-j' | 'max-rank' | 'threshold' | 'cache' | 'trace'>;
  argv: string[];
  /** points of this shard only (issue 9): a filter over the expanded grid */
  select?: (points: SweepPoint[]) => SweepPoint[];
  progress?: (point: SweepPoint) => ProgressReporter | undefined;
  onPoint?: (point: SweepPoint, status: 'skipped' | 'done', runDir: string) => void;
}

export interface SweepRun {
  point: SweepPoint;
  runDir: string;
  status: 'skipped' | 'done';
}

const flagsOf = (p: SweepPoint, shared: SweepOptions['routing']): RoutingFlagValues => ({
  ...shared,
  strategy: p.strategy,
  cache: p.cache,
  lambda: p.params.lambda === undefined ? undefined : String(p.params.lambda),
  'top-j': p.params.topJ,
  'max-rank': p.params.maxRank,
  threshold: p.params.threshold === undefined ? undefined : String(p.params.threshold),
});

export async function runSweep(opts: SweepOptions): Promise<SweepRun[]> {
  const all = expandGrid(opts.grid);
  const points = opts.select ? opts.select(all) : all;
  const loaded: LoadedModel = await loadModelForEvaluation(opts.model, { threads: opts.threads });
  try {
    // every point's flags are checked before anything runs: a bad grid fails fast (exit 2)
    for (const p of points) createRouting(flagsOf(p, opts.routing), loaded.model.spec, loaded.facts.bytesPerExpert).finish();
    const limit = pLimit(opts.concurrency);
    return await Promise.all(
      points.map((point) =>
        limit(async (): Promise<SweepRun> => {
          const runDir = join(opts.output, point.id);
          const status = runStatus(runDir);
          if (status === 'complete') {
            opts.onPoint?.(point, 'skipped', runDir);
            return { point, runDir, status: 'skipped' };
          }
          const run: EvaluateOptions = {
            task: point.task, model: opts.model, data: opts.data, limit: opts.limit, numFewshot: opts.numFewshot, seed: opts.seed,
            output: runDir, resume: status === 'partial', logSamples: opts.logSamples, device: opts.device, settings: {}, routing: flagsOf(point, opts.routing),
            argv: opts.argv, progress: opts.progress?.(point),
          };
          await evaluateLoaded(loaded, run);
          opts.onPoint?.(point, 'done', runDir);
          return { point, runDir, status: 'done' };
        }),
      ),
    );
  } finally {
    await releaseModel(loaded.model);
  }
}

function runStatus(runDir: string): 'none' | 'partial' | 'complete' {
  const results = join(runDir, RESULTS_FILE);
  if (!existsSync(results)) return existsSync(join(runDir, SAMPLES_FILE)) ? 'partial' : 'none';
  const doc = JSON.parse(readFileSync(results, 'utf8')) as Partial<ResultsDocument>;
  return doc.run?.status === 'complete' ? 'complete' : 'partial';
}
