// Tokenises the embedded datasets for the PyTorch evaluation (eval.py) with the model's own
// tokenizer through @huggingface/transformers, following lm-evaluation-harness request building:
//   npx tsx scripts/embedded/encode-eval.ts --model models/embedded --datasets datasets/embedded --out tmp/embedded/eval/inputs.json
// MMLU: context = description + question/options + "Answer:", continuations " A".." D" tokenised as
// lm-eval does (encode(context + continuation) minus encode(context)). GSM8K, both sets: 5-shot
// prompts built from the first 5 rows of the set's train.jsonl, "gsm" from gsm8k (the default set
// of moe-eval gsm8k), "gsmMultistep" from gsm8k-multistep (the target set of the next model).
// Perplexity: the raw file's ids.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCsv } from '../../src/data/csv-rfc4180.js';
import { loadTokenizer } from '../../src/tasks/tokenizer.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, datasets: { type: 'string' }, out: { type: 'string' }, shots: { type: 'string', default: '5' } } });
if (!values.model || !values.datasets || !values.out) {
  console.error('usage: encode-eval.ts --model DIR --datasets DIR --out FILE');
  process.exit(2);
}
const tok = await loadTokenizer(values.model);
const enc = (s: string) => tok.encode(s);

const mmlu: object[] = [];
const testDir = join(values.datasets, 'mmlu', 'test');
for (const file of readdirSync(testDir).sort()) {
  const subject = file.replace(/_test\.csv$/, '');
  const desc = `The following are multiple choice questions (with answers) about ${subject.replace(/_/g, ' ')}.\n\n`;
  for (const { fields } of parseCsv(readFileSync(join(testDir, file), 'utf8'))) {
    const [q, a, b, c, d, ans] = fields;
    const context = `${desc}${q.trim()}\nA. ${a}\nB. ${b}\nC. ${c}\nD. ${d}\nAnswer:`;
    const ctx = enc(context);
    const conts = ['A', 'B', 'C', 'D'].map((L) => {
      const whole = enc(`${context} ${L}`);
      if (whole.slice(0, ctx.length).join() !== ctx.join()) throw new Error('context is not a prefix of context+continuation');
      return whole.slice(ctx.length);
    });
    mmlu.push({ subject, ctx, conts, answer: 'ABCD'.indexOf(ans) });
  }
}

const readJsonl = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { question: string; answer: string });
function gsmSet(dir: string) {
  const shots = readJsonl(join(values.datasets!, dir, 'train.jsonl')).slice(0, Number(values.shots));
  const prefix = shots.map((d) => `Question: ${d.question}\nAnswer: ${d.answer}\n\n`).join('');
  return readJsonl(join(values.datasets!, dir, 'test.jsonl')).map((d) => ({
    prompt: enc(`${prefix}Question: ${d.question}\nAnswer:`),
    target: d.answer,
  }));
}
const gsm = gsmSet('gsm8k');
const gsmMultistep = gsmSet('gsm8k-multistep');

const text = enc(readFileSync(join(values.datasets, 'text', 'test.raw'), 'utf8'));
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify({ mmlu, gsm, gsmMultistep, text }));
const longest = (items: { prompt: number[] }[]) => Math.max(...items.map((g) => g.prompt.length));
console.log(JSON.stringify({
  mmlu: mmlu.length, gsm: gsm.length, maxGsmPrompt: longest(gsm), gsmMultistep: gsmMultistep.length, maxGsmMultistepPrompt: longest(gsmMultistep), textTokens: text.length,
}));
