// Loads a tokenizer directory offline through @huggingface/transformers, the same library the
// engine uses, so training ids and inference ids come from one implementation.

import { resolve } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';

export async function loadLocalTokenizer(dir: string): Promise<PreTrainedTokenizer> {
  const abs = resolve(dir);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = resolve(abs, '..');
  return AutoTokenizer.from_pretrained(abs.split('/').pop()!);
}

/** ids without any special tokens added */
export function encodeIds(tok: PreTrainedTokenizer, text: string): number[] {
  return tok.encode(text, { add_special_tokens: false });
}
