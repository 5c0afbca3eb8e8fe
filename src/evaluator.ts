// The evaluation loop (design.md): task -> evaluation units -> engine (with the run's routing
// strategy and expert caches) -> per-sample values -> metrics -> one results document. Samples are
// appended to samples.jsonl as they finish and the routing state is checkpointed after each, so a
// killed run continues with --resume and ends with the same results as an uninterrupted one.

import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { MoeEvalError, usageError } from './errors.js';
import { Engine } from './engine/engine.js';
import { modelFacts, type ModelFacts } from './engine/inspect.js';
import { MoeModel } from './engine/model.js';
import { PACKAGE_ROOT, resolveModel, type ModelSource } from './engine/model-source.js';
import { createRouting, type RoutingFlagValues } from './cli/routing-flags.js';
import { RESULTS_FILE, RESULTS_SCHEMA, SAMPLES_FILE, type ResultsDocument, type SampleRecord } from './report/results-schema.js';
import { SampleJournal, writeJsonAtomic } from './report/run-files.js';
import type { RoutingCheckpoint, TraceSegment } from './routing/index.js';
import { DEFAULT_DEVICE, loadDevice } from './latency/device-profile.js';
import { assembleResults, modelSizes, type ResultsHeader } from './results.js';
import { cacheForMemoryLimit, memoryBudget, parseSize } from './latency/memory-budget.js';
import { OffloadingExpertStore, type OffloadOptions } from './engine/offload-store.js';
import { expertBytes, type ExpertPrecision } from './engine/routed-expert.js';
import type { Kernels } from './engine/kernels.js';
import type { Checkpoint } from './engine/checkpoint.js';
import type { ModelSpec } from './engine/spec.js';
import { adapterFor } from './tasks/adapters/registry.js';
import { loadTask, type TaskConfig } from './tasks/task-config.js';
import { loadTaskData } from './tasks/task-data.js';
import { loadTokenizer, type TextTokenizer } from './tasks/tokenizer.js';
import type { ProgressReporter } from './cli/progress.js';
import { identityHash, inShard, type Shard } from './shard.js';

export const CHECKPOINT_FILE = 'routing-checkpoint.json';
export const TRACE_SEGMENTS_FILE = 'routing-trace-segments.jsonl';

export interface EvaluateOptions {
  task: string;
  model?: string;
  data?: string;
  limit: number | null;
  numFewshot?: number;
  seed: number;
  output?: string;
  resume: boolean;
  logSamples: boolean;
  threads?: number;
  /** --offload: only the cached experts in memory, loaded from the weight files on a miss */
  offload?: boolean;
  /** --memory-limit SIZE: the largest cache that fits (or refuse --cache that does not) */
  memoryLimit?: string;
  /** --io-bandwidth MBPS: emulate slower storage for offloaded reads */
  ioBandwidthMBps?: number;
  /** --quant: routed experts in float32 (default) or 4-bit blocks */
  quant?: ExpertPrecision;
  /** --device preset or file for the modeled latency (default phone-ufs40) */
  device?: string;
  /** --shard: evaluate only this shard's samples (index mod count) */
  shard?: Shard | null;
  /** task settings from flags (perplexity --protocol / --window) */
  settings: Record<string, unknown>;
  routing: RoutingFlagValues;
  argv: string[];
  progress?: ProgressReporter;
}

interface CheckpointFile {
  samplesDone: number;
  routing: RoutingCheckpoint;
}

/** A loaded model with what every run on it needs; a sweep loads it once for all its runs. */
export interface LoadedModel {
  source: ModelSource;
  model: MoeModel;
  /** set with --offload: the store the run's cache events drive */
  offload: OffloadingExpertStore | null;
  precision: ExpertPrecision;
  facts: ModelFacts;
  tokenizer: TextTokenizer;
  loadMs: number;
}

export interface ModelLoadOptions {
  threads?: number;
  /** --offload (with its --io-bandwidth) */
  offload?: OffloadOptions | null;
  /** --quant: routed experts in float32 or 4-bit blocks */
  precision?: ExpertPrecision;
}

