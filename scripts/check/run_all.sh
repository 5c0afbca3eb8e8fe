#!/bin/sh
# Every independent check, in order, against one CLI (default: the Python stand-in in float32,
# which is the scripts' self-test). Not part of `npm test`: needs Debian's /usr/bin/python3 + torch
# and MOE_REF_DIR, the folder of the independent PyTorch reference (see README.md).
#   scripts/check/run_all.sh                              # self-test (ref_cli.py --dtype float32)
#   scripts/check/run_all.sh "node bin/run.js"            # the real engine
#   GROUP=all scripts/check/run_all.sh "node bin/run.js"  # also deepseek_v2 / phimoe checkpoints
# Exit status: 0 only if every step passed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
CLI=${1:-"$PY $HERE/ref_cli.py --dtype float32"}
GROUP=${GROUP:-main}
if [ -z "${MOE_REF_DIR:-}" ]; then
  echo "run_all.sh: MOE_REF_DIR is not set: it must name the folder of the independent PyTorch reference (moe_ref.py, make_tiny.py, golden.py), which is not part of this repository (see scripts/check/README.md)" >&2
  exit 2
fi
UNSEEN=${UNSEEN:-$ROOT/tmp/check/unseen-$GROUP}
GOLDEN=${GOLDEN:-$ROOT/test/fixtures/golden}
status=0
step() { echo; echo "=== $*"; "$@" || { echo "=== exit $? from: $1 $2"; status=1; }; }

[ -d "$UNSEEN" ] || step $PY "$HERE/unseen_checkpoints.py" --out "$UNSEEN" --group "$GROUP"
step $PY "$HERE/selftest_contract_ref.py"
if [ "$GROUP" = main ]; then
  GOLDEN_DIRS=$(ls -d "$GOLDEN"/mixtral-* "$GOLDEN"/qwen2_moe-* "$GOLDEN"/olmoe-* "$GOLDEN"/qwen3_moe-*)
else
  GOLDEN_DIRS=$(ls -d "$GOLDEN"/*)
fi
# shellcheck disable=SC2086
step $PY "$HERE/compare_logits.py" --cli "$CLI" --models $GOLDEN_DIRS "$UNSEEN"/* --prefix 7
for d in $GOLDEN_DIRS; do
  step $PY "$HERE/compare_trace.py" --cli "$CLI" --model "$d" --strategy topk
done
step $PY "$HERE/trace_matrix.py" --cli "$CLI" --models "$UNSEEN"/*
step $PY "$HERE/usage_errors.py" --cli "$CLI" --model "$(ls -d "$UNSEEN"/* | head -1)"
echo
[ $status = 0 ] && echo "run_all: every step passed" || echo "run_all: some step did not pass (see above)"
exit $status
