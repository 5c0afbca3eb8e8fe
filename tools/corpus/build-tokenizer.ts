// Builds the project's tokenizer from the training corpus:
//   npx tsx tools/corpus/build-tokenizer.ts --corpus tmp/embedded/corpus/train.txt --out models/embedded --vocab 2048
// Writes tokenizer.json + tokenizer_config.json. Deterministic for a given corpus.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { countWords, trainBpe } from './bpe-trainer.js';
import { EOS_TOKEN, tokenizerConfigJson, tokenizerJson } from './tokenizer-json.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    out: { type: 'string' },
    vocab: { type: 'string', default: '2048' },
    'max-length': { type: 'string', default: '1024' },
  },
});
if (!values.corpus || !values.out) {
  console.error('usage: build-tokenizer.ts --corpus FILE --out DIR [--vocab N] [--max-length N]');
  process.exit(2);
}
const t0 = Date.now();
const docs = readFileSync(values.corpus, 'utf8').split(EOS_TOKEN);
const counts = countWords(docs);
// one id is reserved for the EOS token
const bpe = trainBpe(counts, Number(values.vocab) - 1);
const { json, eosId, vocabSize } = tokenizerJson(bpe);
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'tokenizer.json'), JSON.stringify(json, null, 1) + '\n');
writeFileSync(join(values.out, 'tokenizer_config.json'), JSON.stringify(tokenizerConfigJson(eosId, Number(values['max-length'])), null, 2) + '\n');
console.log(JSON.stringify({ vocabSize, eosId, merges: bpe.merges.length, distinctWords: counts.size, seconds: (Date.now() - t0) / 1000 }));
