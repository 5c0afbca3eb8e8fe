// Tokenises a corpus file (documents separated by <|endoftext|>) with the project tokenizer via
// @huggingface/transformers and writes little-endian uint16 ids, EOS after every document:
//   npx tsx tools/corpus/tokenize-corpus.ts --tokenizer models/embedded --in train.txt --out train.bin

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeIds, loadLocalTokenizer } from './load-tokenizer.js';
import { EOS_TOKEN } from './tokenizer-json.js';

const { values } = parseArgs({ options: { tokenizer: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' } } });
if (!values.tokenizer || !values.in || !values.out) {
  console.error('usage: tokenize-corpus.ts --tokenizer DIR --in FILE --out FILE.bin');
  process.exit(2);
}
const t0 = Date.now();
const tok = await loadLocalTokenizer(values.tokenizer);
const eos = tok.convert_tokens_to_ids(EOS_TOKEN) as number;
const docs = readFileSync(values.in, 'utf8').split(EOS_TOKEN);
if (docs[docs.length - 1] === '') docs.pop();
const chunks: Uint16Array[] = [];
let total = 0;
for (const d of docs) {
  const ids = encodeIds(tok, d);
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
