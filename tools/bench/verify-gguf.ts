// `npm run bench:verify-gguf`: does llama.cpp, reading the bench's GGUF conversion (gguf.ts),
// compute the model moe-eval computes? Speed ratios against llama.cpp mean something only if it
// does. Compiles llama-logits.cpp against the llama.cpp build that LLAMA_BENCH lives in (or
// `--llama-cpp DIR`, a checkout built as the README says), converts each checkpoint, and compares
// the logits of every position with moe-eval's, and with the float64 reference where the checkpoint
// is a golden fixture (golden.json). Exit 1 when any logit differs by more than 1e-4.
//
// Checkpoints: the directories given, else the two 2-layer bench shapes cut to hidden size 256 and
// a 1,000-token vocabulary (float32, written to the scratch folder) and the qwen2_moe golden fixture.
// Weights must be stored as float32: llama.cpp rounds activations to bf16 against bf16 weights.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseModelSpec } from '../../src/engine/architectures/registry.js';
import { Checkpoint } from '../../src/engine/checkpoint.js';
import { MoeModel } from '../../src/engine/model.js';
import { OwnTopKRouting } from '../../src/engine/own-routing.js';
import { PACKAGE_ROOT } from '../../src/engine/model-source.js';
import { writeSyntheticCheckpoint } from '../../src/engine/synthetic-checkpoint.js';
import { writeGguf } from './gguf.js';
import { BENCH_SHAPES } from './shapes.js';

const TOLERANCE = 1e-4;
const HERE = dirname(fileURLToPath(import.meta.url));

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'llama-cpp': { type: 'string', default: process.env.LLAMA_BENCH ? resolve(dirname(process.env.LLAMA_BENCH), '..', '..') : undefined },
    scratch: { type: 'string', default: join(process.env.MOE_EVAL_BENCH_DIR ?? join(tmpdir(), 'moe-eval-bench'), 'verify-gguf') },
  },
});

function fail(message: string): never {
  process.stderr.write(`verify-gguf: ${message}\n`);
  process.exit(2);
}

/** llama-logits built against the static libraries of the llama.cpp checkout `root`, rebuilt when older than them. */
function buildLlamaLogits(root: string, outDir: string): string {
  const source = join(HERE, 'llama-logits.cpp');
  const libs = ['build/src/libllama.a', 'build/ggml/src/libggml.a', 'build/ggml/src/libggml-cpu.a', 'build/ggml/src/libggml-base.a'].map((l) => join(root, l));
  const missing = libs.filter((l) => !existsSync(l));
  if (missing.length) fail(`${missing.join(', ')} not found: build llama.cpp with -DBUILD_SHARED_LIBS=OFF (README "Benchmarks") and pass --llama-cpp CHECKOUT or LLAMA_BENCH`);
  const bin = join(outDir, 'llama-logits');
  const newest = Math.max(...[source, ...libs].map((f) => statSync(f).mtimeMs));
  if (!existsSync(bin) || statSync(bin).mtimeMs < newest) {
    process.stderr.write(`compiling ${bin}…\n`);
    execFileSync('g++', ['-O2', '-std=c++17', `-I${join(root, 'include')}`, `-I${join(root, 'ggml', 'include')}`, source, ...libs, '-fopenmp', '-lpthread', '-ldl', '-o', bin], { stdio: 'inherit' });
  }
  return bin;
}

/** The bench's 2-layer shapes, small enough to check in seconds; the conversion does not depend on the sizes. */
function reducedBenchShapes(outDir: string): string[] {
  return BENCH_SHAPES.filter((s) => s.name.endsWith('-2l')).map((s) => {
    const dir = join(outDir, `${s.name}-small`);
    const config = { ...s.config, hidden_size: 256, intermediate_size: 128, moe_intermediate_size: 128, shared_expert_intermediate_size: 256, vocab_size: 1000 };
    if (s.config.model_type === 'qwen2_moe') config.intermediate_size = 256;
    rmSync(dir, { recursive: true, force: true });
    writeSyntheticCheckpoint(dir, { config, dtype: 'F32', seed: 1 });
    return dir;
  });
}

