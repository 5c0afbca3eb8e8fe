// Serialises a trained BPE as Hugging Face tokenizer.json (tokenizers' BPE model, Split + ByteLevel
// pre-tokenizer as Qwen2 uses them, ByteLevel decoder) and tokenizer_config.json, so both the
// Python and the JavaScript Hugging Face stacks load it offline.

import type { BpeModel } from './bpe-trainer.js';
import { PRE_TOKENIZER_REGEX } from './pre-tokenizer.js';

export const EOS_TOKEN = '<|endoftext|>';

export function tokenizerJson(bpe: BpeModel): { json: object; eosId: number; vocabSize: number } {
  const vocab: Record<string, number> = {};
  for (const [tok, id] of bpe.vocab) vocab[tok] = id;
  const eosId = bpe.vocab.size;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: eosId, content: EOS_TOKEN, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: PRE_TOKENIZER_REGEX }, behavior: 'Isolated', invert: false },
        byteLevel,
      ],
    },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: bpe.merges.map(([l, r]) => [l, r]),
    },
  };
  return { json, eosId, vocabSize: eosId + 1 };
}

export function tokenizerConfigJson(eosId: number, maxLength: number): object {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: maxLength,
    add_bos_token: false,
    add_eos_token: false,
    bos_token: EOS_TOKEN,
    eos_token: EOS_TOKEN,
    pad_token: EOS_TOKEN,
    unk_token: null,
    clean_up_tokenization_spaces: false,
    added_tokens_decoder: {
      [String(eosId)]: { content: EOS_TOKEN, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true },
    },
  };
}
