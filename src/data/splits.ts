// Split names per dataset kind, canonical as on the Hugging Face hub (test, validation, dev,
// train), with the original files' spellings accepted as aliases (Hendrycks "val", WikiText "valid").

import { usageError } from '../errors.js';
import type { DatasetKind } from './types.js';

const splits: Record<DatasetKind, Record<string, string>> = {
  // cais/mmlu splits; the Hendrycks folders are dev/val/test
  mmlu: { test: 'test', validation: 'validation', val: 'validation', dev: 'dev' },
  // openai/gsm8k (and grade_school_math/data/{train,test}.jsonl)
  gsm8k: { train: 'train', test: 'test' },
  // Salesforce/wikitext; the raw files are wiki.{train,valid,test}.raw
  'raw-text': { train: 'train', validation: 'validation', valid: 'validation', test: 'test' },
};

export function canonicalSplit(kind: DatasetKind, split: string): string {
  const canonical = splits[kind][split];
  if (!canonical) {
    const valid = [...new Set(Object.values(splits[kind]))];
    throw usageError('data-unknown-split', `unknown ${kind} split "${split}"; valid splits: ${valid.join(', ')}`);
  }
  return canonical;
}

/** The Hendrycks folder and file-name suffix of an MMLU split. */
export const hendrycksSplitName = (split: string): string => (split === 'validation' ? 'val' : split);

/** The WikiText raw file of a split: wiki.test.raw, wiki.valid.raw, wiki.train.raw. */
export const wikitextRawFileName = (split: string): string => `wiki.${split === 'validation' ? 'valid' : split}.raw`;
