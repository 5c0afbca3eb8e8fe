// Engine requests against direct forward passes: continuations scored from a shared context's KV
// cache equal scoring each (context + continuation) on its own; a long window scored in blocks of
// logits equals decoding it token by token; rolling windows as lm-eval makes them.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine, logSoftmaxAt } from '../../src/engine/engine.js';
import { LOGIT_ROWS_AT_ONCE, MoeModel } from '../../src/engine/model.js';
import { OwnTopKRouting } from '../../src/engine/own-routing.js';
import { rollingWindows } from '../../src/tasks/adapters/loglikelihood-rolling.js';
import { RoutingController } from '../../src/routing/index.js';
import { moeLayerIndices } from '../../src/engine/spec.js';
import { goldenDir } from '../helpers/fixtures.js';

let model: MoeModel;
beforeAll(async () => {
  model = await MoeModel.load(goldenDir('qwen2_moe-e8k2-f32'));
});
afterAll(async () => {
  await model.release();
});

/** log-probability of `cont` after `ctx` from one full forward pass over ctx + cont */
async function direct(ctx: number[], cont: number[]): Promise<number> {
  const V = model.spec.vocabSize;
  const input = [...ctx, ...cont].slice(0, -1);
  const logits = await model.forward(input, model.newKvCache(), new OwnTopKRouting(model.spec.moe.router), { phase: 'prefill', logitsFrom: 0 });
  let lp = 0;
  cont.forEach((tok, i) => (lp += logSoftmaxAt(logits.subarray((ctx.length - 1 + i) * V, (ctx.length + i) * V), tok)));
  return lp;
}

describe('Engine.loglikelihood', () => {
  it('scores several continuations of one context like separate full passes', async () => {
    const ctx = [5, 17, 99, 3, 250, 41];
    const conts = [[7], [12, 200], [1, 2, 3, 4]];
    const routing = new RoutingController({ rule: model.spec.moe.router, moeLayers: moeLayerIndices(model.spec) });
    const scores = await new Engine(model).loglikelihood(ctx, conts, routing);
    for (const [i, c] of conts.entries()) expect(scores[i].logprob).toBeCloseTo(await direct(ctx, c), 4);
  });

  it('a one-token continuation costs no forward pass beyond the context', async () => {
    const engine = new Engine(model);
    const routing = new RoutingController({ rule: model.spec.moe.router, moeLayers: moeLayerIndices(model.spec) });
    await engine.loglikelihood([1, 2, 3], [[4], [5], [6], [7]], routing);
    expect(engine.timings.map((t) => t.tokens)).toEqual([3]);
  });

  it('continuations start from the same expert-cache state (cache-aware routing)', async () => {
    const ctx = [9, 8, 7, 6, 5, 4, 3];
    const conts = [[10, 11, 12], [20, 21, 22]];
    const mk = () => new RoutingController({ rule: model.spec.moe.router, moeLayers: moeLayerIndices(model.spec), strategy: 'cache-prior', strategyParams: { lambda: 0.8 }, cache: { capacity: 3 } });
    const both = await new Engine(model).loglikelihood(ctx, conts, mk());
    const secondAlone = await new Engine(model).loglikelihood(ctx, [conts[1]], mk());
    expect(both[1].logprob).toBe(secondAlone[0].logprob);
  });
});

describe('Engine.scoreWindow', () => {
  it('a window longer than one block of logits scores every token as decoding them one by one does', async () => {
    // 300 tokens: the LM head runs on rows 0-127, 128-255 and 256-298 and never on more at once
    const tokens = Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % model.spec.vocabSize);
    const head = vi.spyOn((model as unknown as { lmHead: { run(x: Float32Array, rows: number): Promise<Float32Array> } }).lmHead, 'run');
    const routing = () => new OwnTopKRouting(model.spec.moe.router);
    const scored = await new Engine(model).scoreWindow(tokens.slice(0, 1), tokens.slice(1), routing());
    expect(head.mock.calls.map(([, rows]) => rows)).toEqual([LOGIT_ROWS_AT_ONCE, LOGIT_ROWS_AT_ONCE, 299 - 2 * LOGIT_ROWS_AT_ONCE]);
    head.mockRestore();
    // the same tokens fed one at a time through a KV cache: one row of logits per step
    const kv = model.newKvCache(tokens.length);
    const own = routing();
    for (let i = 0; i + 1 < tokens.length; i++) {
      const logits = await model.forward([tokens[i]], kv, own, { phase: 'decode' });
      expect(scored[i], `token ${i + 1}`).toBeCloseTo(logSoftmaxAt(logits, tokens[i + 1]), 4);
    }
  });
});

describe('rolling windows (lm-eval get_rolling_token_windows, context_len 1, disjoint)', () => {
  it('matches a hand-made example', () => {
    // 10 tokens, max length 4, prefix 99: first window predicts t0..t3 from [99,t0,t1,t2]; then
    // windows predict t4..t7 from input t3..t6 (context t3) and t8..t9 from input t5..t8 (context t5..t7)
    const t = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(rollingWindows(t, 99, 4)).toEqual([
      { context: [99], target: [0, 1, 2, 3] },
      { context: [3], target: [4, 5, 6, 7] },
      { context: [5, 6, 7], target: [8, 9] },
    ]);
  });
});
