// The embedded model's tokenizer as @huggingface/transformers loads it offline: round trips,
// single-token answer letters consistent between "Answer: A" and " A", one token per digit, EOS,
// and agreement between the builder's pre-tokenizer and the one in tokenizer.json.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeIds, loadLocalTokenizer } from '../../tools/corpus/load-tokenizer.js';
import { preTokenize } from '../../tools/corpus/pre-tokenizer.js';
import { EOS_TOKEN } from '../../tools/corpus/tokenizer-json.js';

const MODEL_DIR = fileURLToPath(new URL('../../models/embedded', import.meta.url));
const DATA_DIR = fileURLToPath(new URL('../../datasets/embedded', import.meta.url));

let tok: PreTrainedTokenizer;
beforeAll(async () => {
  tok = await loadLocalTokenizer(MODEL_DIR);
});

const SAMPLES = [
  'The following are multiple choice questions (with answers) about world geography.\n\nWhat is the capital of X?\nA. a\nB. b\nC. c\nD. d\nAnswer: C',
  'Question: Mira has 12 apples. Mira gets 7 more apples. How many apples does Mira have now?\nAnswer: Mira has 12 + 7 = 19 apples now.\n#### 19',
  ' = Title = \n\n Some text, with punctuation; and "quotes" — and ünïcödé. \n',
  "it's 2024 and they've got 1,234.5 $",
];

describe('embedded tokenizer', () => {
  it('loads offline and round-trips text exactly', () => {
    for (const s of SAMPLES) expect(tok.decode(encodeIds(tok, s))).toBe(s);
  });

  it('" A".." D" are single tokens equal to the last token of "Answer: X"', () => {
    for (const L of ['A', 'B', 'C', 'D']) {
      const cont = encodeIds(tok, ` ${L}`);
      expect(cont).toHaveLength(1);
      const whole = encodeIds(tok, `Answer: ${L}`);
      expect(whole[whole.length - 1]).toBe(cont[0]);
      // lm-eval splits context/continuation as encode(ctx + cont) minus encode(ctx)
      expect(whole.slice(0, -1)).toEqual(encodeIds(tok, 'Answer:'));
    }
  });

  it('keeps an option marker "\nA." as one token, distinct from the answer " A"', () => {
    const ids = encodeIds(tok, 'Which?\nA. red\nB. blue');
    const pieces = ids.map((i) => tok.decode([i]));
    expect(pieces).toContain('A.');
    expect(pieces).toContain('B.');
    expect(encodeIds(tok, 'A.')).not.toEqual(encodeIds(tok, ' A'));
    // mid-line "A." is not a marker
    expect(encodeIds(tok, 'grade A. Next').map((i) => tok.decode([i]))).not.toContain('A.');
  });

  it('splits numbers into one token per digit', () => {
    const ids = encodeIds(tok, '#### 1234');
    const digits = ids.slice(-4).map((i) => tok.decode([i]));
    expect(digits).toEqual(['1', '2', '3', '4']);
  });

  it('has <|endoftext|> as a single special EOS token and adds nothing by default', () => {
    const eos = tok.convert_tokens_to_ids(EOS_TOKEN) as number;
    expect(tok.encode(`a${EOS_TOKEN}b`, { add_special_tokens: false })).toContain(eos);
    expect(tok.encode('hello')).toEqual(encodeIds(tok, 'hello'));
    const config = JSON.parse(readFileSync(`${MODEL_DIR}/config.json`, 'utf8'));
    expect(config.eos_token_id).toBe(eos);
    expect(config.vocab_size).toBeGreaterThan(eos);
  });

  it("the builder's pre-tokenizer agrees with tokenizer.json's (tokens never cross its pieces)", () => {
    for (const s of SAMPLES.filter((x) => /^[\x00-\x7f]*$/.test(x))) {
      const pieces = preTokenize(s);
      expect(pieces.join('')).toBe(s);
      const cuts = new Set<number>();
      let at = 0;
      for (const p of pieces) cuts.add((at += p.length));
      // token boundaries (ASCII samples: one char per byte) must include every piece boundary
      const tokenEnds = new Set<number>();
      let end = 0;
      for (const id of encodeIds(tok, s)) tokenEnds.add((end += tok.decode([id]).length));
      for (const c of cuts) expect(tokenEnds.has(c)).toBe(true);
    }
  });

  it.runIf(existsSync(`${DATA_DIR}/gsm8k/train.jsonl`))('5-shot GSM8K prompts + 256 new tokens fit max_position_embeddings', () => {
    const config = JSON.parse(readFileSync(`${MODEL_DIR}/config.json`, 'utf8'));
    const rows = (f: string) => readFileSync(`${DATA_DIR}/gsm8k/${f}`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { question: string; answer: string });
    const prefix = rows('train.jsonl').slice(0, 5).map((d) => `Question: ${d.question}\nAnswer: ${d.answer}\n\n`).join('');
    const longest = Math.max(...rows('test.jsonl').map((d) => encodeIds(tok, `${prefix}Question: ${d.question}\nAnswer:`).length));
    expect(longest + 256).toBeLessThanOrEqual(config.max_position_embeddings);
  });
});
