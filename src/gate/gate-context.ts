// What every gate check sees: the baseline and the run (both in gate-baseline form), proven to be
// the same task on the same documents, the judged metric, and its paired difference. Comparing
// different tasks, datasets or document sets is a usage error (exit 2), never a verdict.

import { inputError, usageError } from '../errors.js';
import { pairSamples, pairedDifference, type PairableSample, type PairedDifference } from '../report/paired-difference.js';
import { selectPrimaryMetric, type PrimaryMetric } from '../report/primary-metric.js';
import { strategyLabel } from '../report/run-identity.js';
import type { GateBaseline } from './gate-baseline.js';
import type { Thresholds } from './thresholds.js';

export interface GateSide {
  /** the path as given on the command line */
  label: string;
  doc: GateBaseline;
}

export interface GateContext {
  baseline: GateSide;
  run: GateSide;
  /** the metric judged: the baseline's headline metric, or --metric */
  metric: PrimaryMetric;
  /** the same metric in the run's document */
  runMetric: PrimaryMetric;
  paired: PairedDifference;
  thresholds: Thresholds;
  /** differences that are allowed but worth printing (model, strategy, cache) */
  notes: string[];
}

export function samplesOf(doc: GateBaseline): PairableSample[] {
  const ok = Object.entries(doc.samples).map(([docId, values]) => ({ docId, values, error: null }));
  const failed = Object.entries(doc.sampleErrors).map(([docId, error]) => ({ docId, values: {}, error }));
  return [...ok, ...failed].sort((a, b) => (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
}

const examples = (ids: string[]) => ids.slice(0, 3).map((id) => `"${id}"`).join(', ') + (ids.length > 3 ? ', …' : '');

function requireSameTask(b: GateSide, r: GateSide): void {
  const t = (s: GateSide) => `${s.doc.task.name} (${s.doc.task.outputType}, ${s.doc.task.numFewshot}-shot)`;
  if (b.doc.task.name !== r.doc.task.name || b.doc.task.outputType !== r.doc.task.outputType || b.doc.task.numFewshot !== r.doc.task.numFewshot) {
    throw usageError('gate-task-mismatch', `baseline ${b.label} is ${t(b)} but run ${r.label} is ${t(r)}`, 'gate each task against a baseline of the same task and few-shot count');
  }
  const d = (s: GateSide) => `${s.doc.dataset.kind} ${s.doc.dataset.split} sha256 ${s.doc.dataset.sha256.slice(0, 12)}`;
  if (b.doc.dataset.sha256 !== r.doc.dataset.sha256 || b.doc.dataset.split !== r.doc.dataset.split) {
    throw usageError('gate-dataset-mismatch', `baseline ${b.label} evaluated ${d(b)} but run ${r.label} evaluated ${d(r)}`, 'evaluate the run on the baseline\'s data (--data), or write a new baseline with --update-baseline');
  }
}

function notesOf(b: GateBaseline, r: GateBaseline): string[] {
  const notes: string[] = [];
  if (b.model.configSha256 !== r.model.configSha256 || b.model.requested !== r.model.requested) notes.push(`model: baseline ${b.model.requested}, run ${r.model.requested}`);
  const strat = (g: GateBaseline) => strategyLabel(g.routing.strategy);
  if (strat(b) !== strat(r)) notes.push(`strategy: baseline ${strat(b)}, run ${strat(r)}`);
  const cache = (g: GateBaseline) => (g.routing.cache ? `${g.routing.cache.capacityExpertsPerLayer} ${g.routing.cache.policy}, ${g.routing.cacheReset}, prefill ${g.routing.prefillCache}, ${g.routing.lruOrder}` : 'none');
  if (cache(b) !== cache(r)) notes.push(`cache: baseline ${cache(b)}, run ${cache(r)}`);
  return notes;
}

export function buildGateContext(baseline: GateSide, run: GateSide, thresholds: Thresholds, metricKey?: string): GateContext {
  requireSameTask(baseline, run);
  const pairing = pairSamples(samplesOf(baseline.doc), samplesOf(run.doc));
  if (pairing.onlyBaseline.length > 0 || pairing.onlyRun.length > 0) {
    throw usageError(
      'gate-samples-mismatch',
      `baseline ${baseline.label} and run ${run.label} evaluated different samples: ${pairing.onlyBaseline.length} docIds only in the baseline${pairing.onlyBaseline.length ? ` (${examples(pairing.onlyBaseline)})` : ''}, ${pairing.onlyRun.length} only in the run${pairing.onlyRun.length ? ` (${examples(pairing.onlyRun)})` : ''}`,
      'the gate compares the same documents sample by sample: run with the baseline\'s --limit and data, or write a new baseline with --update-baseline',
    );
  }
  if (pairing.pairs.length === 0) throw inputError('gate-no-pairs', `baseline ${baseline.label} and run ${run.label} share no sample evaluated without a harness error`, 'see the error fields in samples.jsonl');
  const metric = selectPrimaryMetric(baseline.doc, baseline.label, metricKey);
  const runMetric = selectPrimaryMetric(run.doc, run.label, metric.key);
  const paired = pairedDifference(metric, pairing.pairs, { baseline: baseline.label, run: run.label });
  return { baseline, run, metric, runMetric, paired, thresholds, notes: notesOf(baseline.doc, run.doc) };
}
