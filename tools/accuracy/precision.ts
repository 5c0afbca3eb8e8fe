// How far the block-quantised precisions move the logits: every golden fixture (test/fixtures/golden,
// logits from an independent PyTorch reference) run at each matrix precision with the reference's own
// routing replayed, so that the error is the matrices' alone and not a changed expert choice.
//   npx tsx tools/accuracy/precision.ts        prints the markdown table of the README
// Reports max |Δlogit| against the reference, that error relative to the largest |logit|, and the
// share of positions whose argmax agrees with the reference's.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MoeModel } from '../../src/engine/model.js';
import { MATRIX_PRECISIONS, type MatrixPrecision } from '../../src/engine/linear.js';
import type { ExpertRouting } from '../../src/routing/types.js';

export const GOLDEN_DIR = fileURLToPath(new URL('../../test/fixtures/golden', import.meta.url));

interface GoldenFile {
  token_ids: number[];
  logits: number[][];
  routing: { layer: number; selected_experts: number[][]; expert_weights: number[][] }[];
}

export interface PrecisionError {
  fixture: string;
  precision: MatrixPrecision;
  maxAbsDiff: number;
  maxAbsLogit: number;
  top1Agreement: number;
}

/** Routing that replays the reference's expert choice and weights at every layer and position. */
function replay(g: GoldenFile, topK: number): ExpertRouting {
  const byLayer = new Map(g.routing.map((r) => [r.layer, r]));
  return {
    topK,
    route(layer, position, _phase, _z, selected, weights) {
      const r = byLayer.get(layer)!;
      selected.set(r.selected_experts[position]);
      weights.set(r.expert_weights[position]);
    },
  };
}

const argmax = (row: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
};

/** One fixture at one precision (every matrix but the routers, routed experts included). */
export async function precisionError(fixture: string, precision: MatrixPrecision): Promise<PrecisionError> {
  const dir = join(GOLDEN_DIR, fixture);
  const g = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as GoldenFile;
  const model = await MoeModel.load(dir, { densePrecision: precision });
  try {
    const V = model.spec.vocabSize;
    const logits = await model.forward(g.token_ids, model.newKvCache(g.token_ids.length), replay(g, model.spec.moe.topK), { phase: 'prefill', logitsFrom: 0 });
    let maxAbsDiff = 0;
    let maxAbsLogit = 0;
    let agree = 0;
    g.logits.forEach((row, t) => {
      row.forEach((v, i) => {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - logits[t * V + i]));
        maxAbsLogit = Math.max(maxAbsLogit, Math.abs(v));
      });
      if (argmax(row) === argmax(logits.subarray(t * V, (t + 1) * V))) agree++;
    });
    return { fixture, precision, maxAbsDiff, maxAbsLogit, top1Agreement: agree / g.logits.length };
  } finally {
    await model.release();
  }
}

export const goldenFixtures = (): string[] => readdirSync(GOLDEN_DIR).filter((n) => !n.startsWith('.')).sort();

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log('| fixture | ' + MATRIX_PRECISIONS.map((p) => `${p} max abs Δlogit (rel.) / top-1`).join(' | ') + ' |');
  console.log('|---|' + MATRIX_PRECISIONS.map(() => '---|').join(''));
  for (const f of goldenFixtures()) {
    const cells: string[] = [];
    for (const p of MATRIX_PRECISIONS) {
      const e = await precisionError(f, p);
      cells.push(`${e.maxAbsDiff.toExponential(1)} (${((100 * e.maxAbsDiff) / e.maxAbsLogit).toFixed(2)} %) / ${(100 * e.top1Agreement).toFixed(0)} %`);
    }
    console.log(`| ${f} | ${cells.join(' | ')} |`);
  }
}
