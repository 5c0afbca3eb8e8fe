"""Check the exported checkpoint against the independent reference (moe_ref.py): on a few token
sequences, the logits of our PyTorch model with the STORED weights must equal moe_ref.forward's
within 1e-4 and every MoE layer must select the same experts.

    MOE_REF_DIR=/path/to/reference /usr/bin/python3 scripts/embedded/verify.py --model models/embedded \
        --inputs tmp/embedded/eval/inputs.json
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import argparse
import json
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import load_exported, moe_ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    torch.set_num_threads(2)
    inp = json.load(open(a.inputs))
    seqs = [inp["mmlu"][0]["ctx"], inp["mmlu"][-1]["ctx"], inp["gsm"][0]["prompt"], inp["text"][:300]]
    ref_model = moe_ref.Model.from_dir(a.model, dtype=torch.float64)
    ours = load_exported(a.model, torch.float64)
    worst = 0.0
    report = []
    for ids in seqs:
        with torch.no_grad():
            ref_logits, ref_routing = ref_model.forward(ids)
            our_logits = ours(torch.tensor([ids]))[0]
        diff = float((ref_logits - our_logits).abs().max())
        worst = max(worst, diff)
        same = True
        for layer, rec in zip(ours.moe_layers(), ref_routing):
            mine = torch.sort(layer.stats["selected"], dim=-1).values
            theirs = torch.sort(rec["selected_experts"], dim=-1).values
            same &= bool(torch.equal(mine, theirs))
        report.append({"tokens": len(ids), "max_abs_logit_diff": diff, "same_experts": same})
    # also float32 (what the engine computes in) against the float64 reference
    ours32 = load_exported(a.model, torch.float32)
    with torch.no_grad():
        ref_logits, _ = ref_model.forward(seqs[0])
        d32 = float((ref_logits - ours32(torch.tensor([seqs[0]]))[0].double()).abs().max())
    ok = worst <= a.tol and all(r["same_experts"] for r in report)
    print(json.dumps({"ok": ok, "float64_max_abs_diff": worst, "float32_vs_ref_max_abs_diff": d32,
                      "sequences": report, "warnings": ref_model.warnings}, indent=1))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
