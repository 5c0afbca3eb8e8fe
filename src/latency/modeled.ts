// Modeled per-token latency on a target device: the time to run the active weights
// (roofline: the larger of reading them from DRAM and doing their FLOPs) plus, for every expert
// cache miss, reading that expert from storage (bytes / bandwidth + per-read latency). Loads and
// compute are not overlapped (a stated simplification). The speed-up is against topk + LRU of the
// same cache size, whose misses are the LRU replay of the run's original top-k trace.

import { z } from 'zod';
import { deviceHardwareSchema, type DeviceProfile } from './device-profile.js';

export const modelSizesSchema = z.looseObject({
  /** weight bytes one token reads (everything but the routed experts it does not select) at stored precision */
  activeBytes: z.number(),
  /** parameters one token uses (2 FLOPs each per token) */
  activeParameters: z.number(),
  /** bytes of one routed expert at stored precision: what a miss loads */
  bytesPerExpert: z.number(),
});
export type ModelSizes = z.infer<typeof modelSizesSchema>;

export const modeledLatencySchema = z.looseObject({
  label: z.literal('modeled'),
  device: z.string(),
  deviceSource: z.string(),
  computeMsPerToken: z.number(),
  loadMsPerToken: z.number(),
  msPerToken: z.number(),
  tokensPerSecond: z.number(),
  /** topk + LRU at the same cache size (LRU replay of the original trace) */
  topkLruMsPerToken: z.number().nullable(),
  speedupVsTopkLru: z.number().nullable(),
  assumptions: z.string(),
  /** what the model was computed from, so merged shards can recompute it */
  inputs: z.looseObject({ ...deviceHardwareSchema, sizes: modelSizesSchema, missesPerToken: z.number(), lruMissesPerToken: z.number().nullable() }),
});
export type ModeledLatency = z.infer<typeof modeledLatencySchema>;

export function modeledLatency(device: Pick<DeviceProfile, 'name' | 'source' | 'storage' | 'dram' | 'compute'>, sizes: ModelSizes, missesPerToken: number, lruMissesPerToken: number | null): ModeledLatency {
  const computeMs = Math.max(sizes.activeBytes / (device.dram.bandwidthGBps * 1e9), (2 * sizes.activeParameters) / (device.compute.gflops * 1e9)) * 1e3;
  const perMissMs = (sizes.bytesPerExpert / (device.storage.readBandwidthMBps * 1e6)) * 1e3 + device.storage.perReadLatencyMs;
  const msPerToken = computeMs + missesPerToken * perMissMs;
  const ref = lruMissesPerToken === null ? null : computeMs + lruMissesPerToken * perMissMs;
  return {
    label: 'modeled',
    device: device.name,
    deviceSource: device.source,
    computeMsPerToken: computeMs,
    loadMsPerToken: missesPerToken * perMissMs,
    msPerToken,
    tokensPerSecond: 1000 / msPerToken,
    topkLruMsPerToken: ref,
    speedupVsTopkLru: ref === null ? null : ref / msPerToken,
    assumptions: 'compute = max(active bytes / DRAM bandwidth, 2·active parameters / compute throughput); each miss adds expert bytes / storage bandwidth + per-read latency; no overlap of loads and compute',
    inputs: { storage: device.storage, dram: device.dram, compute: device.compute, sizes, missesPerToken, lruMissesPerToken },
  };
}
