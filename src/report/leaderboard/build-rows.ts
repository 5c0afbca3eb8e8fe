// Turns loaded runs into leaderboard rows: picks each run's topk baseline (the topk run of the same
// task and cache size: it is what a cache-aware strategy must beat, and it supplies the LRU rows),
// the LRU reference, Δs and speed-ups.

import { relative } from 'node:path';
import { pairSamples, pairedDifference } from '../paired-difference.js';
import { selectPrimaryMetric, type PrimaryMetric } from '../primary-metric.js';
import type { LoadedRun } from '../../run/results/read.js';
import { RESULTS_FILE } from '../../run/results/schema.js';
import { measuredMsPerToken, modeledSummary } from '../run-latency.js';
import { paramsLabel } from '../../routing/strategies/params.js';
import { cacheCapacity, comparisonKey, datasetKey, lifecycleKey, modelLabel, taskKey, taskLabel } from '../run-identity.js';
import type { LeaderboardRow } from './leaderboard-row.js';
import { markPareto } from './pareto.js';

interface Prepared {
  run: LoadedRun;
  label: string;
  metric: PrimaryMetric;
}

const byLabel = (a: Prepared, b: Prepared) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);

/** The topk run of a comparison group: an LRU one when given (it supplies the LRU reference), else the first by run path. */
function pickBaseline(candidates: Prepared[]): Prepared | null {
  const topk = candidates.filter((c) => c.run.results.routing.config.strategy.id === 'topk').sort(byLabel);
  return topk.find((c) => c.run.results.routing.config.cache?.policy === 'lru') ?? topk[0] ?? null;
}

function deltaVsTopk(p: Prepared, base: Prepared): LeaderboardRow['deltaVsTopk'] {
  const pairing = pairSamples(base.run.samples, p.run.samples);
  let se: number | null = null;
  // a metric that lacks per-sample values (or a different metric) still gets its Δ, without the paired se
  if (pairing.pairs.length > 0 && base.metric.key === p.metric.key) {
    try {
      se = pairedDifference(p.metric, pairing.pairs, { baseline: base.label, run: p.label }).se;
    } catch {
      se = null;
    }
  }
  const relativeScale = p.metric.kind === 'perplexity';
  return {
    value: relativeScale ? p.metric.value / base.metric.value - 1 : p.metric.value - base.metric.value,
    se,
    scale: relativeScale ? 'relative' : 'absolute',
    pairs: pairing.pairs.length,
  };
}

function speedup(p: Prepared, base: Prepared | null): LeaderboardRow['speedup'] {
  const modeled = p.run.results.modeled;
  if (modeled) {
    if (modeled.speedupVsTopkLru !== null) return { value: modeled.speedupVsTopkLru, source: 'modeled' };
    const bm = base?.run.results.modeled;
    if (bm && bm.device === modeled.device) return { value: bm.msPerToken / modeled.msPerToken, source: 'modeled' };
  }
  if (!base) return null;
  const a = measuredMsPerToken(base.run.results.latency);
  const b = measuredMsPerToken(p.run.results.latency);
  return a && b && a.source === b.source ? { value: a.msPerToken / b.msPerToken, source: 'measured' } : null;
}

function toRow(p: Prepared, base: Prepared | null): LeaderboardRow {
  const r = p.run.results;
  const routing = r.routing;
  const cache = routing.config.cache;
  const replays = routing.replays?.summary ?? null;
  const missRate = routing.summary.missRate;
  let lruReference: LeaderboardRow['lruReference'] = null;
  if (cache && missRate !== null) {
    const baseRouting = base?.run.results.routing;
    if (base && baseRouting?.config.cache?.policy === 'lru' && baseRouting.summary.missRate !== null) {
      lruReference = { missRate: baseRouting.summary.missRate, source: 'topk-live', run: base.label };
    } else if (replays?.lru.missRate != null) {
      lruReference = { missRate: replays.lru.missRate, source: 'own-replay', run: null };
    }
  }
  const capacity = cacheCapacity(r);
  const lruByLayer = new Map((replays?.lru.perLayer ?? []).map((l) => [l.layer, l.missRate]));
  const beladyByLayer = new Map((replays?.belady.perLayer ?? []).map((l) => [l.layer, l.missRate]));
  const metric = p.metric;
  return {
    rank: 0,
    run: p.label,
    model: modelLabel(r),
    modelType: r.model.modelType,
    task: taskLabel(r),
    taskGroup: [taskKey(r), datasetKey(r)].join('#'),
    group: [taskKey(r), datasetKey(r), capacity ?? 'no-cache', lifecycleKey(r)].join('#'),
    groupLabel: `${taskLabel(r)}, ${capacity === null ? 'no cache' : `cache ${capacity}`}`,
    metric: { name: metric.name, filter: metric.filter, key: metric.key, kind: metric.kind, value: metric.value, stderr: metric.stderr, higherIsBetter: metric.higherIsBetter, n: metric.n },
    strategy: routing.config.strategy.id,
    params: { ...routing.config.strategy.params },
    paramsLabel: paramsLabel(routing.config.strategy.params),
    cache: cache ? { policy: cache.policy, capacity: cache.capacityExpertsPerLayer } : null,
    baselineRun: base?.label ?? null,
    isBaseline: base === p,
    deltaVsTopk: base && base !== p ? deltaVsTopk(p, base) : null,
    missRate,
    missesPerToken: routing.summary.missesPerToken,
    bytesMoved: routing.summary.bytesMoved,
    lruReference,
    deltaVsLru: lruReference && missRate !== null && lruReference.missRate > 0 ? missRate / lruReference.missRate - 1 : null,
    beladyMissRate: replays?.belady.missRate ?? null,
    measured: measuredMsPerToken(r.latency),
    modeled: modeledSummary(r),
    speedup: speedup(p, base),
    pareto: false,
    perLayer: routing.summary.perLayer.map((l) => ({ layer: l.layer, missRate: l.missRate, lruReplay: lruByLayer.get(l.layer) ?? null, belady: beladyByLayer.get(l.layer) ?? null })),
    status: r.run.status,
    samples: { evaluated: r.samples.evaluated, total: r.samples.total, errors: r.samples.errors },
    createdAt: r.run.createdAt,
    toolVersion: r.run.tool.version,
    memory: r.memory ?? null,
  };
}

/** Run path as printed: relative to the report's directory, forward slashes, ending in the directory. */
export function runLabel(dir: string, reportDir: string): string {
  const rel = relative(reportDir, dir).split('\\').join('/');
  return rel === '' ? '.' : rel;
}

/** Unsorted rows (rank 0), Pareto marks set. */
export function buildRows(runs: readonly LoadedRun[], reportDir: string): LeaderboardRow[] {
  const prepared: Prepared[] = runs.map((run) => ({
    run,
    label: runLabel(run.dir, reportDir),
    metric: selectPrimaryMetric(run.results, `${run.dir}/${RESULTS_FILE}`),
  }));
  const groups = new Map<string, Prepared[]>();
  for (const p of prepared) {
    const key = comparisonKey(p.run.results);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const baselineOf = new Map<Prepared, Prepared | null>();
  for (const members of groups.values()) {
    const base = pickBaseline(members);
    for (const m of members) baselineOf.set(m, base);
  }
  const rows = prepared.map((p) => toRow(p, baselineOf.get(p) ?? null));
  markPareto(rows);
  return rows;
}
