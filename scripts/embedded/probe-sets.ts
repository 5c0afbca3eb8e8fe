// Probe sets for the embedded model's multiple-choice diagnosis (models/embedded/README.md, Limits),
// in the Hendrycks CSV layout so `moe-eval mmlu --data DIR` scores them like the real set:
//   train-closed  250 questions about training facts
//   train-open    the same kind, with a statement of the fact put before the question (open book)
//   held-open     250 questions about held-out facts, open book (the fact is in the prompt)
//   npx tsx scripts/embedded/probe-sets.ts --out tmp/probe   (seed 1 world, probe PRNG seed 99)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { csvLine } from '../../tools/corpus/csv.js';
import { csvRow, LetterCycle, makeMcItem } from '../../tools/corpus/mmlu.js';
import { Rng } from '../../tools/corpus/rng.js';
import { statement } from '../../tools/corpus/text.js';
import { buildWorld } from '../../tools/corpus/world.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string', default: '1' } } });
if (!values.out) {
  console.error('usage: probe-sets.ts --out DIR [--seed N]');
  process.exit(2);
}
const world = buildWorld(Number(values.seed));
const sets = [
  { name: 'train-closed', heldOut: false, openBook: false },
  { name: 'train-open', heldOut: false, openBook: true },
  { name: 'held-open', heldOut: true, openBook: true },
];
for (const { name, heldOut, openBook } of sets) {
  const rng = new Rng(99);
  const letters = new LetterCycle(rng);
  const rows = new Map<string, string[]>();
  for (const fact of rng.sample(world.facts.filter((f) => f.heldOut === heldOut), 250)) {
    const item = makeMcItem(world, fact, rng, letters.next());
    if (openBook) item.question = `${statement(fact, rng)}\n\n${item.question}`;
    if (!rows.has(fact.subject)) rows.set(fact.subject, []);
    rows.get(fact.subject)!.push(csvLine(csvRow(item)));
  }
  const dir = join(values.out, name, 'test');
  mkdirSync(dir, { recursive: true });
  for (const [subject, lines] of rows) writeFileSync(join(dir, `${subject}_test.csv`), lines.join('\n') + '\n');
  console.log(`${dir}: ${[...rows.values()].reduce((n, l) => n + l.length, 0)} questions`);
}
