// Knowledge extraction in question form: for every row of a Hendrycks-layout MMLU set, prompt
// "Q: <question>\nA:" (the training corpus's quiz layout), decode greedily and count the rows
// whose answer starts with the correct option's text. On the held-out test set this measures
// whether the model can retrieve a held-out fact from a question, with no options to choose from.
//   npx tsx scripts/embedded/probe-extraction.ts --model models/embedded --data datasets/embedded/mmlu/test
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCsv } from '../../src/corpus/csv.js';
import { encodeIds, loadLocalTokenizer } from '../../src/corpus/load-tokenizer.js';
import { MoeModel } from '../../src/engine/model.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' } } });
if (!values.model || !values.data) {
  console.error('usage: probe-extraction.ts --model DIR --data DIR_OF_TEST_CSVS');
  process.exit(2);
}
const tok = await loadLocalTokenizer(values.model);
const model = await MoeModel.load(values.model);
// plain top-k of the olmoe router (softmax over all experts, top-k, weights not renormalised):
// the probe asks what the model knows, so no cache and no cache-aware strategy
const topk = {
  topK: 2,
  route(_layer: number, _pos: number, _phase: unknown, z: Float32Array, sel: Int32Array, w: Float32Array) {
    const order = [...z.keys()].sort((a, b) => z[b] - z[a]);
    const max = z[order[0]];
    let sum = 0;
    for (const v of z) sum += Math.exp(v - max);
    for (let i = 0; i < sel.length; i++) {
      sel[i] = order[i];
      w[i] = Math.exp(z[order[i]] - max) / sum;
    }
  },
};
const argmax = (v: Float32Array) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);
let right = 0;
let total = 0;
for (const file of readdirSync(values.data).filter((f) => f.endsWith('.csv')).sort()) {
  for (const [question, a, b, c, d, answer] of parseCsv(readFileSync(join(values.data, file), 'utf8'))) {
    const gold = [a, b, c, d]['ABCD'.indexOf(answer)].toLowerCase();
    const ids = encodeIds(tok, `Q: ${question}\nA:`);
    const kv = model.newKvCache(ids.length + 8);
    let logits = await model.forward(ids, kv, topk as never, { phase: 'prefill' });
    const out: number[] = [];
    for (let i = 0; i < 6; i++) {
      out.push(argmax(logits));
      logits = await model.forward([out[i]], kv, topk as never, { phase: 'decode' });
    }
    total++;
    if (tok.decode(out).trim().toLowerCase().startsWith(gold)) right++;
  }
}
console.log(JSON.stringify({ model: values.model, data: values.data, right, total, rate: +(right / total).toFixed(4) }));
