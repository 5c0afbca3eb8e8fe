// The one ms/token figure a report or gate quotes for a run: measured (decode p50, or prefill
// ms/token for tasks that never decode, e.g. multiple choice and perplexity) or modeled (the
// `modeled` block of latency/modeled.ts, absent from older documents). Baselines keep both.

import { z } from 'zod';
import type { LatencyReport, ResultsDocument } from '../run/results/schema.js';

export const measuredSchema = z.looseObject({ msPerToken: z.number(), source: z.enum(['decode-p50', 'prefill']) });
export type Measured = z.infer<typeof measuredSchema>;
export type MeasuredSource = Measured['source'];

export interface MsPerToken {
  msPerToken: number;
  source: MeasuredSource | 'modeled';
}

export function measuredMsPerToken(latency: LatencyReport): Measured | null {
  if (latency.decode.tokens > 0 && latency.decode.p50Ms !== null) return { msPerToken: latency.decode.p50Ms, source: 'decode-p50' };
  if (latency.prefill.msPerToken !== null) return { msPerToken: latency.prefill.msPerToken, source: 'prefill' };
  return null;
}

/** The part of the modeled block reports and baselines keep; speed-up is against topk + LRU of the same cache on the same device. */
export const modeledSummarySchema = z.looseObject({ device: z.string(), msPerToken: z.number(), tokensPerSecond: z.number(), topkLruMsPerToken: z.number().nullable(), speedupVsTopkLru: z.number().nullable() });
export type ModeledSummary = z.infer<typeof modeledSummarySchema>;

export function modeledSummary(results: Pick<ResultsDocument, 'modeled'>): ModeledSummary | null {
  const m = results.modeled;
  return m ? { device: m.device, msPerToken: m.msPerToken, tokensPerSecond: m.tokensPerSecond, topkLruMsPerToken: m.topkLruMsPerToken, speedupVsTopkLru: m.speedupVsTopkLru } : null;
}