export async function loadModelForEvaluation(modelFlag: string | undefined, opts: ModelLoadOptions = {}): Promise<LoadedModel> {
  const source = await resolveModel(modelFlag);
  const t0 = performance.now();
  let store: OffloadingExpertStore | null = null;
  const precision = opts.precision ?? 'f32';
  const offload = opts.offload;
  const model = await MoeModel.load(source.dir, {
    threads: opts.threads,
    expertPrecision: precision,
    ...(offload ? { expertStore: (c: Checkpoint, s: ModelSpec, k: Kernels) => (store = new OffloadingExpertStore(c, s, k, { ...offload, precision })) } : {}),
  });
  try {
    const tokenizer = await loadTokenizer(source.dir, model.spec.eosTokenIds);
    return { source, model, offload: store, precision, facts: modelFacts(model.checkpoint, model.spec), tokenizer, loadMs: performance.now() - t0 };
  } catch (e) {
    await releaseModel(model);
    throw e;
  }
}

export async function releaseModel(model: MoeModel): Promise<void> {
  await model.release();
}

/** One run: load the model, evaluate, release. */
export async function evaluate(opts: EvaluateOptions): Promise<{ results: ResultsDocument; runDir: string }> {
  const loaded = await loadModelForEvaluation(opts.model, { threads: opts.threads, offload: opts.offload ? { ioBandwidthMBps: opts.ioBandwidthMBps } : null, precision: opts.quant });
  try {
    return await evaluateLoaded(loaded, opts);
  } finally {
    await releaseModel(loaded.model);
  }
}

