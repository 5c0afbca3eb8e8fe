// Multi-step arithmetic word problems (GSM8K style, 3 to 6 operations) with larger numbers and
// one irrelevant sentence whose number must not be used. Worked answers write every step as
// "a op b = c" with the operands taken from the question or from earlier results, so the
// arithmetic and the chain can both be checked from the text alone.
//
// Difficulty is deliberate: sums and differences run into the thousands, but every product has a
// one-digit factor and every division a one-digit divisor, because a small model that reads digits
// one token at a time can learn those digit by digit; two-digit by two-digit products it cannot
// within its budget, and they would measure nothing but that.

import type { Problem } from './arithmetic.js';
import type { Rng } from './rng.js';

export const MIN_OPS = 3;
export const MAX_OPS = 6;

// no name starts with A-D: "Answer: Ada ..." would teach " A" after "Answer:" outside multiple choice
const PEOPLE = ['Mira', 'Tom', 'Nia', 'Sam', 'Noor', 'Eli', 'Kai', 'Rosa', 'Ivo', 'June', 'Omar', 'Tess', 'Luca', 'Pia', 'Theo', 'Lena', 'Hana', 'Paul', 'Sara', 'Remy'];
const THINGS = ['apples', 'marbles', 'stickers', 'coins', 'pencils', 'cookies', 'shells', 'stamps', 'books', 'eggs', 'cards', 'beads', 'plums', 'nuts', 'buttons', 'bricks'];
const CONTAINERS = ['boxes', 'bags', 'packs', 'jars', 'baskets', 'crates'];
const ITEMS = ['pen', 'cake', 'ticket', 'toy', 'hat', 'lamp', 'cup', 'kite', 'chair', 'shirt', 'plant', 'clock', 'game', 'bowl', 'mirror', 'rug'];
const TREES: [string, string][] = [['apple', 'apples'], ['plum', 'plums'], ['pear', 'pears'], ['lemon', 'lemons'], ['peach', 'peaches'], ['orange', 'oranges']];
const VEHICLES = ['bus', 'train', 'truck', 'van', 'boat'];
const JOBS = ['washing cars', 'walking dogs', 'selling lemonade', 'fixing bikes', 'painting fences'];

type Op = '+' | '-' | '*' | '/';
type Distractor = [number, number, (n: number) => string];

/** The worked solution being written: every step is one "a op b = c" inside a sentence. */
class Work {
  readonly steps: string[] = [];
  /** every operand and result written in the steps */
  readonly used = new Set<number>();

  calc(x: number, op: Op, y: number, say: (eq: string) => string): number {
    const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
    if (!Number.isInteger(r) || r < 0) throw new Error(`multistep: bad step ${x} ${op} ${y}`);
    this.steps.push(say(`${x} ${op} ${y} = ${r}`));
    this.used.add(x).add(y).add(r);
    return r;
  }
}

interface Ctx {
  a: string;
  b: string;
  obj: string;
}

/** statement sentences (the distractor goes among them), the closing question, the work */
interface Draft {
  facts: string[];
  question: string;
  work: Work;
  value: number;
  /** irrelevant sentences that suit the story: [lowest, highest number, (number) -> sentence] */
  distractors: Distractor[];
}

type Scenario = (rng: Rng, c: Ctx, ops: number) => Draft;

const otherThing = (rng: Rng, not: string) => rng.pick(THINGS.filter((t) => t !== not));

