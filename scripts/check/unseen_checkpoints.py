"""Write tiny random MoE checkpoints that moe-eval's own tests have never seen, plus goldens.

Every checkpoint differs from test/fixtures/golden in shape, seed and options: hidden sizes
40..96, GQA ratios 8/2, 6/3, 4/4, 8/1, 6/2, head_dim overrides (mixtral, qwen3_moe), vocab sizes,
8/12/16/32 experts, top-k 1..4, norm_topk_prob both ways, tied heads, BF16 and F32, qwen2_moe /
qwen3_moe dense layers (decoder_sparse_step 2, mlp_only_layers), olmoe clip_qkv, mixtral
sliding_window shorter than the sequence, and sharded files (model-0000i-of-0000n.safetensors +
model.safetensors.index.json). Group "ext" (deepseek_v2, phimoe) is written only on request.

Config dicts come from make_tiny's builders (the key set of real checkpoints) with shape keys
overridden; tensors are moe_ref.expected_tensors names drawn by make_tiny.make_weights and
written with moe_ref.write_safetensors, so the layout is exactly HF's. Each directory gets
golden.json from golden.golden_for (float64 moe_ref.forward; same format as the fixtures in
test/fixtures/golden). The token sequence is re-drawn (seed+1, ...) until the float32 reference
picks the same experts as float64 and no top-k choice is within 1e-5 of a tie, so the golden is a fair
test of a float32 engine; README.txt records the sequence seed.

    /usr/bin/python3 scripts/check/unseen_checkpoints.py --out DIR [--group main|ext|all] [--only NAME...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # keep scripts/check free of __pycache__
import _common  # noqa: E402

_common.require_reference("moe_ref", "make_tiny", "golden")
import golden  # noqa: E402
import make_tiny as mt  # noqa: E402
import moe_ref  # noqa: E402

MIN_GAP = 1e-5   # smallest acceptable p_(k) - p_(k+1) in the golden sequence
MAX_TRIES = 25


def shape(hidden, heads, kv, vocab, **extra):
    d = dict(hidden_size=hidden, num_attention_heads=heads, num_key_value_heads=kv, vocab_size=vocab)
    d.update(extra)
    return d


def V(cfg, over, disk, shards, seed, T, desc):
    c = dict(cfg)
    c.update(over)
    return dict(config=c, disk=disk, shards=shards, seed=seed, T=T, desc=desc)


def main_variants():
    return {
        "mixtral-h96-a8kv2-e12k3-swa5-f32": V(
            mt.mixtral_config(layers=3, experts=12, top_k=3, intermediate=40, tie=False, dtype="float32"),
            shape(96, 8, 2, 320, sliding_window=5, rope_theta=1e6, rms_norm_eps=1e-5), "F32", 1, 101, 21,
            "Mixtral, GQA 8/2, 12 experts top-3, sliding_window 5 < 21 tokens, rope_theta 1e6"),
        "mixtral-h48-a6kv3-hd16-e32k1-bf16-sharded3": V(
            mt.mixtral_config(layers=2, experts=32, top_k=1, intermediate=24, tie=True, dtype="bfloat16"),
            shape(48, 6, 3, 200, head_dim=16), "BF16", 3, 102, 17,
            "Mixtral, GQA 6/3, head_dim 16 != 48/6, 32 experts top-1 (weight 1), tied head, 3 shards"),
        "mixtral-h64-a8kv1-e8k4-f32-sharded2": V(
            mt.mixtral_config(layers=4, experts=8, top_k=4, intermediate=32, tie=False, dtype="float32"),
            shape(64, 8, 1, 256, rope_theta=5e5), "F32", 2, 103, 24,
            "Mixtral, MQA 8/1, 4 layers, 8 experts top-4, rope_theta 5e5, 2 shards"),
        "qwen2_moe-h80-a4kv4-e16k3-step2-f32": V(
            mt.qwen2_moe_config(layers=4, experts=16, top_k=3, moe_intermediate=24, shared_intermediate=48,
                                intermediate=96, norm_topk_prob=True, decoder_sparse_step=2, mlp_only_layers=[],
                                tie=False, dtype="float32"),
            shape(80, 4, 4, 288), "F32", 1, 104, 19,
            "Qwen2-MoE, MHA 4/4 (head_dim 20), decoder_sparse_step 2 (MoE layers 1,3; 0,2 dense), "
            "16 experts top-3, norm_topk_prob true, shared expert"),
        "qwen2_moe-h64-a8kv2-e12k2-mlponly-bf16-sharded2": V(
            mt.qwen2_moe_config(layers=3, experts=12, top_k=2, moe_intermediate=20, shared_intermediate=56,
                                intermediate=80, norm_topk_prob=False, decoder_sparse_step=1,
                                mlp_only_layers=[0, 2], tie=True, dtype="bfloat16"),
            shape(64, 8, 2, 256), "BF16", 2, 105, 26,
            "Qwen2-MoE, GQA 8/2, mlp_only_layers [0,2] (only layer 1 MoE), 12 experts top-2, "
            "norm_topk_prob false, tied head, 2 shards"),
        "olmoe-h64-a8kv2-e16k4-clip05-f32": V(
            mt.olmoe_config(layers=3, experts=16, top_k=4, intermediate=24, norm_topk_prob=True, clip_qkv=0.5,
                            tie=False, dtype="float32"),
            shape(64, 8, 2, 240), "F32", 1, 106, 22,
            "OLMoE, GQA 8/2, clip_qkv 0.5, 16 experts top-4, norm_topk_prob true"),
        "olmoe-h96-a6kv3-e32k2-bf16-sharded3": V(
            mt.olmoe_config(layers=2, experts=32, top_k=2, intermediate=16, norm_topk_prob=False, clip_qkv=None,
                            tie=True, dtype="bfloat16"),
            shape(96, 6, 3, 256, rms_norm_eps=1e-6), "BF16", 3, 107, 18,
            "OLMoE, GQA 6/3 (head_dim 16), 32 experts top-2, norm_topk_prob false, tied head, 3 shards"),
        "olmoe-h40-a4kv4-e8k1-norm-f32": V(
            mt.olmoe_config(layers=2, experts=8, top_k=1, intermediate=20, norm_topk_prob=True, clip_qkv=None,
                            tie=False, dtype="float32"),
            shape(40, 4, 4, 160), "F32", 1, 108, 16,
            "OLMoE, MHA 4/4 (head_dim 10), 8 experts top-1 with norm_topk_prob true (weight 1)"),
        "qwen3_moe-h64-a8kv1-hd24-e32k4-mlponly-f32": V(
            mt.qwen3_moe_config(layers=3, experts=32, top_k=4, head_dim=24, moe_intermediate=16, intermediate=72,
                                norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[1], tie=False,
                                dtype="float32"),
            shape(64, 8, 1, 256, head_dim=24), "F32", 1, 109, 20,
            "Qwen3-MoE, MQA 8/1, head_dim 24 != 64/8, mlp_only_layers [1], 32 experts top-4, norm_topk_prob true"),
        "qwen3_moe-h80-a4kv4-hd8-e12k1-step2-bf16-sharded2": V(
            mt.qwen3_moe_config(layers=4, experts=12, top_k=1, head_dim=8, moe_intermediate=24, intermediate=64,
                                norm_topk_prob=False, decoder_sparse_step=2, mlp_only_layers=[], tie=True,
                                dtype="bfloat16"),
            shape(80, 4, 4, 224, head_dim=8), "BF16", 2, 110, 23,
            "Qwen3-MoE, MHA 4/4, head_dim 8 != 80/4, decoder_sparse_step 2 (MoE 1,3), 12 experts top-1, "
            "norm_topk_prob false (weight = p), tied head, 2 shards"),
        "qwen3_moe-h48-a6kv2-hd12-e16k2-f32": V(
            mt.qwen3_moe_config(layers=2, experts=16, top_k=2, head_dim=12, moe_intermediate=32, intermediate=64,
                                norm_topk_prob=False, decoder_sparse_step=1, mlp_only_layers=[], tie=False,
                                dtype="float32"),
            shape(48, 6, 2, 192, head_dim=12, rms_norm_eps=1e-5), "F32", 1, 111, 20,
            "Qwen3-MoE, GQA 6/2, head_dim 12 != 48/6, 16 experts top-2, norm_topk_prob false"),
    }


def ext_variants():
    lr = mt.phimoe_longrope([1.0, 1.25, 1.5, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 8.0, 16.0, 32.0], 1.1, 1.3, orig=16)
    return {
        "deepseek_v2-h64-a6-e12k3-greedy-scale-f32": V(
            mt.deepseek_v2_config(layers=3, experts=12, top_k=3, moe_intermediate=20, intermediate=72, n_shared=1,
                                  first_k_dense=1, q_lora_rank=None, kv_lora_rank=24, qk_nope=8, qk_rope=8,
                                  v_head=12, topk_method="greedy", n_group=1, topk_group=1,
                                  routed_scaling_factor=1.5, norm_topk_prob=False, rope_scaling=None, tie=False,
                                  dtype="float32"),
            shape(64, 6, 6, 256), "F32", 1, 201, 20,
            "DeepSeek-V2, 6 heads, layer 0 dense, 12 experts top-3 greedy, routed_scaling_factor 1.5, default rope"),
        "deepseek_v2-h48-a4-e16k2-group-norm-yarn-bf16-sharded2": V(
            mt.deepseek_v2_config(layers=2, experts=16, top_k=2, moe_intermediate=16, intermediate=64, n_shared=2,
                                  first_k_dense=0, q_lora_rank=16, kv_lora_rank=16, qk_nope=12, qk_rope=4,
                                  v_head=8, topk_method="group_limited_greedy", n_group=4, topk_group=3,
                                  routed_scaling_factor=2.0, norm_topk_prob=True,
                                  rope_scaling=dict(mt.DEEPSEEK_V2_LITE_YARN), tie=False, dtype="bfloat16"),
            shape(48, 4, 4, 200), "BF16", 2, 202, 20,
            "DeepSeek-V2, all layers MoE, 16 experts top-2 group_limited_greedy (4 groups, best 3), "
            "norm_topk_prob true (renormalised, no scaling), q_lora_rank 16, YaRN, 2 shards"),
        "phimoe-h64-a8kv4-e12-swa6-f32": V(
            mt.phimoe_config(layers=2, experts=12, intermediate=24, attention_bias=True, lm_head_bias=False,
                             router_jitter_noise=0.05, rope_scaling=None, sliding_window=6, tie=False,
                             dtype="float32"),
            shape(64, 8, 4, 256), "F32", 1, 203, 22,
            "PhiMoE, GQA 8/4, 12 experts sparsemixer (jitter 0.05), sliding_window 6 < 22 tokens, default rope"),
        "phimoe-h48-a4kv2-e8-longrope-past-orig-bf16-sharded2": V(
            mt.phimoe_config(layers=2, experts=8, intermediate=32, attention_bias=False, lm_head_bias=True,
                             router_jitter_noise=0.01, rope_scaling=lr, sliding_window=None, tie=False,
                             dtype="bfloat16"),
            shape(48, 4, 2, 192), "BF16", 2, 204, 24,
            "PhiMoE, longrope with original_max_position_embeddings 16 < 24 tokens (long factors + long_mscale), "
            "lm_head bias, 2 shards"),
    }


def write_weights(d: str, weights: dict, disk: str, shards: int) -> None:
    tensors = {k: (v, disk) for k, v in weights.items()}
    if shards == 1:
        moe_ref.write_safetensors(os.path.join(d, "model.safetensors"), tensors, metadata={"format": "pt"})
        return
    names = sorted(weights)
    nbytes = {k: weights[k].size * (2 if disk == "BF16" else 4) for k in names}
    total = sum(nbytes.values())
    groups, acc = [[] for _ in range(shards)], 0
    for k in names:   # contiguous runs of roughly total/shards bytes each
        groups[min(shards - 1, acc * shards // total)].append(k)
        acc += nbytes[k]
    weight_map = {}
    for i, g in enumerate(groups, 1):
        fn = f"model-{i:05d}-of-{shards:05d}.safetensors"
        moe_ref.write_safetensors(os.path.join(d, fn), {k: tensors[k] for k in g}, metadata={"format": "pt"})
        weight_map.update({k: fn for k in g})
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")


def well_conditioned(g: dict) -> bool:
    s = g["stats"]
    gap = s.get("min_selection_gap", s["min_topk_prob_gap"])
    return bool(s["fp32_selects_same_experts"]) and gap >= MIN_GAP


def write_one(out: str, name: str, v: dict) -> dict:
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for fn in os.listdir(d):   # a re-run must not leave a stale single file next to new shards
        if fn.endswith(".safetensors") or fn == "model.safetensors.index.json":
            os.remove(os.path.join(d, fn))
    spec = moe_ref.parse_config(v["config"])
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(v["config"], f, indent=2, sort_keys=True)
        f.write("\n")
    write_weights(d, mt.make_weights(spec, v["seed"]), v["disk"], v["shards"])
    for attempt in range(MAX_TRIES):
        seq_seed = v["seed"] * 1000 + attempt
        g = golden.golden_for(d, seq_seed, v["T"])
        if well_conditioned(g):
            break
    else:
        print(f"warning: {name}: no well-conditioned token sequence in {MAX_TRIES} tries; keeping the last",
              file=sys.stderr)
    g["name"] = name
    g["sequence_seed"] = seq_seed
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(g, f)
    with open(os.path.join(d, "README.txt"), "w") as f:
        f.write(f"{name}: {v['desc']}\nweights on disk: {v['disk']} in {v['shards']} file(s); weight seed "
                f"{v['seed']}; golden token sequence: {v['T']} ids from golden.token_sequence(vocab, {seq_seed}).\n"
                "Written by scripts/check/unseen_checkpoints.py (tiny random weights, not a trained model).\n")
    return g


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--group", choices=["main", "ext", "all"], default="main",
                    help="main: mixtral/qwen2_moe/olmoe/qwen3_moe; ext: deepseek_v2/phimoe")
    ap.add_argument("--only", nargs="*", help="variant names (default: the whole group)")
    args = ap.parse_args(argv)
    vs = {}
    if args.group in ("main", "all"):
        vs.update(main_variants())
    if args.group in ("ext", "all"):
        vs.update(ext_variants())
    names = args.only or list(vs)
    unknown = [n for n in names if n not in vs]
    if unknown:
        ap.error(f"unknown variant(s) {unknown}; known: {', '.join(vs)}")
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for n in names:
        g = write_one(args.out, n, vs[n])
        s = g["stats"]
        rows.append([n, vs[n]["disk"], vs[n]["shards"], str(g["moe_layers"]).replace(" ", ""), len(g["token_ids"]),
                     f"{s['fp32_vs_fp64_max_abs_logit_diff']:.1e}", s["fp32_selects_same_experts"],
                     f"{s.get('min_selection_gap', s['min_topk_prob_gap']):.1e}"])
    print(_common.table(rows, ["checkpoint", "disk", "files", "moe_layers", "T", "fp32-fp64", "sel32", "minGap"]))
    print(f"wrote {len(names)} checkpoints with golden.json to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
