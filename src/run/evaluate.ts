// The evaluation loop: task -> evaluation units -> engine (with the run's routing strategy and
// expert caches) -> per-sample values -> metrics -> one results document. Samples are appended to
// samples.jsonl as they finish and the routing state is checkpointed after each, so a killed run
// continues with `resume` and ends with the same results as an uninterrupted one.

import { resolve, join } from 'node:path';
import { Engine } from '../engine/engine.js';
import { expertBytes } from '../engine/routed-expert.js';
import { MoeEvalError, usageError } from '../errors.js';
import { loadDevice } from '../latency/device-profile.js';
import { cacheForMemoryLimit, memoryBudget } from '../latency/memory-budget.js';
import type { RoutingController } from '../routing/controller.js';
import { createRouting } from '../routing/options.js';
import type { EvalUnit } from '../tasks/adapters/adapter.js';
import { adapterFor } from '../tasks/adapters/registry.js';
import { loadTask, type TaskConfig } from '../tasks/task-config.js';
import { loadTaskData } from '../tasks/task-data.js';
import { runConfig, type RunConfig, type RunConfigInput } from './config.js';
import { withModel, type LoadedModel } from './loaded-model.js';
import { assembleResults, modelSizes } from './results/assemble.js';
import { resultsHeader, shardBlock } from './results/header.js';
import type { ResultsDocument, SampleRecord } from './results/schema.js';
import { RunFolder, type ResumeState } from './run-folder.js';
import { inShard } from './shard.js';
import { dataWarnings, type RunWarning } from './warnings.js';

/** Progress of a run, e.g. the CLI's progress bar. */
export interface RunObserver {
  start?(total: number, alreadyDone: number): void;
  sample?(record: SampleRecord): void;
  finish?(): void;
  /** questionable input, as soon as it is found (also kept in the results) */
  warn?(warning: RunWarning): void;
}

export interface RunContext {
  /** the command line recorded in the results (argv after the binary) */
  argv?: string[];
  observer?: RunObserver;
  /** with resume: a folder whose run of the same configuration is complete is returned as it is */
  reuseComplete?: boolean;
  /** aborted (Ctrl-C, SIGTERM): the sample in flight finishes, the run is marked interrupted and stops */
  signal?: AbortSignal;
  /** how to continue an interrupted run; default: the recorded command line with --resume */
  continueHint?: string;
}

export interface RunOutcome {
  results: ResultsDocument;
  runDir: string;
  /** skipped: the folder already held the complete run (reuseComplete) */
  status: 'done' | 'skipped';
}

/** One run: load the model, evaluate, release it. */
export async function evaluate(input: RunConfigInput, context: RunContext = {}): Promise<RunOutcome> {
  const config = runConfig(input);
  return withModel(config.model, config.engine, (loaded) => evaluateLoaded(loaded, config, context), config.memoryLimitBytes);
}

/** One run on an already loaded model (its engine options are the model's, not the config's). */
export async function evaluateLoaded(loaded: LoadedModel, config: RunConfig, context: RunContext = {}): Promise<RunOutcome> {
  const task = loadTask(config.task);
  const numFewshot = config.numFewshot ?? task.numFewshot;
  const settings = { ...task.perplexity, ...config.taskSettings, seed: config.seed };
  const data = await loadTaskData(task, config.data, numFewshot > 0);
  const device = loadDevice(config.device);
  const { source, model, facts, tokenizer } = loaded;
  // a memory limit sizes the cache of an offloading run; a resident run was checked against it at load
  const cache = config.memoryLimitBytes !== null && loaded.offload ? cacheForMemoryLimit(facts, config.memoryLimitBytes, config.routing.cache ?? undefined, loaded.engine) : config.routing.cache;
  if (loaded.offload && cache === null) throw usageError('offload-needs-cache', '--offload needs --cache C or --memory-limit SIZE: the cache decides which experts stay in memory', 'add --cache or --memory-limit');
  loaded.offload?.reset();
  const maxLength = model.spec.maxPositionEmbeddings ?? 2048;
  const warnings: RunWarning[] = dataWarnings(data.identity);
  const warn = (code: string, message: string) => warnings.push({ code, message });
  const allUnits = adapterFor(task.outputType).units(task, data, { tokenizer, numFewshot, limit: config.limit, maxLength, settings, warn });
  const units = allUnits.filter((u) => inShard(u.index, config.shard));
  const bytesPerExpert = expertBytes(model.spec, loaded.engine.precision, facts.bytesPerExpert);
  const controller = createRouting(config.routing, { spec: model.spec, bytesPerExpert, configSha256: facts.configSha256 }, { listener: loaded.offload ?? undefined, cache });

  const engineConfig = { ...config, engine: loaded.engine };
  const header = resultsHeader({ config: engineConfig, task, numFewshot, settings, cache, data, source, facts, argv: context.argv ?? [] });
  if (config.shard) header.shard = shardBlock(header, config.shard, allUnits.length);
  header.warnings = warnings;

  const folder = new RunFolder(config.output ?? defaultRunDir(task, config, cache));
  folder.acquire();
  try {
    if (!config.resume && folder.holdsRun()) {
      throw usageError('output-exists', `--output ${folder.dir} already holds a run`, 'pass --resume to continue it, or choose another --output folder');
    }
    const identity = { task: header.task, config: header.config, dataset: header.dataset, model: { configSha256: facts.configSha256, weightFiles: facts.weightFiles } };
    const resumed: ResumeState = config.resume ? folder.resumeState(identity) : { done: [], doneSegments: [], checkpoint: null, complete: null };
    if (resumed.complete && context.reuseComplete) return { results: resumed.complete, runDir: folder.dir, status: 'skipped' };
    if (resumed.checkpoint) controller.restoreCheckpoint(resumed.checkpoint, resumed.doneSegments);
    // an offloading store holds what the restored caches hold
    for (const { layer, expert } of controller.residentExperts()) loaded.offload?.onLoad(layer, expert);
    folder.begin(resumed, config.routing.cacheReset === 'never', { ...header, note: 'partial: the run has not finished' });
    for (const w of warnings) context.observer?.warn?.(w);

    const engine = new Engine(model);
    const records = [...resumed.done];
    context.observer?.start?.(units.length, records.length);
    for (const unit of units.slice(records.length)) {
      if (context.signal?.aborted) {
        folder.writeResults({ ...header, run: { ...header.run, status: 'interrupted' }, samples: { total: units.length, evaluated: records.length }, note: 'interrupted: continue with the same flags and --resume' });
        throw interrupted(folder.dir, records.length, units.length, context.continueHint ?? resumeCommand(context.argv ?? []));
      }
      const record = await evaluateUnit(unit, engine, controller, config.logSamples);
      folder.append(record, records.length + 1, controller.checkpoint());
      records.push(record);
      context.observer?.sample?.(record);
    }
    context.observer?.finish?.();

    const results = assembleResults({
      header, task, settings, records, totalUnits: units.length, routing: controller.finish(), loadMs: loaded.loadMs,
      memory: memoryReport(loaded, cache), device, sizes: modelSizes(facts, bytesPerExpert, loaded.engine.densePrecision),
      run: { status: 'complete', finishedAt: new Date().toISOString() },
    });
    folder.writeResults(results);
    for (const w of results.warnings?.slice(warnings.length) ?? []) context.observer?.warn?.(w);
    return { results, runDir: folder.dir, status: 'done' };
  } finally {
    controller.finish();
    folder.release();
  }
}

