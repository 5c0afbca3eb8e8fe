"""Check that `moe-eval logits` refuses what the routing contract calls usage errors (exit 2).

Cases (k = top-k, E = experts of --model): --cache k-1 and E+1; a cache-aware strategy without
--cache; --top-j k+1; --lambda 1.5; --max-rank k-1; --threshold 0 and 1.5; unknown --strategy
and --policy. Each must exit with code 2 and name the offending flag on stderr; a crash (3),
success (0) or a message that does not name the flag fails.

    /usr/bin/python3 scripts/check/usage_errors.py --cli "node bin/run.js" --model DIR
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # keep scripts/check free of __pycache__
import _common as C  # noqa: E402

C.require_reference()
import moe_ref  # noqa: E402


def cases(k: int, E: int) -> list:
    """(flag that must be named, extra args)"""
    return [("--cache", ["--cache", str(k - 1)]),
            ("--cache", ["--cache", str(E + 1)]),
            ("--cache", ["--strategy", "cache-prior", "--lambda", "0.5"]),
            ("--cache", ["--strategy", "max-rank", "--max-rank", str(k)]),
            ("--top-j", ["--strategy", "cache-prior", "--lambda", "0.5", "--top-j", str(k + 1), "--cache", str(k)]),
            ("--lambda", ["--strategy", "cache-prior", "--lambda", "1.5", "--cache", str(k)]),
            ("--max-rank", ["--strategy", "max-rank", "--max-rank", str(k - 1), "--cache", str(k)]),
            ("--max-rank", ["--strategy", "max-rank", "--max-rank", str(E + 1), "--cache", str(k)]),
            ("--threshold", ["--strategy", "cumulative-threshold", "--threshold", "0", "--cache", str(k)]),
            ("--threshold", ["--strategy", "cumulative-threshold", "--threshold", "1.5", "--cache", str(k)]),
            ("--strategy", ["--strategy", "no-such-strategy"]),
            ("--policy", ["--policy", "no-such-policy", "--cache", str(k)])]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    a = ap.parse_args(argv)
    _, spec = moe_ref.load_config(a.model)
    rows, bad = [], 0
    for flag, extra in cases(spec.top_k, spec.num_experts):
        code, _, err = C.run_cli(a.cli, ["logits", "--model", a.model, "--tokens", "1,2,3", "--json"] + extra)
        ok = code == 2 and flag.lstrip("-") in err
        bad += not ok
        rows.append([" ".join(extra), code, "yes" if flag.lstrip("-") in err else "no", "PASS" if ok else "FAIL",
                     err.strip().splitlines()[0][:70] if err.strip() else ""])
    print(C.table(rows, ["args", "exit", "names flag", "verdict", "stderr (first line)"]))
    print(f"k={spec.top_k} E={spec.num_experts}: {len(rows) - bad}/{len(rows)} refused as usage errors")
    return C.MISMATCH if bad else C.PASS


if __name__ == "__main__":
    sys.exit(main())
