// `moe-eval gate` through the built CLI: exit codes 0 (pass, also within noise), 1 (fail), 2 (bad
// input), the verdict table on stdout, --json, $GITHUB_STEP_SUMMARY, and --update-baseline.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../e2e/cli.js';
import { BASELINES_DIR, GATE_DIR, sweepRun, tempDir } from '../report/helpers.js';

const BASELINE = join(BASELINES_DIR, 'mmlu-cache-prior-l0.25-c8.json');

describe('moe-eval gate (CLI)', () => {
  it('exit 0: the baseline run passes its own baseline, and prints the verdict table', () => {
    const r = runCli(['gate', '--baseline', BASELINE, '--results', sweepRun('mmlu-cache-prior-l0.25-c8')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('| check | baseline | run | limit | verdict |');
    expect(r.stdout).toContain('moe-eval gate: ✅ PASS');
  });

  it('exit 0 within noise; exit 1 on a degraded run (λ = 1), with the summary appended and --json verdicts', () => {
    const summary = join(tempDir('summary'), 'step-summary.md');
    const r = runCli(['gate', '--baseline', BASELINE, '--results', sweepRun('mmlu-cache-prior-l0.5-c8'), sweepRun('mmlu-cache-prior-l1-c8'), '--json'], {
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.status, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(false);
    expect(report.runs.map((x: { pass: boolean }) => x.pass)).toEqual([true, false]);
    const noisy = report.runs[0].checks.find((c: { id: string }) => c.id === 'accuracy-drop');
    expect(noisy).toMatchObject({ verdict: 'pass', withinNoise: true });
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('moe-eval gate: ❌ FAIL');
    expect(md).toContain('within noise');
    expect(md).toContain('| accuracy drop (acc) |');
  });

  it('exit 2 for a malformed baseline and for runs over different samples (missing files: test/gate/gate.test.ts)', () => {
    const dir = tempDir('gate-bad');
    writeFileSync(join(dir, 'bad.json'), '{"schema": ');
    const malformed = runCli(['gate', '--baseline', join(dir, 'bad.json'), '--results', sweepRun('mmlu-topk-c8'), '--json']);
    expect(malformed.status).toBe(2);
    expect(JSON.parse(malformed.stdout).error.code).toBe('baseline-malformed');
    const other = join(GATE_DIR, 'mmlu-cache-prior-l0.25-c8-other-docs');
    const mismatch = runCli(['gate', '--baseline', BASELINE, '--results', other]);
    expect(mismatch.status).toBe(2);
    expect(mismatch.stderr).toContain('evaluated different samples');
    expect(mismatch.stderr).toContain(other);
    const partial = runCli(['gate', '--baseline', BASELINE, '--results', join(GATE_DIR, 'mmlu-cache-prior-l0.25-c8-partial')]);
    expect(partial.status).toBe(2);
    expect(partial.stderr).toContain('the run is partial (30 of 40 samples), not complete');
  });

  it('--update-baseline writes a baseline file the gate then reads', () => {
    const dir = tempDir('gate-update');
    const file = join(dir, 'baselines', 'mmlu.json');
    const w = runCli(['gate', '--update-baseline', '--results', sweepRun('mmlu-topk-c8'), '--baseline', file]);
    expect(w.status, w.stderr).toBe(0);
    expect(w.stdout).toContain('wrote baseline');
    expect(JSON.parse(readFileSync(file, 'utf8')).schema).toBe('moe-eval.gate-baseline/1');
    expect(readdirSync(join(dir, 'baselines'))).toEqual(['mmlu.json']); // no temp file left behind
    const g = runCli(['gate', '--baseline', file, '--results', sweepRun('mmlu-cache-prior-l0.25-c8')]);
    expect(g.status, g.stdout + g.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
  });
});