/** A person's stock of things through buying, getting, giving and selling; maybe sold or packed at the end. */
const inventory: Scenario = (rng, { a, b, obj }, ops) => {
  const w = new Work();
  const facts: string[] = [];
  const final = rng.pick(['none', 'none', 'sell', 'pack'] as const);
  let left = ops - (final === 'none' ? 0 : 1);
  const pack = final === 'pack' ? rng.int(3, 9) : 0;
  let cur: number;
  const started = !rng.chance(0.4);
  if (!started) {
    const box = rng.pick(CONTAINERS);
    const n = rng.int(4, 9);
    const per = rng.int(24, 96);
    facts.push(`${a} buys ${n} ${box} with ${per} ${obj} in each.`);
    cur = w.calc(n, '*', per, (eq) => `${a} buys ${eq} ${obj}.`);
    left -= 1;
  } else {
    cur = rng.int(120, 950);
    facts.push(`${a} has ${cur} ${obj}.`);
  }
  while (left > 0) {
    // a two-step purchase, unless the last step before packing must be a one-step event
    if (left >= 2 && !(pack > 0 && left === 2) && rng.chance(0.35)) {
      const box = rng.pick(CONTAINERS);
      const n = rng.int(3, 9);
      const per = rng.int(11, 75);
      facts.push(`Then ${a} buys ${n} ${box} with ${per} ${obj} in each.`);
      const got = w.calc(n, '*', per, (eq) => `The ${box} hold ${eq} ${obj}.`);
      cur = w.calc(cur, '+', got, (eq) => `Now ${a} has ${eq} ${obj}.`);
      left -= 2;
      continue;
    }
    const adjust = pack > 0 && left === 1 ? pack : 0;
    // a small stock only grows, so that every later step still has something to take away
    const ev = cur < 60 ? 'get' : rng.pick(['get', 'give', 'sell'] as const);
    if (ev === 'get') {
      let y = rng.int(25, 480);
      if (adjust) y += (adjust - ((cur + y) % adjust)) % adjust;
      facts.push(`${b} gives ${a} ${y} more ${obj}.`);
      cur = w.calc(cur, '+', y, (eq) => `Now ${a} has ${eq} ${obj}.`);
    } else {
      let y = rng.int(10, Math.floor(cur * 0.6));
      if (adjust) y += (cur - y) % adjust;
      if (ev === 'give') {
        facts.push(`${a} gives ${y} ${obj} to ${b}.`);
        cur = w.calc(cur, '-', y, (eq) => `${a} keeps ${eq} ${obj}.`);
      } else {
        facts.push(`${a} sells ${y} ${obj} at the market.`);
        cur = w.calc(cur, '-', y, (eq) => `${a} has ${eq} ${obj} left.`);
      }
    }
    left -= 1;
  }
  let question = `How many ${obj} does ${a} have now?`;
  if (final === 'sell') {
    const p = rng.int(2, 9);
    facts.push(`${a} sells all of the ${obj} for ${p} dollars each.`);
    question = `How many dollars does ${a} get?`;
    cur = w.calc(cur, '*', p, (eq) => `${a} gets ${eq} dollars.`);
  } else if (final === 'pack') {
    const box = rng.pick(CONTAINERS);
    facts.push(`${a} puts all of the ${obj} into ${pack} ${box} with the same number in each.`);
    question = `How many ${obj} are in each of the ${box}?`;
    cur = w.calc(cur, '/', pack, (eq) => `Each one holds ${eq} ${obj}.`);
  }
  const other = otherThing(rng, obj);
  const distractors: Distractor[] = [[10, 900, (n) => `${b} has ${n} ${other}.`], [6, 90, (n) => `${b} is ${n} years old.`]];
  // "had last year" is irrelevant only next to what the person has now
  if (started) distractors.push([100, 900, (n) => `Last year ${a} had ${n} ${obj}.`]);
  return { facts, question, work: w, value: cur, distractors };
};

/** Buying two or three kinds of items, maybe with a coupon, maybe paying and getting change. */
const shopping: Scenario = (rng, { a }, ops) => {
  // ops = 2 * items - 1 + extras
  const plans: Record<number, [number, boolean, boolean][]> = {
    3: [[2, false, false]],
    4: [[2, true, false], [2, false, true]],
    5: [[3, false, false], [2, true, true]],
    6: [[3, true, false], [3, false, true]],
  };
  const [items, coupon, change] = rng.pick(plans[ops]);
  const w = new Work();
  const facts: string[] = [];
  const names = rng.sample(ITEMS, items);
  let total = 0;
  names.forEach((item, i) => {
    const n = rng.int(2, 9);
    const price = rng.int(12, 180);
    facts.push(i === 0 ? `${a} buys ${n} ${item}s that cost ${price} dollars each.` : `${a} also buys ${n} ${item}s at ${price} dollars each.`);
    const cost = w.calc(n, '*', price, (eq) => `The ${item}s cost ${eq} dollars.`);
    total = i === 0 ? cost : w.calc(total, '+', cost, (eq) => `In all that is ${eq} dollars.`);
  });
  let question = `How many dollars does ${a} spend?`;
  if (coupon) {
    const off = rng.int(5, Math.min(150, Math.floor(total / 3)));
    facts.push(`${a} has a coupon that takes ${off} dollars off the total.`);
    total = w.calc(total, '-', off, (eq) => `With the coupon it is ${eq} dollars.`);
  }
  if (change) {
    const paid = (Math.floor(total / 100) + rng.int(1, 3)) * 100;
    facts.push(`${a} pays with ${paid} dollars.`);
    question = `How much change does ${a} get in dollars?`;
    total = w.calc(paid, '-', total, (eq) => `The change is ${eq} dollars.`);
  }
  return {
    facts, question, work: w, value: total,
    distractors: [[40, 900, (n) => `The shop has ${n} customers that day.`], [2, 400, (n) => `${a} lives at number ${n} on the main street.`], [3, 120, (n) => `The shop opened ${n} years ago.`]],
  };
};