/** One run on an already loaded model. */
export async function evaluateLoaded(loaded: LoadedModel, opts: EvaluateOptions): Promise<{ results: ResultsDocument; runDir: string }> {
  const task = loadTask(opts.task);
  const numFewshot = opts.numFewshot ?? task.numFewshot;
  const settings = { ...task.perplexity, ...opts.settings, seed: opts.seed };
  const data = await loadTaskData(task, opts.data, numFewshot > 0);
  const device = loadDevice(opts.device ?? DEFAULT_DEVICE);
  const { source, model, facts, tokenizer, loadMs } = loaded;
  const routingFlags = { ...opts.routing };
  if (opts.memoryLimit !== undefined) routingFlags.cache = cacheForMemoryLimit(facts, parseSize(opts.memoryLimit), routingFlags.cache);
  if (loaded.offload && routingFlags.cache === undefined) throw usageError('offload-needs-cache', '--offload needs --cache C or --memory-limit SIZE: the cache decides which experts stay in memory', 'add --cache or --memory-limit');
  loaded.offload?.reset();
  const maxLength = model.spec.maxPositionEmbeddings ?? 2048;
  const allUnits = adapterFor(task.outputType).units(task, data, { tokenizer, numFewshot, limit: opts.limit, maxLength, settings });
  const shard = opts.shard ?? null;
  const units = allUnits.filter((u) => inShard(u.index, shard));
  const controller = createRouting(routingFlags, model.spec, expertBytes(model.spec, loaded.precision, facts.bytesPerExpert), loaded.offload ?? undefined);

  const config = {
    task: task.task,
    numFewshot,
    limit: opts.limit,
    seed: opts.seed,
    settings,
    strategy: opts.routing.strategy,
    lambda: opts.routing.lambda === undefined ? null : Number(opts.routing.lambda),
    topJ: opts.routing['top-j'] ?? null,
    maxRank: opts.routing['max-rank'] ?? null,
    threshold: opts.routing.threshold === undefined ? null : Number(opts.routing.threshold),
    cache: routingFlags.cache ?? null,
    policy: opts.routing.policy,
    lruOrder: opts.routing['lru-order'],
    cacheReset: opts.routing['cache-reset'],
    prefillCache: opts.routing['prefill-cache'],
  };
  const header: ResultsHeader = {
    schema: RESULTS_SCHEMA,
    run: { status: 'partial', createdAt: new Date().toISOString(), finishedAt: null, tool: toolIdentity(), argv: opts.argv },
    task: { name: task.task, version: task.version, outputType: task.outputType, numFewshot, limit: opts.limit, settings: task.outputType === 'loglikelihood_rolling' ? settings : {} },
    model: {
      requested: source.requested, source: source.kind, path: source.dir, modelType: facts.modelType, configSha256: facts.configSha256,
      weightFiles: facts.weightFiles, experts: facts.experts, topK: facts.topK, moeLayers: facts.moeLayers, bytesPerExpert: facts.bytesPerExpert,
      storedDtypes: facts.storedDtypes, totalParameters: facts.totalParameters, activeParameters: facts.activeParameters,
    },
    dataset: data.identity,
    config,
  };
  if (shard) {
    // what every shard of the same full run shares: content hashes, never paths
    const identity = {
      task: header.task, config, dataset: { kind: data.identity.kind, split: data.identity.split, sha256: data.identity.sha256, rows: data.identity.rows },
      model: { configSha256: facts.configSha256, weightFiles: facts.weightFiles.map((w) => ({ file: basename(w.path), sizeBytes: w.sizeBytes })) },
    };
    header.shard = { index: shard.index, count: shard.count, runIdentity: identityHash(identity), fullRunSamples: allUnits.length };
  }

  const runDir = resolve(opts.output ?? defaultRunDir(task, opts.routing));
  const journal = new SampleJournal<SampleRecord>(join(runDir, SAMPLES_FILE));
  const segments = new SampleJournal<TraceSegment[]>(join(runDir, TRACE_SEGMENTS_FILE));
  let done: SampleRecord[] = [];
  let doneSegments: TraceSegment[][] = [];
  if (opts.resume) {
    ({ done, doneSegments } = readResumeState(runDir, header, controller, loaded.offload));
  } else if (existsSync(join(runDir, SAMPLES_FILE))) {
    throw usageError('output-exists', `--output ${runDir} already holds a run (${SAMPLES_FILE})`, 'pass --resume to continue it, or choose another --output directory');
  }
  journal.open(done);
  if (opts.routing['cache-reset'] === 'never') segments.open(doneSegments);
  writeJsonAtomic(join(runDir, RESULTS_FILE), { ...header, note: 'partial: the run has not finished' });

  const engine = new Engine(model);
  const records = [...done];
  opts.progress?.start(units.length, done.length);
  for (const unit of units.slice(done.length)) {
    controller.beginSample(unit.docId);
    const first = engine.timings.length;
    let values: Record<string, number> = {};
    let log: Record<string, unknown> | undefined;
    let error: string | null = null;
    const before = controller.totals();
    try {
      const outcome = await unit.run(engine, controller);
      values = outcome.values;
      log = opts.logSamples ? outcome.log : undefined;
    } catch (e) {
      if (e instanceof MoeEvalError && e.kind !== 'runtime') throw e;
      error = (e as Error).message; // a harness failure on one sample: recorded, never scored as wrong
    }
    controller.endSample();
    const after = controller.totals();
    const timings = engine.timings.slice(first);
    const record: SampleRecord = {
      index: unit.index,
      docId: unit.docId,
      group: unit.group,
      values,
      error,
      routing: { events: after.events - before.events, accesses: after.accesses - before.accesses, misses: after.misses - before.misses },
      latency: {
        prefillTokens: sumOf(timings.filter((t) => t.phase === 'prefill').map((t) => t.tokens)),
        prefillMs: sumOf(timings.filter((t) => t.phase === 'prefill').map((t) => t.ms)),
        decodeMs: timings.filter((t) => t.phase === 'decode').map((t) => t.ms),
      },
      ...(log ? { log } : {}),
    };
    const cp = controller.checkpoint();
    // order matters for resume: trace segments, then the sample, then the checkpoint that counts them
    if (cp.traceSegments) segments.append(cp.traceSegments);
    journal.append(record);
    writeJsonAtomic(join(runDir, CHECKPOINT_FILE), { samplesDone: records.length + 1, routing: cp.state } satisfies CheckpointFile, false);
    records.push(record);
    engine.timings.length = 0;
    opts.progress?.tick(record);
  }
  opts.progress?.finish();
  journal.close();
  segments.close();

  const results = assembleResults({
    header, task, settings, records, totalUnits: units.length, routing: controller.finish(), loadMs,
    memory: memoryReport(loaded, facts, routingFlags.cache, opts), device, sizes: modelSizes(facts, expertBytes(model.spec, loaded.precision, facts.bytesPerExpert)),
    run: { status: 'complete', finishedAt: new Date().toISOString() },
  });
  writeJsonAtomic(join(runDir, RESULTS_FILE), results);
  return { results, runDir };
}

