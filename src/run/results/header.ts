// The part of a results document known before the first sample: what ran (task, model, data), every
// resolved option (the run folder's identity), who ran it, and for a shard the identity of the full
// run that every shard of it must share.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ModelFacts } from '../../engine/inspect.js';
import { PACKAGE_ROOT, type ModelSource } from '../../engine/model-source.js';
import { STRATEGY_PARAM_KEYS } from '../../routing/strategies/params.js';
import type { LoadedTaskData } from '../../tasks/task-data.js';
import type { TaskConfig } from '../../tasks/task-config.js';
import type { RunConfig } from '../config.js';
import { identityHash } from '../shard.js';
import type { ResultsHeader } from './assemble.js';
import { RESULTS_SCHEMA, type RecordedConfig, type ResultsDocument } from './schema.js';

export interface HeaderInputs {
  config: RunConfig;
  task: TaskConfig;
  numFewshot: number;
  /** the task settings after the task file's and the run's */
  settings: Record<string, unknown>;
  /** experts per MoE layer after a memory limit, null = no cache */
  cache: number | null;
  data: LoadedTaskData;
  source: ModelSource;
  facts: ModelFacts;
  argv: string[];
}

/** Every option of the run, resolved: flags, their defaults and what was derived from them. */
export function recordedConfig(h: HeaderInputs): RecordedConfig {
  const { config, task } = h;
  const r = config.routing;
  return {
    task: task.task,
    numFewshot: h.numFewshot,
    limit: config.limit,
    seed: config.seed,
    settings: h.settings,
    strategy: r.strategy,
    ...Object.fromEntries(STRATEGY_PARAM_KEYS.map((k) => [k, r.params[k] ?? null])),
    cache: h.cache,
    policy: r.policy,
    lruOrder: r.lruOrder,
    cacheReset: r.cacheReset,
    prefillCache: r.prefillCache,
    precision: config.engine.precision,
    densePrecision: config.engine.densePrecision,
    offload: config.engine.offload,
    ioBandwidthMBps: config.engine.ioBandwidthMBps,
    device: config.device,
    deltaAvg: r.deltaAvg === null ? null : { sha256: createHash('sha256').update(readFileSync(r.deltaAvg)).digest('hex'), configSha256: calibratedOn(r.deltaAvg) },
  } as RecordedConfig;
}

const calibratedOn = (file: string): string => (JSON.parse(readFileSync(file, 'utf8')) as { model: { configSha256: string } }).model.configSha256;

export function resultsHeader(h: HeaderInputs): ResultsHeader {
  const { task, facts, source, config } = h;
  const recorded = recordedConfig(h);
  const header: ResultsHeader = {
    schema: RESULTS_SCHEMA,
    run: { status: 'partial', createdAt: new Date().toISOString(), finishedAt: null, tool: toolIdentity(), argv: h.argv },
    task: { name: task.task, version: task.version, outputType: task.outputType, numFewshot: h.numFewshot, limit: config.limit, settings: task.outputType === 'loglikelihood_rolling' ? h.settings : {} },
    model: {
      requested: source.requested, source: source.kind, path: source.dir, modelType: facts.modelType, configSha256: facts.configSha256,
      weightFiles: facts.weightFiles, experts: facts.experts, topK: facts.topK, moeLayers: facts.moeLayers, bytesPerExpert: facts.bytesPerExpert,
      storedDtypes: facts.storedDtypes, totalParameters: facts.totalParameters, activeParameters: facts.activeParameters,
    },
    dataset: h.data.identity,
    config: recorded,
  };
  return header;
}

/** What every shard of one full run shares: content hashes, never paths. */
export function shardBlock(header: ResultsHeader, shard: { index: number; count: number }, fullRunSamples: number): NonNullable<ResultsDocument['shard']> {
  const d = header.dataset;
  const identity = {
    task: header.task,
    config: header.config,
    dataset: { kind: d.kind, split: d.split, sha256: d.sha256, rows: d.rows },
    model: { configSha256: header.model.configSha256, weightFiles: header.model.weightFiles.map((w) => ({ file: basename(w.path), sizeBytes: w.sizeBytes })) },
  };
  return { index: shard.index, count: shard.count, runIdentity: identityHash(identity), fullRunSamples };
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
