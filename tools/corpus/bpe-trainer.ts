// A small byte-level BPE trainer (Sennrich et al. 2016 over GPT-2 byte-level symbols): count
// pre-tokens, then repeatedly merge the most frequent adjacent pair. Ties break on the pair's
// string so the result is deterministic. Special tokens are never seen by the trainer.

import { byteLevelAlphabet, toByteLevel } from './byte-level.js';
import { preTokenize } from './pre-tokenizer.js';

export interface BpeModel {
  /** token string -> id; ids 0..255 are the byte alphabet, then one id per merge */
  vocab: Map<string, number>;
  /** merges in priority order, "left right" */
  merges: [string, string][];
}

export function countWords(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of preTokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

export function trainBpe(wordCounts: Map<string, number>, vocabSize: number, minCount = 2): BpeModel {
  const alphabet = byteLevelAlphabet();
  const vocab = new Map<string, number>();
  alphabet.forEach((c, i) => vocab.set(c, i));
  // words as symbol arrays; sorted so iteration order (and thus ties) never depends on insertion order
  const words = [...wordCounts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([w, n]) => ({ syms: toByteLevel(w), n }));
  const merges: [string, string][] = [];
  while (vocab.size < vocabSize) {
    const pairs = new Map<string, number>();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = syms[i] + '\u0000' + syms[i + 1];
        pairs.set(k, (pairs.get(k) ?? 0) + n);
      }
    }
    let best = '';
    let bestN = 0;
    for (const [k, n] of pairs) {
      if (n > bestN || (n === bestN && k < best)) {
        best = k;
        bestN = n;
      }
    }
    if (bestN < minCount) break;
    const [l, r] = best.split('\u0000');
    const merged = l + r;
    merges.push([l, r]);
    if (!vocab.has(merged)) vocab.set(merged, vocab.size);
    for (const w of words) {
      const s = w.syms;
      if (s.length < 2) continue;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === l && s[i + 1] === r) {
          out.push(merged);
          i++;
        } else out.push(s[i]);
      }
      w.syms = out;
    }
  }
  return { vocab, merges };
}