/** Trees in rows, fruit per tree, some spoiled, the rest boxed and sold. */
const farm: Scenario = (rng, { a }, ops) => {
  const [tree, fruit] = rng.pick(TREES);
  const w = new Work();
  const facts: string[] = [];
  const barn = ops === 6 || (ops === 4 && rng.chance(0.3));
  const pack = ops >= 5 || (ops === 4 && !barn);
  const sell = ops >= 5;
  const rows = rng.int(3, 9);
  const per = rng.int(12, 48);
  facts.push(`${a}'s farm has ${rows} rows of ${per} ${tree} trees.`);
  const trees = w.calc(rows, '*', per, (eq) => `The farm has ${eq} trees.`);
  const each = rng.int(2, 9);
  facts.push(`Each tree gives ${each} ${fruit}.`);
  let cur = w.calc(trees, '*', each, (eq) => `The trees give ${eq} ${fruit}.`);
  if (barn) {
    const old = rng.int(40, 600);
    facts.push(`There are ${old} more ${fruit} in the barn.`);
    cur = w.calc(cur, '+', old, (eq) => `In all there are ${eq} ${fruit}.`);
  }
  const k = pack ? rng.int(4, 9) : 0;
  let bad = rng.int(10, Math.max(10, Math.floor(cur / 4)));
  if (k) bad += (cur - bad) % k;
  facts.push(`${bad} of the ${fruit} are bad.`);
  cur = w.calc(cur, '-', bad, (eq) => `${a} can sell ${eq} ${fruit}.`);
  let question = `How many ${fruit} can ${a} sell?`;
  if (pack) {
    facts.push(`${a} packs them in boxes of ${k}.`);
    cur = w.calc(cur, '/', k, (eq) => `That makes ${eq} boxes.`);
    question = `How many boxes does ${a} fill?`;
  }
  if (sell) {
    const price = rng.int(3, 9);
    facts.push(`Each box sells for ${price} dollars.`);
    cur = w.calc(cur, '*', price, (eq) => `The boxes bring ${eq} dollars.`);
    question = `How many dollars does ${a} get for the boxes?`;
  }
  return {
    facts, question, work: w, value: cur,
    distractors: [[5, 300, (n) => `${a} has ${n} chickens on the farm.`], [5, 150, (n) => `The farm is ${n} years old.`], [5, 250, (n) => `The nearest town is ${n} km away.`]],
  };
};

/** A trip in two or three legs of speed x hours, maybe against the trip's whole length. */
const travel: Scenario = (rng, { a }, ops) => {
  const legs = ops <= 4 ? 2 : 3;
  const remaining = ops === 4 || ops === 6;
  const v = rng.pick(VEHICLES);
  const w = new Work();
  const facts: string[] = [];
  let dist = 0;
  const ord = ['First', 'Next', 'Then'];
  for (let i = 0; i < legs; i++) {
    const speed = rng.int(35, 95);
    const hours = rng.int(2, 9);
    facts.push(i === 0 ? `${a}'s ${v} goes ${speed} km an hour for ${hours} hours.` : `Then it goes ${speed} km an hour for ${hours} hours.`);
    const d = w.calc(speed, '*', hours, (eq) => `${ord[i]} it goes ${eq} km.`);
    dist = i === 0 ? d : w.calc(dist, '+', d, (eq) => `So far it has gone ${eq} km.`);
  }
  let question = `How many km does the ${v} go in all?`;
  if (remaining) {
    const whole = dist + rng.int(20, 600);
    facts.push(`The whole trip is ${whole} km long.`);
    question = `How many km are still left?`;
    dist = w.calc(whole, '-', dist, (eq) => `There are ${eq} km left.`);
  }
  return {
    facts, question, work: w, value: dist,
    distractors: [[12, 400, (n) => `The ${v} has ${n} seats.`], [2, 40, (n) => `${a} has driven it for ${n} years.`], [2, 60, (n) => `The ${v} left from gate ${n}.`]],
  };
};

