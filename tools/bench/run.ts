// `npm run bench`: moe-eval's engine side by side with its peers on the same synthetic real-shaped
// checkpoints, per precision (precisions.ts), alternating the contenders and reversing their order
// every round: the project's PyTorch-eager peer (tools/bench/torch_peer.py, fp32) and llama.cpp
// (llama-peer.ts) where LLAMA_BENCH names a llama-bench. Each moe-eval measurement runs in a process
// of its own (ours.ts): load seconds, peak resident memory, prefill tokens/s of a 512-token prompt
// and decode tokens/s after a 128-token one. Also: the machine's memory bandwidth (a large array
// copy), the weight bytes per second fp32 decode achieves, and the share of decode time spent in
// routing + cache bookkeeping. Results: reports/bench/<date>.json and a markdown table on stdout.
// A peer that is not found is skipped with a message naming what to install or set.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseModelSpec } from '../../src/engine/architectures/registry.js';
import { Checkpoint } from '../../src/engine/checkpoint.js';
import { PACKAGE_ROOT } from '../../src/engine/model-source.js';
import { quantizeCheckpoint } from '../../src/engine/quantize-checkpoint.js';
import { QUANTIZATION_KEY, quantizationMarker, type CheckpointStorage } from '../../src/engine/stored-blocks.js';
import { writeSyntheticCheckpoint } from '../../src/engine/synthetic-checkpoint.js';
import { modelFacts } from '../../src/engine/inspect.js';
import type { MatrixPrecision } from '../../src/engine/linear.js';
import { findLlamaCpp, ggufFor, llamaCppOnce, storedGguf, type LlamaCpp } from './llama-peer.js';
import { BENCH_PRECISIONS, type BenchPrecision, type PrecisionId } from './precisions.js';
import { BENCH_SHAPES, DECODE, LONG, PROMPT, type BenchShape } from './shapes.js';

