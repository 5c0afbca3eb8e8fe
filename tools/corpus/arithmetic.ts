// Short arithmetic word problems (one to three operations) with worked, step-by-step answers
// ending in "#### N" (GSM8K style): the kind of the default GSM8K-style set (datasets/embedded/gsm8k)
// and the warm-up kind of the training corpus. Numbers stay short (operands under 50, one-digit
// factors, results under 100 but for a few sums) and every step is written "a op b = c", so a
// model that sees digits one token at a time can learn the arithmetic within its training budget.
// The harder multi-step kind (datasets/embedded/gsm8k-multistep) is multistep.ts. makeProblem's
// draws must not change: the default set's files are its output.

import type { Rng } from './rng.js';

export interface Problem {
  question: string;
  /** worked solution; the last line is "#### N" */
  answer: string;
  value: number;
  kind: string;
}

// no name starts with A-D: "Answer: Ada ..." would teach " A" after "Answer:" outside multiple choice
const PEOPLE = ['Mira', 'Tom', 'Nia', 'Sam', 'Noor', 'Eli', 'Kai', 'Rosa', 'Ivo', 'June', 'Omar', 'Tess', 'Luca', 'Pia', 'Theo', 'Lena'];
const THINGS = ['apples', 'marbles', 'stickers', 'coins', 'pencils', 'cookies', 'shells', 'stamps', 'books', 'eggs', 'cards', 'beads', 'plums', 'nuts'];
const ITEMS = ['pen', 'cake', 'ticket', 'toy', 'hat', 'lamp', 'cup', 'kite'];
const CONTAINERS = ['boxes', 'bags', 'packs', 'jars', 'baskets', 'crates'];

interface Ctx {
  a: string;
  b: string;
  obj: string;
}

type Gen = (rng: Rng, c: Ctx) => Problem;

const done = (kind: string, question: string, steps: string[], value: number): Problem => ({
  kind,
  question,
  answer: `${steps.join(' ')}\n#### ${value}`,
  value,
});

const GENERATORS: Record<string, Gen> = {
  add(rng, { a, obj }) {
    const x = rng.int(2, 30);
    const y = rng.int(2, 20);
    return done('add', `${a} has ${x} ${obj}. ${a} gets ${y} more ${obj}. How many ${obj} does ${a} have now?`,
      [`${a} has ${x} + ${y} = ${x + y} ${obj} now.`], x + y);
  },
  sub(rng, { a, b, obj }) {
    const x = rng.int(10, 50);
    const y = rng.int(1, x - 1);
    return done('sub', `${a} has ${x} ${obj}. ${a} gives ${y} ${obj} to ${b}. How many ${obj} does ${a} have left?`,
      [`${a} has ${x} - ${y} = ${x - y} ${obj} left.`], x - y);
  },
  mul(rng, { a, obj }) {
    const n = rng.int(2, 9);
    const per = rng.int(2, 9);
    const box = rng.pick(CONTAINERS);
    return done('mul', `${a} buys ${n} ${box} of ${obj}. Each of the ${box} holds ${per} ${obj}. How many ${obj} does ${a} buy?`,
      [`${a} buys ${n} * ${per} = ${n * per} ${obj}.`], n * per);
  },
  div(rng, { a, obj }) {
    const friends = rng.int(2, 9);
    const each = rng.int(2, 9);
    const total = friends * each;
    return done('div', `${a} has ${total} ${obj} and shares them equally among ${friends} friends. How many ${obj} does each friend get?`,
      [`Each friend gets ${total} / ${friends} = ${each} ${obj}.`], each);
  },
  addSub(rng, { a, b, obj }) {
    const x = rng.int(5, 30);
    const y = rng.int(2, 20);
    const z = rng.int(1, x + y - 1);
    const d = x + y;
    return done('addSub', `${a} has ${x} ${obj}. ${a} buys ${y} more ${obj} and then gives ${z} ${obj} to ${b}. How many ${obj} does ${a} have now?`,
      [`After buying, ${a} has ${x} + ${y} = ${d} ${obj}.`, `After giving ${z} away, ${a} has ${d} - ${z} = ${d - z} ${obj}.`], d - z);
  },
  mulAdd(rng, { a, obj }) {
    const n = rng.int(2, 9);
    const per = rng.int(2, 9);
    const had = rng.int(1, 20);
    const box = rng.pick(CONTAINERS);
    const d = n * per;
    return done('mulAdd', `${a} already has ${had} ${obj}. ${a} buys ${n} ${box} with ${per} ${obj} in each. How many ${obj} does ${a} have in total?`,
      [`The ${box} hold ${n} * ${per} = ${d} ${obj}.`, `In total ${a} has ${had} + ${d} = ${had + d} ${obj}.`], had + d);
  },
  together(rng, { a, b, obj }) {
    const x = rng.int(2, 25);
    const y = rng.int(1, 15);
    const c = x + y;
    return done('together', `${a} has ${x} ${obj}. ${b} has ${y} more ${obj} than ${a}. How many ${obj} do they have together?`,
      [`${b} has ${x} + ${y} = ${c} ${obj}.`, `Together they have ${x} + ${c} = ${x + c} ${obj}.`], x + c);
  },
  change(rng, { a }) {
    const item = rng.pick(ITEMS);
    const n = rng.int(2, 6);
    const price = rng.int(2, 9);
    const cost = n * price;
    const paid = (Math.floor(cost / 10) + rng.int(1, 3)) * 10;
    return done('change', `${a} buys ${n} ${item}s. Each ${item} costs ${price} dollars. ${a} pays with ${paid} dollars. How much change does ${a} get?`,
      [`The ${item}s cost ${n} * ${price} = ${cost} dollars.`, `The change is ${paid} - ${cost} = ${paid - cost} dollars.`], paid - cost);
  },
  threeStep(rng, { a, b, obj }) {
    const had = rng.int(1, 20);
    const n = rng.int(2, 6);
    const per = rng.int(2, 9);
    const box = rng.pick(CONTAINERS);
    const got = n * per;
    const sum = had + got;
    const gave = rng.int(1, sum - 1);
    return done('threeStep', `${a} has ${had} ${obj}. ${a} buys ${n} ${box} with ${per} ${obj} in each. Then ${a} gives ${gave} ${obj} to ${b}. How many ${obj} does ${a} have now?`,
      [`The ${box} hold ${n} * ${per} = ${got} ${obj}.`, `Now ${a} has ${had} + ${got} = ${sum} ${obj}.`, `After giving ${gave} away, ${a} has ${sum} - ${gave} = ${sum - gave} ${obj}.`], sum - gave);
  },
};