function storedDtype(dir: string): string {
  const ckpt = Checkpoint.open(dir);
  try {
    return ckpt.info(parseModelSpec(ckpt.config, join(dir, 'config.json')).names.embed).dtype;
  } finally {
    ckpt.close();
  }
}

interface Comparison {
  maxAbs: number;
  maxLogit: number;
  top1: number;
}

function compare(rows: ArrayLike<number>[], ref: (i: number, j: number) => number, vocab: number): Comparison {
  const c: Comparison = { maxAbs: 0, maxLogit: 0, top1: 0 };
  rows.forEach((row, i) => {
    let a = 0;
    let b = 0;
    for (let j = 0; j < vocab; j++) {
      c.maxAbs = Math.max(c.maxAbs, Math.abs(row[j] - ref(i, j)));
      c.maxLogit = Math.max(c.maxLogit, Math.abs(ref(i, j)));
      if (row[j] > row[a]) a = j;
      if (ref(i, j) > ref(i, b)) b = j;
    }
    if (a === b) c.top1++;
  });
  return c;
}

const root = args['llama-cpp'] ?? fail('set LLAMA_BENCH (as for `npm run bench`) or pass --llama-cpp CHECKOUT');
mkdirSync(args.scratch, { recursive: true });
const bin = buildLlamaLogits(root, args.scratch);
const checkpoints = positionals.length
  ? positionals
  : [...reducedBenchShapes(args.scratch), join(PACKAGE_ROOT, 'test', 'fixtures', 'golden', 'qwen2_moe-e8k2-f32')];

let worst = 0;
for (const dir of checkpoints) {
  const goldenPath = join(dir, 'golden.json');
  const golden = existsSync(goldenPath) ? (JSON.parse(readFileSync(goldenPath, 'utf8')) as { token_ids: number[]; logits: number[][] }) : null;
  const dtype = storedDtype(dir);
  if (dtype !== 'F32') fail(`${dir} stores its weights as ${dtype}: compare float32 checkpoints only (llama.cpp rounds activations to bf16 against bf16 weights)`);
  const gguf = join(args.scratch, `${dir.replace(/[^A-Za-z0-9]+/g, '_')}.gguf`);
  try {
    writeGguf(dir, gguf);
  } catch (e) {
    fail((e as Error).message);
  }
  const model = await MoeModel.load(dir, {});
  const V = model.spec.vocabSize;
  let seed = 3;
  const tokens = golden?.token_ids ?? Array.from({ length: 32 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % V);
  const ours = await model.forward(tokens, model.newKvCache(tokens.length), new OwnTopKRouting(model.spec.moe.router), { phase: 'prefill', logitsFrom: 0 });
  await model.release();
  let llama: number[][];
  try {
    llama = JSON.parse(execFileSync(bin, [gguf, String(V), ...tokens.map(String)], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] }).toString());
  } catch (e) {
    fail(`llama.cpp could not run ${gguf}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    rmSync(gguf, { force: true });
  }
  const vsOurs = compare(llama, (i, j) => ours[i * V + j], V);
  const vsGolden = golden ? compare(llama, (i, j) => golden.logits[i][j], V) : null;
  worst = Math.max(worst, vsOurs.maxAbs, vsGolden?.maxAbs ?? 0);
  const line = (c: Comparison) => `max |Δlogit| ${c.maxAbs.toExponential(2)} (logits up to ${c.maxLogit.toFixed(2)}), same argmax ${c.top1}/${tokens.length}`;
  console.log(`${dir}: ${tokens.length} positions. llama.cpp vs moe-eval: ${line(vsOurs)}${vsGolden ? `; vs golden.json (float64): ${line(vsGolden)}` : ''}`);
}
console.log(worst <= TOLERANCE ? `PASS: every logit within ${TOLERANCE}` : `FAIL: a logit differs by ${worst.toExponential(2)} > ${TOLERANCE}`);
process.exitCode = worst <= TOLERANCE ? 0 : 1;
