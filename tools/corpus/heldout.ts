// The held-out side of the split, generated before the training corpus so the training side can
// exclude it: MMLU-style questions about held-out facts, GSM8K-style test problems (multi-step,
// multistep.ts: 3 to 6 operations, equally many of each), the few-shot pools (MMLU dev rows,
// GSM8K "train" rows) and held-out text for perplexity.

import { gsmShot, type Problem } from './arithmetic.js';
import { makeMultiStepProblem, MAX_OPS, MIN_OPS, STORIES } from './multistep.js';
import { LetterCycle, makeMcItem, type McItem } from './mmlu.js';
import { Rng } from './rng.js';
import { FactIndex, wikiText } from './text.js';
import type { World } from './world.js';

export interface HeldOutSizes {
  gsmTest: number;
  gsmFewshot: number;
  mmluDevPerSubject: number;
  /** approximate characters of text/test.raw */
  textChars: number;
}

export const DEFAULT_HELDOUT_SIZES: HeldOutSizes = { gsmTest: 300, gsmFewshot: 200, mmluDevPerSubject: 5, textChars: 120_000 };

export interface HeldOut {
  mmluTest: Map<string, McItem[]>;
  mmluDev: Map<string, McItem[]>;
  gsmTest: Problem[];
  /** GSM8K "train" file: the few-shot pool (its first 5 rows are lm-eval's default 5 shots) */
  gsmFewshot: Problem[];
  text: string;
  /** question strings the training corpus must never contain */
  gsmTestQuestions: Set<string>;
}

/** One problem per entry of `ops` (its number of operations), no question twice or from `exclude`. */
function uniqueProblems(rng: Rng, ops: number[], exclude: Set<string>): Problem[] {
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
  return rng.shuffle(Array.from({ length: n }, (_, i) => MIN_OPS + (i % kinds)));
}

/** the default few-shot examples (lm-eval takes the pool's first 5) */
const DEFAULT_SHOTS = 5;
const SHOT_CANDIDATES = 30;

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
  const testRngGsm = Rng.derive(world.seed, 'gsm-test');
  const gsmTest = uniqueProblems(testRngGsm, balancedOps(testRngGsm, sizes.gsmTest), new Set());
  const gsmTestQuestions = new Set(gsmTest.map((p) => p.question));
  // the default shots: one three-step problem of each story, the shortest of SHOT_CANDIDATES
  // drawn, so that five of them and the longest test question fit a 1024-position model with 256
  // tokens left to generate (lm-eval's room for generate_until: the harness cuts the prompt's
  // start otherwise); the rest of the pool has every number of operations
  const shotRng = Rng.derive(world.seed, 'gsm-fewshot');
  const seen = new Set(gsmTestQuestions);
  const defaults = STORIES.slice(0, DEFAULT_SHOTS).map((story) => {
    const drawn = Array.from({ length: SHOT_CANDIDATES }, () => makeMultiStepProblem(shotRng, MIN_OPS, story)).filter((p) => !seen.has(p.question));
    const best = drawn.reduce((x, y) => (gsmShot(y).length < gsmShot(x).length ? y : x));
    seen.add(best.question);
    return best;
  });
  const restOps = Array.from({ length: sizes.gsmFewshot - defaults.length }, () => shotRng.int(MIN_OPS, MAX_OPS));
  const gsmFewshot = [...defaults, ...uniqueProblems(shotRng, restOps, seen)];
  const text = wikiText(ix, Rng.derive(world.seed, 'text-test'), sizes.textChars);
  return { mmluTest, mmluDev, gsmTest, gsmFewshot, text, gsmTestQuestions };
}

