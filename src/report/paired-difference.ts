// Paired comparison of two runs over the same documents (matched by SampleRecord.docId): the change
// of the headline metric and its standard error from the per-sample differences, so that a change
// within sampling noise can be told from a real one (lm-eval's paired stderr, McNemar-style pairing).

import { sampleStd } from '../scoring/statistics.js';
import { inputError } from '../errors.js';
import type { SampleRecord } from '../run/results/schema.js';
import { LOGLIKELIHOOD_KEY, type PrimaryMetric } from './primary-metric.js';

/** What pairing needs of a sample: a SampleRecord, or a sample kept in a gate baseline file. */
export type PairableSample = Pick<SampleRecord, 'docId' | 'values' | 'error'>;

export interface SamplePairing<S extends PairableSample = PairableSample> {
  /** [baseline, run] records of the docIds both evaluated without a harness error, in baseline order */
  pairs: [S, S][];
  /** docIds evaluated by only one side */
  onlyBaseline: string[];
  onlyRun: string[];
  /** docIds both evaluated but at least one side recorded a harness error (excluded from pairs) */
  errored: string[];
}

export function pairSamples<S extends PairableSample>(baseline: readonly S[], run: readonly S[]): SamplePairing<S> {
  const byId = new Map(run.map((s) => [s.docId, s]));
  const baseIds = new Set(baseline.map((s) => s.docId));
  const out: SamplePairing<S> = { pairs: [], onlyBaseline: [], onlyRun: run.filter((s) => !baseIds.has(s.docId)).map((s) => s.docId), errored: [] };
  for (const b of baseline) {
    const r = byId.get(b.docId);
    if (!r) out.onlyBaseline.push(b.docId);
    else if (b.error !== null || r.error !== null) out.errored.push(b.docId);
    else out.pairs.push([b, r]);
  }
  return out;
}

export interface PairedDifference {
  kind: PrimaryMetric['kind'];
  /** pairs used */
  n: number;
  /** the metric recomputed over the paired documents */
  baseline: number;
  run: number;
  /**
   * mean: mean of (run − baseline) per document, i.e. run − baseline;
   * perplexity: ln(run perplexity / baseline perplexity) = Σ(ll_base − ll_run) / Σ units.
   */
  delta: number;
  /** standard error of delta from the per-document differences; null when n < 2 */
  se: number | null;
}

function valueOf(s: PairableSample, key: string, where: string): number {
  const v = s.values[key];
  if (v === undefined) throw inputError('sample-value-missing', `${where}: docId "${s.docId}" has no per-sample value "${key}"`, `samples.jsonl values must hold "${key}" to compare runs sample by sample`);
  return v;
}

/**
 * Paired change of `metric` over `pairs`. Mean metrics: d_i = run_i − base_i, se = sd(d)/√n
 * (sample sd, n − 1). Perplexity: the ratio estimator R = Σd_i / Σu_i with d_i = ll_base,i − ll_run,i
 * and u_i the document's units; se = √(n/(n−1) · Σ(d_i − R·u_i)²) / Σu_i (linearisation; both runs
 * share the documents, so they share u_i).
 */
export function pairedDifference(metric: PrimaryMetric, pairs: readonly [PairableSample, PairableSample][], where: { baseline: string; run: string }): PairedDifference {
  const n = pairs.length;
  if (metric.kind === 'mean') {
    const base = pairs.map(([b]) => valueOf(b, metric.key, where.baseline));
    const run = pairs.map(([, r]) => valueOf(r, metric.key, where.run));
    const d = run.map((x, i) => x - base[i]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { kind: 'mean', n, baseline: mean(base), run: mean(run), delta: mean(d), se: n >= 2 ? sampleStd(d) / Math.sqrt(n) : null };
  }
  const unit = metric.unitKey as string;
  let sumU = 0;
  let sumB = 0;
  let sumR = 0;
  const d: number[] = [];
  const u: number[] = [];
  for (const [b, r] of pairs) {
    const ub = valueOf(b, unit, where.baseline);
    const ur = valueOf(r, unit, where.run);
    if (ub !== ur) throw inputError('sample-units-differ', `docId "${b.docId}": ${unit} is ${ub} in ${where.baseline} but ${ur} in ${where.run}`, 'the runs tokenised or split the documents differently; compare runs of the same model and task settings');
    const lb = valueOf(b, LOGLIKELIHOOD_KEY, where.baseline);
    const lr = valueOf(r, LOGLIKELIHOOD_KEY, where.run);
    sumU += ub;
    sumB += lb;
    sumR += lr;
    d.push(lb - lr);
    u.push(ub);
  }
  const delta = (sumB - sumR) / sumU;
  let se: number | null = null;
  if (n >= 2) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (d[i] - delta * u[i]) ** 2;
    se = Math.sqrt((n / (n - 1)) * ss) / sumU;
  }
  return { kind: 'perplexity', n, baseline: Math.exp(-sumB / sumU), run: Math.exp(-sumR / sumU), delta, se };
}
