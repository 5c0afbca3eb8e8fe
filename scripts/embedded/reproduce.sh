#!/usr/bin/env bash
# Rebuild the embedded model and datasets from scratch (see models/embedded/README.md).
# Run from the project root. Training runs in the background; poll tmp/embedded/run/train.log.
set -euo pipefail
SEED=${SEED:-1}
W=tmp/embedded
mkdir -p "$W/run"

# 1. corpus generator: datasets/embedded/** + datasets/manifest.json + the training corpus,
#    and a copy-rich warm-up corpus (another PRNG stream of the same world)
npx tsx src/corpus/cli.ts --seed "$SEED" --out "$W/corpus" --datasets datasets --train-chars 20000000
npx tsx src/corpus/cli.ts --seed "$SEED" --out "$W/warm" --datasets "$W/warm/datasets" --stream warm \
  --mix copy=25,match=20,drill=12 --train-chars 5500000 --valid-chars 1000
# 2. tokenizer (byte-level BPE, 2048 ids incl. <|endoftext|>) from the training corpus
npx tsx src/corpus/build-tokenizer.ts --corpus "$W/corpus/train.txt" --out "$W/tokenizer" --vocab 2048
# 3. tokenise with the SAME tokenizer.json through @huggingface/transformers
for f in corpus/train corpus/valid warm/train; do
  npx tsx src/corpus/tokenize-corpus.ts --tokenizer "$W/tokenizer" --in "$W/$f.txt" --out "$W/$f.bin"
done
# 4. train + export (BF16 safetensors, HF olmoe layout) to models/embedded
OMP_WAIT_POLICY=passive nohup /usr/bin/python3 scripts/embedded/train.py --data "$W/corpus" \
  --warm-data "$W/warm" --warm-steps 700 --tokenizer "$W/tokenizer" --work "$W/run" --export models/embedded \
  --batch 4 --steps 2600 --warmup 100 --lr 0.0025 "$@" > "$W/run/train.log" 2>&1 &
echo "training in the background: tail -f $W/run/train.log"
# 5. afterwards: verify against moe_ref and evaluate
#   npx tsx scripts/embedded/encode-eval.ts --model models/embedded --datasets datasets/embedded --out $W/eval/inputs.json
#   /usr/bin/python3 scripts/embedded/verify.py --model models/embedded --inputs $W/eval/inputs.json
#   /usr/bin/python3 scripts/embedded/eval.py --model models/embedded --inputs $W/eval/inputs.json \
#       --train-bin $W/corpus/train.bin --out $W/eval/results.json
