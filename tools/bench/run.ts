// `npm run bench`: moe-eval's engine side by side with the project's PyTorch-eager peer
// (tools/bench/torch_peer.py) on the same synthetic real-shaped checkpoints, alternating the
// contenders; decode tokens/s after a 128-token prompt, prefill tokens/s of a 512-token prompt, the
// machine's memory bandwidth (a large array copy), the weight bytes per second decode achieves, and
// the share of decode time spent in routing + cache bookkeeping. Results: reports/bench/<date>.json
// and a markdown table on stdout. Without a Python that can import torch, moe-eval runs alone.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MoeModel } from '../../src/engine/model.js';
import { PACKAGE_ROOT } from '../../src/engine/model-source.js';
import { moeLayerIndices } from '../../src/engine/spec.js';
import { writeSyntheticCheckpoint } from '../../src/engine/synthetic-checkpoint.js';
import { modelFacts } from '../../src/engine/inspect.js';
import { RoutingController } from '../../src/routing/index.js';
import type { ExpertRouting, RoutingPhase } from '../../src/routing/types.js';
import { argmax } from '../../src/engine/engine.js';
import { BENCH_SHAPES } from './shapes.js';

const { values: args } = parseArgs({
  options: {
    scratch: { type: 'string', default: process.env.MOE_EVAL_BENCH_DIR ?? join(tmpdir(), 'moe-eval-bench') },
    only: { type: 'string' },
    repeats: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    // default: python3 on PATH, else /usr/bin/python3, whichever first imports torch
    python: { type: 'string' },
    'skip-torch': { type: 'boolean', default: false },
    // seconds to wait after one contender's process ends before the other measures (see settle())
    settle: { type: 'string', default: '10' },
    out: { type: 'string', default: join(PACKAGE_ROOT, 'reports', 'bench') },
  },
});
const PROMPT = 128;
const DECODE = 32;
const LONG = 512;
const repeats = Number(args.repeats);
const settleSeconds = Number(args.settle);
const rounds = Number(args.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Times route() calls of a wrapped routing: the bookkeeping share of a decode step. */
class TimedRouting implements ExpertRouting {
  ms = 0;
  readonly topK: number;
  constructor(private readonly inner: RoutingController) {
    this.topK = inner.topK;
  }
  route(layer: number, position: number, phase: RoutingPhase, z: Float32Array, s: Int32Array, w: Float32Array): void {
    const t0 = performance.now();
    this.inner.route(layer, position, phase, z, s, w);
    this.ms += performance.now() - t0;
  }
}

function prompt(vocab: number, n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) % vocab);
}

/** Copy bandwidth of a 1 GiB array (read + write bytes per second), best of 5. */
function memoryBandwidthGBps(): number {
  const n = 2 ** 27; // 1 GiB of float64
  const a = new Float64Array(n).fill(1);
  const b = new Float64Array(n);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    b.set(a);
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * n * 8) / (best / 1e3) / 1e9;
}

async function oursOnce(model: MoeModel): Promise<{ prefillTokS: number; decodeTokS: number; longTokS: number; routingShare: number }> {
  const spec = model.spec;
  const controller = new RoutingController({
    rule: spec.moe.router, moeLayers: moeLayerIndices(spec), strategy: 'cache-prior', strategyParams: { lambda: 0.25 },
    cache: { capacity: Math.max(spec.moe.topK, spec.moe.numExperts / 2) },
  });
  const routing = new TimedRouting(controller);
  const kvLong = model.newKvCache(LONG);
  let t0 = performance.now();
  controller.beginSample(0);
  await model.forward(prompt(spec.vocabSize, LONG, 2), kvLong, routing, { phase: 'prefill' });
  const longMs = performance.now() - t0;
  controller.beginSample(1);
  const kv = model.newKvCache(PROMPT + DECODE + 1);
  t0 = performance.now();
  let logits = await model.forward(prompt(spec.vocabSize, PROMPT, 1), kv, routing, { phase: 'prefill' });
  const prefillMs = performance.now() - t0;
  routing.ms = 0;
  t0 = performance.now();
  for (let i = 0; i < DECODE; i++) logits = await model.forward([argmax(logits)], kv, routing, { phase: 'decode' });
  const decodeMs = performance.now() - t0;
  return { prefillTokS: (1000 * PROMPT) / prefillMs, decodeTokS: (1000 * DECODE) / decodeMs, longTokS: (1000 * LONG) / longMs, routingShare: routing.ms / decodeMs };
}

const PEER = join(dirname(fileURLToPath(import.meta.url)), 'torch_peer.py');
const TORCH_INSTALL_HINT = 'install them (Debian: apt-get install python3-torch libopenblas0-pthread) or name a Python that has them with --python';

/** The torch version a Python interpreter imports, or null (no such interpreter, or no torch). */
function torchVersion(python: string): string | null {
  const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The first interpreter that imports torch: --python alone when given, else python3 on PATH, else /usr/bin/python3. */
function findTorchPython(given: string | undefined): { python: string; torch: string } | { tried: string[] } {
  const candidates = given ? [given] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    const torch = torchVersion(python);
    if (torch) return { python, torch };
  }
  return { tried: candidates };
}

