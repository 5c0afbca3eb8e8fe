"""Compare a CLI's routing trace, event for event, with the independent contract reference.

Runs
    <cli> logits --model DIR --tokens ... --strategy S [--lambda X --top-j J --max-rank M
          --threshold P --cache N --policy P --lru-order O --cache-reset R] --trace FILE --json
(plus --cli-extra; only the routing flags given here are passed on; the reference uses the contract's defaults for
the others) and routing_contract_ref.run() with the same options, then checks:
  * the trace: one JSON line per routing event with exactly the keys sample, token, layer,
    original, selected, weights, hits, resident_before, in an order that can happen (per sample
    and layer tokens ascending, per sample and token layers ascending; token-major decode and
    layer-major batched prefill both qualify), one event per (sample, token, MoE layer);
  * every event against the reference: original, selected (order too), hits, resident_before
    exactly, weights within --weight-atol; without --cache, hits / resident_before are not
    compared (the contract defines them only for a cache);
  * stdout `routing` agrees with the trace; logits within --logit-atol of the reference;
  * `changed` counts the reference's events where the strategy overrode the model's top-k
    (0 means the run could not tell a cache-aware strategy from topk);
  * with --strategy topk, no --cache and a golden.json beside the model (tokens default to its
    token_ids): the selected experts and logits of both CLI and reference against the golden.

The first divergence (token-major order) is printed in full with the reference's decision margin
for that event. If that margin is below --tie-eps, the divergence can be a legitimate
float32/float64 flip: the verdict is NEAR-TIE, and everything after it is reported as
consequential (caches and hidden states differ from then on) rather than hidden.

    /usr/bin/python3 scripts/check/compare_trace.py --cli "node bin/run.js" --model DIR \
        --tokens 1,2,3 --strategy cache-prior --lambda 0.5 --top-j 1 --cache 4 [--policy lru]

Exit: 0 PASS; 1 FAIL; 2 ERROR (CLI failed or unreadable output, usage error); 3 NEAR-TIE only.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # keep scripts/check free of __pycache__
import _common as C  # noqa: E402
import routing_contract_ref as rcr  # noqa: E402
import torch  # noqa: E402

TRACE_KEYS = ["sample", "token", "layer", "original", "selected", "weights", "hits", "resident_before"]
FLAGS = [("strategy", "--strategy"), ("lam", "--lambda"), ("top_j", "--top-j"), ("max_rank", "--max-rank"),
         ("threshold", "--threshold"), ("cache", "--cache"), ("policy", "--policy"), ("lru_order", "--lru-order"),
         ("cache_reset", "--cache-reset"), ("prefill_cache", "--prefill-cache")]


def cli_flags(a) -> list:
    out = []
    for attr, flag in FLAGS:
        v = getattr(a, attr)
        if v is not None:
            out += [flag, str(v)]
    return out


def ref_options(a) -> rcr.Options:
    o = rcr.Options()
    for attr, _ in FLAGS:
        if getattr(a, attr) is not None:
            setattr(o, attr, getattr(a, attr))
    return o


def check_format(events: list, with_cache: bool, capacity) -> list:
    """Keys, a possible order, and the trace's own consistency. Returns problems."""
    probs = []
    last_tok, last_layer, last_sample = {}, {}, -1
    for n, e in enumerate(events, 1):
        if list(e.keys()) != TRACE_KEYS and sorted(e.keys()) != sorted(TRACE_KEYS):
            probs.append(f"trace line {n}: keys {sorted(e.keys())}, expected {TRACE_KEYS}")
            continue
        s, t, l = e["sample"], e["token"], e["layer"]
        if s < last_sample:
            probs.append(f"trace line {n}: sample {s} after sample {last_sample}")
        last_sample = max(last_sample, s)
        if last_tok.get((s, l), -1) >= t:
            probs.append(f"trace line {n}: token {t} of layer {l} not after token {last_tok[(s, l)]}")
        if last_layer.get((s, t), -1) >= l:
            probs.append(f"trace line {n}: layer {l} of token {t} not after layer {last_layer[(s, t)]}")
        last_tok[(s, l)], last_layer[(s, t)] = t, l
        if e["resident_before"] != sorted(e["resident_before"]):
            probs.append(f"trace line {n}: resident_before not sorted ascending")
        if not (len(e["selected"]) == len(e["weights"]) == len(e["hits"]) == len(e["original"])):
            probs.append(f"trace line {n}: original/selected/weights/hits lengths differ")
            continue
        pairs = list(zip(e["selected"], e["weights"]))
        if pairs != sorted(pairs, key=lambda p: (-p[1], p[0])):
            probs.append(f"trace line {n}: selected not in descending weight (ties lower id first)")
        if with_cache and e["hits"] != [x in e["resident_before"] for x in e["selected"]]:
            probs.append(f"trace line {n}: hits disagree with resident_before")
        if with_cache and len(e["resident_before"]) > capacity:
            probs.append(f"trace line {n}: {len(e['resident_before'])} resident experts > --cache {capacity}")
    return probs[:10] + ([f"... {len(probs) - 10} more trace format problems"] if len(probs) > 10 else [])


