// A prompt run through each layer in chunks (model.ts PREFILL_CHUNK_TOKENS) is the same computation
// as one step over every token: logits of every position match the reference goldens, and the
// routing events are the batched prefill's, in its order (every token of layer 0, then of layer 1).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernels } from '../../src/engine/kernels.js';
import { MoeModel } from '../../src/engine/model.js';
import { OwnTopKRouting, RecordingRouting } from '../../src/engine/own-routing.js';
import { goldenDir, goldenNames, loadGolden, maxAbsDiff } from '../helpers/fixtures.js';

const ARCHITECTURES = ['mixtral', 'qwen2_moe', 'olmoe', 'qwen3_moe', 'deepseek_v2', 'phimoe'];
let kernels: Kernels;
beforeAll(async () => {
  kernels = await Kernels.create();
});
afterAll(async () => kernels.release());

describe.each(goldenNames(ARCHITECTURES))('golden %s in chunks', (name) => {
  const g = loadGolden(name);

  it('chunks of 3 after a 5-token prefix: golden logits, and the routing events of one step in its order', async () => {
    const model = await MoeModel.load(goldenDir(name), { kernels });
    const V = model.spec.vocabSize;
    const whole = new RecordingRouting(new OwnTopKRouting(model.spec.moe.router));
    await model.forward(g.token_ids, model.newKvCache(), whole, { phase: 'prefill' });

    const chunked = new RecordingRouting(new OwnTopKRouting(model.spec.moe.router));
    const kv = model.newKvCache();
    const head = await model.forward(g.token_ids.slice(0, 5), kv, chunked, { phase: 'prefill', logitsFrom: 0 });
    const tail = await model.forward(g.token_ids.slice(5), kv, chunked, { phase: 'prefill', logitsFrom: 0, chunkTokens: 3 });
    const logits = new Float32Array(head.length + tail.length);
    logits.set(head);
    logits.set(tail, head.length);
    expect(logits.length).toBe(g.token_ids.length * V);
    expect(maxAbsDiff(g.logits, logits, V)).toBeLessThan(g.tolerance_hint.logits_atol);

    // the second call's events against the same call run in one step: same order, experts and weights
    const tailWhole = new RecordingRouting(new OwnTopKRouting(model.spec.moe.router));
    const kv2 = model.newKvCache();
    await model.forward(g.token_ids.slice(0, 5), kv2, tailWhole, { phase: 'prefill' });
    await model.forward(g.token_ids.slice(5), kv2, tailWhole, { phase: 'prefill' });
    const [mine, theirs] = [chunked, tailWhole].map((r) => r.records.filter((e) => e.token >= 5));
    expect(mine.map((e) => [e.layer, e.token])).toEqual(theirs.map((e) => [e.layer, e.token]));
    // layer-major: every token of a layer before the next layer
    const layers = mine.map((e) => e.layer);
    expect(layers).toEqual([...layers].sort((a, b) => a - b));
    mine.forEach((e, i) => {
      expect(e.selected).toEqual(theirs[i].selected);
      e.weights.forEach((x, j) => expect(Math.abs(x - theirs[i].weights[j])).toBeLessThan(1e-5));
    });
    // and the same experts as the one-step run over the whole prompt
    const key = (e: { layer: number; token: number }) => `${e.layer}:${e.token}`;
    const wholeSel = new Map(whole.records.map((e) => [key(e), e.selected]));
    for (const e of chunked.records) expect(e.selected).toEqual(wholeSel.get(key(e)));
    await model.release();
  });
});

it('rejects a chunk size that is not a positive integer', async () => {
  const name = goldenNames(['olmoe'])[0];
  const model = await MoeModel.load(goldenDir(name), { kernels });
  const routing = new OwnTopKRouting(model.spec.moe.router);
  await expect(model.forward([1, 2], model.newKvCache(), routing, { phase: 'prefill', chunkTokens: 0 })).rejects.toThrow(/chunkTokens/);
  await model.release();
});
