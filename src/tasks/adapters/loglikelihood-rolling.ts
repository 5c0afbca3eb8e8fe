// loglikelihood_rolling: perplexity of raw text under two protocols (tasks/perplexity.yaml).
//  windows (the paper's): the text tokenised once and cut into non-overlapping windows; each window
//    is one unit whose first token is context only.
//  rolling (lm-eval): per document, lm-eval's get_rolling_token_windows with the end-of-text token
//    as prefix and context_len 1, made disjoint, so every token is predicted once.
// Each unit records its log-likelihood and its tokens, words and bytes; the perplexity metrics are
// the aggregations of scoring/aggregations.ts.

import { wikitextDocuments } from '../../data/index.js';
import { usageError } from '../../errors.js';
import { wikitextDetokenize } from '../wikitext-detokenizer.js';
import type { EvalUnit, TaskAdapter } from './adapter.js';

interface Window {
  context: number[];
  target: number[];
}

/** lm-eval utils.get_rolling_token_windows + make_disjoint_window, context_len = 1 */
export function rollingWindows(tokens: number[], prefix: number, maxLength: number): Window[] {
  const windows: Window[] = [];
  if (tokens.length === 0) return windows;
  const first = Math.min(maxLength, tokens.length);
  windows.push({ context: [prefix], target: tokens.slice(0, first) });
  let predicted = first;
  while (predicted < tokens.length) {
    const len = Math.min(tokens.length - predicted, maxLength);
    const end = predicted + len;
    const input = tokens.slice(Math.max(0, end - maxLength - 1), end - 1);
    // disjoint: the context is the input minus the part that overlaps the target
    windows.push({ context: input.slice(0, input.length - (len - 1)), target: tokens.slice(end - len, end) });
    predicted += len;
  }
  return windows;
}

/** words as lm-eval counts them: len(re.split(r"\s+", text)) */
export const countWords = (text: string): number => text.split(/\s+/).length;
const countBytes = (text: string): number => Buffer.byteLength(text, 'utf8');

export const loglikelihoodRolling: TaskAdapter = {

  units(task, data, opts) {
    const protocol = String(opts.settings.protocol);
    const window = Number(opts.settings.window);
    if (window > opts.maxLength) {
      // positions beyond max_position_embeddings were never trained: the perplexity would mislead
      if (opts.settings.allowLongWindow !== true) {
        throw usageError('window-too-long', `--window ${window} is longer than the model's ${opts.maxLength} positions (max_position_embeddings)`, `pass --window ${opts.maxLength} or less, or --allow-long-window to score beyond the trained positions`);
      }
      opts.warn('window-beyond-positions', `--window ${window} is longer than the model's ${opts.maxLength} positions; tokens beyond them were scored (--allow-long-window)`);
    }
    const tok = opts.tokenizer;
    const units: EvalUnit[] = [];
    if (protocol === 'windows') {
      // the paper / HF perplexity guide: rows joined with "\n\n", tokenised once
      const text = (data.lines ?? [data.text ?? '']).join('\n\n');
      const ids = tok.encode(text);
      const starts: number[] = [];
      for (let s = 0; s + 1 < ids.length; s += window) starts.push(s);
      const all = opts.limit === null ? starts : starts.slice(0, opts.limit);
      all.forEach((start, index) => {
        const slice = ids.slice(start, Math.min(start + window, ids.length));
        units.push({
          index,
          docId: `window/${index}`,
          group: null,
          async run(engine, routing) {
            const lls = await engine.scoreWindow(slice.slice(0, 1), slice.slice(1), routing);
            const predictedText = tok.decode(slice.slice(1));
            // a word is counted in the window where it starts: not when the window opens mid-word
            const opensMidWord = /\S$/.test(tok.decode(slice.slice(0, 1))) && /^\S/.test(predictedText);
            const words = (predictedText.match(/\S+/g)?.length ?? 0) - (opensMidWord ? 1 : 0);
            return { values: { loglikelihood: sum(lls), tokens: lls.length, words, bytes: countBytes(predictedText) }, log: { startToken: start, tokens: slice.length } };
          },
        });
      });
    } else {
      const docs = wikitextDocuments(data.text ?? '').map(wikitextDetokenize);
      const chosen = opts.limit === null ? docs : docs.slice(0, opts.limit);
      chosen.forEach((doc, index) => {
        units.push({
          index,
          docId: `document/${index}`,
          group: null,
          async run(engine, routing) {
            let total = 0;
            let count = 0;
            for (const w of rollingWindows(tok.encode(doc), tok.prefixTokenId, window)) {
              const lls = await engine.scoreWindow(w.context, w.target, routing);
              total += sum(lls);
              count += lls.length;
            }
            return { values: { loglikelihood: total, tokens: count, words: countWords(doc), bytes: countBytes(doc) }, log: { characters: doc.length } };
          },
        });
      });
    }
    return units;
  },

};

const sum = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
};
