// The gate as a library: paired statistics, the exact pass / fail / within-noise rule, the topk + LRU
// reference, latency sources, harness errors, mismatched inputs (usage errors) and baselines.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MoeEvalError } from '../../src/errors.js';
import { readBaselineFile, updateBaseline } from '../../src/gate/baseline-file.js';
import { baselineFromRun } from '../../src/gate/baseline-from-run.js';
import { runGate, type GateReport } from '../../src/gate/run-gate.js';
import { appendStepSummary } from '../../src/gate/step-summary.js';
import { parseThresholds } from '../../src/gate/thresholds.js';
import { renderVerdictMarkdown } from '../../src/gate/verdict-table.js';
import { pairedDifference } from '../../src/report/paired-difference.js';
import type { PrimaryMetric } from '../../src/report/primary-metric.js';
import { loadRun } from '../../src/run/results/read.js';
import { BASELINES_DIR, copyRun, GATE_DIR, sweepRun, tempDir } from '../report/helpers.js';

const COMMITTED_BASELINE = join(BASELINES_DIR, 'mmlu-cache-prior-l0.25-c8.json');

const gate = (baseline: string, results: string[], flags: Parameters<typeof parseThresholds>[0] = {}): GateReport =>
  runGate({ baseline, results, thresholds: parseThresholds(flags) });
const check = (report: GateReport, id: string, run = 0) => report.runs[run].checks.find((c) => c.id === id);

function errorOf(fn: () => unknown): MoeEvalError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MoeEvalError);
    return err as MoeEvalError;
  }
  throw new Error('expected an error');
}

describe('paired difference', () => {
  const sample = (docId: string, values: Record<string, number>) => ({ docId, values, error: null });
  it('mean metrics: mean and sample-sd/√n of the per-document differences', () => {
    const metric = { key: 'acc', kind: 'mean' } as PrimaryMetric;
    const base = [1, 1, 0, 1, 0].map((v, i) => sample(`d${i}`, { acc: v }));
    const run = [1, 0, 0, 1, 1].map((v, i) => sample(`d${i}`, { acc: v }));
    const p = pairedDifference(metric, base.map((b, i) => [b, run[i]]), { baseline: 'b', run: 'r' });
    const d = [0, -1, 0, 0, 1];
    const sd = Math.sqrt(d.reduce((a, x) => a + x ** 2, 0) / 4);
    expect(p).toMatchObject({ n: 5, baseline: 0.6, run: 0.6, delta: 0 });
    expect(p.se).toBeCloseTo(sd / Math.sqrt(5), 12);
  });

  it('perplexity: ln ratio as a ratio estimator over documents, with its linearised se', () => {
    const metric = { key: 'word_perplexity', kind: 'perplexity', unitKey: 'words' } as PrimaryMetric;
    const base = [sample('a', { loglikelihood: -200, words: 50 }), sample('b', { loglikelihood: -90, words: 30 }), sample('c', { loglikelihood: -100, words: 20 })];
    const run = [sample('a', { loglikelihood: -204, words: 50 }), sample('b', { loglikelihood: -90, words: 30 }), sample('c', { loglikelihood: -103, words: 20 })];
    const p = pairedDifference(metric, base.map((b, i) => [b, run[i]]), { baseline: 'b', run: 'r' });
    expect(p.baseline).toBeCloseTo(Math.exp(390 / 100), 9);
    expect(p.run).toBeCloseTo(Math.exp(397 / 100), 9);
    expect(p.delta).toBeCloseTo(0.07, 12);
    const e = [4 - 0.07 * 50, 0 - 0.07 * 30, 3 - 0.07 * 20];
    expect(p.se).toBeCloseTo(Math.sqrt((3 / 2) * e.reduce((a, x) => a + x ** 2, 0)) / 100, 12);
  });
});

