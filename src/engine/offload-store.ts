// Real expert offloading (--offload): only the experts the run's cache holds are in memory.
// The routing controller's cache decides residency; its load/evict events reach this store, which
// reads a loaded expert's tensors from the safetensors files by byte range (widened to float32, and
// block-quantised for --quant q8 / q4; a pre-quantized checkpoint's blocks as stored) into buffers
// freed by an earlier eviction, so memory stays at C experts
// per MoE layer (+ one transient expert). An optional bandwidth limit emulates slower storage by sleeping after each read.

import type { Checkpoint } from './checkpoint.js';
import { mixExpertByExpert, type ExpertStore, type LayerRouting } from './expert-store.js';
import type { Kernels } from './kernels.js';
import { expertBuild, readExpertFp32, readRoutedExpertBuild, type ExpertBuild, type ExpertFp32Weights, type ExpertPrecision, type RoutedExpert } from './routed-expert.js';
import { storedSwigluBytes } from './stored-blocks.js';
import type { ModelSpec } from './spec.js';

export interface OffloadOptions {
  /** emulate storage of this read bandwidth (MB/s); undefined = the real disk (page cache) */
  ioBandwidthMBps?: number;
  precision?: ExpertPrecision;
}

export interface OffloadStats {
  /** expert loads caused by cache misses */
  loads: number;
  /** loads of experts the cache did not hold when they ran (a batched prefill routes every token
   * before it runs the experts; --prefill-cache skip), read for that use and dropped */
  transientLoads: number;
  /** bytes read from the weight files at stored precision */
  bytesRead: number;
  /** wall time spent reading (and, when emulating, waiting) */
  readMs: number;
  /** most experts resident at once, over all layers */
  peakResidentExperts: number;
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));

/**
 * A loaded expert, read at its load and built (block sessions) at its first use. A batched prefill
 * routes every token before any expert runs, so a small cache loads and evicts most experts before
 * they run: building each at its load held every build's graph at once (a 2-layer OLMoE-shaped q4
 * checkpoint, 512-token windows, --cache 16: 1929 loads, peak RSS 7.99 GB against a bound of 1.30 GB).
 */
class LoadingExpert implements RoutedExpert {
  private built?: Promise<RoutedExpert>;
  constructor(private build?: ExpertBuild) {}
  private get ready(): Promise<RoutedExpert> {
    if (!this.built) {
      this.built = this.build!();
      this.build = undefined; // its blocks go with it once built
    }
    return this.built;
  }
  async run(x: Float32Array, m: number): Promise<Float32Array> {
    return (await this.ready).run(x, m);
  }
  async fp32Weights() {
    return (await this.ready).fp32Weights();
  }
  async release(): Promise<void> {
    this.build = undefined;
    if (this.built) await (await this.built).release();
  }
}

/** An expert read for one use only: `done` runs when that use ends. */
class TransientExpert implements RoutedExpert {
  constructor(private readonly ready: Promise<RoutedExpert>, private readonly done: (e: RoutedExpert) => Promise<void>) {}
  async run(x: Float32Array, m: number): Promise<Float32Array> {
    const e = await this.ready;
    try {
      return await e.run(x, m);
    } finally {
      await this.done(e);
    }
  }
  async fp32Weights() {
    return null; // gone right after its one run: never handed out for the fused kernel
  }
  async release(): Promise<void> {}
}

interface ResidentEntry {
  expert: LoadingExpert;
  /** the float32 buffers it runs on (f32 experts); block-quantised experts own a session instead */
  buffers?: ExpertFp32Weights;
}

/**
 * Memory: float32 buffers move between resident experts and a free list synchronously, inside the
 * cache's load / evict events (a layer's experts run only after its routing, never during it), so a
 * miss reads into the buffers its eviction freed. Buffers in use never exceed the cached experts
 * plus one transient expert; block-quantised experts keep only their session (quantised from one
 * scratch set of float32 buffers, or read as stored).
 */
export class OffloadingExpertStore implements ExpertStore {
  private readonly resident = new Map<number, ResidentEntry>();
  private readonly free: ExpertFp32Weights[] = [];
  private readonly releases: Promise<void>[] = [];
  private scratch?: ExpertFp32Weights;
  readonly stats: OffloadStats = { loads: 0, transientLoads: 0, bytesRead: 0, readMs: 0, peakResidentExperts: 0 };
  private readonly bytesPerExpert: number;
  private readonly precision: ExpertPrecision;
  /** the checkpoint stores the experts pre-quantized: a miss reads their blocks, quantizes nothing */
  private readonly stored: boolean;

