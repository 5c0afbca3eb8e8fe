// DeepSeek-V2 (MLA, yarn, shared experts, dense first layer, group-limited routing) and PhiMoE
// (LayerNorm, biases, longrope, sparsemixer) against the reference goldens: logits within 1e-4,
// identical experts, weights within 1e-5, prefill-then-decode included (prefill runs MLA's expanded
// form, decode its absorbed form); and longrope switching factors when a decode crosses
// original_max_position_embeddings (test/fixtures/longrope-crossing, see its README).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlaLayerKv } from '../../src/engine/attention/mla-kv.js';
import { mlaCosts } from '../../src/engine/attention/mla.js';
import { Kernels } from '../../src/engine/kernels.js';
import { MoeModel } from '../../src/engine/model.js';
import { OwnTopKRouting, RecordingRouting } from '../../src/engine/own-routing.js';
import { moeLayerIndices } from '../../src/engine/spec.js';
import { RoutingController } from '../../src/routing/index.js';
import { GOLDEN_DIR, goldenDir, goldenNames, loadGolden, maxAbsDiff } from '../helpers/fixtures.js';

const EXT = ['deepseek_v2', 'phimoe'];
const LONGROPE_DIR = join(GOLDEN_DIR, '..', 'longrope-crossing');

let kernels: Kernels;
beforeAll(async () => {
  kernels = await Kernels.create();
});
afterAll(async () => kernels.release());

/** golden selection in the contract's order: descending weight, ties lower id (PhiMoE's golden lists sparsemixer order) */
function byWeight(ids: number[], weights: number[]): { ids: number[]; weights: number[] } {
  const pairs = ids.map((id, i) => ({ id, w: weights[i] })).sort((a, b) => b.w - a.w || a.id - b.id);
  return { ids: pairs.map((p) => p.id), weights: pairs.map((p) => p.w) };
}

