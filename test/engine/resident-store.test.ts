// The resident store builds its fused layers two at a time over two alternating weights files: every
// layer must end up at its own index with its own weights. The reference builds each layer alone,
// from the same checkpoint, on a file of its own.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelSpec } from '../../src/engine/architectures/registry.js';
import { Checkpoint } from '../../src/engine/checkpoint.js';
import { ResidentExpertStore } from '../../src/engine/expert-store.js';
import { FusedExperts } from '../../src/engine/fused-experts.js';
import { Kernels } from '../../src/engine/kernels.js';
import { quantizeExpert, readExpertFp32 } from '../../src/engine/routed-expert.js';
import { BLOCK_SHAPED, writeBlockShapedModel } from '../helpers/block-shaped-model.js';

const [LAYERS, E, k, T] = [5, 6, 3, 4];
const { hidden: H, intermediate: I } = BLOCK_SHAPED;
let dir: string;
let kernels: Kernels;

beforeAll(async () => {
  dir = writeBlockShapedModel({ layers: LAYERS, experts: E, topK: k, seed: 7 });
  kernels = await Kernels.create({ threads: 2 });
});

afterAll(async () => {
  await kernels.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('resident store of fused 4-bit layers', () => {
  it(`puts each of ${LAYERS} layers, built two at a time, at its index with its own weights`, async () => {
    const ckpt = Checkpoint.open(dir);
    const spec = parseModelSpec(ckpt.config, join(dir, 'config.json'));
    const store = await ResidentExpertStore.create(ckpt, spec, kernels, 'q4');
    const x = Float32Array.from({ length: T * H }, (_, i) => Math.sin(i * 0.37));
    const selected = Int32Array.from({ length: T * k }, (_, i) => (i * 5 + (i >> 1)) % E);
    const weights = Float32Array.from({ length: T * k }, (_, i) => 0.2 + 0.1 * (i % 4));
    const outputs: Float32Array[] = [];
    for (let layer = 0; layer < LAYERS; layer++) {
      const alone = await FusedExperts.create({ experts: E, topK: k, hidden: H, intermediate: I, bits: 4 }, (e) => quantizeExpert(readExpertFp32(ckpt, spec, layer, e), 4), 2);
      const y = await store.mix(layer, x, T, { selected, weights });
      expect(y).toEqual(await alone.run(x, T, selected, weights));
      outputs.push(y);
      await alone.release();
    }
    // the layers' weights differ, so a layer at another's index would have failed above
    for (let layer = 1; layer < LAYERS; layer++) expect(outputs[layer]).not.toEqual(outputs[0]);
    await store.release();
    ckpt.close();
  });

  it('a layer that fails to read rejects the load with its error while the other layer in build finishes', async () => {
    const ckpt = Checkpoint.open(dir);
    const spec = parseModelSpec(ckpt.config, join(dir, 'config.json'));
    const read = ckpt.readF32.bind(ckpt);
    for (const bad of [1, LAYERS - 1]) {
      ckpt.readF32 = (name, ...rest) => {
        if (name.startsWith(`model.layers.${bad}.mlp.experts.3.`)) throw new Error(`unreadable ${name}`);
        return read(name, ...rest);
      };
      await expect(ResidentExpertStore.create(ckpt, spec, kernels, 'q4')).rejects.toThrow(`unreadable model.layers.${bad}.mlp.experts.3.`);
    }
    ckpt.close();
  });
});
