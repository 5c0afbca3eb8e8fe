// A random OLMoE checkpoint whose hidden (256) and expert (128) widths are whole blocks of 128 weights, so its
// experts can be quantised and fused like a real model's: for engine tests of the expert stores.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticCheckpoint } from '../../src/engine/synthetic-checkpoint.js';

export const BLOCK_SHAPED = { hidden: 256, intermediate: 128 } as const;

/** Writes the checkpoint to a new temp directory and returns it (the caller removes it). */
export function writeBlockShapedModel(opts: { layers: number; experts: number; topK: number; seed: number }): string {
  const dir = mkdtempSync(join(tmpdir(), 'moe-eval-block-shaped-'));
  writeSyntheticCheckpoint(dir, {
    dtype: 'F32',
    seed: opts.seed,
    config: {
      model_type: 'olmoe', hidden_size: BLOCK_SHAPED.hidden, intermediate_size: BLOCK_SHAPED.intermediate, num_attention_heads: 4, num_key_value_heads: 2,
      num_hidden_layers: opts.layers, num_experts: opts.experts, num_experts_per_tok: opts.topK, vocab_size: 128, rms_norm_eps: 1e-5, rope_theta: 10000,
      hidden_act: 'silu', tie_word_embeddings: false, max_position_embeddings: 256, norm_topk_prob: false, attention_bias: false, clip_qkv: null,
    },
  });
  return dir;
}
