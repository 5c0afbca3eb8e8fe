// The held-out side of the split, generated before the training corpus so the training side can
// exclude it: MMLU-style questions about held-out facts, GSM8K-style test problems, the few-shot
// pools (MMLU dev rows, GSM8K "train" rows) and held-out text for perplexity.

import { makeProblem, type Problem } from './arithmetic.js';
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

function uniqueProblems(rng: Rng, n: number, exclude: Set<string>): Problem[] {
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
  const gsmTest = uniqueProblems(Rng.derive(world.seed, 'gsm-test'), sizes.gsmTest, new Set());
  const gsmTestQuestions = new Set(gsmTest.map((p) => p.question));
  const gsmFewshot = uniqueProblems(Rng.derive(world.seed, 'gsm-fewshot'), sizes.gsmFewshot, gsmTestQuestions);
  const text = wikiText(ix, Rng.derive(world.seed, 'text-test'), sizes.textChars);
  return { mmluTest, mmluDev, gsmTest, gsmFewshot, text, gsmTestQuestions };
}

