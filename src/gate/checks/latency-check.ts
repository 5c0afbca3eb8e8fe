// Latency regression: run ms/token / baseline ms/token − 1 ≤ limit. `--latency-source modeled`
// (default) compares the deterministic modeled device latency, so CI noise cannot fail it;
// `measured` compares decode p50 (prefill ms/token for tasks that never decode) and should get a
// generous limit. Missing data is a skip, visible in the table; different devices are a usage error.

import { usageError } from '../../errors.js';
import { milliseconds } from '../../report/leaderboard/format.js';
import type { GateBaseline } from '../gate-baseline.js';
import { num, pct, skipped, type CheckDefinition, type CheckResult } from './check.js';

function figure(doc: GateBaseline, source: 'modeled' | 'measured'): { msPerToken: number; what: string } | null {
  if (source === 'modeled') return doc.latency.modeled ? { msPerToken: doc.latency.modeled.msPerToken, what: `modeled on ${doc.latency.modeled.device}` } : null;
  const m = doc.latency.measured;
  return m ? { msPerToken: m.msPerToken, what: m.source === 'decode-p50' ? 'measured decode p50' : 'measured prefill' } : null;
}

export const latencyRegressionCheck: CheckDefinition = {
  id: 'latency-regression',
  applies: (ctx) => ctx.thresholds.maxLatencyRegression !== null && ctx.thresholds.latencySource !== 'off',
  evaluate(ctx): CheckResult {
    const limit = ctx.thresholds.maxLatencyRegression as number;
    const source = ctx.thresholds.latencySource as 'modeled' | 'measured';
    const label = `latency regression (${source} ms/token)`;
    const limitText = `slower by ≤ ${num(limit * 100, 1)}%`;
    const b = figure(ctx.baseline.doc, source);
    const r = figure(ctx.run.doc, source);
    if (!b || !r) {
      const missing = [!b ? 'baseline' : null, !r ? 'run' : null].filter(Boolean).join(' and ');
      const hint = source === 'modeled' ? ' (use --latency-source measured, or off)' : '';
      return skipped('latency-regression', label, limitText, `no ${source} latency in the ${missing}${hint}`, { baseline: b ? milliseconds(b.msPerToken) : '—', run: r ? milliseconds(r.msPerToken) : '—' });
    }
    if (source === 'modeled') {
      const bd = ctx.baseline.doc.latency.modeled?.device;
      const rd = ctx.run.doc.latency.modeled?.device;
      if (bd !== rd) throw usageError('gate-device-mismatch', `modeled latency of baseline ${ctx.baseline.label} is for device "${bd}" but run ${ctx.run.label} is for "${rd}"`, 'model both on the same device, or use --latency-source measured|off');
    } else if (b.what !== r.what) {
      return skipped('latency-regression', label, limitText, `baseline has ${b.what}, run has ${r.what}: not comparable`);
    }
    const regression = r.msPerToken / b.msPerToken - 1;
    const fail = regression > limit;
    return {
      id: 'latency-regression',
      label,
      baseline: `${milliseconds(b.msPerToken)} (${b.what})`,
      run: `${milliseconds(r.msPerToken)} (${pct(regression)})`,
      limit: limitText,
      verdict: fail ? 'fail' : 'pass',
      withinNoise: false,
      detail: `${num(r.msPerToken, 4)} / ${num(b.msPerToken, 4)} − 1 = ${num(regression, 4)} ${fail ? '>' : '≤'} ${limit}`,
      values: { baseline: b.msPerToken, run: r.msPerToken, regression, limit, source },
    };
  },
};
