// A sweep over the grid task × cache × strategy × the strategy's parameters: every point is an
// ordinary run folder, the model is loaded once, points run through p-limit. A point whose folder
// holds the complete run of the same configuration is skipped, a partial one resumes, and a folder of
// another configuration is refused naming the field, so an interrupted sweep just reruns.
// The axes of a strategy are the parameters its registry entry declares.

import { join } from 'node:path';
import pLimit from 'p-limit';
import { MoeEvalError, usageError } from '../errors.js';
import { createRouting } from '../routing/options.js';
import { STRATEGY_PARAMS, type StrategyParamKey, type StrategyParams } from '../routing/strategies/params.js';
import { getStrategy, type StrategyId } from '../routing/strategy-registry.js';
import { runConfig, type RunConfig, type RunConfigInput, type Shard } from './config.js';
import { evaluateLoaded, type RunObserver } from './evaluate.js';
import { withModel } from './loaded-model.js';
import { inShard } from './shard.js';

export interface SweepGrid {
  tasks: string[];
  caches: number[];
  strategies: StrategyId[];
  /** values of each strategy parameter; a strategy multiplies its points by the axes it takes */
  params: Partial<Record<StrategyParamKey, number[]>>;
}

export interface SweepPoint {
  /** also the point's folder under the sweep folder, e.g. mmlu/c8/cache-prior-lambda0.25 */
  id: string;
  task: string;
  cache: number;
  strategy: StrategyId;
  params: StrategyParams;
}

export function expandGrid(grid: SweepGrid): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const task of grid.tasks) {
    for (const cache of grid.caches) {
      for (const strategy of grid.strategies) {
        let combos: StrategyParams[] = [{}];
        for (const axis of getStrategy(strategy).params) {
          const spec = STRATEGY_PARAMS[axis];
          const values = grid.params[axis] ?? [];
          if (values.length === 0) {
            if ('neutral' in spec) continue; // the parameter's neutral default
            throw usageError('sweep-axis-missing', `the sweep has --strategy ${strategy} but no --${spec.flag} values`, `add e.g. --${spec.flag} with a comma-separated list`);
          }
          combos = combos.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
        }
        for (const params of combos) {
          const suffix = (Object.keys(params) as StrategyParamKey[]).map((k) => `-${STRATEGY_PARAMS[k].idLabel}${params[k]}`).join('');
          points.push({ id: `${task}/c${cache}/${strategy}${suffix}`, task, cache, strategy, params });
        }
      }
    }
  }
  return points;
}

export interface SweepConfig {
  grid: SweepGrid;
  /** sweep folder: one run folder per point under it */
  output: string;
  /** points run at once */
  concurrency: number;
  /** what every point shares (model, data, limit, seed, engine, device, cache policy and lifecycle); task, strategy and cache come from the point */
  base: Omit<RunConfigInput, 'task' | 'output' | 'resume'>;
  /** run only the grid points with index mod count = index */
  shard: Shard | null;
}

export interface SweepRun {
  point: SweepPoint;
  runDir: string;
  status: 'skipped' | 'done';
}

export interface SweepContext {
  argv?: string[];
  /** aborted: every point stops after its sample in flight, and the sweep with them */
  signal?: AbortSignal;
  observer?: (point: SweepPoint) => RunObserver | undefined;
  onPoint?: (run: SweepRun) => void;
}

const CONTINUE_SWEEP = 'rerun the same sweep: complete points are kept, an interrupted one resumes';

function pointConfig(point: SweepPoint, sweep: SweepConfig): RunConfig {
  const base = runConfig({ ...sweep.base, task: point.task });
  return { ...base, task: point.task, output: join(sweep.output, point.id), resume: true, routing: { ...base.routing, strategy: point.strategy, params: point.params, cache: point.cache } };
}

export async function runSweep(sweep: SweepConfig, context: SweepContext = {}): Promise<SweepRun[]> {
  const points = expandGrid(sweep.grid).filter((_, i) => inShard(i, sweep.shard));
  const configs = points.map((p) => pointConfig(p, sweep));
  const base = runConfig({ ...sweep.base, task: sweep.grid.tasks[0] ?? '' });
  return withModel(base.model, base.engine, async (loaded) => {
    // every point's options are checked before anything runs: a bad grid fails fast (exit 2)
    for (const c of configs) createRouting({ ...c.routing, trace: null }, { spec: loaded.model.spec, bytesPerExpert: loaded.facts.bytesPerExpert, configSha256: loaded.facts.configSha256 }).finish();
    const limit = pLimit(sweep.concurrency);
    // every point settles before the model is released, even when one of them fails
    const settled = await Promise.allSettled(
      points.map((point, i) =>
        limit(async (): Promise<SweepRun> => {
          // a point not started yet gets no folder: the rerun starts it
          if (context.signal?.aborted) throw new MoeEvalError('interrupted', 'sweep-interrupted', `interrupted before ${point.id}`, CONTINUE_SWEEP);
          const outcome = await evaluateLoaded(loaded, configs[i], { argv: context.argv, observer: context.observer?.(point), reuseComplete: true, signal: context.signal, continueHint: CONTINUE_SWEEP });
          const run: SweepRun = { point, runDir: outcome.runDir, status: outcome.status };
          context.onPoint?.(run);
          return run;
        }),
      ),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<SweepRun>).value);
  });
}
