#!/usr/bin/env bash
# Rebuild the embedded model and datasets from scratch (see models/embedded/README.md).
# Run from the project root. Needs Node (the corpus tools) and PyTorch + numpy; nothing outside
# this repository (MOE_REF_DIR names the independent reference only for verify.py, a check).
#
# Two paths.
#
# GPU, the next embedded model (8 layers, hidden 384, 16 experts top-2, SwiGLU intermediate 120:
# 24.05 M parameters, 48.1 MB in BF16), one call on an NVIDIA H200 of at most 10 minutes:
#   scripts/embedded/device-prepare.sh     # here: corpora, tokenizer, ids, eval inputs -> tmp/device-in (~12 MB, ~4 min)
#   run(command="bash scripts/embedded/device-train.sh", carry=["tmp/device-in"], timeout_s=600)
#                                          # there: self-check, 420 s of training, export, split, eval.py
#                                          #   (MMLU-style, then both GSM8K-style sets, each on its own)
#   scripts/embedded/join-parts.sh <the returned files> models/embedded      # here: re-join, sha256-checked
#   then score it with moe-eval itself (step 5 below) and check it with verify.py.
#
# CPU, this script: the two-phase recipe of the shipped 4-layer model (PyTorch 1.13, 2 threads,
# the per-expert loop; about 58 minutes on this machine's 2 cores). Since generator 1.3.0 the
# corpus carries the harder multi-step GSM8K-style problems, so it is no longer the exact corpus
# the shipped model saw (1.2.0).
#
# GSM8K-style sets: datasets/embedded/gsm8k, the default of `moe-eval gsm8k` (short problems of
# one to three operations; the shipped model: strict 0.573), and datasets/embedded/gsm8k-multistep
# (3 to 6 operations, numbers into the thousands, one irrelevant sentence; the shipped model:
# strict 0.003), the target set of the GPU model above. The default switches to the multi-step set
# in the same change that ships that model, not before: on the shipped model it scores at the
# floor, where no routing change can show a loss of accuracy.
#
# The GPU shape on the CPU is not practical: measured here at
# batch 4 x 512 it runs 0.42-0.44 steps/s (about 900 tokens/s, the dense and the loop paths
# alike), so the 7.5 M tokens of this recipe would take about 2.3 hours, one pass over the 34 M
# tokens device-prepare.sh makes about 10.5 hours, and the hundred million or more tokens that
# 420 s on the GPU are planned to see (the run logs the real figure) more than a day (10^8
# tokens: about 31 hours).
set -euo pipefail
SEED=${SEED:-1}
W=tmp/embedded
mkdir -p "$W/run"

# 1. corpus generator: datasets/embedded/** + datasets/manifest.json + the training corpus,
#    and a copy-rich warm-up corpus (another PRNG stream of the same world)
npx tsx tools/corpus/cli.ts --seed "$SEED" --out "$W/corpus" --datasets datasets --train-chars 20000000
npx tsx tools/corpus/cli.ts --seed "$SEED" --out "$W/warm" --datasets "$W/warm/datasets" --stream warm \
  --mix copy=25,match=20,drill=12 --train-chars 5500000 --valid-chars 1000
# 2. tokenizer (byte-level BPE, 2048 ids incl. <|endoftext|>) from the training corpus
npx tsx tools/corpus/build-tokenizer.ts --corpus "$W/corpus/train.txt" --out "$W/tokenizer" --vocab 2048
# 3. tokenise with the SAME tokenizer.json through @huggingface/transformers
for f in corpus/train corpus/valid warm/train; do
  npx tsx tools/corpus/tokenize-corpus.ts --tokenizer "$W/tokenizer" --in "$W/$f.txt" --out "$W/$f.bin"
done
# 4. train in two phases, in the background (~58 min on 2 cores):
#    a) 700 warm-up steps on the copy-rich corpus, then the main corpus, on a 2600-step cosine
#       schedule stopped after step 1500 (the multiple-choice answer letter was still at chance);
#    b) from that state, 1100 steps of a new schedule with the answer letters' loss weighted x20.
#    Exports BF16 safetensors in HF olmoe layout to models/embedded.
export OMP_WAIT_POLICY=passive
(
  /usr/bin/python3 scripts/embedded/train.py --data "$W/corpus" --warm-data "$W/warm" --warm-steps 700 \
    --tokenizer "$W/tokenizer" --work "$W/run" --export "$W/run/phase1" --seed "$SEED" \
    --batch 4 --steps 2600 --stop-after 1500 --warmup 100 --lr 0.0025 > "$W/run/train.log" 2>&1 &&
  mkdir -p "$W/run2" && cp "$W/run/state.pt" "$W/run2/init.pt" &&
  /usr/bin/python3 scripts/embedded/train.py --data "$W/corpus" --warm-steps 0 --tokenizer "$W/tokenizer" \
    --work "$W/run2" --export models/embedded --seed $((SEED + 1)) --batch 4 --steps 1100 --warmup 20 \
    --lr 0.0015 --answer-weight 20 --init-from "$W/run2/init.pt" > "$W/run2/train.log" 2>&1
) &
echo "training in the background: tail -f $W/run/train.log $W/run2/train.log"
# 5. afterwards: evaluate with moe-eval itself (see models/embedded/README.md), e.g.
#   npx moe-eval mmlu --cache 8 && npx moe-eval gsm8k --cache 8 && npx moe-eval perplexity --cache 8
#   and the multi-step set: npx moe-eval gsm8k --data datasets/embedded/gsm8k-multistep --cache 8
#   and against the PyTorch reference: scripts/embedded/verify.py (see its header)
