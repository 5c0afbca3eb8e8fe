// The held-out side of the split, generated before the training corpus so the training side can
// exclude it: MMLU-style questions about held-out facts, two GSM8K-style sets with their few-shot
// pools (MMLU dev rows, GSM8K "train" rows) and held-out text for perplexity.
//
// The two GSM8K-style sets:
// - gsm8k, the default set: short problems (one to three operations, small numbers;
//   arithmetic.ts), drawn exactly as generator 1.2.0 drew them, so that its files stay byte for
//   byte what the shipped model was measured on;
// - gsm8k-multistep: harder problems (multistep.ts: 3 to 6 operations, equally many of each,
//   numbers into the thousands, one irrelevant sentence) from PRNG streams of their own, so that
//   adding it changes nothing in the default set. It is the target set of the next, larger
//   model, on which the shipped one scores near zero.

import { gsmShot, makeProblem, type Problem } from './arithmetic.js';
import { makeMultiStepProblem, MAX_OPS, MIN_OPS, STORIES } from './multistep.js';
import { LetterCycle, makeMcItem, type McItem } from './mmlu.js';
import { Rng } from './rng.js';
import { FactIndex, wikiText } from './text.js';
import type { World } from './world.js';

export interface HeldOutSizes {
  gsmTest: number;
  gsmFewshot: number;
  /** a multiple of the number of operation counts (MIN_OPS..MAX_OPS) */
  gsmMultistepTest: number;
  gsmMultistepFewshot: number;
  mmluDevPerSubject: number;
  /** approximate characters of text/test.raw */
  textChars: number;
}

export const DEFAULT_HELDOUT_SIZES: HeldOutSizes = {
  gsmTest: 300, gsmFewshot: 200, gsmMultistepTest: 300, gsmMultistepFewshot: 200, mmluDevPerSubject: 5, textChars: 120_000,
};

export interface HeldOut {
  mmluTest: Map<string, McItem[]>;
  mmluDev: Map<string, McItem[]>;
  /** the default GSM8K-style set (short problems): test file */
  gsmTest: Problem[];
  /** its "train" file: the few-shot pool (its first 5 rows are lm-eval's default 5 shots) */
  gsmFewshot: Problem[];
  /** the multi-step GSM8K-style set: test file */
  gsmMultistepTest: Problem[];
  /** its few-shot pool; the first 5 rows are short three-step problems */
  gsmMultistepFewshot: Problem[];
  text: string;
  /** question strings the training corpus must never contain: the test questions of both sets */
  gsmTestQuestions: Set<string>;
}

/** n short problems, no question twice or from `exclude` (the draw of generator 1.2.0) */
function uniqueShortProblems(rng: Rng, n: number, exclude: Set<string>): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>(exclude);
  while (out.length < n) {
    const p = makeProblem(rng);
    if (seen.has(p.question)) continue;
    seen.add(p.question);
    out.push(p);
  }
  return out;
}

/** One multi-step problem per entry of `ops` (its number of operations), no question twice or from `exclude`. */
function uniqueMultiStepProblems(rng: Rng, ops: number[], exclude: Set<string>): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>(exclude);
  while (out.length < ops.length) {
    const p = makeMultiStepProblem(rng, ops[out.length]);
    if (seen.has(p.question)) continue;
    seen.add(p.question);
    out.push(p);
  }
  return out;
}

/** n operation counts, MIN_OPS..MAX_OPS equally often (n a multiple of their number), shuffled */
function balancedOps(rng: Rng, n: number): number[] {
  const kinds = MAX_OPS - MIN_OPS + 1;
  if (n % kinds !== 0) throw new Error(`heldout: ${n} multi-step test problems is not a multiple of ${kinds}`);
  return rng.shuffle(Array.from({ length: n }, (_, i) => MIN_OPS + (i % kinds)));
}

/** the default few-shot examples (lm-eval takes the pool's first 5) */
const DEFAULT_SHOTS = 5;
const SHOT_CANDIDATES = 30;

function multistepSets(seed: number, sizes: HeldOutSizes, exclude: Set<string>): { test: Problem[]; fewshot: Problem[] } {
  const testRng = Rng.derive(seed, 'gsm-multistep-test');
  const test = uniqueMultiStepProblems(testRng, balancedOps(testRng, sizes.gsmMultistepTest), exclude);
  // the default shots: one three-step problem of each story, the shortest of SHOT_CANDIDATES
  // drawn, so that five of them and the longest test question fit a 1024-position model with 256
  // tokens left to generate (lm-eval's room for generate_until: the harness cuts the prompt's
  // start otherwise); the rest of the pool has every number of operations
  const shotRng = Rng.derive(seed, 'gsm-multistep-fewshot');
  const seen = new Set([...exclude, ...test.map((p) => p.question)]);
  const defaults = STORIES.slice(0, DEFAULT_SHOTS).map((story) => {
    const drawn = Array.from({ length: SHOT_CANDIDATES }, () => makeMultiStepProblem(shotRng, MIN_OPS, story)).filter((p) => !seen.has(p.question));
    const best = drawn.reduce((x, y) => (gsmShot(y).length < gsmShot(x).length ? y : x));
    seen.add(best.question);
    return best;
  });
  const restOps = Array.from({ length: sizes.gsmMultistepFewshot - defaults.length }, () => shotRng.int(MIN_OPS, MAX_OPS));
  return { test, fewshot: [...defaults, ...uniqueMultiStepProblems(shotRng, restOps, seen)] };
}

export function buildHeldOut(world: World, sizes: HeldOutSizes = DEFAULT_HELDOUT_SIZES): HeldOut {
  const ix = new FactIndex(world);
  const mmluTest = new Map<string, McItem[]>();
  const mmluDev = new Map<string, McItem[]>();
  const testRng = Rng.derive(world.seed, 'mmlu-test');
  const devRng = Rng.derive(world.seed, 'mmlu-dev');
  for (const s of world.subjects) {
    const held = world.facts.filter((f) => f.subject === s.id && f.heldOut);
    const letters = new LetterCycle(testRng);
    mmluTest.set(s.id, testRng.shuffle(held).map((f) => makeMcItem(world, f, testRng, letters.next())));
    const train = world.facts.filter((f) => f.subject === s.id && !f.heldOut);
    const devLetters = new LetterCycle(devRng);
    mmluDev.set(s.id, devRng.sample(train, sizes.mmluDevPerSubject).map((f) => makeMcItem(world, f, devRng, devLetters.next())));
  }
  const gsmTest = uniqueShortProblems(Rng.derive(world.seed, 'gsm-test'), sizes.gsmTest, new Set());
  const shortQuestions = new Set(gsmTest.map((p) => p.question));
  const gsmFewshot = uniqueShortProblems(Rng.derive(world.seed, 'gsm-fewshot'), sizes.gsmFewshot, shortQuestions);
  const multi = multistepSets(world.seed, sizes, shortQuestions);
  const gsmTestQuestions = new Set([...shortQuestions, ...multi.test.map((p) => p.question)]);
  const text = wikiText(ix, Rng.derive(world.seed, 'text-test'), sizes.textChars);
  return { mmluTest, mmluDev, gsmTest, gsmFewshot, gsmMultistepTest: multi.test, gsmMultistepFewshot: multi.fewshot, text, gsmTestQuestions };
}