const { values: args } = parseArgs({
  options: {
    scratch: { type: 'string', default: process.env.MOE_EVAL_BENCH_DIR ?? join(tmpdir(), 'moe-eval-bench') },
    // shape names, comma-separated (default: all)
    only: { type: 'string' },
    // precisions, comma-separated (default: each shape's own list)
    precision: { type: 'string' },
    repeats: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    // default: python3 on PATH, else /usr/bin/python3, whichever first imports torch
    python: { type: 'string' },
    'skip-torch': { type: 'boolean', default: false },
    // GGUF copies for llama.cpp are deleted once a shape's rows are measured (they double the disk a shape takes)
    'keep-gguf': { type: 'boolean', default: false },
    // seconds to wait after one contender's process ends before the next measures (see settle())
    settle: { type: 'string', default: '10' },
    out: { type: 'string', default: join(PACKAGE_ROOT, 'reports', 'bench') },
  },
});
const repeats = Number(args.repeats);
const settleSeconds = Number(args.settle);
const rounds = Number(args.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const log = (line: string) => process.stderr.write(`${line}\n`);
const HERE = dirname(fileURLToPath(import.meta.url));

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

interface OursResult {
  loadS: number;
  peakRssGiB: number;
  /** largest proportional set size seen (ours.ts); null off Linux */
  pssGiB: number | null;
  prefill128: number;
  prefill512: number;
  decode: number;
  routingShare: number;
}

/** One moe-eval measurement in a process of its own (ours.ts). */
function oursOnce(dir: string, precision: MatrixPrecision): OursResult {
  const tsx = join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const out = execFileSync(process.execPath, [tsx, join(HERE, 'ours.ts'), dir, '--precision', precision, '--repeats', String(repeats)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!);
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
function decodeWeightBytes(dir: string): number {
  const ckpt = Checkpoint.open(dir);
  try {
    const f = modelFacts(ckpt, parseModelSpec(ckpt.config, join(dir, 'config.json')));
    // active parameters count the whole embedding table; a decode token reads one row of it (a tied
    // table is read whole anyway, as the LM head)
    const unreadEmbedding = f.tiedEmbeddings ? 0 : f.vocabSize * f.hiddenSize - f.hiddenSize;
    return (f.activeParameters - unreadEmbedding) * 4;
  } finally {
    ckpt.close();
  }
}

/**
 * Waits for the machine to settle. Right after the PyTorch process (~7 GB of weights) exits, memory
 * bandwidth stays low for seconds (measured: moe-eval's Qwen1.5-MoE-shaped decode 85 ms/token at
 * once, 54 ms/token 10 s later), which would bias the alternation against whoever runs next.
 */
function settle(): void {
  if (settleSeconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, settleSeconds * 1000);
}

/** The synthetic checkpoint of a shape, and moe-eval's quantized copy when a precision needs it; made once. */
function prepareShape(shape: BenchShape, precisions: PrecisionId[]): string {
  const dir = join(args.scratch!, shape.name);
  const configText = `${JSON.stringify(shape.config, null, 2)}\n`;
  if (!existsSync(join(dir, 'config.json')) || readFileSync(join(dir, 'config.json'), 'utf8') !== configText) {
    log(`writing ${dir} (${shape.name}, ${shape.dtype}, random weights)…`);
    rmSync(dir, { recursive: true, force: true });
    for (const stale of [...quantizedCopies(precisions).map((p) => `${dir}${p.suffix}`), `${dir}.gguf`]) rmSync(stale, { recursive: true, force: true });
    // config.json last: a crash midway leaves no config that would pass as a finished checkpoint
    writeSyntheticCheckpoint(`${dir}.partial`, { config: shape.config, dtype: shape.dtype, seed: 1234, shardBytes: 2 ** 31 });
    renameSync(`${dir}.partial`, dir);
  }
  for (const { suffix, stored } of quantizedCopies(precisions)) {
    const out = `${dir}${suffix}`;
    // a copy written before matrices could be stored lacks the marker it would have now
    const marker = existsSync(join(out, 'config.json')) ? JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))[QUANTIZATION_KEY] : undefined;
    if (JSON.stringify(marker) === JSON.stringify(quantizationMarker(stored))) continue;
    log(`quantizing ${dir} -> ${out} (moe-eval quantize, ${JSON.stringify(stored)})…`);
    for (const d of [out, `${out}.partial`]) rmSync(d, { recursive: true, force: true });
    mkdirSync(`${out}.partial`);
    quantizeCheckpoint(dir, `${out}.partial`, stored);
    renameSync(`${out}.partial`, out);
  }
  return dir;
}

/** The quantized copies the precisions run on. */
const quantizedCopies = (precisions: PrecisionId[]): { suffix: string; stored: CheckpointStorage }[] =>
  precisions.flatMap((id) => {
    const ours: BenchPrecision['ours'] = BENCH_PRECISIONS[id].ours;
    return ours?.stored ? [{ suffix: ours.suffix, stored: ours.stored }] : [];
  });

type Contender = () => void;

async function main(): Promise<void> {
  mkdirSync(args.scratch!, { recursive: true });
  let torchPeer: { python: string; torch: string } | null = null;
  if (args['skip-torch']) log('PyTorch side skipped (--skip-torch)');
  else {
    const found = findTorchPython(args.python);
    if ('torch' in found) {
      torchPeer = found;
      log(`PyTorch side: ${found.python} (torch ${found.torch}) running ${PEER}`);
    } else log(`PyTorch side skipped: ${found.tried.join(' and ')} cannot import torch and numpy; ${TORCH_INSTALL_HINT}. Measuring without it.`);
  }
  const llama = findLlamaCpp();
  const llamaPeer: LlamaCpp | null = 'skipped' in llama ? null : llama;
  log(llamaPeer ? `llama.cpp side: ${llamaPeer.bench}` : `llama.cpp side skipped: ${(llama as { skipped: string }).skipped}`);
  const bandwidth = memoryBandwidthGBps();
  log(`memory copy bandwidth: ${bandwidth.toFixed(1)} GB/s (read + write)`);
  const wanted = args.precision?.split(',') as PrecisionId[] | undefined;
  for (const p of wanted ?? []) if (!(p in BENCH_PRECISIONS)) throw new Error(`--precision ${p}: not one of ${Object.keys(BENCH_PRECISIONS).join(', ')}`);
  const rows: Record<string, unknown>[] = [];
  for (const shape of BENCH_SHAPES.filter((s) => !args.only || args.only.split(',').includes(s.name))) {
    const precisions = shape.precisions.filter((p) => !wanted || wanted.includes(p));
    if (precisions.length === 0) continue;
    const dir = prepareShape(shape, precisions);
    for (const id of precisions) {
      const p = BENCH_PRECISIONS[id];
      const oursRun = p.ours ? { dir: `${dir}${p.ours.suffix}`, precision: p.ours.precision } : null;
      const gguf = llamaPeer ? ggufFor(llamaPeer, dir, shape.dtype, p.llamaCpp, log) : null;
      const ours: OursResult[] = [];
      const torch: Record<string, number>[] = [];
      const llamaRuns: { prefill512: number; decode: number }[] = [];
      const contenders: Contender[] = [];
      if (oursRun) contenders.push(() => ours.push(oursOnce(oursRun.dir, oursRun.precision)));
      if (torchPeer && p.torch) contenders.push(() => torch.push(torchOnce(torchPeer.python, dir)));
      if (llamaPeer && gguf) contenders.push(() => llamaRuns.push(llamaCppOnce(llamaPeer, gguf, repeats)));
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? contenders : [...contenders].reverse();
        order.forEach((run, i) => {
          if (i > 0) settle();
          run();
        });
        if (r + 1 < rounds && contenders.length > 1) settle();
      }
      const o = ours.length
        ? { loadS: median(ours.map((x) => x.loadS)), peakRssGiB: median(ours.map((x) => x.peakRssGiB)), pssGiB: ours.some((x) => x.pssGiB === null) ? null : median(ours.map((x) => x.pssGiB!)), decode: median(ours.map((x) => x.decode)), prefill128: median(ours.map((x) => x.prefill128)), prefill512: median(ours.map((x) => x.prefill512)), routingShare: median(ours.map((x) => x.routingShare)) }
        : null;
      const t = torch.length ? { decode: median(torch.map((x) => x.decode_tokens_per_s)), prefill512: median(torch.map((x) => x.prefill_long_tokens_per_s)), busy: Math.max(...torch.map((x) => x.other_processes_cores_busy ?? 0)), bytes: torch[0].weights_bytes_read_per_decode_token } : null;
      const l = llamaRuns.length ? { prefill: median(llamaRuns.map((x) => x.prefill512)), decode: median(llamaRuns.map((x) => x.decode)) } : null;
      const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : null);
      const row: Record<string, unknown> = {
        model: shape.name, precision: id, ours: o, torch: t,
        decodeRatio: ratio(o?.decode, t?.decode), prefillRatio: ratio(o?.prefill512, t?.prefill512),
      };
      if (llamaPeer) {
        row.llamaCpp = l;
        row.vsLlamaCpp = { prefillRatio: ratio(o?.prefill512, l?.prefill), decodeRatio: ratio(o?.decode, l?.decode) };
      }
      if (id === 'f32' && o) {
        const bytes = t?.bytes ?? decodeWeightBytes(dir);
        Object.assign(row, { weightBytesPerDecodeToken: bytes, achievedGBps: (bytes * o.decode) / 1e9, bandwidthShare: (bytes * o.decode) / 1e9 / bandwidth });
      }
      rows.push(row);
      const f = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(1));
      log(`${shape.name} ${id}: ours prefill-512 ${f(o?.prefill512)} / decode ${f(o?.decode)} tok/s${t ? `; torch ${f(t.prefill512)} / ${f(t.decode)}` : ''}${l ? `; llama.cpp ${f(l.prefill)} / ${f(l.decode)}` : ''}`);
      if (gguf && gguf !== storedGguf(dir) && !args['keep-gguf']) rmSync(gguf, { force: true });
    }
    if (llamaPeer && !args['keep-gguf']) rmSync(storedGguf(dir), { force: true });
  }
  const date = new Date().toISOString().slice(0, 10);
  const report = { date, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30, node: process.version, torch: torchPeer?.torch ?? null, llamaCpp: llamaPeer?.bench ?? null }, memoryCopyGBps: bandwidth, prompt: PROMPT, decode: DECODE, prefillLong: LONG, repeats, rounds, settleSeconds, rows };
  mkdirSync(args.out!, { recursive: true });
  writeFileSync(join(args.out!, `${date}.json`), `${JSON.stringify(report, null, 2)}\n`);
  console.log(markdown(report));
}

