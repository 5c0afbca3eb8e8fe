// A run directory in gate-baseline form (gate-baseline.ts). Both sides of a gate go through it, so
// the checks compare one shape whether the baseline is a committed file or another run directory.

import { relative } from 'node:path';
import type { LoadedRun } from '../run/results/read.js';
import { measuredMsPerToken, modeledSummary } from '../report/run-latency.js';
import { BASELINE_SCHEMA, type GateBaseline } from './gate-baseline.js';

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `relativeTo`: directory source.runDir is written relative to (the baseline file's directory). */
export function baselineFromRun(run: LoadedRun, relativeTo: string): GateBaseline {
  const r = run.results;
  const routing = r.routing;
  const replays = routing.replays?.summary ?? null;
  const samples: Record<string, Record<string, number>> = {};
  const sampleErrors: Record<string, string> = {};
  for (const s of [...run.samples].sort((a, b) => byKey(a.docId, b.docId))) {
    if (s.error !== null) sampleErrors[s.docId] = s.error;
    else samples[s.docId] = Object.fromEntries(Object.entries(s.values).sort(([a], [b]) => byKey(a, b)));
  }
  return {
    schema: BASELINE_SCHEMA,
    source: {
      runDir: relative(relativeTo, run.dir).split('\\').join('/') || '.',
      createdAt: r.run.createdAt,
      finishedAt: r.run.finishedAt,
      toolVersion: r.run.tool.version,
      gitSha: r.run.tool.gitSha,
      argv: [...r.run.argv],
    },
    model: { requested: r.model.requested, modelType: r.model.modelType, configSha256: r.model.configSha256 },
    task: { name: r.task.name, version: r.task.version, outputType: r.task.outputType, numFewshot: r.task.numFewshot, limit: r.task.limit },
    dataset: { kind: r.dataset.kind, split: r.dataset.split, sha256: r.dataset.sha256, rows: r.dataset.rows },
    routing: {
      strategy: { id: routing.config.strategy.id, params: { ...routing.config.strategy.params } },
      cache: routing.config.cache ? { policy: routing.config.cache.policy, capacityExpertsPerLayer: routing.config.cache.capacityExpertsPerLayer } : null,
      lruOrder: routing.config.lruOrder,
      cacheReset: routing.config.cacheReset,
      prefillCache: routing.config.prefillCache,
      missRate: routing.summary.missRate,
      missesPerToken: routing.summary.missesPerToken,
      bytesMoved: routing.summary.bytesMoved,
      replays: replays ? { lru: replays.lru.missRate, belady: replays.belady.missRate } : null,
      perLayer: routing.summary.perLayer.map((l) => ({ layer: l.layer, missRate: l.missRate })),
    },
    metrics: r.metrics.map((m) => ({ name: m.name, filter: m.filter, value: m.value, stderr: m.stderr, stderrMethod: m.stderrMethod, higherIsBetter: m.higherIsBetter, n: m.n })),
    samples,
    sampleErrors,
    latency: {
      measured: measuredMsPerToken(r.latency),
      modeled: modeledSummary(r),
    },
  };
}
