"""Compare `moe-eval logits` with float64 goldens, checkpoint by checkpoint.

For every model directory holding config.json + golden.json (test/fixtures/golden, or the output
of unseen_checkpoints.py) this runs

    <cli> logits --model DIR --tokens <golden token_ids> --json

and checks, against golden.json: logits of every position within --logit-atol (1e-4); exactly
one routing entry per (token, MoE layer), no dense layers; `selected` equal to the golden's
top-k as a set AND in order (descending weight); weights within --weight-atol (1e-5).

A routing difference whose golden decision is within --tie-eps of a tie (p_(k)-p_(k+1) for the
set, adjacent weights for the order) is reported as NEAR-TIE, not hidden: it can legitimately
flip between float32 and float64. Logit differences at or after the first near-tie token are
then attributed to it (an order flip changes no number). Verdicts: PASS, NEAR-TIE, FAIL, ERROR (CLI failed / bad output).

Consistency hooks: --prefix N repeats the run on the first N tokens (must equal the golden's
first N positions: causality / KV-cache bookkeeping; skipped for longrope checkpoints whose
golden sequence is past original_max_position_embeddings and the prefix is not); --extra-run "ARGS" repeats it with extra
CLI arguments (e.g. a prefill-then-decode mode, once the CLI has one: --extra-run "--prefill 5")
and holds it to the same golden. Both are repeatable.

    /usr/bin/python3 scripts/check/compare_logits.py --cli "node bin/run.js" --models DIR/*

Exit: 0 all PASS; 1 some FAIL; 2 some ERROR (no FAIL); 3 only NEAR-TIE differences.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # keep scripts/check free of __pycache__
import _common as C  # noqa: E402


def golden_routing(g: dict) -> dict:
    """(token, layer) -> (selected, weights, set gap, order gap) from golden.json, `selected` put in
    the contract's order (descending weight, ties lower id first): golden.json lists PhiMoE's
    experts in sparsemixer order (by logit), which can differ from the weight order."""
    out = {}
    for r in g["routing"]:
        gaps = r.get("selection_gap") or r.get("topk_prob_gap")
        for t, (sel0, w0) in enumerate(zip(r["selected_experts"], r["expert_weights"])):
            pairs = sorted(zip(sel0, w0), key=lambda p: (-p[1], p[0]))
            sel, w = [p[0] for p in pairs], [p[1] for p in pairs]
            order_gap = min([w[i] - w[i + 1] for i in range(len(w) - 1)] + [float("inf")])
            out[(t, r["layer"])] = (sel, w, gaps[t] if gaps else float("inf"), order_gap)
    return out


def check_run(g: dict, out: dict, n_tok: int, a) -> dict:
    """Compare one CLI output with the golden's first n_tok positions. Returns a result dict."""
    res = {"problems": [], "ties": [], "max_dlogit": 0.0, "at": None, "max_dw": 0.0, "events": 0, "bad_events": 0}
    gl, ol = g["logits"][:n_tok], out.get("logits")
    if not isinstance(ol, list) or len(ol) != n_tok or any(len(r) != len(gl[0]) for r in ol):
        res["problems"].append(f"logits shape: expected [{n_tok}][{len(gl[0])}]")
        return res
    bad_logit_pos = []
    for t in range(n_tok):
        d = max(abs(x - y) for x, y in zip(ol[t], gl[t]))
        if d > res["max_dlogit"]:
            res["max_dlogit"], res["at"] = d, t
        if d > a.logit_atol:
            bad_logit_pos.append(t)

    want = {k: v for k, v in golden_routing(g).items() if k[0] < n_tok}
    got = {}
    for e in out.get("routing", []):
        key = (e.get("token"), e.get("layer"))
        if key in got:
            res["problems"].append(f"duplicate routing entry token={key[0]} layer={key[1]}")
        got[key] = e
    for key in sorted(set(got) - set(want)):
        res["problems"].append(f"unexpected routing entry token={key[0]} layer={key[1]} (not an MoE layer/token)")
    first_tie_tok = None
    for key in sorted(want, key=lambda k: (k[0], k[1])):
        sel, w, set_gap, order_gap = want[key]
        res["events"] += 1
        if key not in got:
            res["problems"].append(f"missing routing entry token={key[0]} layer={key[1]}")
            res["bad_events"] += 1
            continue
        gs, gw = got[key].get("selected"), got[key].get("weights")
        where = f"token={key[0]} layer={key[1]}: cli {gs} vs golden {sel}"
        if sorted(gs) != sorted(sel):
            kind, gap = "set", set_gap
        elif gs != sel:
            kind, gap = "order", order_gap
        else:
            kind, gap = None, None
        if kind:
            res["bad_events"] += 1
            if gap < a.tie_eps:
                res["ties"].append(f"{kind} flip at {where} (golden gap {gap:.2e})")
                if kind == "set":   # only a different set changes the numbers downstream
                    first_tie_tok = key[0] if first_tie_tok is None else min(first_tie_tok, key[0])
            else:
                res["problems"].append(f"{kind} differs at {where} (golden gap {gap:.2e}, not a near tie)")
        gwd = dict(zip(sel, w))
        for e, x in zip(gs, gw):
            if e in gwd:
                dw = abs(x - gwd[e])
                res["max_dw"] = max(res["max_dw"], dw)
                if dw > a.weight_atol and not kind:
                    res["problems"].append(f"weight of expert {e} at token={key[0]} layer={key[1]}: "
                                           f"{x} vs {gwd[e]} (|d|={dw:.2e})")
    for t in bad_logit_pos:
        if first_tie_tok is not None and t >= first_tie_tok:
            res["ties"].append(f"logits at position {t} differ (after the near-tie flip at token {first_tie_tok})")
        else:
            d = max(abs(x - y) for x, y in zip(ol[t], gl[t]))
            res["problems"].append(f"logits at position {t}: max |d| = {d:.2e} > {a.logit_atol}")
    return res


