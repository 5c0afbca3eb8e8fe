// The BPE builder: deterministic, digits never merged, output loadable as a tokenizer.json shape.

import { describe, expect, it } from 'vitest';
import { countWords, trainBpe } from '../../tools/corpus/bpe-trainer.js';
import { EOS_TOKEN, tokenizerJson } from '../../tools/corpus/tokenizer-json.js';

const TEXTS = ['Answer: A', 'Answer: B', 'the cat has 12 legs and 34 eyes', 'the cat sat', 'Question: 99 + 11 = 110'];

describe('bpe trainer', () => {
  it('is deterministic and never merges digits', () => {
    const a = trainBpe(countWords(TEXTS), 300, 1);
    const b = trainBpe(countWords([...TEXTS].reverse()), 300, 1);
    expect(a.merges).toEqual(b.merges);
    for (const [l, r] of a.merges) expect(/\d/.test(l) && /\d/.test(r)).toBe(false);
    expect(a.vocab.get('ĠA')).toBeDefined();
  });

  it('puts the byte alphabet first and EOS last', () => {
    const bpe = trainBpe(countWords(TEXTS), 280, 1);
    const { json, eosId, vocabSize } = tokenizerJson(bpe) as { json: { added_tokens: { id: number; content: string }[] }; eosId: number; vocabSize: number };
    expect(eosId).toBe(bpe.vocab.size);
    expect(vocabSize).toBe(eosId + 1);
    expect(json.added_tokens[0]).toMatchObject({ id: eosId, content: EOS_TOKEN });
    // id = byte value for the 256 single-byte tokens
    expect(bpe.vocab.get('!')).toBe(33);
    expect(bpe.vocab.get('Ġ')).toBe(32);
  });
});
