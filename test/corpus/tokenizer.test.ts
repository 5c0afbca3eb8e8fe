// The embedded model's tokenizer as moe-eval loads it (src/tasks/tokenizer.ts): round trips,
// single-token answer letters consistent between "Answer: A" and " A", one token per digit, EOS,
// and agreement between the builder's pre-tokenizer and the one in tokenizer.json.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type TextTokenizer } from '../../src/tasks/tokenizer.js';
import { preTokenize } from '../../tools/corpus/pre-tokenizer.js';
import { EOS_TOKEN } from '../../tools/corpus/tokenizer-json.js';

const MODEL_DIR = fileURLToPath(new URL('../../models/embedded', import.meta.url));
const DATA_DIR = fileURLToPath(new URL('../../datasets/embedded', import.meta.url));

let tok: TextTokenizer;
beforeAll(async () => {
  tok = await loadTokenizer(MODEL_DIR);
});

const SAMPLES = [
  'The following are multiple choice questions (with answers) about world geography.\n\nWhat is the capital of X?\nA. a\nB. b\nC. c\nD. d\nAnswer: C',
  'Question: Mira has 12 apples. Mira gets 7 more apples. How many apples does Mira have now?\nAnswer: Mira has 12 + 7 = 19 apples now.\n#### 19',
  ' = Title = \n\n Some text, with punctuation; and "quotes" — and ünïcödé. \n',
  "it's 2024 and they've got 1,234.5 $",
];

describe('embedded tokenizer', () => {
  it('loads offline and round-trips text exactly', () => {
    for (const s of SAMPLES) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('" A".." D" are single tokens equal to the last token of "Answer: X"', () => {
    for (const L of ['A', 'B', 'C', 'D']) {
      const cont = tok.encode(` ${L}`);
      expect(cont).toHaveLength(1);
      const whole = tok.encode(`Answer: ${L}`);
      expect(whole[whole.length - 1]).toBe(cont[0]);
      // lm-eval splits context/continuation as encode(ctx + cont) minus encode(ctx)
      expect(whole.slice(0, -1)).toEqual(tok.encode('Answer:'));
    }
  });

  it('keeps an option marker "\nA." as one token, distinct from the answer " A"', () => {
    const ids = tok.encode('Which?\nA. red\nB. blue');
    const pieces = ids.map((i) => tok.decode([i]));
    expect(pieces).toContain('A.');
    expect(pieces).toContain('B.');
    expect(tok.encode('A.')).not.toEqual(tok.encode(' A'));
    // mid-line "A." is not a marker
    expect(tok.encode('grade A. Next').map((i) => tok.decode([i]))).not.toContain('A.');
  });

  it('splits numbers into one token per digit', () => {
    const ids = tok.encode('#### 1234');
    const digits = ids.slice(-4).map((i) => tok.decode([i]));
    expect(digits).toEqual(['1', '2', '3', '4']);
  });

  it('has <|endoftext|> as a single special EOS token and adds nothing by default', () => {
    expect(tok.eosToken).toBe(EOS_TOKEN);
    const eos = tok.eosTokenIds[0];
    expect(tok.encode(`a${EOS_TOKEN}b`)).toContain(eos);
    // nothing is added by default either (Python's tokenizers reads the same files for training):
    // a ByteLevel post-processor adds no tokens, and no BOS / EOS is configured to be added
    const tokenizer = JSON.parse(readFileSync(`${MODEL_DIR}/tokenizer.json`, 'utf8'));
    expect(tokenizer.post_processor.type).toBe('ByteLevel');
    const tokenizerConfig = JSON.parse(readFileSync(`${MODEL_DIR}/tokenizer_config.json`, 'utf8'));
    expect([tokenizerConfig.add_bos_token, tokenizerConfig.add_eos_token]).toEqual([false, false]);
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
      for (const id of tok.encode(s)) tokenEnds.add((end += tok.decode([id]).length));
      for (const c of cuts) expect(tokenEnds.has(c)).toBe(true);
    }
  });

  it.runIf(existsSync(`${DATA_DIR}/gsm8k/train.jsonl`))('5-shot GSM8K prompts + 256 new tokens fit max_position_embeddings', () => {
    const config = JSON.parse(readFileSync(`${MODEL_DIR}/config.json`, 'utf8'));
    const rows = (f: string) => readFileSync(`${DATA_DIR}/gsm8k/${f}`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { question: string; answer: string });
    const prefix = rows('train.jsonl').slice(0, 5).map((d) => `Question: ${d.question}\nAnswer: ${d.answer}\n\n`).join('');
    const longest = Math.max(...rows('test.jsonl').map((d) => tok.encode(`${prefix}Question: ${d.question}\nAnswer:`).length));
    expect(longest + 256).toBeLessThanOrEqual(config.max_position_embeddings);
  });
});