/** Continue a run: same identity, finished samples as recorded, routing state from the checkpoint. */
function readResumeState(runDir: string, header: { task: unknown; model: unknown; dataset: unknown; config: unknown }, controller: ReturnType<typeof createRouting>, store: OffloadingExpertStore | null) {
  const resultsPath = join(runDir, RESULTS_FILE);
  // nothing to resume yet: start the run (so orchestrators can always pass --resume)
  if (!existsSync(resultsPath)) return { done: [], doneSegments: [] };
  const previous = JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, unknown>;
  for (const key of ['task', 'config', 'dataset'] as const) {
    if (JSON.stringify(previous[key]) !== JSON.stringify(header[key])) {
      throw usageError('resume-mismatch', `--resume: the run in ${runDir} has a different ${key} (${JSON.stringify(previous[key])})`, 'resume with exactly the same flags and data, or start a new --output directory');
    }
  }
  const pm = previous.model as { configSha256?: string; weightFiles?: unknown };
  const hm = header.model as { configSha256: string; weightFiles: unknown };
  if (pm.configSha256 !== hm.configSha256 || JSON.stringify(pm.weightFiles) !== JSON.stringify(hm.weightFiles)) {
    throw usageError('resume-mismatch', `--resume: the run in ${runDir} used another model`, 'resume with the same --model');
  }
  const cpPath = join(runDir, CHECKPOINT_FILE);
  const cp = existsSync(cpPath) ? (JSON.parse(readFileSync(cpPath, 'utf8')) as CheckpointFile) : null;
  const n = cp?.samplesDone ?? 0;
  // a sample appended after the last checkpoint is dropped and evaluated again
  const done = new SampleJournal<SampleRecord>(join(runDir, SAMPLES_FILE)).readExisting().slice(0, n);
  const doneSegments = new SampleJournal<TraceSegment[]>(join(runDir, TRACE_SEGMENTS_FILE)).readExisting().slice(0, n);
  if (done.length < n) throw usageError('resume-corrupt', `--resume: ${runDir} records ${done.length} samples but its checkpoint counts ${n}`, 'start a new run');
  if (cp) controller.restoreCheckpoint(cp.routing, doneSegments);
  // an offloading store holds what the restored caches hold
  for (const { layer, expert } of controller.residentExperts()) store?.onLoad(layer, expert);
  return { done, doneSegments };
}

const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Peak memory and, with --offload, what the store read (measured: a timing-like field). */
function memoryReport(loaded: LoadedModel, facts: ModelFacts, cache: number | undefined, opts: EvaluateOptions): Record<string, unknown> {
  const budget = memoryBudget(facts);
  return {
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    offload: Boolean(loaded.offload),
    ...(loaded.offload
      ? {
          ...loaded.offload.stats,
          boundBytes: budget.boundBytes(cache ?? facts.experts),
          bound: `dense ${budget.denseBytes} + (${cache} × ${budget.moeLayers} + 1 transient) × ${budget.expertBytes} + overhead ${budget.overheadBytes} bytes`,
          ioBandwidth: opts.ioBandwidthMBps ? { mbps: opts.ioBandwidthMBps, label: 'emulated' } : null,
        }
      : {}),
  };
}

function defaultRunDir(task: TaskConfig, r: RoutingFlagValues): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join('reports', 'runs', `${stamp}-${task.task}-${r.strategy}-c${r.cache ?? 'none'}`);
}

function toolIdentity(): ResultsDocument['run']['tool'] {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  let gitSha: string | null = null;
  try {
    gitSha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    gitSha = null; // an installed package has no git checkout
  }
  return { name: 'moe-eval', version: pkg.version, gitSha, node: process.version };
}
