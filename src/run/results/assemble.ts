// Assembles the results document of a run from its sample records and routing report. The
// evaluation loop and `moe-eval merge` both call it, so a merged sharded run is built exactly as an
// unsharded one (same fields, same order, same arithmetic on the samples in index order).

import type { ModelFacts } from '../../engine/inspect.js';
import { blockBytesPerWeight } from '../../engine/block-quant.js';
import type { MatrixPrecision } from '../../engine/linear.js';
import type { DeviceProfile } from '../../latency/device-profile.js';
import { modeledLatency, type ModelSizes } from '../../latency/modeled.js';
import type { RoutingRunReport } from '../../routing/index.js';
import { aggregateMetrics } from '../../scoring/aggregations.js';
import { mean, percentile } from '../../scoring/statistics.js';
import type { TaskConfig } from '../../tasks/task-config.js';
import { finiteMetrics, truncationWarnings } from '../warnings.js';
import { SAMPLES_FILE, type LatencyReport, type ResultsDocument, type SampleRecord } from './schema.js';

/** Everything of a results document that is known before the first sample runs. */
export type ResultsHeader = Omit<ResultsDocument, 'metrics' | 'groups' | 'routing' | 'latency' | 'memory' | 'modeled' | 'samples'>;

export interface ResultsParts {
  header: ResultsHeader;
  task: TaskConfig;
  /** the resolved task settings (seed and bootstrap iterations of the aggregations) */
  settings: Record<string, unknown>;
  /** in index order */
  records: SampleRecord[];
  /** documents the run (or shard) had to evaluate */
  totalUnits: number;
  routing: RoutingRunReport;
  loadMs: number;
  memory: Record<string, unknown>;
  device: Pick<DeviceProfile, 'name' | 'source' | 'storage' | 'dram' | 'compute'>;
  sizes: ModelSizes;
  run: Partial<ResultsDocument['run']>;
}

export function assembleResults(p: ResultsParts): ResultsDocument {
  const scored = p.records.filter((r) => r.error === null);
  const aggregation = { seed: Number(p.settings.seed ?? 1234), bootstrapIterations: Number(p.settings.bootstrapIterations ?? 1000) };
  const aggregated = aggregateMetrics(p.task, scored.map((r) => ({ group: r.group, values: r.values })), aggregation);
  const { metrics, warnings: metricWarnings } = finiteMetrics(aggregated.metrics);
  const { shard, warnings: known, ...header } = p.header;
  return {
    ...header,
    warnings: [...(known ?? []), ...truncationWarnings(p.records), ...metricWarnings],
    run: { ...header.run, ...p.run },
    metrics,
    groups: aggregated.groups,
    routing: p.routing,
    latency: latencyOf(p.records, p.loadMs),
    memory: p.memory,
    modeled: modeledLatency(p.device, p.sizes, p.routing.summary.missesPerToken ?? 0, p.routing.replays?.summary.lru.missesPerToken ?? null),
    samples: { total: p.totalUnits, evaluated: p.records.length, errors: p.records.length - scored.length, file: SAMPLES_FILE },
    ...(shard ? { shard } : {}),
  };
}

const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function latencyOf(records: SampleRecord[], loadMs: number): LatencyReport {
  const prefillTokens = sumOf(records.map((r) => r.latency.prefillTokens));
  const prefillMs = sumOf(records.map((r) => r.latency.prefillMs));
  const decode = records.flatMap((r) => r.latency.decodeMs);
  const decodeMean = decode.length ? mean(decode) : null;
  return {
    loadMs,
    evalMs: prefillMs + sumOf(decode),
    prefill: { tokens: prefillTokens, totalMs: prefillMs, msPerToken: prefillTokens ? prefillMs / prefillTokens : null, tokensPerSecond: prefillMs ? (1000 * prefillTokens) / prefillMs : null },
    decode: {
      tokens: decode.length,
      meanMs: decodeMean,
      p50Ms: decode.length ? percentile(decode, 50) : null,
      p95Ms: decode.length ? percentile(decode, 95) : null,
      tokensPerSecond: decodeMean ? 1000 / decodeMean : null,
    },
  };
}

/** Stored bytes per weight of the dtypes a checkpoint's dense tensors come in. */
const DTYPE_BYTES: Record<string, number> = { F32: 4, BF16: 2, F16: 2 };

/**
 * Bytes and parameters per token for the latency model: the k routed experts per MoE layer at the
 * run's expert precision, dense weights at the run's matrix precision when block-quantised, else
 * at the checkpoint's stored dtype (the embedding's, taken as every dense tensor's).
 */
export function modelSizes(f: ModelFacts, bytesPerExpert = f.bytesPerExpert, densePrecision: MatrixPrecision = 'f32'): ModelSizes {
  const paramsPerExpert = 3 * f.hiddenSize * f.expertIntermediateSize;
  const bytesPerParameter = densePrecision !== 'f32' ? blockBytesPerWeight(densePrecision) : (DTYPE_BYTES[f.embeddingDtype] ?? 4);
  const activeExperts = f.moeLayers.length * f.topK;
  const denseParameters = f.activeParameters - activeExperts * paramsPerExpert;
  return { activeBytes: denseParameters * bytesPerParameter + activeExperts * bytesPerExpert, activeParameters: f.activeParameters, bytesPerExpert };
}
