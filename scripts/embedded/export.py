"""Write a trained OlmoeForCausalLM as a Hugging Face olmoe checkpoint: config.json (every
OlmoeConfig key spelled out), model.safetensors in BF16 with the exact HF tensor names and shapes
(hf_olmoe_tensors), generation_config.json and the tokenizer files; and read one back.

    /usr/bin/python3 scripts/embedded/export.py --state tmp/embedded/run/state.pt --log tmp/embedded/run/train.log \
        --tokenizer tmp/embedded/tokenizer --out models/embedded
    /usr/bin/python3 scripts/embedded/export.py --rewrite models/embedded --out tmp/embedded/rewrite

(--rewrite reads an exported checkpoint and exports it again: with BF16 weights the output must
equal the input byte for byte, which checks the reader and the writer against each other.)

Needs torch and numpy only: the safetensors writer and reader are safetensors_io.py. The
independent check of the result against the external reference implementation is verify.py,
the only script here that needs MOE_REF_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from typing import Dict, Tuple

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from olmoe_model import OlmoeForCausalLM, OlmoeShape  # noqa: E402
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def hf_olmoe_tensors(s: OlmoeShape) -> Dict[str, Tuple[int, ...]]:
    """Every tensor of transformers' OlmoeForCausalLM checkpoint for this shape: name -> shape
    (modeling_olmoe.py: q_norm over the whole query projection, k_norm over the key projection,
    a bias-free router `mlp.gate` and SwiGLU experts `mlp.experts.N.{gate,up,down}_proj`)."""
    H, I, E, hd = s.hidden_size, s.intermediate_size, s.num_experts, s.head_dim
    q, kv = s.num_heads * hd, s.num_kv_heads * hd
    out: Dict[str, Tuple[int, ...]] = {"model.embed_tokens.weight": (s.vocab_size, H), "model.norm.weight": (H,)}
    if not s.tie_word_embeddings:
        out["lm_head.weight"] = (s.vocab_size, H)
    for i in range(s.num_layers):
        p = f"model.layers.{i}."
        out[p + "input_layernorm.weight"] = (H,)
        out[p + "post_attention_layernorm.weight"] = (H,)
        out[p + "self_attn.q_proj.weight"] = (q, H)
        out[p + "self_attn.k_proj.weight"] = (kv, H)
        out[p + "self_attn.v_proj.weight"] = (kv, H)
        out[p + "self_attn.o_proj.weight"] = (H, q)
        out[p + "self_attn.q_norm.weight"] = (q,)
        out[p + "self_attn.k_norm.weight"] = (kv,)
        out[p + "mlp.gate.weight"] = (E, H)
        for e in range(E):
            out[p + f"mlp.experts.{e}.gate_proj.weight"] = (I, H)
            out[p + f"mlp.experts.{e}.up_proj.weight"] = (I, H)
            out[p + f"mlp.experts.{e}.down_proj.weight"] = (H, I)
    return out


def check_layout(sd: Dict[str, torch.Tensor], shape: OlmoeShape) -> None:
    expected = hf_olmoe_tensors(shape)
    if set(sd) != set(expected):
        raise ValueError(f"tensor names differ from HF olmoe: missing {sorted(set(expected) - set(sd))[:5]}, "
                         f"extra {sorted(set(sd) - set(expected))[:5]}")
    for k, shp in expected.items():
        if tuple(sd[k].shape) != tuple(shp):
            raise ValueError(f"{k}: shape {tuple(sd[k].shape)} != {shp}")


def export_checkpoint(model: OlmoeForCausalLM, shape: OlmoeShape, out_dir: str, tokenizer_dir: str, eos: int,
                      extra: dict | None = None) -> None:
    os.makedirs(out_dir, exist_ok=True)
    cfg = shape.hf_config(bos_id=eos, eos_id=eos, pad_id=eos)
    sd = {k: v.detach().float().cpu() for k, v in model.state_dict().items()}
    check_layout(sd, shape)
    meta = {"format": "pt", "producer": "moe-eval scripts/embedded/train.py"}
    write_safetensors(os.path.join(out_dir, "model.safetensors"), {k: (v, "BF16") for k, v in sd.items()}, metadata=meta)
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


def shape_from_config(cfg: dict) -> OlmoeShape:
    return OlmoeShape(vocab_size=cfg["vocab_size"], hidden_size=cfg["hidden_size"], num_layers=cfg["num_hidden_layers"],
                      num_heads=cfg["num_attention_heads"], num_kv_heads=cfg["num_key_value_heads"],
                      num_experts=cfg["num_experts"], top_k=cfg["num_experts_per_tok"], intermediate_size=cfg["intermediate_size"],
                      norm_topk_prob=cfg["norm_topk_prob"], rope_theta=cfg["rope_theta"], rms_norm_eps=cfg["rms_norm_eps"],
                      max_position_embeddings=cfg["max_position_embeddings"], tie_word_embeddings=cfg["tie_word_embeddings"])


def load_exported(model_dir: str, dtype: torch.dtype = torch.float32) -> OlmoeForCausalLM:
    """Our trainable model with the STORED (BF16-rounded) weights, in `dtype`."""
    shape = shape_from_config(json.load(open(os.path.join(model_dir, "config.json"))))
    path = os.path.join(model_dir, "model.safetensors")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: the embedded model is exported as one model.safetensors")
    tensors, _, _ = read_safetensors(path)
    check_layout(tensors, shape)
    model = OlmoeForCausalLM(shape)
    model.load_state_dict(tensors, strict=True)
    return model.to(dtype).eval()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--state", help="state.pt written by train.py")
    p.add_argument("--log", help="train.py log (its first line records the model shape)")
    p.add_argument("--tokenizer")
    p.add_argument("--rewrite", help="an exported model dir: read it and export it again to --out")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.rewrite:
        model = load_exported(a.rewrite, torch.float32)
        eos = json.load(open(os.path.join(a.rewrite, "config.json")))["eos_token_id"]
        export_checkpoint(model, model.shape, a.out, a.rewrite, eos)
        print(json.dumps({"rewritten": a.rewrite, "out": a.out}))
        return
    if not (a.state and a.log and a.tokenizer):
        p.error("--state, --log and --tokenizer are needed (or --rewrite)")
    with open(a.log) as f:
        shape = OlmoeShape(**json.loads(f.readline())["shape"])
    model = OlmoeForCausalLM(shape)
    st = torch.load(a.state, map_location="cpu")
    model.load_state_dict(st["model"])
    tj = json.load(open(os.path.join(a.tokenizer, "tokenizer.json")))
    eos = next(t["id"] for t in tj["added_tokens"] if t["content"] == "<|endoftext|>")
    export_checkpoint(model, shape, a.out, a.tokenizer, eos, extra={"train_steps": st["step"]})
    print(json.dumps({"exported": a.out, "step": st["step"]}))


if __name__ == "__main__":
    main()