/** relative frequency of each kind: one-step problems are the warm-up, two-step the bulk */
const MIX: [string, number][] = [
  ['add', 1.3], ['sub', 1.3], ['mul', 1.2], ['div', 0.7], ['addSub', 1.2], ['mulAdd', 1.2], ['together', 1], ['change', 1], ['threeStep', 0.9],
];

export function makeProblem(rng: Rng): Problem {
  const kind = MIX[rng.weighted(MIX.map(([, w]) => w))][0];
  const [a, b] = rng.sample(PEOPLE, 2);
  return GENERATORS[kind](rng, { a, b, obj: rng.pick(THINGS) });
}

/** Bare equations in the step format of the worked answers: dense practice of the arithmetic itself.
 * Half the lines have the small numbers of the problems above, half the larger ones of the
 * multi-step problems (multistep.ts): sums and differences into the thousands, products and
 * quotients with a one-digit factor or divisor. */
export function makeDrill(rng: Rng): string {
  const lines: string[] = [];
  const n = rng.int(6, 12);
  for (let i = 0; i < n; i++) {
    const big = rng.chance(0.5);
    const r = rng.float();
    if (r < 0.35) {
      const x = big ? rng.int(10, 1500) : rng.int(1, 60);
      const y = big ? rng.int(10, 900) : rng.int(1, 40);
      lines.push(`${x} + ${y} = ${x + y}`);
    } else if (r < 0.65) {
      const x = big ? rng.int(100, 2500) : rng.int(2, 99);
      const y = rng.int(1, x);
      lines.push(`${x} - ${y} = ${x - y}`);
    } else if (r < 0.9) {
      const x = big ? rng.int(11, 999) : rng.int(2, 9);
      const y = rng.int(2, 9);
      lines.push(rng.chance(0.5) ? `${x} * ${y} = ${x * y}` : `${y} * ${x} = ${x * y}`);
    } else {
      const y = rng.int(2, 9);
      const q = big ? rng.int(11, 500) : rng.int(2, 9);
      lines.push(`${y * q} / ${y} = ${q}`);
    }
  }
  return lines.join('\n');
}

/** lm-eval gsm8k: "Question: q\nAnswer: a" joined by "\n\n"; a prompt ends with "Answer:" */
export function gsmShot(p: Problem): string {
  return `Question: ${p.question}\nAnswer: ${p.answer}`;
}
