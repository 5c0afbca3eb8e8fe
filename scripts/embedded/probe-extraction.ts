// Knowledge extraction in question form: for every row of a Hendrycks-layout MMLU set, prompt
// "Q: <question>\nA:" (the training corpus's quiz layout), decode greedily with the model's own
// top-k routing (no cache: the probe asks what the model knows) and count the rows whose answer
// starts with the correct option's text. On the held-out test set this measures whether the model
// can retrieve a held-out fact from a question, with no options to choose from.
//   npx tsx scripts/embedded/probe-extraction.ts --model models/embedded --data datasets/embedded/mmlu/test
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCsv } from '../../src/data/csv-rfc4180.js';
import { loadTokenizer } from '../../src/tasks/tokenizer.js';
import { Engine } from '../../src/engine/engine.js';
import { MoeModel } from '../../src/engine/model.js';
import { OwnTopKRouting } from '../../src/engine/own-routing.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' } } });
if (!values.model || !values.data) {
  console.error('usage: probe-extraction.ts --model DIR --data DIR_OF_TEST_CSVS');
  process.exit(2);
}
const tok = await loadTokenizer(values.model);
const model = await MoeModel.load(values.model);
const engine = new Engine(model);
const routing = new OwnTopKRouting(model.spec.moe.router);
let right = 0;
let total = 0;
for (const file of readdirSync(values.data).filter((f) => f.endsWith('.csv')).sort()) {
  for (const { fields: [question, a, b, c, d, answer] } of parseCsv(readFileSync(join(values.data, file), 'utf8'))) {
    const gold = [a, b, c, d]['ABCD'.indexOf(answer)].toLowerCase();
    const { tokens } = await engine.generate(tok.encode(`Q: ${question}\nA:`), { maxTokens: 6, eosTokenIds: [] }, routing);
    total++;
    if (tok.decode(tokens).trim().toLowerCase().startsWith(gold)) right++;
  }
}
console.log(JSON.stringify({ model: values.model, data: values.data, right, total, rate: +(right / total).toFixed(4) }));
