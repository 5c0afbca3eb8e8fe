// Routing / cache checks. Miss counts are deterministic functions of the documents and the
// routing (no sampling noise), so these compare plainly, without an allowance.
//  - miss-rate:       run miss rate ≤ limit
//  - miss-reduction:  1 − run miss rate / reference ≥ limit, where the reference is topk routing with
//                     an LRU cache of the same size: the baseline's live miss rate when the baseline
//                     is such a topk run (same capacity and cache options), else the run's own LRU
//                     replay of its original top-k trace (recorded in every cached run)
//  - miss-rate-rise:  run miss rate / baseline miss rate − 1 ≤ limit (same cache size; off by default)

import type { GateBaseline } from '../gate-baseline.js';
import type { GateContext } from '../gate-context.js';
import { num, pct, skipped, type CheckDefinition, type CheckResult } from './check.js';

const NO_CACHE = 'the run has no cache (no --cache): nothing to miss';

const sameCacheOptions = (a: GateBaseline['routing'], b: GateBaseline['routing']): boolean =>
  a.cache !== null &&
  b.cache !== null &&
  a.cache.capacityExpertsPerLayer === b.cache.capacityExpertsPerLayer &&
  a.cacheReset === b.cacheReset &&
  a.prefillCache === b.prefillCache &&
  a.lruOrder === b.lruOrder;

export const missRateCheck: CheckDefinition = {
  id: 'miss-rate',
  applies: (ctx) => ctx.thresholds.maxMissRate !== null,
  evaluate(ctx): CheckResult {
    const limit = ctx.thresholds.maxMissRate as number;
    const label = 'miss rate';
    const r = ctx.run.doc.routing;
    const b = ctx.baseline.doc.routing;
    if (r.missRate === null) return skipped('miss-rate', label, `≤ ${limit}`, NO_CACHE);
    const fail = r.missRate > limit;
    return {
      id: 'miss-rate',
      label,
      baseline: num(b.missRate, 3),
      run: num(r.missRate, 3),
      limit: `≤ ${limit}`,
      verdict: fail ? 'fail' : 'pass',
      withinNoise: false,
      detail: `miss rate ${num(r.missRate, 4)} ${fail ? '>' : '≤'} ${limit}`,
      values: { baseline: b.missRate, run: r.missRate, limit },
    };
  },
};

/** The topk + LRU miss rate the reduction is measured against, and where it came from. */
export function lruReference(ctx: GateContext): { missRate: number; source: 'baseline-topk-lru' | 'run-lru-replay' } | null {
  const b = ctx.baseline.doc.routing;
  const r = ctx.run.doc.routing;
  if (b.strategy.id === 'topk' && b.cache?.policy === 'lru' && sameCacheOptions(b, r) && b.missRate !== null) return { missRate: b.missRate, source: 'baseline-topk-lru' };
  if (r.replays?.lru != null) return { missRate: r.replays.lru, source: 'run-lru-replay' };
  return null;
}

export const missReductionCheck: CheckDefinition = {
  id: 'miss-reduction',
  applies: (ctx) => ctx.thresholds.minMissReduction !== null,
  evaluate(ctx): CheckResult {
    const limit = ctx.thresholds.minMissReduction as number;
    const label = 'miss reduction vs topk + LRU';
    const limitText = `reduction ≥ ${num(limit * 100, 1)}%`;
    const r = ctx.run.doc.routing;
    if (r.missRate === null) return skipped('miss-reduction', label, limitText, NO_CACHE);
    const ref = lruReference(ctx);
    if (ref === null) return skipped('miss-reduction', label, limitText, 'no topk + LRU reference: the baseline is not a topk LRU run of the same cache size and the run has no LRU replay');
    if (ref.missRate === 0) return skipped('miss-reduction', label, limitText, 'the topk + LRU reference has no misses: nothing to reduce', { baseline: num(0, 3) });
    const reduction = 1 - r.missRate / ref.missRate;
    const fail = reduction < limit;
    const source = ref.source === 'baseline-topk-lru' ? 'baseline topk + LRU' : 'run’s own LRU replay';
    return {
      id: 'miss-reduction',
      label,
      baseline: `${num(ref.missRate, 3)} (${source})`,
      run: `${num(r.missRate, 3)} (${pct(-reduction)})`,
      limit: limitText,
      verdict: fail ? 'fail' : 'pass',
      withinNoise: false,
      detail: `1 − ${num(r.missRate, 4)} / ${num(ref.missRate, 4)} = ${num(reduction, 4)} ${fail ? '<' : '≥'} ${limit} (reference: ${source})`,
      values: { reference: ref.missRate, referenceSource: ref.source, run: r.missRate, reduction, limit },
    };
  },
};

export const missRateRiseCheck: CheckDefinition = {
  id: 'miss-rate-rise',
  applies: (ctx) => ctx.thresholds.maxMissRateRise !== null,
  evaluate(ctx): CheckResult {
    const limit = ctx.thresholds.maxMissRateRise as number;
    const label = 'miss-rate rise vs baseline';
    const limitText = `rise ≤ ${num(limit * 100, 1)}%`;
    const b = ctx.baseline.doc.routing;
    const r = ctx.run.doc.routing;
    if (r.missRate === null) return skipped('miss-rate-rise', label, limitText, NO_CACHE);
    if (b.missRate === null || !sameCacheOptions(b, r)) return skipped('miss-rate-rise', label, limitText, 'the baseline has no cache of the same size and options to compare with', { run: num(r.missRate, 3) });
    const rise = b.missRate === 0 ? (r.missRate === 0 ? 0 : Infinity) : r.missRate / b.missRate - 1;
    const fail = rise > limit;
    return {
      id: 'miss-rate-rise',
      label,
      baseline: num(b.missRate, 3),
      run: `${num(r.missRate, 3)} (${Number.isFinite(rise) ? pct(rise) : '+∞'})`,
      limit: limitText,
      verdict: fail ? 'fail' : 'pass',
      withinNoise: false,
      detail: `${num(r.missRate, 4)} / ${num(b.missRate, 4)} − 1 = ${Number.isFinite(rise) ? num(rise, 4) : '∞'} ${fail ? '>' : '≤'} ${limit}`,
      values: { baseline: b.missRate, run: r.missRate, rise: Number.isFinite(rise) ? rise : null, limit },
    };
  },
};