function torchOnce(python: string, dir: string): Record<string, number> {
  const out = execFileSync(python, [PEER, dir, '--prompt', String(PROMPT), '--decode', String(DECODE), '--prefill-long', String(LONG), '--threads', '2', '--repeats', String(repeats), '--json'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** Bytes of the weights one decode token reads at float32 (torch_peer.py's definition). */
function decodeWeightBytes(model: MoeModel): number {
  const f = modelFacts(model.checkpoint, model.spec);
  // active parameters count the whole embedding table; a decode token reads one row of it (a tied
  // table is read whole anyway, as the LM head)
  const unreadEmbedding = f.tiedEmbeddings ? 0 : f.vocabSize * f.hiddenSize - f.hiddenSize;
  return (f.activeParameters - unreadEmbedding) * 4;
}

/**
 * Waits for the machine to settle. Right after the PyTorch process (~7 GB of weights) exits, memory
 * bandwidth stays low for seconds (measured: moe-eval's Qwen1.5-MoE-shaped decode 85 ms/token at
 * once, 54 ms/token 10 s later), which would bias the alternation against whoever runs next.
 */
function settle(): void {
  if (settleSeconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, settleSeconds * 1000);
}

async function main(): Promise<void> {
  mkdirSync(args.scratch!, { recursive: true });
  let peer: { python: string; torch: string } | null = null;
  if (args['skip-torch']) process.stderr.write('PyTorch side skipped (--skip-torch)\n');
  else {
    const found = findTorchPython(args.python);
    if ('torch' in found) {
      peer = found;
      process.stderr.write(`PyTorch side: ${found.python} (torch ${found.torch}) running ${PEER}\n`);
    } else process.stderr.write(`PyTorch side skipped: ${found.tried.join(' and ')} cannot import torch and numpy; ${TORCH_INSTALL_HINT}. Measuring moe-eval alone.\n`);
  }
  const bandwidth = memoryBandwidthGBps();
  process.stderr.write(`memory copy bandwidth: ${bandwidth.toFixed(1)} GB/s (read + write)\n`);
  const rows: Record<string, unknown>[] = [];
  for (const shape of BENCH_SHAPES.filter((s) => !args.only || args.only.split(',').includes(s.name))) {
    const dir = join(args.scratch!, shape.name);
    if (!existsSync(join(dir, 'config.json')) || readFileSync(join(dir, 'config.json'), 'utf8') !== `${JSON.stringify(shape.config, null, 2)}\n`) {
      process.stderr.write(`writing ${dir} (${shape.name}, float32, random weights)…\n`);
      writeSyntheticCheckpoint(dir, { config: shape.config, dtype: 'F32', seed: 1234, shardBytes: 2 ** 31 });
    }
    const t0 = performance.now();
    const model = await MoeModel.load(dir);
    const loadS = (performance.now() - t0) / 1000;
    const ours: Awaited<ReturnType<typeof oursOnce>>[] = [];
    const torch: Record<string, number>[] = [];
    await oursOnce(model); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < repeats; i++) ours.push(await oursOnce(model));
      if (peer) {
        settle();
        torch.push(torchOnce(peer.python, dir));
        settle();
      }
    }
    const bytes = decodeWeightBytes(model);
    await model.release();
    const o = { decode: median(ours.map((x) => x.decodeTokS)), prefill128: median(ours.map((x) => x.prefillTokS)), prefill512: median(ours.map((x) => x.longTokS)), routingShare: median(ours.map((x) => x.routingShare)) };
    const t = peer ? { decode: median(torch.map((x) => x.decode_tokens_per_s)), prefill512: median(torch.map((x) => x.prefill_long_tokens_per_s)), busy: Math.max(...torch.map((x) => x.other_processes_cores_busy ?? 0)), bytes: torch[0].weights_bytes_read_per_decode_token } : null;
    rows.push({
      model: shape.name, loadS, ours: o, torch: t,
      decodeRatio: t ? o.decode / t.decode : null, prefillRatio: t ? o.prefill512 / t.prefill512 : null,
      weightBytesPerDecodeToken: t?.bytes ?? bytes, achievedGBps: ((t?.bytes ?? bytes) * o.decode) / 1e9, bandwidthShare: ((t?.bytes ?? bytes) * o.decode) / 1e9 / bandwidth,
    });
    process.stderr.write(`${shape.name}: ours decode ${o.decode.toFixed(2)} tok/s, prefill-512 ${o.prefill512.toFixed(1)} tok/s${t ? `; torch ${t.decode.toFixed(2)} / ${t.prefill512.toFixed(1)}` : ''}\n`);
  }
  const date = new Date().toISOString().slice(0, 10);
  const report = { date, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30, node: process.version, torch: peer?.torch ?? null }, memoryCopyGBps: bandwidth, prompt: PROMPT, decode: DECODE, prefillLong: LONG, repeats, rounds, settleSeconds, rows };
  mkdirSync(args.out!, { recursive: true });
  writeFileSync(join(args.out!, `${date}.json`), `${JSON.stringify(report, null, 2)}\n`);
  console.log(markdown(report));
}

function markdown(r: { date: string; memoryCopyGBps: number; rows: Record<string, any>[] }): string {
  const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  const ratio = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(2)}x`);
  const lines = [
    `| model (2 layers, fp32) | moe-eval decode tok/s | PyTorch decode tok/s | ratio | moe-eval prefill-512 tok/s | PyTorch prefill-512 tok/s | ratio | decode weight GB/s | of copy bandwidth | routing + cache share of decode |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.rows.map((x) => `| ${x.model} | ${f(x.ours.decode, 2)} | ${f(x.torch?.decode, 2)} | ${ratio(x.decodeRatio)} | ${f(x.ours.prefill512)} | ${f(x.torch?.prefill512)} | ${ratio(x.prefillRatio)} | ${f(x.achievedGBps)} | ${f(100 * x.bandwidthShare, 0)} % | ${f(100 * x.ours.routingShare, 2)} % |`),
    '',
    `Memory copy bandwidth (1 GiB array copy, read + write): ${f(r.memoryCopyGBps)} GB/s. Medians; prompt 128 + 32 greedy decode steps, and one 512-token prefill; ${settleSeconds} s settle pause around each PyTorch run. ${r.date}.`,
  ];
  return lines.join('\n');
}

await main();
