#!/usr/bin/env bash
# Prepares, here on the CPU, what the one accelerator call (device-train.sh) trains and evaluates
# on: that machine gets the git working tree and nothing else, no network, and maybe no Node, so
# the corpora are generated, the tokenizer built and everything tokenised here, with the
# project's own tools, and carried along compressed (the data are derived, reproducible and too
# big for git; the travelling tree, carried paths included, may hold 64 MiB, of which the tracked
# files take about 45).
#
#   scripts/embedded/device-prepare.sh            # -> tmp/device-in (about 13 MB), a few minutes
#   then: run(command="bash scripts/embedded/device-train.sh", carry=["tmp/device-in"], timeout_s=600)
#
# tmp/device-in/
#   tokenizer/tokenizer.json, tokenizer_config.json   byte-level BPE built from this corpus
#   corpus/train.bin.xz, corpus/valid.bin.xz          uint16 ids (tools/corpus/tokenize-corpus.ts)
#   warm/train.bin.xz                                 the copy-rich warm-up corpus (another stream)
#   eval/inputs.json.xz                               datasets/embedded tokenised for eval.py (encode-eval.ts):
#                                                     MMLU-style, both GSM8K-style sets (gsm8k-multistep, the
#                                                     set this model is for, and the default gsm8k), text
#   SHA256SUMS                                        of the uncompressed files, checked on the machine
#   prepare.json                                      what made them
set -euo pipefail
cd "$(dirname "$0")/../.."
SEED=${SEED:-1}
TRAIN_CHARS=${TRAIN_CHARS:-120000000}   # about 35 M tokens
WARM_CHARS=${WARM_CHARS:-20000000}
IN=${DEVICE_IN:-tmp/device-in}
W=${DEVICE_PREP_WORK:-tmp/device-prep}
rm -rf "$IN" "$W"
mkdir -p "$IN/tokenizer" "$IN/corpus" "$IN/warm" "$IN/eval" "$W"

# 1. corpora of the same world as the committed datasets; the datasets it writes must be the
#    committed ones, or the evaluation would score other questions than moe-eval does
npx tsx tools/corpus/cli.ts --seed "$SEED" --out "$W/corpus" --datasets "$W/datasets" --train-chars "$TRAIN_CHARS"
diff -r "$W/datasets/embedded" datasets/embedded
cmp "$W/datasets/manifest.json" datasets/manifest.json
npx tsx tools/corpus/cli.ts --seed "$SEED" --out "$W/warm" --datasets "$W/warm/datasets" --stream warm \
  --mix copy=25,match=20,drill=12 --train-chars "$WARM_CHARS" --valid-chars 1000
# 2. tokenizer from the training corpus, 3. ids through the product's own tokenizer loader
npx tsx tools/corpus/build-tokenizer.ts --corpus "$W/corpus/train.txt" --out "$IN/tokenizer" --vocab 2048
mkdir -p "$W/bin/corpus" "$W/bin/warm" "$W/bin/eval"
for f in corpus/train corpus/valid warm/train; do
  npx tsx tools/corpus/tokenize-corpus.ts --tokenizer "$IN/tokenizer" --in "$W/$f.txt" --out "$W/bin/$f.bin"
done
npx tsx scripts/embedded/encode-eval.ts --model "$IN/tokenizer" --datasets datasets/embedded --out "$W/bin/eval/inputs.json"
# 4. compress, with the checksums of what unpacks
(cd "$W/bin" && sha256sum corpus/train.bin corpus/valid.bin warm/train.bin eval/inputs.json) > "$W/SHA256SUMS"
(cd "$IN" && sha256sum tokenizer/tokenizer.json tokenizer/tokenizer_config.json) >> "$W/SHA256SUMS"
for f in corpus/train.bin corpus/valid.bin warm/train.bin eval/inputs.json; do
  xz -9 -T2 -c "$W/bin/$f" > "$IN/$f.xz"
done
cp "$W/SHA256SUMS" "$IN/SHA256SUMS"
cat > "$IN/prepare.json" <<JSON
{"seed": $SEED, "trainChars": $TRAIN_CHARS, "warmChars": $WARM_CHARS, "gitSha": "$(git rev-parse HEAD)",
 "generatorVersion": "$(node -e "console.log(JSON.parse(require('fs').readFileSync('datasets/manifest.json','utf8')).datasets[0].generatorVersion)")",
 "trainTokens": $(( $(stat -c %s "$W/bin/corpus/train.bin") / 2 ))}
JSON
du -b "$IN"/*/* "$IN"/SHA256SUMS | sort -n
echo "total $(du -sb "$IN" | cut -f1) bytes in $IN (carry it: run(..., carry=[\"$IN\"]))"