def diff_event(c: dict, r: dict, with_cache: bool, atol: float) -> list:
    """Fields in which CLI event c differs from reference event r."""
    fields = [f for f in ("original", "selected") if c[f] != r[f]]
    if with_cache:
        fields += [f for f in ("hits", "resident_before") if c[f] != r[f]]
    if len(c["weights"]) != len(r["weights"]) or \
            any(abs(x - y) > atol for x, y in zip(c["weights"], r["weights"])):
        fields.append("weights")
    return fields


def tie_margin(fields: list, c: dict, r: dict, m: dict):
    """(margin, what) of the decision behind the first differing field, or (None, why not)."""
    if "original" in fields:
        if sorted(c["original"]) != sorted(r["original"]):
            return m.get("original"), "original top-k set: p_(k)-p_(k+1)"
        return m.get("original_order"), "original order: adjacent p in top-k"
    if "selected" in fields:
        if sorted(c["selected"]) != sorted(r["selected"]):
            return m["selection"], "selection: " + m["selection_measure"]
        return m["order"], "selected order: adjacent weights"
    return None, "no tie involved (" + ", ".join(fields) + ")"


def golden_check(model: str, ids: list, who: str, logits: list, events: list, atol: float) -> list:
    path = os.path.join(model, "golden.json")
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        g = json.load(f)
    if g["token_ids"] != ids:
        return [f"golden: skipped ({who}: tokens differ from golden.json token_ids)"]
    probs, ev = [], {(e["token"], e["layer"]): e for e in events}
    for r in g["routing"]:
        for t, (sel, w) in enumerate(zip(r["selected_experts"], r["expert_weights"])):
            want = [p[0] for p in sorted(zip(sel, w), key=lambda p: (-p[1], p[0]))]
            got = ev.get((t, r["layer"]), {}).get("selected")
            if got != want:
                probs.append(f"golden: {who} token={t} layer={r['layer']} selected {got}, golden {want}")
    d = max(abs(x - y) for row, grow in zip(logits, g["logits"]) for x, y in zip(row, grow))
    if d > atol:
        probs.append(f"golden: {who} logits differ by {d:.2e}")
    return probs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", help="default: token_ids of DIR/golden.json")
    ap.add_argument("--strategy", choices=rcr.STRATEGIES)
    ap.add_argument("--lambda", dest="lam", type=float)
    ap.add_argument("--top-j", type=int)
    ap.add_argument("--max-rank", type=int)
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--cache", type=int)
    ap.add_argument("--policy", choices=rcr.POLICIES)
    ap.add_argument("--lru-order", choices=rcr.LRU_ORDERS)
    ap.add_argument("--cache-reset", choices=("per-sample", "never"))
    ap.add_argument("--prefill-cache", choices=("count", "warm", "skip"))
    ap.add_argument("--ref-dtype", default="float64", choices=("float64", "float32"))
    ap.add_argument("--weight-atol", type=float, default=1e-5)
    ap.add_argument("--logit-atol", type=float, default=1e-4)
    ap.add_argument("--tie-eps", type=float, default=1e-5)
    ap.add_argument("--workdir", default=C.SCRATCH, help="where the CLI's trace file goes")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--cli-extra", default="", help="extra CLI args (hook for e.g. a prefill-then-decode mode; "
                    "the reference is unchanged, so the result must be too)")
    a = ap.parse_args(argv)
    if a.strategy == "cache-prior" and a.lam is None:
        ap.error("--strategy cache-prior needs --lambda (the contract gives no default)")
    if a.tokens:
        ids = C.parse_tokens(a.tokens)
    else:
        try:
            with open(os.path.join(a.model, "golden.json")) as f:
                ids = json.load(f)["token_ids"]
        except OSError:
            ap.error("--tokens is required when the model directory has no golden.json")
    name = os.path.basename(os.path.normpath(a.model))
    desc = " ".join(cli_flags(a)) or "(model defaults)"

    try:
        ref = rcr.run(a.model, [ids], ref_options(a), torch.float64 if a.ref_dtype == "float64" else torch.float32)
    except rcr.UsageError as e:
        print(f"ERROR: the reference calls these options a usage error: {e}")
        return C.CANNOT_RUN
    os.makedirs(a.workdir, exist_ok=True)
    fd, trace = tempfile.mkstemp(prefix="trace-", suffix=".jsonl", dir=a.workdir)
    os.close(fd)
    try:
        code, stdout, stderr = C.run_cli(a.cli, ["logits", "--model", a.model, "--tokens", C.tokens_arg(ids)]
                                         + cli_flags(a) + ["--trace", trace, "--json"] + shlex.split(a.cli_extra),
                                         a.timeout)
        if code != 0:
            print(f"ERROR {name} {desc}: CLI exit {code}: {stderr.strip()[-600:]}")
            return C.CANNOT_RUN
        try:
            out = C.parse_cli_json(stdout)
            events = C.read_jsonl(trace)
        except (ValueError, OSError) as e:
            print(f"ERROR {name} {desc}: {e}")
            return C.CANNOT_RUN
    finally:
        if os.path.exists(trace):
            os.remove(trace)

    with_cache = a.cache is not None
    problems = check_format(events, with_cache, a.cache)
    cev = {(e.get("sample"), e.get("token"), e.get("layer")): e for e in events}
    rkeys = [(e["sample"], e["token"], e["layer"]) for e in ref["events"]]
    missing = [k for k in rkeys if k not in cev]
    extra = sorted(set(cev) - set(rkeys))
    if missing or extra or len(events) != len(cev):
        problems.append(f"events: {len(missing)} missing (e.g. {missing[:3]}), {len(extra)} unexpected "
                        f"(e.g. {extra[:3]}), {len(events) - len(cev)} duplicated (sample, token, layer)")
    first, n_bad, max_dw = None, 0, 0.0
    for k, r, m in zip(rkeys, ref["events"], ref["margins"]):
        c = cev.get(k)
        if c is None or any(not isinstance(c.get(f), list) for f in TRACE_KEYS[3:]):
            n_bad += 1
            continue   # missing or malformed: already reported above
        if c["selected"] == r["selected"]:
            max_dw = max([max_dw] + [abs(x - y) for x, y in zip(c["weights"], r["weights"])])
        fields = diff_event(c, r, with_cache, a.weight_atol)
        if fields:
            n_bad += 1
            if first is None:
                first = (k, fields, c, r, m)
    # stdout routing must tell the same story as the trace
    for e in out.get("routing", []):
        c = cev.get((0, e.get("token"), e.get("layer")))
        if c is None or c["selected"] != e.get("selected") or c["weights"] != e.get("weights"):
            problems.append(f"stdout routing token={e.get('token')} layer={e.get('layer')} disagrees with the trace")
            break
    if len(out.get("routing", [])) != len(events):
        problems.append(f"stdout routing has {len(out.get('routing', []))} entries, trace {len(events)}")
    logits = out.get("logits") or []
    dl = [max(abs(x - y) for x, y in zip(row, rrow)) for row, rrow in zip(logits, ref["logits"][0])]
    if len(logits) != len(ref["logits"][0]):
        problems.append(f"logits: {len(logits)} positions, expected {len(ref['logits'][0])}")

    ties = []
    if first is not None:
        k, fields, c, r, m = first
        margin, what = tie_margin(fields, c, r, m)
        msg = f"first divergence at sample={k[0]} token={k[1]} layer={k[2]} in {fields}; {n_bad} of " \
              f"{len(rkeys)} events differ in all\n    cli: {json.dumps(c)}\n    ref: {json.dumps(r)}\n" \
              f"    reference decision margin: {'n/a' if margin is None else f'{margin:.3e}'} ({what})"
        (ties if margin is not None and margin < a.tie_eps else problems).append(msg)
    tie_tok = first[0][1] if (first is not None and ties) else None
    bad_pos = [t for t, d in enumerate(dl) if d > a.logit_atol]
    if bad_pos and (tie_tok is None or min(bad_pos) < tie_tok):
        problems.append(f"logits differ from the reference by up to {max(dl):.2e} (positions {bad_pos[:8]})")
    elif bad_pos:
        ties.append(f"logits differ at positions {bad_pos[:8]}, all after the near-tie divergence")
    notes = []
    if a.strategy in (None, "topk") and not with_cache and os.path.isfile(os.path.join(a.model, "golden.json")):
        g = golden_check(a.model, ids, "cli", logits, events, a.logit_atol) + \
            golden_check(a.model, ids, "reference", ref["logits"][0], ref["events"], a.logit_atol)
        problems += [p for p in g if "skipped" not in p]
        notes += [p for p in g if "skipped" in p] or \
            ["golden: CLI and reference both match golden.json (selected experts in order, logits)"]

    k = ref["spec"].top_k
    def miss(evs):
        return f"{1 - sum(sum(e.get('hits') or []) for e in evs) / max(1, k * len(evs)):.3f}" if with_cache else "-"
    verdict = "FAIL" if problems else ("NEAR-TIE" if ties else "PASS")
    changed = sum(e["selected"] != e["original"] for e in ref["events"])   # 0 would make the test weak
    print(C.table([[name, desc + (" " + a.cli_extra if a.cli_extra else ""), len(ids),
                    f"{len(rkeys) - n_bad}/{len(rkeys)}", changed, f"{max(dl or [0]):.1e}", f"{max_dw:.1e}",
                    miss(events), miss(ref["events"]), verdict]],
                  ["checkpoint", "options", "T", "events ok", "changed", "max|dlogit|", "max|dw|", "miss cli",
                   "miss ref", "verdict"]))
    for p in problems:
        print("FAIL: " + p)
    for p in ties:
        print("NEAR-TIE: " + p)
    for p in notes:
        print("note: " + p)
    return C.MISMATCH if problems else (C.NEAR_TIE_ONLY if ties else C.PASS)


if __name__ == "__main__":
    sys.exit(main())
