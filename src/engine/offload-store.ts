// Real expert offloading (issue 6, --offload): only the experts the run's cache holds are in memory.
// The routing controller's cache decides residency; its load/evict events reach this store, which
// reads a loaded expert's tensors from the safetensors files by byte range (widened to float32) into
// a buffer freed by an earlier eviction, so memory stays at C experts per MoE layer. An optional
// bandwidth limit emulates slower storage by sleeping after each read.

import type { Checkpoint } from './checkpoint.js';
import type { ExpertStore, ExpertWeights } from './expert-store.js';
import { matrix } from './kernels.js';
import type { ModelSpec } from './spec.js';

export interface OffloadOptions {
  /** emulate storage of this read bandwidth (MB/s); undefined = the real disk (page cache) */
  ioBandwidthMBps?: number;
}

export interface OffloadStats {
  /** expert loads caused by cache misses */
  loads: number;
  /** loads of experts the cache did not keep (e.g. --prefill-cache skip), read and dropped */
  transientLoads: number;
  /** bytes read from the weight files at stored precision */
  bytesRead: number;
  /** wall time spent reading (and, when emulating, waiting) */
  readMs: number;
  /** most experts resident at once, over all layers */
  peakResidentExperts: number;
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));

export class OffloadingExpertStore implements ExpertStore {
  private readonly resident = new Map<number, ExpertWeights>();
  private readonly free: ExpertWeights[] = [];
  readonly stats: OffloadStats = { loads: 0, transientLoads: 0, bytesRead: 0, readMs: 0, peakResidentExperts: 0 };
  private readonly bytesPerExpert: number;

  constructor(private readonly ckpt: Checkpoint, private readonly spec: ModelSpec, private readonly opts: OffloadOptions = {}) {
    const layer = spec.layers.findIndex((l) => l.mlp === 'moe');
    const n = layer >= 0 ? spec.layers[layer].names.expert!(0) : null;
    this.bytesPerExpert = n ? [n.gate, n.up, n.down].reduce((s, t) => s + ckpt.info(t).byteLength, 0) : 0;
  }

  private key(layer: number, expert: number): number {
    return layer * this.spec.moe.numExperts + expert;
  }

  /** RoutingCacheListener: the cache loaded an expert. */
  onLoad(layer: number, expert: number): void {
    const key = this.key(layer, expert);
    if (this.resident.has(key)) return;
    this.resident.set(key, this.read(layer, expert, this.free.pop()));
    this.stats.loads++;
    this.stats.peakResidentExperts = Math.max(this.stats.peakResidentExperts, this.resident.size);
  }

  /** RoutingCacheListener: the cache dropped an expert; its buffers are reused by the next load. */
  onEvict(layer: number, expert: number): void {
    const key = this.key(layer, expert);
    const w = this.resident.get(key);
    if (!w) return;
    this.resident.delete(key);
    this.free.push(w);
  }

  get(layer: number, expert: number): ExpertWeights {
    const w = this.resident.get(this.key(layer, expert));
    if (w) return w;
    // routed without touching the cache: read it for this use only
    this.stats.transientLoads++;
    const buffers = this.free.pop();
    const t = this.read(layer, expert, buffers);
    this.free.push(t);
    return t;
  }

  /** Forget every resident expert (a new run starts with empty caches). */
  reset(): void {
    for (const w of this.resident.values()) this.free.push(w);
    this.resident.clear();
  }

  private read(layer: number, expert: number, reuse?: ExpertWeights): ExpertWeights {
    const t0 = performance.now();
    const names = this.spec.layers[layer].names.expert!(expert);
    const H = this.spec.hiddenSize;
    const I = this.spec.moe.intermediateSize;
    const w: ExpertWeights = reuse
      ? { gate: matrix(this.ckpt.readF32(names.gate, [I, H], reuse.gate.data), I, H), up: matrix(this.ckpt.readF32(names.up, [I, H], reuse.up.data), I, H), down: matrix(this.ckpt.readF32(names.down, [H, I], reuse.down.data), H, I) }
      : { gate: matrix(this.ckpt.readF32(names.gate, [I, H]), I, H), up: matrix(this.ckpt.readF32(names.up, [I, H]), I, H), down: matrix(this.ckpt.readF32(names.down, [H, I]), H, I) };
    this.stats.bytesRead += this.bytesPerExpert;
    if (this.opts.ioBandwidthMBps) {
      const due = t0 + (this.bytesPerExpert / (this.opts.ioBandwidthMBps * 1e6)) * 1e3;
      const wait = due - performance.now();
      if (wait > 0) Atomics.wait(sleepBuffer, 0, 0, wait); // a synchronous sleep: the read is synchronous too
    }
    this.stats.readMs += performance.now() - t0;
    return w;
  }
}