/** Weekly pay, maybe savings and a second job, and some purchases. */
const savings: Scenario = (rng, { a }, ops) => {
  const w = new Work();
  const facts: string[] = [];
  const pay = rng.int(40, 180);
  const weeks = rng.int(3, 9);
  facts.push(`${a} earns ${pay} dollars each week for ${weeks} weeks.`);
  let cur = w.calc(pay, '*', weeks, (eq) => `${a} earns ${eq} dollars.`);
  let left = ops - 1;
  const job = left >= 3 && rng.chance(0.6);
  const bank = left - (job ? 2 : 0) >= 2 && rng.chance(0.5);
  if (bank) {
    const had = rng.int(50, 900);
    facts.push(`${a} already has ${had} dollars in the bank.`);
    cur = w.calc(had, '+', cur, (eq) => `Now ${a} has ${eq} dollars.`);
    left -= 1;
  }
  if (job) {
    const day = rng.int(12, 60);
    const days = rng.int(2, 9);
    facts.push(`${a} also earns ${day} dollars a day for ${days} days ${rng.pick(JOBS)}.`);
    const extra = w.calc(day, '*', days, (eq) => `The job pays ${eq} dollars.`);
    cur = w.calc(cur, '+', extra, (eq) => `In all ${a} has ${eq} dollars.`);
    left -= 2;
  }
  const things = rng.sample(ITEMS, left);
  for (const item of things) {
    const hi = Math.max(4, Math.floor(cur * 0.35));
    const cost = rng.int(Math.min(8, hi), hi);
    facts.push(`${a} spends ${cost} dollars on a ${item}.`);
    cur = w.calc(cur, '-', cost, (eq) => `${a} has ${eq} dollars left.`);
  }
  return {
    facts, question: `How many dollars does ${a} have left?`, work: w, value: cur,
    distractors: [[6, 90, (n) => `${a}'s sister is ${n} years old.`], [50, 900, (n) => `${a}'s bank is ${n} metres from home.`], [10, 600, (n) => `${a} has ${n} stamps in an album.`]],
  };
};

const SCENARIOS: [string, Scenario, number][] = [['inventory', inventory, 1.4], ['shopping', shopping, 1], ['farm', farm, 0.9], ['travel', travel, 0.8], ['savings', savings, 1]];


export const STORIES = SCENARIOS.map(([name]) => name);

/** One problem with exactly `ops` worked steps (MIN_OPS..MAX_OPS), of a random story or of `story`. */
export function makeMultiStepProblem(rng: Rng, ops: number, story?: string): Problem {
  if (!(ops >= MIN_OPS && ops <= MAX_OPS)) throw new Error(`multistep: ops ${ops} outside ${MIN_OPS}..${MAX_OPS}`);
  const [a, b] = rng.sample(PEOPLE, 2);
  const [name, scenario] = story === undefined ? SCENARIOS[rng.weighted(SCENARIOS.map(([, , wt]) => wt))] : SCENARIOS.find(([n]) => n === story)!;
  const d = scenario(rng, { a, b, obj: rng.pick(THINGS) }, ops);
  if (d.work.steps.length !== ops) throw new Error(`multistep: ${d.work.steps.length} steps, wanted ${ops}`);
  // the irrelevant number differs from every number of the worked solution, so leaving it out is
  // the only right reading
  const [lo, hi, say] = rng.pick(d.distractors);
  let n: number;
  do n = rng.int(lo, hi);
  while (d.work.used.has(n));
  const facts = d.facts.slice();
  facts.splice(rng.int(0, facts.length), 0, say(n));
  const question = `${facts.join(' ')} ${d.question}`;
  return { kind: `multistep${ops}-${name}`, question, answer: `${d.work.steps.join(' ')}\n#### ${d.value}`, value: d.value };
}

/** Uniform number of operations. */
export function makeHardProblem(rng: Rng): Problem {
  return makeMultiStepProblem(rng, rng.int(MIN_OPS, MAX_OPS));
}
