// deepseek_v2 and phimoe through the built CLI: `inspect` facts (MLA, shared experts, dense layers,
// bytes per routed expert), `logits` with a cache-aware strategy counting only routed experts, a
// `perplexity` run on the DeepSeek-V2 layout, and exit 2 naming the key for unsupported options.

import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticCheckpoint } from '../../src/engine/synthetic-checkpoint.js';
import { goldenDir, loadGolden } from '../helpers/fixtures.js';
import { OLMOE_TOKENIZER_DIR } from '../helpers/tokenizer-model.js';
import { runCli } from './cli.js';

const DEEPSEEK = 'deepseek_v2-e8k2-f32';
const PHIMOE = 'phimoe-e8k2-f32';
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

const configOf = (fixture: string) => JSON.parse(readFileSync(join(goldenDir(fixture), 'config.json'), 'utf8')) as Record<string, unknown>;

/** a copy of a fixture with an edited config.json */
function withConfig(fixture: string, edit: (cfg: Record<string, unknown>) => Record<string, unknown>): string {
  const dir = tmp('moe-eval-ext-');
  copyFileSync(join(goldenDir(fixture), 'model.safetensors'), join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(edit(configOf(fixture))));
  return dir;
}

describe('inspect', () => {
  it('deepseek_v2: MLA, shared experts apart from routed ones, the dense first layer, bytes per routed expert', () => {
    const r = runCli(['inspect', '--model', goldenDir(DEEPSEEK), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout);
    // hidden 64, 3 layers (0 dense), 8 routed experts of 24 top-2, 2 shared (one MLP of 48), F32
    expect(f).toMatchObject({
      modelType: 'deepseek_v2', layers: 3, moeLayers: [1, 2], denseLayers: [0], denseIntermediateSize: 96, experts: 8, topK: 2,
      expertIntermediateSize: 24, attentionKind: 'mla', attention: { heads: 4, kvHeads: 4, headDim: 32, qkNorm: 'none', slidingWindow: null },
      sharedExperts: { intermediateSize: 48, gated: false, count: 2, bytesPerLayer: 3 * 64 * 48 * 4 },
      mla: { qLoraRank: null, kvLoraRank: 32, qkNopeHeadDim: 16, qkRopeHeadDim: 16, vHeadDim: 12, kvCacheValuesPerTokenPerLayer: 48 },
      rope: { kind: 'yarn', factor: 40, interleaved: true, dim: 16 },
    });
    expect(f.bytesPerExpert).toBe(3 * 64 * 24 * 4);
    expect(f.router).toContain('greedy');
    // yarn softmax scale: 32^-0.5 · (0.1·0.707·ln 40 + 1)²
    expect(f.mla.softmaxScale).toBeCloseTo((0.1 * 0.707 * Math.log(40) + 1) ** 2 / Math.sqrt(32), 12);
    // active = total − routed experts not selected (shared experts are always active)
    expect(f.activeParameters).toBe(f.totalParameters - 2 * (8 - 2) * 3 * 64 * 24);
  });

  it('deepseek_v2 text output names the MLA cache, the dense layer and the resident shared experts', () => {
    const r = runCli(['inspect', '--model', goldenDir(DEEPSEEK)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/layers +3 \(MoE: 2; dense MLP: layer 0, intermediate 96\)/);
    expect(r.stdout).toMatch(/MLA +q_lora_rank none, kv_lora_rank 32, qk_nope 16 \+ qk_rope 16, v 12; .*48 values per token per layer/);
    expect(r.stdout).toMatch(/shared experts +2 as one MLP of intermediate 48, always resident \(36864 bytes per layer\)/);
  });

  it('phimoe: LayerNorm with bias, longrope, lm_head bias, sparsemixer, bytes per routed expert', () => {
    const r = runCli(['inspect', '--model', goldenDir(PHIMOE), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout);
    expect(f).toMatchObject({
      modelType: 'phimoe', layers: 3, moeLayers: [0, 1, 2], denseLayers: [], experts: 8, topK: 2, sharedExperts: null,
      norm: { kind: 'layer', eps: 1e-5 }, lmHeadBias: true, rope: { kind: 'longrope', originalMaxPositionEmbeddings: 4096 },
      attention: { heads: 4, kvHeads: 2, headDim: 16, slidingWindow: 131072 },
    });
    expect(f.mla).toBeUndefined();
    expect(f.bytesPerExpert).toBe(3 * 64 * 48 * 4);
    expect(f.router).toContain('sparsemixer');
  });
});

describe('cache-aware routing counts routed experts only', () => {
  it.each([DEEPSEEK, PHIMOE])('%s: logits --strategy cache-prior --cache 2: accesses = tokens × MoE layers × k, the rule recorded', (fixture) => {
    const g = loadGolden(fixture);
    const r = runCli(['logits', '--model', goldenDir(fixture), '--tokens', g.token_ids.join(','), '--strategy', 'cache-prior', '--cache', '2', '--lambda', '0.5', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const moeLayers = g.routing.map((l) => l.layer);
    expect(out.cache.config.moeLayers).toEqual(moeLayers);
    expect(out.cache.counts.cache.accesses).toBe(g.token_ids.length * moeLayers.length * 2);
    expect(out.cache.counts.cache.hits + out.cache.counts.cache.misses).toBe(out.cache.counts.cache.accesses);
    expect(out.routing).toHaveLength(g.token_ids.length * moeLayers.length);
    expect(out.cache.config.router.description).toContain(fixture.startsWith('phimoe') ? 'sparsemixer' : 'DeepSeek MoEGate');
  });

  it('perplexity runs end to end on the DeepSeek-V2 layout (fixture config, the OLMoE tokenizer\'s vocabulary)', () => {
    // the fixture's 256-token vocabulary fits no real tokenizer: same config with vocab_size 50304
    const dir = tmp('moe-eval-ds-ppl-');
    writeSyntheticCheckpoint(dir, { dtype: 'BF16', seed: 1, config: { ...configOf(DEEPSEEK), vocab_size: 50304, eos_token_id: 50279, bos_token_id: 50279, tie_word_embeddings: true } });
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(OLMOE_TOKENIZER_DIR, f), join(dir, f));
    const text = join(tmp('moe-eval-ds-text-'), 'test.raw');
    writeFileSync(text, ' = Valkyria Chronicles III = \n\n Senjō no Valkyria 3 : Unrecorded Chronicles is a tactical role @-@ playing video game developed by Sega and Media.Vision for the PlayStation Portable .\n');
    const r = runCli(['perplexity', '--model', dir, '--data', text, '--cache', '2', '--strategy', 'cache-prior', '--lambda', '0.5', '--window', '16', '--output', join(tmp('moe-eval-ds-run-'), 'r'), '--quiet', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metrics.find((m: { name: string }) => m.name === 'token_perplexity').value).toBeGreaterThan(1);
    const counts = doc.routing.counts;
    expect(doc.routing.config.moeLayers).toEqual([1, 2]);
    expect(counts.tokens).toBeGreaterThan(0);
    expect(counts.cache.accesses).toBe(counts.tokens * 2 * 2);
  });
});

describe('unsupported options exit 2 and name the config key', () => {
  const cases: [string, string, (c: Record<string, unknown>) => Record<string, unknown>, string[]][] = [
    ['deepseek scoring_func sigmoid', DEEPSEEK, (c) => ({ ...c, scoring_func: 'sigmoid' }), ['scoring_func', 'sigmoid']],
    ['deepseek topk_method noaux_tc', DEEPSEEK, (c) => ({ ...c, topk_method: 'noaux_tc' }), ['topk_method', 'noaux_tc']],
    ['deepseek rope type dynamic', DEEPSEEK, (c) => ({ ...c, rope_scaling: { type: 'dynamic', factor: 2 } }), ['rope_scaling.type', 'dynamic']],
    ['deepseek fewer KV heads than heads', DEEPSEEK, (c) => ({ ...c, num_key_value_heads: 2 }), ['num_key_value_heads']],
    ['deepseek group_limited_greedy with a bad n_group', DEEPSEEK, (c) => ({ ...c, topk_method: 'group_limited_greedy', n_group: 3, topk_group: 1 }), ['n_group']],
    ['phimoe rope type yarn', PHIMOE, (c) => ({ ...c, rope_scaling: { type: 'yarn', factor: 2 } }), ['rope_scaling.type', 'yarn']],
    ['phimoe 3 experts per token', PHIMOE, (c) => ({ ...c, num_experts_per_tok: 3 }), ['num_experts_per_tok']],
    ['phimoe longrope without long_mscale', PHIMOE, (c) => ({ ...c, rope_scaling: { ...(c.rope_scaling as object), long_mscale: undefined } }), ['rope_scaling.long_mscale']],
  ];
  it.each(cases)('%s', (_label, fixture, edit, mentions) => {
    const dir = withConfig(fixture, edit);
    const r = runCli(['logits', '--model', dir, '--tokens', '1,2']);
    expect(r.status, r.stderr).toBe(2);
    for (const m of mentions) expect(r.stderr).toContain(m);
  });
});
