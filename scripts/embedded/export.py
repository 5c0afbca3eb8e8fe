"""Write a trained OlmoeForCausalLM as a Hugging Face olmoe checkpoint: config.json (every
OlmoeConfig key spelled out), model.safetensors in BF16 with the exact HF tensor names (checked
against moe_ref.expected_tensors), generation_config.json and the tokenizer files.

    /usr/bin/python3 scripts/embedded/export.py --state tmp/embedded/run/state.pt --log tmp/embedded/run/train.log \
        --tokenizer tmp/embedded/tokenizer --out models/embedded

The tensor layout, the safetensors writer and reader come from moe_ref.py, an independent PyTorch
reference implementation of the Hugging Face MoE architectures that is deliberately not part of
this repository (the checkpoint is checked against code that was not written with the engine, see
scripts/check/README.md). Its folder must be given in MOE_REF_DIR; train.py, eval.py, verify.py
and finetune_mc.py import this module and need it too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch



def _reference_dir() -> str:
    ref = os.environ.get("MOE_REF_DIR")
    if not ref or not os.path.isfile(os.path.join(ref, "moe_ref.py")):
        what = "MOE_REF_DIR is not set" if not ref else f"MOE_REF_DIR={ref} does not hold moe_ref.py"
        sys.exit(f"{os.path.basename(sys.argv[0])}: {what}. Exporting and reading the embedded checkpoint uses moe_ref.py, "
                 "the independent PyTorch reference implementation, which is not part of this repository: set MOE_REF_DIR "
                 "to the folder that holds it (see scripts/check/README.md).")
    return ref


sys.path.insert(0, _reference_dir())
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moe_ref  # noqa: E402
from olmoe_model import OlmoeForCausalLM, OlmoeShape  # noqa: E402

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def export_checkpoint(model: OlmoeForCausalLM, shape: OlmoeShape, out_dir: str, tokenizer_dir: str, eos: int,
                      extra: dict | None = None) -> None:
    os.makedirs(out_dir, exist_ok=True)
    cfg = shape.hf_config(bos_id=eos, eos_id=eos, pad_id=eos)
    spec = moe_ref.parse_config(cfg)
    expected = moe_ref.expected_tensors(spec)
    sd = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    if set(sd) != set(expected):
        raise ValueError(f"tensor names differ from HF olmoe: missing {sorted(set(expected) - set(sd))[:5]}, "
                         f"extra {sorted(set(sd) - set(expected))[:5]}")
    for k, shp in expected.items():
        if tuple(sd[k].shape) != tuple(shp):
            raise ValueError(f"{k}: shape {sd[k].shape} != {shp}")
    meta = {"format": "pt", "producer": "moe-eval scripts/embedded/train.py"}
    moe_ref.write_safetensors(os.path.join(out_dir, "model.safetensors"), {k: (v, "BF16") for k, v in sd.items()}, metadata=meta)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos, "do_sample": False}, f, indent=2)
        f.write("\n")
    for name in TOKENIZER_FILES:
        if os.path.abspath(os.path.join(tokenizer_dir, name)) != os.path.abspath(os.path.join(out_dir, name)):
            shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(out_dir, name))
    if extra:
        with open(os.path.join(out_dir, "training_summary.json"), "w") as f:
            json.dump(extra, f, indent=2)
            f.write("\n")


def load_exported(model_dir: str, dtype: torch.dtype = torch.float32) -> OlmoeForCausalLM:
    """Our trainable model with the STORED (BF16-rounded) weights, in `dtype`."""
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    shape = OlmoeShape(vocab_size=cfg["vocab_size"], hidden_size=cfg["hidden_size"], num_layers=cfg["num_hidden_layers"],
                       num_heads=cfg["num_attention_heads"], num_kv_heads=cfg["num_key_value_heads"],
                       num_experts=cfg["num_experts"], top_k=cfg["num_experts_per_tok"], intermediate_size=cfg["intermediate_size"],
                       norm_topk_prob=cfg["norm_topk_prob"], rope_theta=cfg["rope_theta"], rms_norm_eps=cfg["rms_norm_eps"],
                       max_position_embeddings=cfg["max_position_embeddings"], tie_word_embeddings=cfg["tie_word_embeddings"])
    model = OlmoeForCausalLM(shape)
    tensors, _ = moe_ref.load_checkpoint(model_dir)
    model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in tensors.items()}, strict=True)
    return model.to(dtype).eval()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--state", required=True, help="state.pt written by train.py")
    p.add_argument("--log", required=True, help="train.py log (its first line records the model shape)")
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    with open(a.log) as f:
        shape = OlmoeShape(**json.loads(f.readline())["shape"])
    model = OlmoeForCausalLM(shape)
    st = torch.load(a.state)
    model.load_state_dict(st["model"])
    tj = json.load(open(os.path.join(a.tokenizer, "tokenizer.json")))
    eos = next(t["id"] for t in tj["added_tokens"] if t["content"] == "<|endoftext|>")
    export_checkpoint(model, shape, a.out, a.tokenizer, eos, extra={"train_steps": st["step"]})
    print(json.dumps({"exported": a.out, "step": st["step"]}))


if __name__ == "__main__":
    main()
