// `moe-eval gate`: one baseline against one or more runs. Every input is loaded and matched before
// any verdict, so a bad input anywhere is exit 2 rather than a half-printed verdict; then the
// checks run and the gate fails (exit 1) if any check of any run fails.

import { resolve } from 'node:path';
import { loadRun } from '../run/results/read.js';
import { readBaseline } from './baseline-file.js';
import { baselineFromRun } from './baseline-from-run.js';
import type { CheckResult } from './checks/check.js';
import { evaluateChecks } from './checks/check-registry.js';
import { strategyLabel } from '../report/run-identity.js';
import { buildGateContext, type GateContext } from './gate-context.js';
import type { Thresholds } from './thresholds.js';

export interface GateOptions {
  baseline: string;
  results: readonly string[];
  thresholds: Thresholds;
  /** judge this metric ("name" or "name,filter") instead of the baseline's headline metric */
  metric?: string;
}

export interface GateRunVerdict {
  run: string;
  pass: boolean;
  /** documents compared sample by sample */
  pairs: number;
  /** documents excluded because one side recorded a harness error */
  excluded: number;
  metric: string;
  notes: string[];
  checks: CheckResult[];
}

export interface GateReport {
  schema: 'moe-eval.gate-report/1';
  pass: boolean;
  /** 0 pass, 1 fail (bad input never gets here: it throws, exit 2) */
  exitCode: 0 | 1;
  baseline: { path: string; kind: 'file' | 'run-dir'; runDir: string; strategy: string; cache: string };
  thresholds: Thresholds;
  runs: GateRunVerdict[];
}

export function runGate(opts: GateOptions): GateReport {
  const base = readBaseline(opts.baseline);
  const baseline = { label: opts.baseline, doc: base.baseline };
  const contexts: GateContext[] = opts.results.map((path) => {
    const run = loadRun(path);
    return buildGateContext(baseline, { label: path, doc: baselineFromRun(run, resolve(path)) }, opts.thresholds, opts.metric);
  });
  const runs = contexts.map((ctx): GateRunVerdict => {
    const checks = evaluateChecks(ctx);
    const total = Object.keys(ctx.baseline.doc.samples).length + Object.keys(ctx.baseline.doc.sampleErrors).length;
    return {
      run: ctx.run.label,
      pass: checks.every((c) => c.verdict !== 'fail'),
      pairs: ctx.paired.n,
      excluded: total - ctx.paired.n,
      metric: ctx.metric.key,
      notes: ctx.notes,
      checks,
    };
  });
  const pass = runs.every((r) => r.pass);
  const c = base.baseline.routing.cache;
  return {
    schema: 'moe-eval.gate-report/1',
    pass,
    exitCode: pass ? 0 : 1,
    baseline: {
      path: opts.baseline,
      kind: base.kind,
      runDir: base.baseline.source.runDir,
      strategy: strategyLabel(base.baseline.routing.strategy),
      cache: c ? `${c.capacityExpertsPerLayer} ${c.policy}` : 'none',
    },
    thresholds: opts.thresholds,
    runs,
  };
}