describe.each(goldenNames(EXT))('golden %s', (name) => {
  const g = loadGolden(name);

  it('matches logits and routing of a full forward', async () => {
    const model = await MoeModel.load(goldenDir(name), { kernels });
    const routing = new RecordingRouting(new OwnTopKRouting(model.spec.moe.router));
    const logits = await model.forward(g.token_ids, model.newKvCache(), routing, { phase: 'prefill', logitsFrom: 0 });
    const diff = maxAbsDiff(g.logits, logits, model.spec.vocabSize);
    console.log(`${name}: full forward max |Δlogit| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(g.tolerance_hint.logits_atol);
    // one event per token and MoE layer, none for dense layers (shared experts are never routed)
    expect(routing.records).toHaveLength(g.token_ids.length * g.routing.length);
    expect(new Set(routing.records.map((r) => r.layer))).toEqual(new Set(moeLayerIndices(model.spec)));
    for (const layer of g.routing) {
      const mine = routing.records.filter((r) => r.layer === layer.layer);
      mine.forEach((r, t) => {
        const want = byWeight(layer.selected_experts[t], layer.expert_weights[t]);
        expect(r.selected).toEqual(want.ids);
        r.weights.forEach((w, j) => expect(Math.abs(w - want.weights[j])).toBeLessThan(1e-5));
      });
    }
    await model.release();
  });

  it('prefill then token-by-token decode gives the same logits', async () => {
    const model = await MoeModel.load(goldenDir(name), { kernels });
    const routing = new OwnTopKRouting(model.spec.moe.router);
    const V = model.spec.vocabSize;
    const split = Math.floor(g.token_ids.length / 2);
    const kv = model.newKvCache(1);
    const rows: number[][] = [];
    const pre = await model.forward(g.token_ids.slice(0, split), kv, routing, { phase: 'prefill', logitsFrom: 0 });
    for (let t = 0; t < split; t++) rows.push(Array.from(pre.subarray(t * V, (t + 1) * V)));
    for (let t = split; t < g.token_ids.length; t++) {
      rows.push(Array.from(await model.forward([g.token_ids[t]], kv, routing, { phase: 'decode' })));
    }
    expect(kv.length).toBe(g.token_ids.length);
    const diff = maxAbsDiff(g.logits, Float32Array.from(rows.flat()), V);
    console.log(`${name}: prefill ${split} + decode max |Δlogit| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(g.tolerance_hint.logits_atol);
    await model.release();
  });
});

describe('MLA', () => {
  it('caches the normalised latent and the shared rope key only: kv_lora_rank + qk_rope_head_dim values per token', async () => {
    const model = await MoeModel.load(goldenDir('deepseek_v2-e8k2-f32'), { kernels });
    const a = model.spec.attention;
    if (a.kind !== 'mla') throw new Error('expected MLA');
    const kv = model.newKvCache(64);
    await model.forward([1, 2, 3], kv, new OwnTopKRouting(model.spec.moe.router), { phase: 'prefill' });
    for (const layer of kv.layers) {
      expect(layer).toBeInstanceOf(MlaLayerKv);
      expect((layer as MlaLayerKv).latent.length).toBe(64 * a.kvLoraRank);
      expect((layer as MlaLayerKv).kpe.length).toBe(64 * a.qkRopeHeadDim);
    }
    await model.release();
  });

  it('runs the expanded form for a prefill and the absorbed form for a decode step', async () => {
    const model = await MoeModel.load(goldenDir('deepseek_v2-e8k2-f32'), { kernels });
    const a = model.spec.attention;
    if (a.kind !== 'mla') throw new Error('expected MLA');
    const prefill = mlaCosts(a, 24, 24);
    const decode = mlaCosts(a, 1, 24);
    expect(prefill.expanded).toBeLessThan(prefill.absorbed);
    expect(decode.absorbed).toBeLessThan(decode.expanded);
    await model.release();
  });
});

describe('longrope past original_max_position_embeddings', () => {
  const g = JSON.parse(readFileSync(join(LONGROPE_DIR, 'golden.json'), 'utf8')) as {
    token_ids: number[];
    original_max_position_embeddings: number;
    prefixes: { length: number; factors: string; last_logits: number[]; last_selected: number[][]; last_weights: number[][] }[];
  };
  const ids = g.token_ids;
  const row = (logits: Float32Array, V: number, t: number) => logits.subarray(t * V, (t + 1) * V);

  it('decoding across the boundary matches the reference on every prefix (the cached prefix is rerun with the long factors)', async () => {
    const model = await MoeModel.load(LONGROPE_DIR, { kernels });
    const V = model.spec.vocabSize;
    const routing = new RecordingRouting(new OwnTopKRouting(model.spec.moe.router));
    const kv = model.newKvCache(1);
    const split = 5;
    expect(split).toBeLessThan(g.original_max_position_embeddings);
    const pre = await model.forward(ids.slice(0, split), kv, routing, { phase: 'prefill', logitsFrom: 0 });
    let worst = 0;
    for (let n = 1; n <= split; n++) worst = Math.max(worst, maxAbsDiff([g.prefixes[n - 1].last_logits], row(pre, V, n - 1), V));
    for (let n = split + 1; n <= ids.length; n++) {
      routing.records.length = 0;
      const logits = await model.forward([ids[n - 1]], kv, routing, { phase: 'decode' });
      const p = g.prefixes[n - 1];
      worst = Math.max(worst, maxAbsDiff([p.last_logits], logits, V));
      // the last token's experts at each MoE layer (events of a rerun prefix come first)
      const last = routing.records.filter((r) => r.token === n - 1);
      last.forEach((r, i) => expect(r.selected).toEqual(byWeight(p.last_selected[i], p.last_weights[i]).ids));
      if (n === g.original_max_position_embeddings + 1) {
        // the crossing step reran the n - 1 cached tokens (prefill events) before the new one
        expect(routing.records.filter((r) => r.token < n - 1)).toHaveLength((n - 1) * moeLayerIndices(model.spec).length);
      } else {
        expect(routing.records).toHaveLength(moeLayerIndices(model.spec).length);
      }
    }
    console.log(`longrope-crossing: prefill ${split} + decode to ${ids.length} max |Δlogit| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    expect(kv.ropeVariant).toBe(1);
    await model.release();
  });

  it('one pass over the whole sequence uses the long factors everywhere; truncating back below the boundary returns to the short ones', async () => {
    const model = await MoeModel.load(LONGROPE_DIR, { kernels });
    const V = model.spec.vocabSize;
    const routing = new OwnTopKRouting(model.spec.moe.router);
    const kv = model.newKvCache(ids.length);
    const all = await model.forward(ids, kv, routing, { phase: 'prefill' });
    expect(maxAbsDiff([g.prefixes[ids.length - 1].last_logits], all, V)).toBeLessThan(1e-4);
    // a continuation after a short context, scored from the long-factor cache (Engine.loglikelihood's pattern)
    kv.truncate(6);
    const again = await model.forward([ids[6]], kv, routing, { phase: 'prefill' });
    expect(g.prefixes[6].factors).toBe('short');
    expect(maxAbsDiff([g.prefixes[6].last_logits], again, V)).toBeLessThan(1e-4);
    expect(kv.ropeVariant).toBe(0);
    await model.release();
  });
});

describe('cache-aware routing on the new routers', () => {
  it.each(goldenNames(EXT))('%s: cache-prior with λ = 0 reproduces topk bit for bit; λ = 0.5 changes experts and counts k accesses per token and MoE layer', async (name) => {
    const g = loadGolden(name);
    const model = await MoeModel.load(goldenDir(name), { kernels });
    const run = async (strategy: string, lambda?: number) => {
      const c = new RoutingController({
        rule: model.spec.moe.router, moeLayers: moeLayerIndices(model.spec), strategy,
        ...(lambda === undefined ? {} : { strategyParams: { lambda } }), cache: { capacity: model.spec.moe.topK },
      });
      const rec = new RecordingRouting(c);
      const logits = await model.forward(g.token_ids, model.newKvCache(), rec, { phase: 'prefill', logitsFrom: 0 });
      return { logits, rec, report: c.finish() };
    };
    const topk = await run('topk');
    const zero = await run('cache-prior', 0);
    expect(zero.logits).toEqual(topk.logits);
    const half = await run('cache-prior', 0.5);
    expect(half.report.counts.changedEvents).toBeGreaterThan(0);
    // accesses = tokens × MoE layers × k: shared experts and dense layers are never cache accesses
    expect(half.report.counts.cache!.accesses).toBe(g.token_ids.length * g.routing.length * model.spec.moe.topK);
    await model.release();
  });
});