  constructor(private readonly ckpt: Checkpoint, private readonly spec: ModelSpec, private readonly kernels: Kernels, private readonly opts: OffloadOptions = {}) {
    const layer = spec.layers.findIndex((l) => l.mlp === 'moe');
    const n = layer >= 0 ? spec.layers[layer].names.expert!(0) : null;
    const stored = spec.storage.experts;
    this.stored = stored !== 'weights';
    this.bytesPerExpert = !n ? 0 : stored !== 'weights' ? storedSwigluBytes(ckpt, n, stored) : [n.gate, n.up, n.down].reduce((s, t) => s + ckpt.info(t).byteLength, 0);
    this.precision = stored !== 'weights' ? stored : (opts.precision ?? 'f32');
  }

  private key(layer: number, expert: number): number {
    return layer * this.spec.moe.numExperts + expert;
  }

  /** RoutingCacheListener: the cache loaded an expert (the read happens now, synchronously). */
  onLoad(layer: number, expert: number): void {
    const key = this.key(layer, expert);
    if (this.resident.has(key)) return;
    const { build, buffers } = this.read(layer, expert);
    this.resident.set(key, { expert: new LoadingExpert(build), buffers });
    this.stats.loads++;
    this.stats.peakResidentExperts = Math.max(this.stats.peakResidentExperts, this.resident.size);
  }

  /** RoutingCacheListener: the cache dropped an expert; float32 buffers are reused, sessions released. */
  onEvict(layer: number, expert: number): void {
    const key = this.key(layer, expert);
    const e = this.resident.get(key);
    if (!e) return;
    this.resident.delete(key);
    if (e.buffers) this.free.push(e.buffers);
    else this.releases.push(e.expert.release());
  }

  mix(layer: number, x: Float32Array, T: number, routing: LayerRouting): Promise<Float32Array> {
    return mixExpertByExpert((e) => this.get(layer, e), this.kernels, this.spec, x, T, routing);
  }

  /** a resident expert, or one read for this use only (a miss the cache did not load, see OffloadStats) */
  get(layer: number, expert: number): RoutedExpert {
    const e = this.resident.get(this.key(layer, expert));
    if (e) return e.expert;
    this.stats.transientLoads++;
    const { build, buffers } = this.read(layer, expert);
    return new TransientExpert(build(), async (x) => {
      if (buffers) this.free.push(buffers);
      else await x.release();
    });
  }

  /** Forget every resident expert (a new run starts with empty caches). */
  reset(): void {
    for (const [key] of this.resident) this.onEvict(Math.floor(key / this.spec.moe.numExperts), key % this.spec.moe.numExperts);
  }

  async release(): Promise<void> {
    this.reset();
    await Promise.all(this.releases);
  }

  /** Reads an expert now (the miss's cost); building it is left to its first use. */
  private read(layer: number, expert: number): { build: ExpertBuild; buffers?: ExpertFp32Weights } {
    const t0 = performance.now();
    const f32 = this.precision === 'f32';
    let build: ExpertBuild;
    let weights: ExpertFp32Weights | undefined;
    if (this.stored) {
      build = readRoutedExpertBuild(this.ckpt, this.spec, layer, expert, this.precision, this.kernels);
    } else {
      weights = readExpertFp32(this.ckpt, this.spec, layer, expert, f32 ? this.free.pop() : this.scratch);
      if (!f32) this.scratch = weights; // expertBuild quantises at once: reusable for the next read
      build = expertBuild(weights, this.precision, this.kernels);
    }
    this.stats.bytesRead += this.bytesPerExpert;
    if (this.opts.ioBandwidthMBps) {
      const due = t0 + (this.bytesPerExpert / (this.opts.ioBandwidthMBps * 1e6)) * 1e3;
      const wait = due - performance.now();
      if (wait > 0) Atomics.wait(sleepBuffer, 0, 0, wait); // a synchronous sleep: the read is synchronous too
    }
    this.stats.readMs += performance.now() - t0;
    return { build, buffers: f32 ? weights : undefined };
  }
}
