// Merging sharded runs: joins the result documents of the shards of one run into the document of
// the unsharded run. Samples are put back in index order and every metric, standard error and
// statistic is recomputed from them and from the shards' mergeable routing counts with the code
// that builds an unsharded result; state that crosses samples marks the result as not identical.

import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { inputError, usageError } from '../errors.js';
import { REPLAY_POLICY_IDS, mergeLiveCounts, mergeReplayCounts, summariseLive, summariseReplay, type RoutingRunReport } from '../routing/index.js';
import { loadTask } from '../tasks/task-config.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file.js';
import { describeDifference, firstDifference } from '../util/first-difference.js';
import { ensureWritableDir } from '../util/writable-dir.js';
import { DERIVED_WARNING_CODES } from './warnings.js';
import { assembleResults } from './results/assemble.js';
import { loadResults, loadSamples } from './results/read.js';
import { RESULTS_FILE, SAMPLES_FILE, type ResultsDocument, type SampleRecord } from './results/schema.js';

interface ShardRun {
  dir: string;
  doc: ResultsDocument;
  samples: SampleRecord[];
}

function readShard(dir: string): ShardRun {
  const path = join(dir, RESULTS_FILE);
  if (!existsSync(path)) throw inputError('merge-missing-results', `${path} does not exist`, 'pass the --output directories of the shard runs');
  const doc = loadResults(path);
  if (!doc.shard) throw usageError('merge-not-a-shard', `${dir} is not a shard result (run without --shard)`, 'merge only runs made with --shard I/N');
  return { dir, doc, samples: loadSamples(join(dir, SAMPLES_FILE)) };
}

/** What the shards of one run share (the content of their runIdentity hash), to name what differs. */
function shardIdentity(doc: ResultsDocument) {
  const { task, config, dataset, model } = doc;
  return { task, config, dataset: { kind: dataset.kind, split: dataset.split, sha256: dataset.sha256, rows: dataset.rows }, model: { configSha256: model.configSha256, weightFiles: model.weightFiles.map((w) => ({ file: basename(w.path), sizeBytes: w.sizeBytes })) } };
}

/**
 * The merged run goes to a folder of its own: never one of its shards (or inside one), and never over
 * a run that a merge did not write unless forced.
 */
function checkOut(out: string, dirs: readonly string[], force: boolean): string {
  const abs = resolve(out);
  const input = dirs.map((d) => resolve(d)).find((d) => abs === d || abs.startsWith(`${d}${sep}`));
  if (input) throw usageError('merge-out-is-input', `--out ${out} is the shard folder ${input} (or inside it): merging would destroy it`, 'pass a new folder to --out');
  const results = join(abs, RESULTS_FILE);
  const holdsRun = existsSync(results) || existsSync(join(abs, SAMPLES_FILE));
  if (holdsRun && !force) {
    let merged = false;
    try {
      merged = Boolean((JSON.parse(readFileSync(results, 'utf8')) as { run?: { merge?: unknown } }).run?.merge);
    } catch {
      merged = false;
    }
    if (!merged) throw usageError('merge-out-holds-run', `--out ${out} already holds a run that merge did not write`, 'pass a new folder to --out, or --force to replace it');
  }
  return ensureWritableDir(abs, '--out');
}

/** Refuses shards of different runs, and missing or duplicated shards, naming them. */
function checkShards(shards: ShardRun[]): number {
  const identities = new Map<string, string[]>();
  for (const s of shards) identities.set(s.doc.shard!.runIdentity, [...(identities.get(s.doc.shard!.runIdentity) ?? []), s.dir]);
  if (identities.size > 1) {
    const other = shards.find((s) => s.doc.shard!.runIdentity !== shards[0].doc.shard!.runIdentity)!;
    const diff = firstDifference(shardIdentity(shards[0].doc), shardIdentity(other.doc));
    throw usageError(
      'merge-different-runs',
      `the shards belong to ${identities.size} different runs: ${[...identities.values()].map((d) => `[${d.join(', ')}]`).join(' vs ')}${diff ? `; ${describeDifference(diff, `in ${shards[0].dir}`, `in ${other.dir}`)}` : ''}`,
      'merge the shards of one run (same task, model, data and flags)',
    );
  }
  const count = shards[0].doc.shard!.count;
  const byIndex = new Map<number, string[]>();
  for (const s of shards) byIndex.set(s.doc.shard!.index, [...(byIndex.get(s.doc.shard!.index) ?? []), s.dir]);
  const duplicated = [...byIndex.entries()].filter(([, d]) => d.length > 1);
  if (duplicated.length) throw usageError('merge-duplicate-shards', `duplicated shards: ${duplicated.map(([i, d]) => `${i}/${count} in ${d.join(' and ')}`).join('; ')}`, 'pass each shard once');
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) throw usageError('merge-missing-shards', `missing shards: ${missing.map((i) => `${i}/${count}`).join(', ')}`, 'run them (same flags, --shard I/N) and merge again');
  return count;
}

