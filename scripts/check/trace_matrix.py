"""Run compare_trace.py over a matrix of routing options on many checkpoints: every strategy, cache policy,
lifecycle option and architecture the routing contract covers, so that no combination goes unchecked.

Options are derived per checkpoint from its top-k k and expert count E (C = max(k, E // 2)):
  topk                      --cache C
  cache-prior λ=0           --top-j 0 --cache C                (must reproduce topk)
  cache-prior λ=0.5         --top-j 1 --cache C                (the issue's example)
  cache-prior λ=1           --top-j 0 --cache k --policy lfu   (capacity = k: pinning matters)
  max-rank                  --top-j 1 --max-rank min(E, 2k) --cache C
  max-rank                  --top-j 0 --max-rank E --cache C --policy fifo
  cumulative-threshold      --top-j 1 --threshold 0.8 --cache C --lru-order weight-asc-first
  cumulative-threshold      --top-j 0 --threshold 0.5 --cache min(E, k+1) --policy fifo
--quick keeps the first, third, fifth and seventh. deepseek_v2 / phimoe checkpoints get only
`topk --cache C` (the reference implements the other strategies for softmax-top-k routers only).

    /usr/bin/python3 scripts/check/trace_matrix.py --cli "node bin/run.js" --models DIR/* [--quick]

Exit: the worst compare_trace exit code (1 FAIL > 2 ERROR > 3 NEAR-TIE > 0 PASS).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # keep scripts/check free of __pycache__
import _common as C  # noqa: E402
import compare_trace  # noqa: E402  (requires the reference, through routing_contract_ref)
import moe_ref  # noqa: E402


def matrix(k: int, E: int, ext: bool) -> list:
    c = max(k, E // 2)
    rows = [f"--strategy topk --cache {c}",
            f"--strategy cache-prior --lambda 0 --top-j 0 --cache {c}",
            f"--strategy cache-prior --lambda 0.5 --top-j 1 --cache {c}",
            f"--strategy cache-prior --lambda 1 --top-j 0 --cache {k} --policy lfu",
            f"--strategy max-rank --top-j 1 --max-rank {min(E, 2 * k)} --cache {c}",
            f"--strategy max-rank --top-j 0 --max-rank {E} --cache {c} --policy fifo",
            f"--strategy cumulative-threshold --top-j 1 --threshold 0.8 --cache {c} --lru-order weight-asc-first",
            f"--strategy cumulative-threshold --top-j 0 --threshold 0.5 --cache {min(E, k + 1)} --policy fifo"]
    return rows[:1] if ext else rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="print every compare_trace report, not only failures")
    a = ap.parse_args(argv)
    rows, worst = [], C.PASS
    rank = {C.PASS: 0, C.NEAR_TIE_ONLY: 1, C.CANNOT_RUN: 2, C.MISMATCH: 3}
    names = {C.PASS: "PASS", C.MISMATCH: "FAIL", C.CANNOT_RUN: "ERROR", C.NEAR_TIE_ONLY: "NEAR-TIE"}
    for d in a.models:
        if not os.path.isfile(os.path.join(d, "config.json")):
            continue
        _, spec = moe_ref.load_config(d)
        opts = matrix(spec.top_k, spec.num_experts, spec.model_type in moe_ref.EXT_MODEL_TYPES)
        if a.quick:
            opts = opts[0::2]
        for o in opts:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                try:
                    code = compare_trace.main(["--cli", a.cli, "--model", d] + o.split())
                except SystemExit as e:   # argparse error inside compare_trace
                    code = C.CANNOT_RUN if e.code else C.PASS
            if code != C.PASS or a.verbose:
                print(f"### {os.path.basename(os.path.normpath(d))} {o}\n{buf.getvalue()}")
            rows.append([os.path.basename(os.path.normpath(d)), o, names.get(code, str(code))])
            if rank.get(code, 3) > rank[worst]:
                worst = code
    print(C.table(rows, ["checkpoint", "options", "verdict"]))
    verdicts = [r[2] for r in rows]
    print(", ".join(f"{v} {verdicts.count(v)}" for v in ("PASS", "NEAR-TIE", "FAIL", "ERROR")))
    return worst


if __name__ == "__main__":
    sys.exit(main())
