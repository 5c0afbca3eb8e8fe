// `moe-eval quantize`: a checkpoint whose matrices are stored in blocks gives exactly the logits and
// results of --precision / --quant on the original (the same quantization, done once), loads and
// offloads its experts without quantizing, counts the same parameters, and is refused where it
// cannot serve (another precision requested, quantized twice, written over its source).

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../src/engine/checkpoint.js';
import { inspectModel } from '../../src/engine/inspect.js';
import { memoryBudget } from '../../src/latency/memory-budget.js';
import { MoeModel } from '../../src/engine/model.js';
import { quantizeCheckpoint } from '../../src/engine/quantize-checkpoint.js';
import { OwnTopKRouting, RecordingRouting } from '../../src/engine/own-routing.js';
import { goldenDir, loadGolden, SAMPLE_DATASETS } from '../helpers/fixtures.js';
import { makeTokenizerModel } from '../helpers/tokenizer-model.js';
import { runCli } from './cli.js';

const tmp = (p = 'moe-eval-quantize-') => mkdtempSync(join(tmpdir(), p));

function quantize(model: string, flags: string[] = []): string {
  const out = join(tmp(), 'q4');
  const r = runCli(['quantize', '--model', model, '--out', out, '--json', ...flags]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

describe('moe-eval quantize', () => {
  // in process (the command itself is run by the tests below): every architecture, q4 / q8 / mixed
  it.each([
    ['olmoe-e8k2-f32', { experts: 'q4', matrices: 'q4' }, { densePrecision: 'q4' }],
    ['olmoe-clipqkv-f32', { experts: 'q8', matrices: 'q8' }, { densePrecision: 'q8' }],
    ['qwen2_moe-e16k4-bf16', { experts: 'q4', matrices: 'q4' }, { densePrecision: 'q4' }],
    ['qwen2_moe-e16k4-bf16', { experts: 'q4', matrices: 'q8' }, { densePrecision: 'q8', expertPrecision: 'q4' }],
    ['qwen3_moe-e16k4-bf16', { experts: 'q4', matrices: 'q4' }, { densePrecision: 'q4' }],
    ['phimoe-e16k2-bf16', { experts: 'q8', matrices: 'q4' }, { densePrecision: 'q4', expertPrecision: 'q8' }],
    ['mixtral-e8k2-f32', { experts: 'q4', matrices: 'weights' }, { expertPrecision: 'q4' }],
    ['deepseek_v2-e8k2-f32', { experts: 'q8', matrices: 'q8' }, { densePrecision: 'q8' }],
    // MLA with a q LoRA (q_a, q_b projections)
    ['deepseek_v2-e16k4-bf16', { experts: 'q4', matrices: 'q4' }, { densePrecision: 'q4' }],
    // tied embeddings: the LM head's blocks are stored beside the embedding tokens look up
    ['mixtral-e16k4-bf16', { experts: 'q4', matrices: 'q4' }, { densePrecision: 'q4' }],
    // the other matrices only: the experts stay as they were, and run unquantized
    ['olmoe-e16k4-bf16', { experts: 'weights', matrices: 'q4' }, { densePrecision: 'q4', expertPrecision: 'f32' }],
  ] as const)('%s stored as %j: the blocks give exactly the logits and routing of the same precisions at load', async (name, storage, precisions) => {
    const out = tmp();
    quantizeCheckpoint(goldenDir(name), out, storage);
    const g = loadGolden(name);
    const run = async (dir: string, opts = {}) => {
      const m = await MoeModel.load(dir, opts);
      const rec = new RecordingRouting(new OwnTopKRouting(m.spec.moe.router));
      const logits = await m.forward(g.token_ids, m.newKvCache(), rec, { phase: 'prefill', logitsFrom: 0 });
      await m.release();
      return { logits: Array.from(logits), routing: rec.records };
    };
    const original = await run(goldenDir(name), precisions);
    const stored = await run(out);
    expect(stored.routing).toEqual(original.routing);
    expect(stored.logits).toEqual(original.logits);
  });

  it.each(['mixtral-e16k4-bf16', 'deepseek_v2-e16k4-bf16'])('%s: counts the same parameters quantized (tied head, MLA)', (name) => {
    const a = inspectModel(goldenDir(name));
    const b = inspectModel(quantize(goldenDir(name)));
    expect([b.totalParameters, b.activeParameters, b.projectionParameters]).toEqual([a.totalParameters, a.activeParameters, a.projectionParameters]);
  });

  it('counts the same parameters and the bytes a stored expert occupies', () => {
    const src = goldenDir('qwen2_moe-e16k4-bf16');
    const out = quantize(src);
    const a = inspectModel(src);
    const b = inspectModel(out);
    expect(b.expertStorage).toBe('q4');
    expect(b.matrixStorage).toBe('q4');
    expect(b.totalParameters).toBe(a.totalParameters);
    expect(b.activeParameters).toBe(a.activeParameters);
    expect(b.projectionParameters).toBe(a.projectionParameters);
    // per matrix [rows, cols]: rows × ⌈cols / 128⌉ blocks × (64 packed bytes + a 4-byte scale)
    const cfg = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    const H = cfg.hidden_size;
    const I = cfg.moe_intermediate_size;
    const q4 = (rows: number, cols: number) => rows * Math.ceil(cols / 128) * 68;
    expect(b.bytesPerExpert).toBe(2 * q4(I, H) + q4(H, I));
    const Is = cfg.shared_expert_intermediate_size;
    expect(b.sharedExperts?.bytesPerLayer).toBe(2 * q4(Is, H) + q4(H, Is));
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toEqual({ ...cfg, moe_eval_quantization: { routed_experts: 'q4', matrices: 'q4', block_size: 128, layout: 'onnxruntime-matmulnbits' } });
  });

  it('keeps the routers, norms and embedding as stored and drops the originals of stored matrices', () => {
    const src = goldenDir('qwen2_moe-e16k4-bf16');
    const names = (dir: string) => {
      const c = Checkpoint.open(dir);
      const all = c.tensorNames();
      c.close();
      return all;
    };
    const before = names(src);
    const after = new Set(names(quantize(src)));
    for (const n of before) {
      const stored = /(self_attn\.[qkvo]_proj|experts\.\d+\.\w+_proj|shared_expert\.\w+_proj|mlp\.(gate|up|down)_proj)\.weight$|^lm_head\.weight$/.test(n);
      expect(after.has(n), n).toBe(!stored);
      if (stored) expect(after.has(`${n}.q4`) && after.has(`${n}.q4_scales`), n).toBe(true);
    }
    expect(after.has('model.embed_tokens.weight')).toBe(true);
  });

  describe('task runs', () => {
    let model: string;
    let quantized: string;
    let data: string;
    beforeAll(() => {
      model = makeTokenizerModel({ num_experts: 16, intermediate_size: 64, num_experts_per_tok: 2 });
      quantized = quantize(model);
      data = tmp();
      mkdirSync(join(data, 'test'));
      for (const s of ['anatomy', 'astronomy']) writeFileSync(join(data, 'test', `${s}_test.csv`), readFileSync(join(SAMPLE_DATASETS, 'mmlu-hendrycks', 'test', `${s}_test.csv`)));
    });
    const run = (m: string, extra: string[]) => {
      const r = runCli(['mmlu', '--model', m, '--data', data, '--limit', '2', '--cache', '4', '--json', '--quiet', '--output', join(tmp(), 'r'), ...extra]);
      expect(r.status, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      return { metrics: doc.metrics, routing: doc.routing.counts, config: doc.config, memory: doc.memory, bytesPerExpert: doc.routing.config.bytesPerExpert };
    };

    it('mmlu on the quantized checkpoint equals --precision q4 on the original, resident and offloaded', () => {
      const original = run(model, ['--precision', 'q4']);
      const stored = run(quantized, []);
      const offloaded = run(quantized, ['--offload']);
      expect(stored.metrics).toEqual(original.metrics);
      expect(stored.routing).toEqual(original.routing);
      expect(stored.config.precision).toBe('q4');
      expect(stored.config.densePrecision).toBe('q4');
      expect(offloaded.metrics).toEqual(stored.metrics);
      // an offloaded miss reads the stored 4-bit bytes
      expect(offloaded.memory.bytesRead).toBe((offloaded.memory.loads + offloaded.memory.transientLoads) * stored.bytesPerExpert);
    });

    it('a q8 copy equals --precision q8 on the original (its fused 8-bit expert layers read as stored)', () => {
      expect(run(quantize(model, ['--precision', 'q8']), []).metrics).toEqual(run(model, ['--precision', 'q8']).metrics);
    });

    it('is refused where it cannot serve', () => {
      const f32 = runCli(['mmlu', '--model', quantized, '--data', data, '--limit', '1', '--quant', 'f32', '--output', join(tmp(), 'r')]);
      expect(f32.status).toBe(2);
      expect(f32.stderr).toContain('stores its routed experts in 4-bit blocks');
      const q8 = runCli(['mmlu', '--model', quantized, '--data', data, '--limit', '1', '--precision', 'q8', '--output', join(tmp(), 'r')]);
      expect(q8.status).toBe(2);
      expect(q8.stderr).toContain('--precision q8');
      expect(q8.stderr).toContain('stores its attention, LM head and MLP matrices in 4-bit blocks');
      const twice = runCli(['quantize', '--model', quantized, '--out', join(tmp(), 'again')]);
      expect(twice.status).toBe(2);
      expect(twice.stderr).toContain('is already quantized');
      // a limit between what the q8 copy holds and what q4 would: q4 is not suggested, since the
      // checkpoint holds only its 8-bit blocks
      const q8Copy = quantize(model, ['--precision', 'q8']);
      const facts = inspectModel(q8Copy);
      const limit = Math.floor((memoryBudget(facts, { precision: 'q8', densePrecision: 'q8' }).residentBytes + memoryBudget(facts, { precision: 'q4', densePrecision: 'q4' }).residentBytes) / 2);
      const small = runCli(['mmlu', '--model', q8Copy, '--data', data, '--limit', '1', '--memory-limit', `${limit}B`, '--output', join(tmp(), 'r')]);
      expect(small.status).toBe(2);
      expect(small.stderr).toContain('holding the model needs');
      expect(small.stderr).not.toMatch(/--quant|--precision q4/);
      expect(small.stderr).toContain('pre-quantized and holds only its stored blocks');
      const nothing = runCli(['quantize', '--model', model, '--precision', 'f32', '--out', join(tmp(), 'none')]);
      expect(nothing.status).toBe(2);
      expect(nothing.stderr).toContain('nothing would be quantized');
      const over = runCli(['quantize', '--model', model, '--out', model]);
      expect(over.status).toBe(2);
      const busy = runCli(['quantize', '--model', model, '--out', quantized]);
      expect(busy.status).toBe(2);
      expect(busy.stderr).toContain('already holds a checkpoint');
      expect(existsSync(join(quantized, 'model.safetensors'))).toBe(true);
    });
  });
});
