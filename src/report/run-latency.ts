// The one ms/token figure a report or gate quotes for a run: measured (decode p50, or prefill
// ms/token for tasks that never decode, e.g. multiple choice and perplexity) or modeled (the
// `modeled` block of latency/modeled.ts, absent from older documents).

import type { LatencyReport } from './results-schema.js';
import type { LoadedResults } from './results-validator.js';

export type MeasuredSource = 'decode-p50' | 'prefill';

export interface MsPerToken {
  msPerToken: number;
  source: MeasuredSource | 'modeled';
}

export function measuredMsPerToken(latency: LatencyReport): (MsPerToken & { source: MeasuredSource }) | null {
  if (latency.decode.tokens > 0 && latency.decode.p50Ms !== null) return { msPerToken: latency.decode.p50Ms, source: 'decode-p50' };
  if (latency.prefill.msPerToken !== null) return { msPerToken: latency.prefill.msPerToken, source: 'prefill' };
  return null;
}

/** The part of the modeled block (latency/modeled.ts) reports and baselines keep. */
export interface ModeledSummary {
  device: string;
  msPerToken: number;
  tokensPerSecond: number;
  /** topk + LRU at the same cache size, on the same device */
  topkLruMsPerToken: number | null;
  speedupVsTopkLru: number | null;
}

export function modeledSummary(results: Pick<LoadedResults, 'modeled'>): ModeledSummary | null {
  const m = results.modeled;
  return m ? { device: m.device, msPerToken: m.msPerToken, tokensPerSecond: m.tokensPerSecond, topkLruMsPerToken: m.topkLruMsPerToken, speedupVsTopkLru: m.speedupVsTopkLru } : null;
}
