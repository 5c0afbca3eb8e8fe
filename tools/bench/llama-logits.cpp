// llama-logits: the logits of every position of a token sequence, computed by llama.cpp from a
// GGUF file, printed as JSON rows. verify-gguf.ts compiles it against the user's llama.cpp build to
// check that the bench's GGUF conversion is the model moe-eval runs. The KV cache is float32 and
// flash attention off, so nothing but summation order separates the two engines (llama-bench's
// defaults, an F16 cache and flash attention, differ from float32 by ~1e-3 in the logits).
//
// usage: llama-logits MODEL.gguf VOCAB TOKEN...
#include "llama.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s MODEL.gguf VOCAB TOKEN...\n", argv[0]);
    return 2;
  }
  const int vocab = atoi(argv[2]);
  std::vector<llama_token> tokens;
  for (int i = 3; i < argc; i++) tokens.push_back(atoi(argv[i]));
  const int n = static_cast<int>(tokens.size());

  llama_backend_init();
  llama_model *model = llama_model_load_from_file(argv[1], llama_model_default_params());
  if (!model) return 1;
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = n + 8;
  cp.n_batch = cp.n_ubatch = n;
  cp.n_threads = cp.n_threads_batch = 2;
  cp.type_k = cp.type_v = GGML_TYPE_F32;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  llama_context *ctx = llama_init_from_model(model, cp);
  if (!ctx) return 1;

  llama_batch batch = llama_batch_init(n, 0, 1);
  for (int i = 0; i < n; i++) {
    batch.token[i] = tokens[i];
    batch.pos[i] = i;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = 1;
  }
  batch.n_tokens = n;
  if (llama_decode(ctx, batch) != 0) return 1;

  printf("[");
  for (int i = 0; i < n; i++) {
    const float *row = llama_get_logits_ith(ctx, i);
    printf(i ? ",[" : "[");
    for (int j = 0; j < vocab; j++) printf(j ? ",%.9g" : "%.9g", row[j]);
    printf("]");
  }
  printf("]\n");
  llama_batch_free(batch);
  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
