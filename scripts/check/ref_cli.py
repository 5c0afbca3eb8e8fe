"""A stand-in for `moe-eval logits` built on the Python reference: the CLI contract, executable.

    /usr/bin/python3 scripts/check/ref_cli.py [--dtype float64|float32] [--fault NAME] \
        logits --model DIR --tokens 1,2,3 [--strategy ... --cache N ...] [--trace FILE] --json

stdout (with --json, and nothing else): {"logits": [[...vocab...] per position],
"routing": [{"layer", "token", "selected", "weights"}, ...]} with one routing entry per
(token, MoE layer), token-major; `selected` in descending mixing weight (ties lower id first).
--trace FILE writes the contract's JSONL trace (routing_contract_ref.write_trace). Exit codes as
the real CLI: 0 ok, 2 usage/input error, 3 runtime error.

Options before `logits` exist only here, to test the comparers: --dtype float32 runs the
reference in float32 (like an engine would; differences ~1e-6), --fault injects a known bug so
that a comparer can be seen to fail:
  logit-offset    adds 5e-4 to one logit of the last position
  swap-order      swaps selected[0] and selected[1] (and their weights) of one event with k >= 2
  flip-lru-order  silently uses the other --lru-order
  ignore-top-j    silently uses --top-j 0
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # keep scripts/check free of __pycache__
import _common  # noqa: E402
import routing_contract_ref as rcr  # noqa: E402
import torch  # noqa: E402

FAULTS = ("logit-offset", "swap-order", "flip-lru-order", "ignore-top-j")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    ap.add_argument("--fault", choices=FAULTS)
    sub = ap.add_subparsers(dest="command", required=True)
    lg = sub.add_parser("logits")
    lg.add_argument("--model", required=True)
    lg.add_argument("--tokens", required=True)
    rcr.add_routing_flags(lg)
    lg.add_argument("--trace")
    lg.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)

    o = rcr.options_from(a)
    if a.fault == "flip-lru-order":
        o.lru_order = [x for x in rcr.LRU_ORDERS if x != o.lru_order][0]
    if a.fault == "ignore-top-j":
        o.top_j = 0
    try:
        if not os.path.isfile(os.path.join(a.model, "config.json")):
            raise rcr.UsageError(f"--model {a.model}: no config.json")
        res = rcr.run(a.model, [_common.parse_tokens(a.tokens)], o,
                      torch.float64 if a.dtype == "float64" else torch.float32)
    except (rcr.UsageError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except NotImplementedError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001
        print(f"runtime error: {e!r}", file=sys.stderr)
        return 3

    logits, events = res["logits"][0], res["events"]
    if a.fault == "logit-offset":
        logits[-1][0] += 5e-4
    if a.fault == "swap-order":
        e = next((e for e in events if len(e["selected"]) >= 2), None)
        if e:
            for key in ("selected", "weights", "hits"):
                e[key][0], e[key][1] = e[key][1], e[key][0]
    if a.trace:
        rcr.write_trace(a.trace, events)
    out = {"logits": logits,
           "routing": [{"layer": e["layer"], "token": e["token"], "selected": e["selected"],
                        "weights": e["weights"]} for e in events]}
    if a.json:
        print(json.dumps(out))
    else:
        print(rcr.summary(events, res["spec"].top_k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
