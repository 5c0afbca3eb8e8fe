// The engine against the golden fixtures of the independent PyTorch reference (float64 math on the
// stored weights): logits of every position within 1e-4, identical experts, weights within 1e-5.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernels } from '../../src/engine/kernels.js';
import { MoeModel } from '../../src/engine/model.js';
import { OwnTopKRouting, RecordingRouting } from '../../src/engine/own-routing.js';
import { goldenDir, goldenNames, loadGolden, maxAbsDiff } from '../helpers/fixtures.js';

const SUPPORTED = ['mixtral', 'qwen2_moe', 'olmoe', 'qwen3_moe'];
let kernels: Kernels;
beforeAll(async () => {
  kernels = await Kernels.create();
});
afterAll(async () => kernels.release());

describe.each(goldenNames(SUPPORTED))('golden %s', (name) => {
  const g = loadGolden(name);

  it('matches logits and routing of a full forward', async () => {
    const model = await MoeModel.load(goldenDir(name), { kernels });
    const routing = new RecordingRouting(new OwnTopKRouting(model.spec.moe.router));
    const logits = await model.forward(g.token_ids, model.newKvCache(), routing, { phase: 'prefill', logitsFrom: 0 });
    expect(maxAbsDiff(g.logits, logits, model.spec.vocabSize)).toBeLessThan(g.tolerance_hint.logits_atol);
    for (const layer of g.routing) {
      const mine = routing.records.filter((r) => r.layer === layer.layer);
      expect(mine.map((r) => r.selected)).toEqual(layer.selected_experts);
      mine.forEach((r, t) => r.weights.forEach((w, j) => expect(Math.abs(w - layer.expert_weights[t][j])).toBeLessThan(1e-5)));
    }
    await model.release();
  });

  it('prefill then token-by-token decode gives the same logits', async () => {
    const model = await MoeModel.load(goldenDir(name), { kernels });
    const routing = new OwnTopKRouting(model.spec.moe.router);
    const V = model.spec.vocabSize;
    const split = Math.floor(g.token_ids.length / 2);
    // a small initial capacity forces the KV cache to grow during decode
    const kv = model.newKvCache(1);
    const rows: number[][] = [];
    const pre = await model.forward(g.token_ids.slice(0, split), kv, routing, { phase: 'prefill', logitsFrom: 0 });
    for (let t = 0; t < split; t++) rows.push(Array.from(pre.subarray(t * V, (t + 1) * V)));
    for (let t = split; t < g.token_ids.length; t++) {
      rows.push(Array.from(await model.forward([g.token_ids[t]], kv, routing, { phase: 'decode' })));
    }
    expect(kv.length).toBe(g.token_ids.length);
    expect(maxAbsDiff(g.logits, Float32Array.from(rows.flat()), V)).toBeLessThan(g.tolerance_hint.logits_atol);
    await model.release();
  });
});

it('covers all four GQA architectures with fixtures', () => {
  for (const t of SUPPORTED) expect(goldenNames([t]).length).toBeGreaterThan(0);
});
