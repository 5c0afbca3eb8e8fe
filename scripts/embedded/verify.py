"""Check the exported checkpoint against the independent reference (moe_ref.py): on a few token
sequences, the logits of our PyTorch model with the STORED weights must equal moe_ref.forward's
within 1e-4 and every MoE layer must select the same experts. It also holds this project's own
checkpoint code (export.py's tensor layout, safetensors_io.py's writer and reader) to the
reference's: the same tensor names and shapes, the same bytes when both write the same float32
weights (BF16 rounding included), the same values when both read the checkpoint.

    MOE_REF_DIR=/path/to/reference /usr/bin/python3 scripts/embedded/verify.py --model models/embedded \
        --inputs tmp/embedded/eval/inputs.json

This is the one script under scripts/embedded that needs MOE_REF_DIR: the reference is not part
of this repository (a check is independent only if the code it compares against was not
written together with what it checks; see scripts/check/README.md). Training, exporting and
evaluating need torch and numpy only.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import argparse
import filecmp
import json
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import hf_olmoe_tensors, load_exported, shape_from_config  # noqa: E402
from olmoe_model import OlmoeForCausalLM  # noqa: E402
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402


def _import_reference():
    ref = os.environ.get("MOE_REF_DIR")
    if not ref or not os.path.isfile(os.path.join(ref, "moe_ref.py")):
        what = "MOE_REF_DIR is not set" if not ref else f"MOE_REF_DIR={ref} does not hold moe_ref.py"
        sys.exit(f"verify.py: {what}. This check compares the checkpoint with moe_ref.py, the independent PyTorch "
                 "reference implementation, which is not part of this repository: set MOE_REF_DIR to the folder that "
                 "holds it (see scripts/check/README.md).")
    sys.path.insert(0, ref)
    import moe_ref  # noqa: E402
    return moe_ref


def check_checkpoint_code(moe_ref, model_dir: str) -> dict:
    """Our layout / writer / reader against the reference's."""
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    shape = shape_from_config(cfg)
    ours = {k: tuple(v) for k, v in hf_olmoe_tensors(shape).items()}
    theirs = {k: tuple(v) for k, v in moe_ref.expected_tensors(moe_ref.parse_config(cfg)).items()}
    same_layout = ours == theirs
    # fresh float32 weights (not BF16-exact), written by both writers
    torch.manual_seed(0)
    m = OlmoeForCausalLM(shape)
    m.init_weights()
    sd = {k: v.detach().float() for k, v in m.state_dict().items()}
    meta = {"format": "pt", "producer": "moe-eval scripts/embedded/train.py"}
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, "ours.safetensors"), os.path.join(d, "ref.safetensors")
        write_safetensors(a, {k: (v, "BF16") for k, v in sd.items()}, metadata=meta)
        moe_ref.write_safetensors(b, {k: (v.numpy(), "BF16") for k, v in sd.items()}, metadata=meta)
        same_bf16_bytes = filecmp.cmp(a, b, shallow=False)
        write_safetensors(a, {k: (v, "F32") for k, v in sd.items()}, metadata=meta)
        moe_ref.write_safetensors(b, {k: (v.numpy(), "F32") for k, v in sd.items()}, metadata=meta)
        same_f32_bytes = filecmp.cmp(a, b, shallow=False)
    mine, _, _ = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    ref_t, _ = moe_ref.load_checkpoint(model_dir)
    same_values = set(mine) == set(ref_t) and all(torch.equal(mine[k], torch.from_numpy(ref_t[k].astype("float32"))) for k in mine)
    return {"same_tensor_layout": same_layout, "writer_same_bytes_bf16": same_bf16_bytes, "writer_same_bytes_f32": same_f32_bytes,
            "reader_same_values": same_values, "tensors": len(ours)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    moe_ref = _import_reference()
    torch.set_num_threads(2)
    code = check_checkpoint_code(moe_ref, a.model)
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
    ok = worst <= a.tol and all(r["same_experts"] for r in report) and all(v for k, v in code.items() if k != "tensors")
    print(json.dumps({"ok": ok, "checkpoint_code": code, "float64_max_abs_diff": worst, "float32_vs_ref_max_abs_diff": d32,
                      "sequences": report, "warnings": ref_model.warnings}, indent=1))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
