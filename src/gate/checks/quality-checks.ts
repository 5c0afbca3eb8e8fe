// Quality checks with a noise allowance: a change within noise, judged from the paired standard
// error, does not fail, so CI does not flap on small subsets. Both use the paired difference over the same documents and fail only if
//   change − limit > z · se
// where se is the paired standard error of the change (0 when fewer than two pairs).

import { metricKey } from '../../report/primary-metric.js';
import type { GateContext } from '../gate-context.js';
import { num, pct, signed, type CheckDefinition, type CheckResult } from './check.js';

const metricLabel = (ctx: GateContext) => metricKey(ctx.metric);

function judge(change: number, limit: number, se: number | null, z: number): { fail: boolean; withinNoise: boolean; allowance: number } {
  const allowance = z * (se ?? 0);
  const excess = change - limit;
  const fail = excess > allowance;
  return { fail, withinNoise: !fail && excess > 0, allowance };
}

/** Mean metrics (acc, exact_match): drop = baseline − run on the higher-is-better scale, absolute units. */
export const accuracyDropCheck: CheckDefinition = {
  id: 'accuracy-drop',
  applies: (ctx) => ctx.metric.kind === 'mean' && ctx.thresholds.maxAccuracyDrop !== null,
  evaluate(ctx): CheckResult {
    const limit = ctx.thresholds.maxAccuracyDrop as number;
    const p = ctx.paired;
    const drop = ctx.metric.higherIsBetter ? -p.delta : p.delta;
    const { fail, withinNoise, allowance } = judge(drop, limit, p.se, ctx.thresholds.z);
    const arithmetic = `drop ${num(drop, 4)} − limit ${num(limit, 4)} = ${num(drop - limit, 4)} ${fail ? '>' : '≤'} z·se = ${ctx.thresholds.z}×${num(p.se ?? 0, 4)} = ${num(allowance, 4)}`;
    return {
      id: 'accuracy-drop',
      label: `accuracy drop (${metricLabel(ctx)})`,
      baseline: `${num(p.baseline, 3)} (n=${p.n})`,
      run: `${num(p.run, 3)} (Δ ${signed(p.delta, 3)} ± ${num(p.se, 3)})`,
      limit: `drop ≤ ${limit}`,
      verdict: fail ? 'fail' : 'pass',
      withinNoise,
      detail: withinNoise ? `within noise: ${arithmetic}` : arithmetic,
      values: { baseline: p.baseline, run: p.run, drop, se: p.se, limit, z: ctx.thresholds.z, pairs: p.n },
    };
  },
};

/** Perplexities: rise = run / baseline − 1, judged on ln(run / baseline) where the paired se lives. */
export const perplexityRiseCheck: CheckDefinition = {
  id: 'perplexity-rise',
  applies: (ctx) => ctx.metric.kind === 'perplexity' && ctx.thresholds.maxPerplexityRise !== null,
  evaluate(ctx): CheckResult {
    const limit = ctx.thresholds.maxPerplexityRise as number;
    const p = ctx.paired;
    const logLimit = Math.log1p(limit);
    const { fail, withinNoise, allowance } = judge(p.delta, logLimit, p.se, ctx.thresholds.z);
    const rise = Math.expm1(p.delta);
    const arithmetic = `ln(run/baseline) ${num(p.delta, 5)} − ln(1 + ${limit}) ${num(logLimit, 5)} = ${num(p.delta - logLimit, 5)} ${fail ? '>' : '≤'} z·se = ${ctx.thresholds.z}×${num(p.se ?? 0, 5)} = ${num(allowance, 5)}`;
    return {
      id: 'perplexity-rise',
      label: `perplexity rise (${metricLabel(ctx)})`,
      baseline: `${num(p.baseline, 3)} (n=${p.n})`,
      run: `${num(p.run, 3)} (${pct(rise)} ± ${num((p.se ?? 0) * 100, 1)}%)`,
      limit: `rise ≤ ${num(limit * 100, 1)}%`,
      verdict: fail ? 'fail' : 'pass',
      withinNoise,
      detail: withinNoise ? `within noise: ${arithmetic}` : arithmetic,
      values: { baseline: p.baseline, run: p.run, rise, logRatio: p.delta, se: p.se, limit, z: ctx.thresholds.z, pairs: p.n },
    };
  },
};
