// Tokenizers come from the model directory only (tokenizer.json + tokenizer_config.json), loaded
// by @huggingface/transformers with remote models disabled: moe-eval never touches the network.

import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { inputError } from '../errors.js';

export interface TextTokenizer {
  /** token ids without special tokens (lm-eval's HFLM default for causal LMs) */
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** end-of-sequence ids (the tokenizer's eos plus the model config's) */
  eosTokenIds: number[];
  eosToken: string | null;
  /** what lm-eval uses as the prefix of an empty context: the EOT (eos) token, else BOS */
  prefixTokenId: number;
  /** the largest id the tokenizer can produce (vocabulary and added tokens) */
  maxTokenId: number;
}

export async function loadTokenizer(modelDir: string, configEosIds: number[] = []): Promise<TextTokenizer> {
  if (!existsSync(join(modelDir, 'tokenizer.json'))) {
    throw inputError('tokenizer-missing', `${join(modelDir, 'tokenizer.json')} does not exist`, 'the task commands need the model\'s tokenizer.json (and tokenizer_config.json) beside its weights');
  }
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(modelDir);
  let tok: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  try {
    tok = await AutoTokenizer.from_pretrained(basename(modelDir), { local_files_only: true });
  } catch (e) {
    throw inputError('tokenizer-invalid', `${modelDir}: cannot load the tokenizer: ${(e as Error).message}`, 'check tokenizer.json and tokenizer_config.json');
  }
  const eos = tok.eos_token_id as number | undefined;
  const eosTokenIds = [...new Set([...(eos !== undefined && eos !== null ? [eos] : []), ...configEosIds])];
  const prefix = eosTokenIds[0] ?? (tok.bos_token_id as number | undefined);
  if (prefix === undefined) throw inputError('tokenizer-no-eos', `${modelDir}: the tokenizer has neither an eos nor a bos token`, 'lm-eval needs one as the prefix of empty contexts');
  let maxTokenId = -1;
  for (const id of tok.get_vocab().values()) if (id > maxTokenId) maxTokenId = id;
  return {
    maxTokenId,
    encode: (text) => tok.encode(text, { add_special_tokens: false }),
    decode: (ids) => tok.decode(ids, { skip_special_tokens: false }),
    eosTokenIds,
    eosToken: (tok.eos_token as string | null) ?? null,
    prefixTokenId: prefix,
  };
}