function mergeRouting(reports: RoutingRunReport[]): RoutingRunReport {
  const first = reports[0];
  const counts = reports.map((r) => r.counts).reduce(mergeLiveCounts);
  const bytes = first.config.bytesPerExpert;
  let replays: RoutingRunReport['replays'] = null;
  if (first.replays) {
    const merged = Object.fromEntries(REPLAY_POLICY_IDS.map((p) => [p, reports.map((r) => r.replays!.counts[p]).reduce(mergeReplayCounts)])) as NonNullable<RoutingRunReport['replays']>['counts'];
    replays = {
      trace: first.replays.trace,
      capacityExpertsPerLayer: first.replays.capacityExpertsPerLayer,
      counts: merged,
      summary: Object.fromEntries(REPLAY_POLICY_IDS.map((p) => [p, summariseReplay(merged[p], counts.tokens, bytes)])) as NonNullable<RoutingRunReport['replays']>['summary'],
    };
  }
  let strategyState = first.strategyState;
  if (strategyState) {
    strategyState = strategyState.map((row, i) => {
      const events = reports.reduce((s, r) => s + (r.strategyState![i].deltaEvents ?? 0), 0);
      if (row.fixed) return { ...row, deltaEvents: events };
      const sum = reports.reduce((s, r) => s + (r.strategyState![i].deltaSum ?? 0), 0);
      return { ...row, deltaAvg: events > 0 ? sum / events : 0, deltaSum: sum, deltaEvents: events };
    });
  }
  return { schema: first.schema, config: first.config, counts, summary: summariseLive(counts, bytes), strategyState, replays };
}

/** Why a merged result may differ from one long run (state carried from sample to sample). */
function nonIdentityReasons(doc: ResultsDocument): string[] {
  const c = doc.routing.config;
  const reasons: string[] = [];
  if (c.cache && c.cacheReset === 'never') reasons.push('--cache-reset never: each shard started with empty caches where one run would carry them over');
  if (c.strategy.id === 'cache-prior' && c.fixedDeltaAvg === null) reasons.push('cache-prior with running Δavg: each shard estimated its own (fix it with moe-eval calibrate and --delta-avg)');
  return reasons;
}

export function mergeShards(dirs: string[], out: string, argv: string[], force = false): ResultsDocument {
  if (dirs.length === 0) throw usageError('merge-nothing', 'no shard directories given', 'pass the --output directories of every shard');
  const outDir = checkOut(out, dirs, force);
  const shards = dirs.map((d) => readShard(resolve(d)));
  const count = checkShards(shards);
  shards.sort((a, b) => a.doc.shard!.index - b.doc.shard!.index);
  const first = shards[0].doc;
  for (const s of shards) {
    if (JSON.stringify(s.doc.routing.config) !== JSON.stringify(first.routing.config)) {
      throw usageError('merge-different-runs', `${s.dir} has another routing configuration than ${shards[0].dir}`, 'merge the shards of one run');
    }
  }
  const records = shards.flatMap((s) => s.samples).sort((a, b) => a.index - b.index);
  const expected = first.shard!.fullRunSamples;
  const seen = new Set(records.map((r) => r.index));
  if (records.length !== expected || seen.size !== expected) {
    throw usageError('merge-samples-mismatch', `the shards hold ${records.length} samples (${seen.size} distinct) but the run has ${expected}`, 'a shard directory is incomplete or was edited; rerun it');
  }
  const task = loadTask(first.task.name);
  if (task.version !== first.task.version) throw usageError('merge-task-version', `the shards ran ${first.task.name} version ${first.task.version}; this moe-eval has version ${task.version}`, 'merge with the moe-eval version that ran the shards');
  const reasons = nonIdentityReasons(first);
  const { shard: _shard, metrics: _m, groups: _g, routing: _r, latency: _l, memory: _mem, modeled, samples: _s, ...header } = first;
  const now = new Date().toISOString();
  const doc = assembleResults({
    // warnings derived from samples and metrics are derived again from the merged ones
    header: { ...header, warnings: (first.warnings ?? []).filter((w) => !(DERIVED_WARNING_CODES as readonly string[]).includes(w.code)), run: { ...first.run, createdAt: now, finishedAt: now, argv } },
    task,
    settings: first.config.settings,
    records,
    totalUnits: expected,
    routing: mergeRouting(shards.map((s) => s.doc.routing)),
    loadMs: Math.max(...shards.map((s) => s.doc.latency.loadMs)),
    memory: { peakRssBytes: Math.max(...shards.map((s) => Number(s.doc.memory?.peakRssBytes ?? 0))), shards: shards.map((s) => s.doc.memory ?? null) },
    device: { name: modeled!.device, source: modeled!.deviceSource, storage: modeled!.inputs.storage, dram: modeled!.inputs.dram, compute: modeled!.inputs.compute },
    sizes: modeled!.inputs.sizes,
    run: { status: 'complete', merge: { shards: count, dirs: shards.map((s) => s.dir), identicalToUnsharded: reasons.length === 0, reasons } },
  });
  writeFileAtomic(join(outDir, SAMPLES_FILE), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeJsonAtomic(join(outDir, RESULTS_FILE), doc);
  return doc;
}