const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** One evaluation unit as a sample record: its values (or its harness error), routing counts and timings. */
async function evaluateUnit(unit: EvalUnit, engine: Engine, controller: RoutingController, logSamples: boolean): Promise<SampleRecord> {
  controller.beginSample(unit.docId);
  engine.timings.length = 0;
  const before = controller.totals();
  let values: Record<string, number> = {};
  let log: Record<string, unknown> | undefined;
  let truncatedTokens = 0;
  let error: string | null = null;
  try {
    const outcome = await unit.run(engine, controller);
    values = outcome.values;
    log = logSamples ? outcome.log : undefined;
    truncatedTokens = outcome.truncatedTokens ?? 0;
  } catch (e) {
    if (e instanceof MoeEvalError && e.kind !== 'runtime') throw e;
    error = (e as Error).message; // a harness failure on one sample: recorded, never scored as wrong
  }
  controller.endSample();
  const after = controller.totals();
  const prefill = engine.timings.filter((t) => t.phase === 'prefill');
  return {
    index: unit.index,
    docId: unit.docId,
    group: unit.group,
    values,
    error,
    routing: { events: after.events - before.events, accesses: after.accesses - before.accesses, misses: after.misses - before.misses },
    ...(truncatedTokens > 0 ? { contextTruncatedTokens: truncatedTokens } : {}),
    latency: { prefillTokens: sumOf(prefill.map((t) => t.tokens)), prefillMs: sumOf(prefill.map((t) => t.ms)), decodeMs: engine.timings.filter((t) => t.phase === 'decode').map((t) => t.ms) },
    ...(log ? { log } : {}),
  };
}

/** The run stopped between samples on a signal; everything finished is in its folder. */
function interrupted(dir: string, done: number, total: number, hint: string): MoeEvalError {
  return new MoeEvalError('interrupted', 'run-interrupted', `interrupted after ${done} of ${total} samples; ${dir} keeps them`, hint);
}

const resumeCommand = (argv: string[]) =>
  argv.length ? `continue with: moe-eval ${[...argv, ...(argv.includes('--resume') ? [] : ['--resume'])].join(' ')}` : 'continue with the same flags and --resume';

/** Peak memory and, when offloading, what the store read (measured: a timing-like field). */
function memoryReport(loaded: LoadedModel, cache: number | null): Record<string, unknown> {
  const { facts, offload, engine } = loaded;
  const budget = memoryBudget(facts, loaded.engine);
  return {
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    offload: Boolean(offload),
    ...(offload
      ? {
          ...offload.stats,
          boundBytes: budget.boundBytes(cache ?? facts.experts),
          bound: `dense ${budget.denseBytes} + ${cache} × ${budget.moeLayers} × ${budget.expertBytes} + transient ${budget.transientBytes} + overhead ${budget.overheadBytes} bytes`,
          ioBandwidth: engine.ioBandwidthMBps ? { mbps: engine.ioBandwidthMBps, label: 'emulated' } : null,
        }
      : {}),
  };
}

function defaultRunDir(task: TaskConfig, config: RunConfig, cache: number | null): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return resolve(join('reports', 'runs', `${stamp}-${task.task}-${config.routing.strategy}-c${cache ?? 'none'}`));
}
