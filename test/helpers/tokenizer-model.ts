// A tiny random OLMoE-architecture model with the real OLMoE tokenizer (test/fixtures/tokenizers),
// written to a temp directory: task tests need a model whose vocabulary covers real text.

import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticCheckpoint } from '../../src/engine/synthetic-checkpoint.js';
import { ROOT } from './fixtures.js';

export const OLMOE_TOKENIZER_DIR = join(ROOT, 'test', 'fixtures', 'tokenizers', 'olmoe');

export function makeTokenizerModel(extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'moe-eval-tokmodel-'));
  writeSyntheticCheckpoint(dir, {
    dtype: 'F32',
    seed: 1,
    config: {
      model_type: 'olmoe', hidden_size: 32, intermediate_size: 32, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2,
      num_experts: 8, num_experts_per_tok: 2, vocab_size: 50304, rms_norm_eps: 1e-5, rope_theta: 10000, hidden_act: 'silu',
      tie_word_embeddings: true, max_position_embeddings: 4096, eos_token_id: 50279, norm_topk_prob: false, attention_bias: false, clip_qkv: null,
      ...extra,
    },
  });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(OLMOE_TOKENIZER_DIR, f), join(dir, f));
  return dir;
}
