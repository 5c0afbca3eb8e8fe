#!/usr/bin/env bash
# Re-joins what device-train.sh returned into a model folder, every file checked against
# SHA256SUMS (the parts, the tar and the joined model.safetensors):
#   scripts/embedded/join-parts.sh <folder with the returned files> <model dir>
# e.g. scripts/embedded/join-parts.sh <files_at> tmp/embedded/v2 && npx moe-eval mmlu --model tmp/embedded/v2 --cache 8
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: join-parts.sh <folder with model.safetensors.part-NN, model-files.tar, SHA256SUMS> <model dir>" >&2
  exit 2
fi
src=$1
dst=$2
[[ -f "$src/SHA256SUMS" ]] || { echo "join-parts.sh: $src/SHA256SUMS is missing" >&2; exit 2; }
# the parts and the tar as they arrived
(cd "$src" && grep -v '  model\.safetensors$' SHA256SUMS | sha256sum -c --quiet -)
mkdir -p "$dst"
parts=$(cd "$src" && ls model.safetensors.part-* | sort)
[[ -n "$parts" ]] || { echo "join-parts.sh: no model.safetensors.part-* in $src" >&2; exit 2; }
(cd "$src" && cat $parts) > "$dst/model.safetensors.tmp"
# the joined file against the digest taken on the machine before splitting
want=$(grep '  model\.safetensors$' "$src/SHA256SUMS" | cut -d' ' -f1)
got=$(sha256sum "$dst/model.safetensors.tmp" | cut -d' ' -f1)
if [[ "$want" != "$got" ]]; then
  rm -f "$dst/model.safetensors.tmp"
  echo "join-parts.sh: joined model.safetensors has sha256 $got, the machine wrote $want" >&2
  exit 1
fi
mv "$dst/model.safetensors.tmp" "$dst/model.safetensors"
tar -xf "$src/model-files.tar" -C "$dst"
echo "joined $(echo "$parts" | wc -l) parts into $dst/model.safetensors ($(stat -c %s "$dst/model.safetensors") bytes, sha256 $got, checked)"
ls -l "$dst"
