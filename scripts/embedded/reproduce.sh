#!/usr/bin/env bash
# Rebuild the embedded model and datasets from scratch (see models/embedded/README.md).
# Run from the project root. Training runs in the background; poll tmp/embedded/run/train.log.
set -euo pipefail
SEED=${SEED:-1}
# step 4 trains and exports through scripts/embedded/export.py, which needs moe_ref.py, the
# independent PyTorch reference implementation that is not part of this repository: check for it
# here, before the background job starts
: "${MOE_REF_DIR:?set MOE_REF_DIR to the folder that holds moe_ref.py (see scripts/check/README.md)}"
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
# 4. train in two phases, in the background (~55 min on 2 cores):
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
#   and against the PyTorch reference: scripts/embedded/verify.py (see its header)
