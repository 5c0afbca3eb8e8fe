// One moe-eval measurement of `npm run bench`, in a process of its own so that load time and peak
// resident memory belong to this model and precision alone (the peers run as processes too):
//   tsx tools/bench/ours.ts DIR [--precision f32|q8|q4] [--repeats N]
// prints one JSON line: loadS, peakRssGiB, pssGiB, prefill128 / prefill512 / decode tokens per
// second (medians after a warm-up) and the share of decode time spent in routing + cache
// bookkeeping. A pre-quantized checkpoint (`moe-eval quantize`) runs what it stores as stored, as the
// CLI does; --precision is the CLI's: every matrix but the routers in that precision.
// pssGiB is the largest proportional set size seen after loading and after each run (Linux; null
// elsewhere): RSS counts a page once per map of it and a shared page in full, PSS counts what this
// process holds. peakRssGiB is the whole process's peak, loading included.

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { argmax } from '../../src/engine/engine.js';
import { MATRIX_PRECISIONS, type MatrixPrecision } from '../../src/engine/linear.js';
import { MoeModel } from '../../src/engine/model.js';
import { moeLayerIndices } from '../../src/engine/spec.js';
import { RoutingController } from '../../src/routing/index.js';
import type { ExpertRouting, RoutingPhase } from '../../src/routing/types.js';
import { DECODE, LONG, PROMPT } from './shapes.js';


const { values: args, positionals } = parseArgs({ options: { repeats: { type: 'string', default: '3' }, precision: { type: 'string' } }, allowPositionals: true });
const ROLLUP = '/proc/self/smaps_rollup';
const pssGiB = (): number | null => (existsSync(ROLLUP) ? Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(ROLLUP, 'utf8'))?.[1]) / 2 ** 20 : null);
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

/** The same pseudo-random prompts on every run and precision. */
function prompt(vocab: number, n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) % vocab);
}

async function once(model: MoeModel): Promise<{ prefill128: number; decode: number; prefill512: number; routingShare: number }> {
  const spec = model.spec;
  const controller = new RoutingController({
    rule: spec.moe.router, moeLayers: moeLayerIndices(spec), strategy: 'cache-prior', strategyParams: { lambda: 0.25 },
    cache: { capacity: Math.max(spec.moe.topK, spec.moe.numExperts / 2) },
  });
  const routing = new TimedRouting(controller);
  let t0 = performance.now();
  controller.beginSample(0);
  await model.forward(prompt(spec.vocabSize, LONG, 2), model.newKvCache(LONG), routing, { phase: 'prefill' });
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
  return { prefill128: (1000 * PROMPT) / prefillMs, decode: (1000 * DECODE) / decodeMs, prefill512: (1000 * LONG) / longMs, routingShare: routing.ms / decodeMs };
}

async function main(): Promise<void> {
  const dir = positionals[0];
  if (!dir) throw new Error('usage: tsx tools/bench/ours.ts CHECKPOINT_DIR [--precision f32|q8|q4] [--repeats N]');
  // absent: as the checkpoint stores it, else f32 (the CLI's default)
  const precision = (args.precision ?? null) as MatrixPrecision | null;
  if (precision !== null && !MATRIX_PRECISIONS.includes(precision)) throw new Error(`--precision ${precision}: not one of ${MATRIX_PRECISIONS.join(', ')}`);
  const t0 = performance.now();
  const model = await MoeModel.load(dir, { densePrecision: precision });
  const loadS = (performance.now() - t0) / 1000;
  const pss = [pssGiB()];
  await once(model); // warm-up: first runs of each shape allocate
  pss.push(pssGiB());
  const runs: Awaited<ReturnType<typeof once>>[] = [];
  for (let i = 0; i < Number(args.repeats); i++) {
    runs.push(await once(model));
    pss.push(pssGiB());
  }
  await model.release();
  const pick = (k: keyof (typeof runs)[number]) => median(runs.map((r) => r[k]));
  // resourceUsage().maxRSS is in KiB
  const peakRssGiB = process.resourceUsage().maxRSS / 2 ** 20;
  const peakPss = pss.includes(null) ? null : Math.max(...(pss as number[]));
  console.log(JSON.stringify({ loadS, peakRssGiB, pssGiB: peakPss, prefill128: pick('prefill128'), prefill512: pick('prefill512'), decode: pick('decode'), routingShare: pick('routingShare') }));
}

await main();
