// Tokenises the embedded datasets for the PyTorch evaluation (eval.py) with the model's own
// tokenizer through @huggingface/transformers, following lm-evaluation-harness request building:
//   npx tsx scripts/embedded/encode-eval.ts --model models/embedded --datasets datasets/embedded --out tmp/embedded/eval/inputs.json
// MMLU: context = description + question/options + "Answer:", continuations " A".." D" tokenised as
// lm-eval does (encode(context + continuation) minus encode(context)). GSM8K: 5-shot prompt built
// from the first 5 rows of gsm8k/train.jsonl. Perplexity: the raw file's ids.

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
const shots = readJsonl(join(values.datasets, 'gsm8k', 'train.jsonl')).slice(0, Number(values.shots));
const prefix = shots.map((d) => `Question: ${d.question}\nAnswer: ${d.answer}\n\n`).join('');
const gsm = readJsonl(join(values.datasets, 'gsm8k', 'test.jsonl')).map((d) => ({
  prompt: enc(`${prefix}Question: ${d.question}\nAnswer:`),
  target: d.answer,
}));

const text = enc(readFileSync(join(values.datasets, 'text', 'test.raw'), 'utf8'));
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify({ mmlu, gsm, text }));
console.log(JSON.stringify({ mmlu: mmlu.length, gsm: gsm.length, maxGsmPrompt: Math.max(...gsm.map((g) => g.prompt.length)), textTokens: text.length }));
