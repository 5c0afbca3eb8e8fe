// Tokenises a corpus file (documents separated by <|endoftext|>) with the project tokenizer, loaded
// by the product's loader (src/tasks/tokenizer.ts) so that training ids and the ids moe-eval
// evaluates with come from one implementation, and writes little-endian uint16 ids, EOS after
// every document:
//   npx tsx tools/corpus/tokenize-corpus.ts --tokenizer models/embedded --in train.txt --out train.bin

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadTokenizer } from '../../src/tasks/tokenizer.js';
import { EOS_TOKEN } from './tokenizer-json.js';

const { values } = parseArgs({ options: { tokenizer: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' } } });
if (!values.tokenizer || !values.in || !values.out) {
  console.error('usage: tokenize-corpus.ts --tokenizer DIR --in FILE --out FILE.bin');
  process.exit(2);
}
const t0 = Date.now();
const tok = await loadTokenizer(values.tokenizer);
// documents are split on EOS_TOKEN's text, so the id written after each must be that token's
if (tok.eosToken !== EOS_TOKEN) throw new Error(`${values.tokenizer}: eos token is ${JSON.stringify(tok.eosToken)}, expected ${EOS_TOKEN}`);
const eos = tok.eosTokenIds[0];
const docs = readFileSync(values.in, 'utf8').split(EOS_TOKEN);
if (docs[docs.length - 1] === '') docs.pop();
const chunks: Uint16Array[] = [];
let total = 0;
for (const d of docs) {
  const ids = tok.encode(d);
  ids.push(eos);
  const arr = Uint16Array.from(ids);
  chunks.push(arr);
  total += arr.length;
}
const out = new Uint16Array(total);
let off = 0;
for (const c of chunks) {
  out.set(c, off);
  off += c.length;
}
writeFileSync(values.out, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
console.log(JSON.stringify({ docs: docs.length, tokens: total, charsPerToken: +(readFileSync(values.in, 'utf8').length / total).toFixed(3), eos, seconds: (Date.now() - t0) / 1000 }));
