// The offloading store reads an expert at its load and builds its session at its first use: a
// batched prefill routes every token before any expert runs, so experts the cache loads and evicts
// in between must cost their read and nothing else (no session, nothing held).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseModelSpec } from '../../src/engine/architectures/registry.js';
import { Checkpoint } from '../../src/engine/checkpoint.js';
import { Kernels } from '../../src/engine/kernels.js';
import { OffloadingExpertStore } from '../../src/engine/offload-store.js';
import { loadRoutedExpert } from '../../src/engine/routed-expert.js';
import { BLOCK_SHAPED, writeBlockShapedModel } from '../helpers/block-shaped-model.js';

const [E, k] = [6, 2];
const { hidden: H } = BLOCK_SHAPED;
let dir: string;
let kernels: Kernels;

beforeAll(async () => {
  dir = writeBlockShapedModel({ layers: 1, experts: E, topK: k, seed: 3 });
  kernels = await Kernels.create({ threads: 1 });
});

afterAll(async () => {
  await kernels.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('offloading store, 4-bit experts', () => {
  it('builds a session only for the experts that run, and runs them as loaded', async () => {
    const ckpt = Checkpoint.open(dir);
    const spec = parseModelSpec(ckpt.config, join(dir, 'config.json'));
    const store = new OffloadingExpertStore(ckpt, spec, kernels, { precision: 'q4' });
    const builds = vi.spyOn(ort.InferenceSession, 'create');
    try {
      // a prefill's routing: four loads, two evicted before anything runs
      for (const e of [0, 1, 2, 3]) store.onLoad(0, e);
      store.onEvict(0, 0);
      store.onEvict(0, 1);
      expect(builds).not.toHaveBeenCalled();
      expect(store.stats.loads).toBe(4);
      // then two tokens run on the resident experts 2 and 3
      const x = Float32Array.from({ length: 2 * H }, (_, i) => Math.cos(i * 0.21));
      const routing = { selected: Int32Array.from([2, 3, 3, 2]), weights: Float32Array.from([0.7, 0.3, 0.6, 0.4]) };
      const y = await store.mix(0, x, 2, routing);
      expect(builds).toHaveBeenCalledTimes(2);
      builds.mockRestore();
      // the same experts loaded the ordinary way give the same mixture
      const [e2, e3] = [await loadRoutedExpert(ckpt, spec, 0, 2, 'q4', kernels), await loadRoutedExpert(ckpt, spec, 0, 3, 'q4', kernels)];
      const expected = new Float32Array(2 * H);
      for (let t = 0; t < 2; t++) {
        for (let j = 0; j < k; j++) {
          const e = routing.selected[t * k + j] === 2 ? e2 : e3;
          const out = await e.run(x.slice(t * H, (t + 1) * H), 1);
          for (let i = 0; i < H; i++) expected[t * H + i] += routing.weights[t * k + j] * out[i];
        }
      }
      for (let i = 0; i < expected.length; i++) expect(y[i]).toBeCloseTo(expected[i], 5);
      await Promise.all([e2.release(), e3.release()]);
    } finally {
      builds.mockRestore();
      await store.release();
      ckpt.close();
    }
  });
});