describe('gate verdicts', () => {
  it('passes an identical run against the committed baseline file', () => {
    const r = gate(COMMITTED_BASELINE, [sweepRun('mmlu-cache-prior-l0.25-c8')]);
    expect(r.pass).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.runs[0].pairs).toBe(40);
    expect(r.runs[0].checks.map((c) => c.id)).toEqual(['accuracy-drop', 'miss-rate', 'miss-reduction', 'latency-regression', 'harness-errors']);
    expect(r.runs[0].checks.every((c) => c.verdict === 'pass')).toBe(true);
    // a cache-prior baseline is no topk + LRU reference: the run's own LRU replay is
    expect(check(r, 'miss-reduction')?.values.referenceSource).toBe('run-lru-replay');
  });

  it('does not fail a drop within noise: drop − limit ≤ z·se', () => {
    const r = gate(sweepRun('mmlu-topk-c8'), [sweepRun('mmlu-cache-prior-l0.5-c8')]);
    const acc = check(r, 'accuracy-drop')!;
    expect(acc.values.drop).toBeCloseTo(0.025, 12);
    expect(acc.verdict).toBe('pass');
    expect(acc.withinNoise).toBe(true);
    expect(acc.detail).toMatch(/^within noise/);
    expect(r.pass).toBe(true);
    // with no noise allowance the same drop fails
    const strict = gate(sweepRun('mmlu-topk-c8'), [sweepRun('mmlu-cache-prior-l0.5-c8')], { z: '0' });
    expect(check(strict, 'accuracy-drop')?.verdict).toBe('fail');
    expect(strict.exitCode).toBe(1);
  });

  it('fails a real drop (λ = 1) and names the arithmetic', () => {
    const r = gate(sweepRun('mmlu-topk-c8'), [sweepRun('mmlu-cache-prior-l0.25-c8'), sweepRun('mmlu-cache-prior-l1-c8')]);
    expect(r.runs.map((x) => x.pass)).toEqual([true, false]);
    expect(r.exitCode).toBe(1);
    const acc = check(r, 'accuracy-drop', 1)!;
    expect(acc.verdict).toBe('fail');
    expect(acc.detail).toMatch(/drop 0\.2000 − limit 0\.0100 = 0\.1900 > z·se = 1\.96×0\.0641/);
    // against a topk LRU baseline of the same size the reduction is measured against its live miss rate
    expect(check(r, 'miss-reduction')?.values.referenceSource).toBe('baseline-topk-lru');
  });

  it('fails a topk run on the cache checks, and honours "off"', () => {
    const r = gate(sweepRun('mmlu-topk-c8'), [sweepRun('mmlu-topk-c8')]);
    expect(check(r, 'miss-rate')?.verdict).toBe('fail');
    expect(check(r, 'miss-reduction')?.verdict).toBe('fail');
    const off = gate(sweepRun('mmlu-topk-c8'), [sweepRun('mmlu-topk-c8')], { 'max-miss-rate': 'off', 'min-miss-reduction': 'off' });
    expect(off.pass).toBe(true);
    expect(off.runs[0].checks.map((c) => c.id)).not.toContain('miss-rate');
  });

  it('judges perplexity by relative rise on the log scale', () => {
    const r = gate(sweepRun('wikitext-topk-c8'), [sweepRun('wikitext-cache-prior-l0.25-c8')]);
    const ppl = check(r, 'perplexity-rise')!;
    expect(ppl.values.rise).toBeGreaterThan(0.01);
    expect(ppl.verdict).toBe('pass');
    expect(check(r, 'accuracy-drop')).toBeUndefined();
    const tight = gate(sweepRun('wikitext-topk-c8'), [sweepRun('wikitext-cache-prior-l0.25-c8')], { 'max-perplexity-rise': '0.005' });
    expect(check(tight, 'perplexity-rise')?.verdict).toBe('fail');
  });

  it('compares modeled latency by default and measured on request', () => {
    const slower = gate(sweepRun('mmlu-cache-prior-l1-c8'), [sweepRun('mmlu-cache-prior-l0.25-c8')], { 'max-accuracy-drop': 'off' });
    const lat = check(slower, 'latency-regression')!;
    expect(lat.values.source).toBe('modeled');
    expect(lat.verdict).toBe('fail');
    const measured = gate(sweepRun('mmlu-cache-prior-l1-c8'), [sweepRun('mmlu-cache-prior-l0.25-c8')], { 'latency-source': 'measured' });
    expect(check(measured, 'latency-regression')?.verdict).toBe('pass');
    // a run without a modeled block: skipped, visibly
    const skipped = gate(sweepRun('mmlu-cache-prior-l0.25-c8'), [sweepRun('mmlu-cache-prior-l0.25-c6')]);
    expect(check(skipped, 'latency-regression')?.verdict).toBe('skip');
    expect(check(skipped, 'latency-regression')?.detail).toContain('no modeled latency in the run');
  });

  it('fails new harness errors and leaves the errored documents out of the pairs', () => {
    const dir = copyRun('mmlu-cache-prior-l0.25-c8');
    const lines = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    lines[4].error = 'engine: out of memory';
    writeFileSync(join(dir, 'samples.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    results.samples.errors = 1;
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
    const r = gate(COMMITTED_BASELINE, [dir]);
    expect(r.runs[0].pairs).toBe(39);
    expect(r.runs[0].excluded).toBe(1);
    expect(check(r, 'harness-errors')?.verdict).toBe('fail');
    expect(check(r, 'harness-errors')?.detail).toContain('out of memory');
  });

  it('renders the verdict table with the five columns', () => {
    const md = renderVerdictMarkdown(gate(sweepRun('mmlu-topk-c8'), [sweepRun('mmlu-cache-prior-l1-c8')]));
    expect(md).toContain('| check | baseline | run | limit | verdict |');
    expect(md).toMatch(/## moe-eval gate: ❌ FAIL/);
    expect(md).toMatch(/\| accuracy drop \(acc\) \| 0\.625 \(n=40\) \| 0\.425 /);
  });
});

describe('gate input errors (exit 2)', () => {
  it('refuses runs over different samples, naming both sides', () => {
    const other = join(GATE_DIR, 'mmlu-cache-prior-l0.25-c8-other-docs');
    const e = errorOf(() => gate(COMMITTED_BASELINE, [other]));
    expect(e.code).toBe('gate-samples-mismatch');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(COMMITTED_BASELINE);
    expect(e.message).toContain(other);
    expect(e.message).toMatch(/10 docIds only in the baseline/);
  });

  it('refuses a run that is not complete, and says so', () => {
    const partial = join(GATE_DIR, 'mmlu-cache-prior-l0.25-c8-partial');
    const e = errorOf(() => gate(COMMITTED_BASELINE, [partial]));
    expect(e.code).toBe('run-incomplete');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`${partial}: the run is partial (30 of 40 samples), not complete`);
  });

  it('refuses a different task or dataset', () => {
    expect(errorOf(() => gate(COMMITTED_BASELINE, [sweepRun('gsm8k-topk-c8')])).code).toBe('gate-task-mismatch');
    const dir = copyRun('mmlu-topk-c8');
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    results.dataset.sha256 = 'f'.repeat(64);
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
    expect(errorOf(() => gate(COMMITTED_BASELINE, [dir])).code).toBe('gate-dataset-mismatch');
  });

  it('names a missing, malformed or invalid baseline file', () => {
    const dir = tempDir('baseline');
    expect(errorOf(() => gate(join(dir, 'none.json'), [sweepRun('mmlu-topk-c8')])).code).toBe('baseline-missing');
    writeFileSync(join(dir, 'bad.json'), '{"schema":');
    expect(errorOf(() => gate(join(dir, 'bad.json'), [sweepRun('mmlu-topk-c8')])).message).toMatch(/bad\.json: not valid JSON/);
    const doc = JSON.parse(readFileSync(COMMITTED_BASELINE, 'utf8'));
    doc.routing.missRate = 'low';
    writeFileSync(join(dir, 'invalid.json'), JSON.stringify(doc));
    expect(errorOf(() => gate(join(dir, 'invalid.json'), [sweepRun('mmlu-topk-c8')])).message).toMatch(/invalid\.json: routing\.missRate/);
  });

  it('rejects bad thresholds naming the flag', () => {
    expect(errorOf(() => parseThresholds({ 'max-miss-rate': '-1' })).message).toContain('--max-miss-rate');
    expect(errorOf(() => parseThresholds({ 'latency-source': 'wall' })).message).toContain('--latency-source');
    expect(parseThresholds({ 'max-latency-regression': 'off' }).maxLatencyRegression).toBeNull();
  });
});

describe('baselines', () => {
  it('the committed baseline is what --update-baseline writes from its run', () => {
    const fresh = baselineFromRun(loadRun(sweepRun('mmlu-cache-prior-l0.25-c8')), BASELINES_DIR);
    expect(readBaselineFile(COMMITTED_BASELINE)).toEqual(fresh);
    expect(fresh.source.runDir).toBe('../sweep/mmlu-cache-prior-l0.25-c8');
    expect(Object.keys(fresh.samples)).toEqual([...Object.keys(fresh.samples)].sort());
  });

  it('writes atomically, reports what it replaced, and refuses an incomplete run', () => {
    const file = join(tempDir('update'), 'b.json');
    const first = updateBaseline(file, sweepRun('mmlu-topk-c8'));
    expect(first.replaced).toBe(false);
    const second = updateBaseline(file, sweepRun('mmlu-cache-prior-l0.25-c8'));
    expect(second.replaced).toBe(true);
    expect(second.previous?.strategy).toBe('topk');
    expect(second.current.strategy).toBe('cache-prior λ=0.25');
    expect(readBaselineFile(file).routing.strategy.id).toBe('cache-prior');
    const partial = errorOf(() => updateBaseline(file, join(GATE_DIR, 'mmlu-cache-prior-l0.25-c8-partial')));
    expect(partial.code).toBe('run-incomplete');
    expect(partial.message).toContain('the run is partial (30 of 40 samples)');
  });

  it('appends the verdict to $GITHUB_STEP_SUMMARY', () => {
    const file = join(tempDir('summary'), 'summary.md');
    writeFileSync(file, '# earlier step\n');
    expect(appendStepSummary('| a |\n', { GITHUB_STEP_SUMMARY: file })).toEqual({ written: file });
    appendStepSummary('| b |\n', { GITHUB_STEP_SUMMARY: file });
    expect(readFileSync(file, 'utf8')).toBe('# earlier step\n| a |\n\n| b |\n\n');
    expect(appendStepSummary('x', {})).toEqual({ skipped: 'unset' });
    expect('failed' in appendStepSummary('x', { GITHUB_STEP_SUMMARY: join(file, 'not-a-dir', 'f') })).toBe(true);
  });
});
