// The part of a results document's optional `modeled` block (latency/modeled.ts) that reports and
// gates read. It is absent from documents written before the block existed, and only these fields
// are validated and typed, so the rest of the block may evolve without breaking reports.

export interface ModeledLatencyView {
  device: string;
  msPerToken: number;
  tokensPerSecond: number;
  /** topk + LRU at the same cache size (LRU replay of the run's original trace), same device */
  topkLruMsPerToken: number | null;
  speedupVsTopkLru: number | null;
}

export interface ResultsExtensions {
  modeled?: ModeledLatencyView;
}
