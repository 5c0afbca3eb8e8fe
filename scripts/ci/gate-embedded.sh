#!/usr/bin/env bash
# Regression gate of this project's CI: the embedded model on a fast subset of each task, with the
# headline configuration (cache-prior λ=0.25, an LRU cache of 8 of 16 experts per layer), compared
# sample by sample with the baselines committed under reports/baselines/. A change that breaks
# accuracy, routing or the cache fails here.
#
#   scripts/ci/gate-embedded.sh                 gate (exit 0 pass, 1 regression, 2 bad input)
#   scripts/ci/gate-embedded.sh --update        rewrite the baselines from fresh runs (deliberate)
#
# Latency is gated on the modeled figures (deterministic); measured time on shared CI is noise.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=${MOE_EVAL_GATE_DIR:-tmp/ci-gate}
BASELINES=reports/baselines
ROUTING=(--strategy cache-prior --lambda 0.25 --cache 8)

# task name -> its subset (the same flags the baselines were written with)
declare -A SUBSET=(
  [mmlu]="--limit 12"
  [gsm8k]="--limit 50"
  [perplexity]="--limit 8"
)

rm -rf "$OUT"
mkdir -p "$OUT"
status=0
for task in mmlu gsm8k perplexity; do
  # shellcheck disable=SC2086 # SUBSET values are flag lists
  node bin/run.js "$task" ${SUBSET[$task]} "${ROUTING[@]}" --output "$OUT/$task" --quiet > "$OUT/$task.log"
  baseline="$BASELINES/embedded-$task-c8.json"
  if [[ "${1:-}" == "--update" ]]; then
    node bin/run.js gate --update-baseline --results "$OUT/$task" --baseline "$baseline"
  else
    node bin/run.js gate --baseline "$baseline" --results "$OUT/$task" --latency-source modeled || status=$?
    # a bad-input exit (2) outranks a regression (1)
    if [[ $status -eq 2 ]]; then break; fi
  fi
done
exit "$status"