def longrope_switch(cfg: dict):
    """original_max_position_embeddings of a longrope config (its factors depend on the sequence
    length, so a shorter prefix legitimately gets different logits), else None."""
    rs = cfg.get("rope_scaling") or cfg.get("rope_parameters") or {}
    if isinstance(rs, dict) and (rs.get("rope_type") or rs.get("type")) == "longrope":
        return rs.get("original_max_position_embeddings", cfg.get("original_max_position_embeddings"))
    return None


def verdict(res: dict) -> str:
    if res.get("error"):
        return "ERROR"
    return "FAIL" if res["problems"] else ("NEAR-TIE" if res["ties"] else "PASS")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help='command prefix, e.g. "node bin/run.js"')
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--logit-atol", type=float, default=1e-4)
    ap.add_argument("--weight-atol", type=float, default=1e-5)
    ap.add_argument("--tie-eps", type=float, default=1e-5)
    ap.add_argument("--prefix", type=int, action="append", default=[], help="also run on the first N tokens")
    ap.add_argument("--extra-run", action="append", default=[], help="also run with these extra CLI args")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--show", type=int, default=5, help="problems to print per run")
    a = ap.parse_args(argv)

    dirs = [d for d in a.models if os.path.isfile(os.path.join(d, "config.json"))
            and os.path.isfile(os.path.join(d, "golden.json"))]
    skipped = [d for d in a.models if d not in dirs]
    if skipped:
        print(f"skipped (no config.json + golden.json): {' '.join(skipped)}")
    if not dirs:
        print("no checkpoints to compare", file=sys.stderr)
        return C.CANNOT_RUN
    rows, details, verdicts = [], [], []
    for d in dirs:
        with open(os.path.join(d, "golden.json")) as f:
            g = json.load(f)
        ids = g["token_ids"]
        runs = [("full", len(ids), [])] + [(f"prefix {n}", min(n, len(ids)), []) for n in a.prefix] + \
               [(x, len(ids), shlex.split(x)) for x in a.extra_run]
        switch = longrope_switch(g.get("config", {}))
        for label, n, extra in runs:
            name = os.path.basename(os.path.normpath(d))
            if switch is not None and n <= switch < len(ids):
                rows.append([name, label, n, "-", "-", "-", "-", "SKIP"])
                details.append(f"{name} [{label}]: skipped, longrope switches factors past {switch} tokens")
                continue
            args = ["logits", "--model", d, "--tokens", C.tokens_arg(ids[:n]), "--json"] + extra
            code, stdout, stderr = C.run_cli(a.cli, args, a.timeout)
            res = {"problems": [], "ties": []}
            if code != 0:
                res["error"] = f"exit {code}: {stderr.strip()[-400:]}"
            else:
                try:
                    res = check_run(g, C.parse_cli_json(stdout), n, a)
                except (ValueError, KeyError, TypeError) as e:
                    res["error"] = f"bad output: {e}"
            v = verdict(res)
            verdicts.append(v)
            if res.get("error"):
                rows.append([name, label, n, "-", "-", "-", "-", v])
                details.append(f"{name} [{label}]: {res['error']}")
                continue
            rows.append([name, label, n, f"{res['max_dlogit']:.1e}", res["at"],
                         f"{res['events'] - res['bad_events']}/{res['events']}", f"{res['max_dw']:.1e}", v])
            for kind, items in (("problem", res["problems"]), ("near-tie", res["ties"])):
                for p in items[:a.show]:
                    details.append(f"{name} [{label}] {kind}: {p}")
                if len(items) > a.show:
                    details.append(f"{name} [{label}] ... {len(items) - a.show} more {kind}s")
    print(C.table(rows, ["checkpoint", "run", "T", "max|dlogit|", "@pos", "routing ok", "max|dw|", "verdict"]))
    if details:
        print("\n" + "\n".join(details))
    counts = {v: verdicts.count(v) for v in ("PASS", "NEAR-TIE", "FAIL", "ERROR")}
    print("\n" + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if counts["FAIL"]:
        return C.MISMATCH
    if counts["ERROR"]:
        return C.CANNOT_RUN
    return C.NEAR_TIE_ONLY if counts["NEAR-TIE"] else C.PASS


if __name__ == "__main__":
    sys.exit(main())