function markdown(r: { date: string; memoryCopyGBps: number; rows: Record<string, any>[] }): string {
  const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  const ratio = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(2)}x`);
  const lines = [
    '| model | precision | moe-eval load s / peak RSS / peak PSS GiB | moe-eval prefill-512 / decode tok/s | PyTorch prefill-512 / decode | vs PyTorch | llama.cpp prefill-512 / decode | vs llama.cpp |',
    '|---|---|---|---|---|---|---|---|',
    ...r.rows.map((x) => `| ${x.model} | ${BENCH_PRECISIONS[x.precision as PrecisionId].label} | ${x.ours ? `${f(x.ours.loadS)} / ${f(x.ours.peakRssGiB, 2)} / ${f(x.ours.pssGiB, 2)}` : 'n/a (no such mode)'} | ${x.ours ? `${f(x.ours.prefill512)} / ${f(x.ours.decode, 2)}` : 'n/a'} | ${x.torch ? `${f(x.torch.prefill512)} / ${f(x.torch.decode, 2)}` : 'n/a'} | ${ratio(x.prefillRatio)} / ${ratio(x.decodeRatio)} | ${x.llamaCpp ? `${f(x.llamaCpp.prefill)} / ${f(x.llamaCpp.decode, 2)}` : 'n/a'} | ${x.vsLlamaCpp ? `${ratio(x.vsLlamaCpp.prefillRatio)} / ${ratio(x.vsLlamaCpp.decodeRatio)}` : 'n/a'} |`),
    '',
    ...r.rows.filter((x) => x.achievedGBps !== undefined).map((x) => `${x.model} f32 decode reads ${f(x.achievedGBps)} GB/s of weights, ${f(100 * x.bandwidthShare, 0)} % of the ${f(r.memoryCopyGBps)} GB/s copy bandwidth; routing + cache bookkeeping ${f(100 * x.ours.routingShare, 2)} % of decode.`),
    '',
    `Medians; prompt ${PROMPT} + ${DECODE} greedy decode steps, and one ${LONG}-token prefill; 2 threads; ${settleSeconds} s settle pause between contenders. ${r.date}.`,
  ];
  return lines.join('\n');
}

await main();
