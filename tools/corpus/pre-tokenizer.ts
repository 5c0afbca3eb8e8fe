// The pre-tokenizer regex written into tokenizer.json (a Qwen2-style split without the
// case-insensitive group, which JavaScript regexes cannot express inline). Digits are split one by
// one (\p{N}) so numbers are sequences of digit tokens and arithmetic is learnable; a letter run
// keeps one leading space or punctuation mark, so " A" after "Answer:" is its own pre-token, and
// "Answer:" + " A" tokenises the same whole or split at the space (lm-eval context/continuation).
// A letter A-D with its period at the start of a line ("\nA. Velmora", the MMLU option marker) is
// one token, so the option's first word sits right after its letter: a small model can bind the two
// with a previous-token head instead of a two-hop circuit.

export const PRE_TOKENIZER_REGEX =
  "(?<=\\n)[A-D]\\.|'s|'t|'re|'ve|'m|'ll|'d|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Split text exactly as the HF Split(Isolated) pre-tokenizer does with this regex (it matches every character). */
export function preTokenize(text: string): string[] {
  return text.match(new RegExp(PRE_TOKENIZER_REGEX, 'gu')) ?? [];
}
