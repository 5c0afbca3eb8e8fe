// Latency three ways: --offload runs exactly like all-resident weights and stays inside its memory
// bound; the modeled latency equals a hand calculation for a shipped device preset.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDevice } from '../../src/latency/device-profile.js';
import { modeledLatency } from '../../src/latency/modeled.js';
import { inspectModel } from '../../src/engine/inspect.js';
import { modelSizes } from '../../src/run/results/assemble.js';
import { goldenDir, SAMPLE_DATASETS } from '../helpers/fixtures.js';
import { makeTokenizerModel } from '../helpers/tokenizer-model.js';
import { runCli } from './cli.js';

/** Deep equality with numbers equal to `tol` relative (at least absolute `tol`). */
function expectClose(a: unknown, b: unknown, tol: number, path = '$'): void {
  if (typeof a === 'number' && typeof b === 'number') {
    expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a), path).toEqual(Object.keys(b));
    for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${path}.${k}`);
  } else {
    expect(a, path).toEqual(b);
  }
}

describe('modeled latency', () => {
  it('prices the active dense weights at the run\'s matrix precision, else their stored dtype', () => {
    const f = inspectModel(goldenDir('qwen2_moe-e16k4-bf16'));
    const experts = f.moeLayers.length * f.topK;
    const dense = f.activeParameters - experts * 3 * f.hiddenSize * f.expertIntermediateSize;
    // BF16: 2 bytes a weight; q4: 64 + 4 bytes per 128; q8: 128 + 4 bytes per 128
    expect(modelSizes(f).activeBytes).toBe(dense * 2 + experts * f.bytesPerExpert);
    expect(modelSizes(f, 100, 'q4').activeBytes).toBe((dense * 68) / 128 + experts * 100);
    expect(modelSizes(f, 100, 'q8').activeBytes).toBe((dense * 132) / 128 + experts * 100);
  });

  it('equals a hand calculation on the phone-ufs40 preset', () => {
    // DRAM 60 GB/s, 200 GFLOP/s, UFS 4200 MB/s + 0.1 ms per read.
    // compute = max(1e9 B / 60e9 B/s, 2·0.5e9 / 200e9) = max(16.667 ms, 5 ms) = 16.667 ms
    // one miss = 10e6 / 4200e6 s + 0.1 ms = 2.381 + 0.1 = 2.481 ms; 3 misses = 7.443 ms -> 24.110 ms
    // topk + LRU with 5 misses: 16.667 + 12.405 = 29.071 ms -> speed-up 1.2058
    const m = modeledLatency(loadDevice('phone-ufs40'), { activeBytes: 1e9, activeParameters: 0.5e9, bytesPerExpert: 10e6 }, 3, 5);
    expect(m.label).toBe('modeled');
    expect(m.computeMsPerToken).toBeCloseTo(16.6667, 3);
    expect(m.msPerToken).toBeCloseTo(24.1095, 3);
    expect(m.tokensPerSecond).toBeCloseTo(1000 / 24.1095, 3);
    expect(m.topkLruMsPerToken).toBeCloseTo(29.0714, 3);
    expect(m.speedupVsTopkLru).toBeCloseTo(1.2058, 3);
  });
});

describe('--offload', () => {
  let model: string;
  let data: string;
  beforeAll(() => {
    // more and larger experts than the default test model, so that offloading matters
    model = makeTokenizerModel({ num_experts: 32, intermediate_size: 256, num_experts_per_tok: 4 });
    data = mkdtempSync(join(tmpdir(), 'moe-eval-mmlu-'));
    mkdirSync(join(data, 'test'));
    for (const s of ['anatomy', 'astronomy']) copyFileSync(join(SAMPLE_DATASETS, 'mmlu-hendrycks', 'test', `${s}_test.csv`), join(data, 'test', `${s}_test.csv`));
  });
  const run = (extra: string[]) => {
    const out = join(mkdtempSync(join(tmpdir(), 'moe-eval-run-')), 'r');
    const r = runCli(['mmlu', '--model', model, '--data', data, '--limit', '4', '--cache', '8', '--strategy', 'cache-prior', '--lambda', '0.5', '--output', out, '--log-samples', '--json', ...extra]);
    expect(r.status, r.stderr).toBe(0);
    const samples = readFileSync(join(out, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => { const { latency, ...s } = JSON.parse(l); return s; });
    return { doc: JSON.parse(r.stdout), samples };
  };

  it('gives exactly the results of all-resident experts and reports its reads', () => {
    const resident = run([]);
    const offload = run(['--offload']);
    expect(offload.samples).toEqual(resident.samples); // log-likelihoods included
    expect(offload.doc.metrics).toEqual(resident.doc.metrics);
    expect(offload.doc.routing).toEqual(resident.doc.routing);
    const m = offload.doc.memory;
    expect(m.offload).toBe(true);
    // every counted miss is one load; bytes read = loads (+ transient reads) × bytes per expert
    expect(m.loads).toBe(offload.doc.routing.summary.misses);
    expect(m.bytesRead).toBe((m.loads + m.transientLoads) * offload.doc.model.bytesPerExpert);
    expect(m.peakResidentExperts).toBeLessThanOrEqual(8 * 2);
    // the stated bound (dense + (C × layers + 1) × expert + overhead) holds for the process's peak RSS
    expect(m.peakRssBytes).toBeLessThan(m.boundBytes);
  });

  it('--quant q4 offloaded gives the all-resident q4 results (one scratch buffer for every read)', () => {
    const resident = run(['--quant', 'q4']);
    const offload = run(['--quant', 'q4', '--offload']);
    // resident 4-bit layers run as one fused node, offloaded experts one by one: the same kernels,
    // summed in another order, so log-likelihoods agree to float32 rounding and choices exactly
    expectClose(offload.samples, resident.samples, 1e-5);
    expect(offload.samples.map((s) => s.values)).toEqual(resident.samples.map((s) => s.values));
    expect(offload.doc.metrics).toEqual(resident.doc.metrics);
    expect(offload.doc.memory.peakRssBytes).toBeLessThan(offload.doc.memory.boundBytes);
  });

  it('--io-bandwidth is recorded and labelled emulated, in results and in the report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-eval-io-'));
    const out = join(dir, 'run');
    const r = runCli(['mmlu', '--model', model, '--data', data, '--limit', '1', '--cache', '8', '--offload', '--io-bandwidth', '2000', '--output', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).memory.ioBandwidth).toEqual({ mbps: 2000, label: 'emulated' });
    const rep = runCli(['report', out, '--out', join(dir, 'lb.md'), '--charts', 'none']);
    expect(rep.status, rep.stderr).toBe(0);
    expect(readFileSync(join(dir, 'lb.md'), 'utf8')).toContain('storage emulated at 2000 MB/s');
  });

  it('--memory-limit derives the largest cache that fits, and refuses a cache that does not', () => {
    // bound(C) = dense + (C·2 layers + 1 transient)·(3·32·256·4 B = 98,304 B) + 512 MiB; dense =
    // 6,511,104 B (the tied 50304×32 embedding, attention, norms, routers): 530 MiB leaves
    // 18,874,368 − 6,511,104 − 98,304 B for cached experts = 124.8 slots / 2 layers -> C = 62, capped
    // at the 32 experts there are; 520 MiB leaves 8,388,608 − 6,511,104 − 98,304 B -> 18.1 / 2 -> C = 9
    const derive = (limit: string) => {
      const r = runCli(['mmlu', '--model', model, '--data', data, '--limit', '1', '--offload', '--memory-limit', limit, '--json', '--output', join(mkdtempSync(join(tmpdir(), 'moe-eval-run-')), 'r')]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    expect(derive('530MiB').config.cache).toBe(32);
    const tight = derive('520MiB');
    expect(tight.config.cache).toBe(9);
    expect(tight.memory.boundBytes).toBeLessThanOrEqual(520 * 2 ** 20);
    const r = runCli(['mmlu', '--model', model, '--data', data, '--limit', '1', '--cache', '32', '--offload', '--memory-limit', '520MiB']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--cache 32 needs');
  });
});

describe('memory known before loading', () => {
  // the embedded model's parameters, from its config.json by hand (olmoe: q/k RMSNorm over the whole
  // projection, untied LM head): everything but the routed experts is held in float32, except the
  // embedding table, which is not held at all (lookups read its rows from the checkpoint)
  const cfg = JSON.parse(readFileSync(join('models', 'embedded', 'config.json'), 'utf8'));
  const H = cfg.hidden_size;
  const perLayer = 4 * H * H + 2 * H + 2 * H + cfg.num_experts * H; // q k v o, q/k norms, two layer norms, router
  const dense = 2 * cfg.vocab_size * H + cfg.num_hidden_layers * perLayer + H;
  const embedding = cfg.vocab_size * H;
  const expert = 3 * H * cfg.intermediate_size;
  const denseBytes = 4 * (dense - embedding);
  const holdMiB = (denseBytes + 4 * cfg.num_hidden_layers * cfg.num_experts * expert + 512 * 2 ** 20) / 2 ** 20;
  const mib = (x: number) => `${x.toFixed(2)} MiB`;

  it('a run that cannot hold the model is refused in seconds, naming the size and the flags that fit', () => {
    const limitMiB = Math.floor(holdMiB) - 20;
    const t0 = performance.now();
    const r = runCli(['mmlu', '--limit', '1', '--memory-limit', `${limitMiB}MiB`, '--output', join(mkdtempSync(join(tmpdir(), 'moe-eval-mem-')), 'r')]);
    expect(r.status).toBe(2);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(r.stderr).toContain(`holding the model needs ${mib(holdMiB)}`);
    expect(r.stderr).toContain(`more than --memory-limit (${mib(limitMiB)})`);
    // C experts per layer fit when dense + C·layers·expert + one transient expert + overhead ≤ limit
    const fits = Math.floor(((limitMiB * 2 ** 20 - denseBytes - 4 * expert - 512 * 2 ** 20) / (cfg.num_hidden_layers * 4 * expert)));
    expect(r.stderr).toContain(`--offload --memory-limit ${limitMiB}MiB (a cache of ${fits} of 16 experts per layer fits)`);
    // and the suggestion runs
    const ok = runCli(['mmlu', '--limit', '1', '--offload', '--memory-limit', `${limitMiB}MiB`, '--json', '--quiet', '--output', join(mkdtempSync(join(tmpdir(), 'moe-eval-mem-')), 'r')]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).routing.config.cache.capacityExpertsPerLayer).toBe(fits);
  });

  it('--precision holds every projection in blocks: the size is known before loading, and a finer mix is suggested', () => {
    // by hand, 4-bit: 64 bytes of values + a 4-byte scale per block of 128 weights, a row zero-padded
    // to whole blocks, held 1.55x by onnxruntime's prepacking (PREPACKED_FACTOR, measured); 8-bit:
    // 128 + 4 bytes. The projections' rows (H = 256) are whole blocks; the experts' down projection
    // (I = 192 wide) is padded to 256, and experts that are not whole blocks in both widths are not
    // fused into one node (which holds 1.25x), so they are held 1.55x too. The norms and routers stay
    // float32, the embedding is not held.
    const I = cfg.intermediate_size;
    const projections = cfg.num_hidden_layers * 4 * H * H + cfg.vocab_size * H; // q k v o, LM head
    const other = dense - embedding - projections;
    const expertCount = cfg.num_hidden_layers * cfg.num_experts;
    const blocks = (rows: number, cols: number, blockBytes: number) => rows * Math.ceil(cols / 128) * blockBytes;
    const q4Expert = 1.55 * (2 * blocks(I, H, 68) + blocks(H, I, 68));
    const held = (dp: number, expertBytes: number) => 4 * other + dp * projections + expertBytes * expertCount + 512 * 2 ** 20;
    const q4 = (1.55 * 68) / 128;
    const q8 = (1.55 * 132) / 128;
    const q4MiB = held(q4, q4Expert) / 2 ** 20;
    const r = runCli(['mmlu', '--limit', '1', '--precision', 'q4', '--memory-limit', `${Math.floor(q4MiB) - 2}MiB`, '--output', join(mkdtempSync(join(tmpdir(), 'moe-eval-mem-')), 'r')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`holding the model needs ${mib(q4MiB)} (dense weights ${mib((held(q4, 0) - 512 * 2 ** 20) / 2 ** 20)}, projections in 4-bit blocks + ${cfg.num_hidden_layers} MoE layers × ${cfg.num_experts} experts × ${mib(q4Expert / 2 ** 20)} in 4-bit blocks`);
    // between "experts 4-bit" and "all 4-bit": projections in 8-bit blocks fit
    const expertsQ4MiB = held(4, q4Expert) / 2 ** 20;
    const mixMiB = held(q8, q4Expert) / 2 ** 20;
    expect(mixMiB).toBeLessThan(expertsQ4MiB - 2);
    const limitMiB = Math.ceil(mixMiB) + 1;
    const refused = runCli(['mmlu', '--limit', '1', '--memory-limit', `${limitMiB}MiB`, '--output', join(mkdtempSync(join(tmpdir(), 'moe-eval-mem-')), 'r')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`--precision q8 --quant q4 (holds ${mib(mixMiB)})`);
    const ok = runCli(['mmlu', '--limit', '1', '--precision', 'q8', '--quant', 'q4', '--memory-limit', `${limitMiB}MiB`, '--json', '--quiet', '--output', join(mkdtempSync(join(tmpdir(), 'moe-eval-mem-')), 'r')]);
    expect(ok.status, ok.stderr).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc.config.densePrecision).toBe('q8');
    expect(doc.config.precision).toBe('q4');
    expect(doc.memory.offload).toBe(false);
  });

  it('a limit that holds the model runs it with every expert resident', () => {
    const r = runCli(['mmlu', '--limit', '1', '--memory-limit', `${Math.ceil(holdMiB)}MiB`, '--json', '--quiet', '--output', join(mkdtempSync(join(tmpdir(), 'moe-eval-mem-')), 'r')]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).memory.offload).toBe(false);
  });
});
