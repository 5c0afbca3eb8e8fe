// The real-model shapes of `npm run bench`: the released config.json of OLMoE-1B-7B-0924 and of
// Qwen1.5-MoE-A2.7B with num_hidden_layers cut to 2, and OLMoE-1B-7B at its full 16 layers (random
// weights fill them), with the precisions each is timed at (precisions.ts).

import type { PrecisionId } from './precisions.js';

/** Prompt tokens before the timed decode, decode tokens, and the long prefill. */
export const PROMPT = 128;
export const DECODE = 32;
export const LONG = 512;

export interface BenchShape {
  name: string;
  config: Record<string, unknown>;
  /** how the synthetic checkpoint stores its weights */
  dtype: 'F32' | 'BF16';
  precisions: PrecisionId[];
}

const OLMOE_1B_7B: Record<string, unknown> = {
  architectures: ['OlmoeForCausalLM'], model_type: 'olmoe', attention_bias: false, attention_dropout: 0.0, clip_qkv: null,
  bos_token_id: null, eos_token_id: 50279, pad_token_id: 1, hidden_act: 'silu', hidden_size: 2048, initializer_range: 0.02,
  intermediate_size: 1024, max_position_embeddings: 4096, norm_topk_prob: false, num_attention_heads: 16, num_experts: 64,
  num_experts_per_tok: 8, num_hidden_layers: 16, num_key_value_heads: 16, output_router_logits: false, rms_norm_eps: 1e-5,
  rope_scaling: null, rope_theta: 10000.0, router_aux_loss_coef: 0.01, tie_word_embeddings: false, use_cache: true, vocab_size: 50304,
};

export const BENCH_SHAPES: BenchShape[] = [
  { name: 'olmoe-2l', config: { ...OLMOE_1B_7B, num_hidden_layers: 2 }, dtype: 'F32', precisions: ['f32', 'experts-q4', 'q4', 'bf16'] },
  {
    name: 'qwen15moe-2l',
    config: {
      architectures: ['Qwen2MoeForCausalLM'], model_type: 'qwen2_moe', attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643,
      decoder_sparse_step: 1, hidden_act: 'silu', hidden_size: 2048, initializer_range: 0.02, intermediate_size: 5632,
      max_position_embeddings: 8192, max_window_layers: 21, moe_intermediate_size: 1408, norm_topk_prob: false, num_attention_heads: 16,
      num_experts: 60, num_experts_per_tok: 4, num_hidden_layers: 2, num_key_value_heads: 16, output_router_logits: false,
      rms_norm_eps: 1e-6, rope_theta: 1000000.0, router_aux_loss_coef: 0.001, shared_expert_intermediate_size: 5632,
      sliding_window: 32768, tie_word_embeddings: false, use_cache: true, use_sliding_window: false, vocab_size: 151936,
    },
    dtype: 'F32',
    precisions: ['f32', 'experts-q4', 'q4'],
  },
  // BF16 as released (13.8 GB); fp32 would not fit this machine's 24 GB
  { name: 'olmoe-16l', config: OLMOE_1B_7B, dtype: 'BF16', precisions: ['experts-q4', 'q4', 'bf16'] },
];
