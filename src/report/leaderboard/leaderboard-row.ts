// The data of one leaderboard row (one run) and of the whole leaderboard: what every reporter
// (markdown, CSV, JSON) and every chart renders. Plain JSON data, raw numbers, no formatting.

import type { CachePolicyId } from '../../cache/cache-registry.js';
import type { RunStatus } from '../../run/results/schema.js';
import type { MetricKind } from '../primary-metric.js';
import type { ModeledSummary, MsPerToken } from '../run-latency.js';

export type LruReferenceSource = 'topk-live' | 'own-replay';

export interface LeaderboardRow {
  /** 1-based position after sorting: "#" in every output */
  rank: number;
  /** run directory relative to the report's directory, forward slashes */
  run: string;
  model: string;
  modelType: string;
  /** task name with few-shot count, e.g. "mmlu 5-shot" */
  task: string;
  /** task × dataset: rows whose metrics are comparable at all */
  taskGroup: string;
  /** Pareto and chart group: task × dataset × cache size × cache options */
  group: string;
  /** "mmlu, cache 8": the group as a heading */
  groupLabel: string;
  metric: { name: string; filter: string | null; key: string; kind: MetricKind; value: number; stderr: number | null; higherIsBetter: boolean; n: number };
  strategy: string;
  params: Record<string, number>;
  paramsLabel: string;
  cache: { policy: CachePolicyId; capacity: number } | null;
  /** the topk run this row is compared with (same model, task, dataset, cache size and options); null when none was given */
  baselineRun: string | null;
  isBaseline: boolean;
  /**
   * change of the metric vs the baseline: absolute (run − baseline) for mean metrics, relative
   * (run / baseline − 1) for perplexity; se is the paired standard error over matched docIds
   * (for perplexity, of ln(run / baseline)).
   */
  deltaVsTopk: { value: number; se: number | null; scale: 'absolute' | 'relative'; pairs: number } | null;
  missRate: number | null;
  missesPerToken: number | null;
  bytesMoved: number | null;
  lruReference: { missRate: number; source: LruReferenceSource; run: string | null } | null;
  /** missRate / lruReference.missRate − 1 */
  deltaVsLru: number | null;
  /** Belady replay of this run's own original top-k trace */
  beladyMissRate: number | null;
  measured: MsPerToken | null;
  modeled: ModeledSummary | null;
  /** baseline ms/token ÷ this run's, or the document's modeled speedupVsTopkLru */
  speedup: { value: number; source: 'modeled' | 'measured' } | null;
  pareto: boolean;
  perLayer: { layer: number; missRate: number | null; lruReplay: number | null; belady: number | null }[];
  status: RunStatus;
  samples: { evaluated: number; total: number; errors: number };
  createdAt: string;
  toolVersion: string;
  memory: Record<string, unknown> | null;
}

export interface SortSpec {
  key: string;
  direction: 'asc' | 'desc';
}

export interface Leaderboard {
  schema: 'moe-eval.leaderboard/1';
  sort: SortSpec[];
  rows: LeaderboardRow[];
}
