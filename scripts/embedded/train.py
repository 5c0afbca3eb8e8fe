"""Train the embedded OLMoE-architecture model on the project's synthetic corpus.

    OMP_WAIT_POLICY=passive nohup /usr/bin/python3 scripts/embedded/train.py \
        --data tmp/embedded/corpus --tokenizer tmp/embedded/tokenizer --work tmp/embedded/run \
        --export models/embedded > tmp/embedded/run.log 2>&1 &

    # on an NVIDIA GPU: bf16 autocast, experts without host round-trips, a wall-clock budget
    python3 scripts/embedded/train.py --device cuda --batch 64 --seq 1024 --time-budget-s 420 ...
    # the batched expert computation against the per-expert loop (outputs and gradients)
    python3 scripts/embedded/train.py --self-check [--device cuda]

Reads train.bin / valid.bin (uint16 ids written by tools/corpus/tokenize-corpus.ts through
@huggingface/transformers, so training and inference tokenisation cannot drift), packs whole
documents into rows (packing.py), trains with bf16 autocast matmuls over fp32 master weights,
and exports config.json + BF16 model.safetensors in the exact Hugging Face olmoe layout.
Seeded; deterministic as far as torch's CPU kernels are.

--device cpu (the default) computes the experts with the per-expert loop, as the shipped model
was trained; --device cuda with the dense path (olmoe_model.py explains both; --moe-impl picks
either anywhere). With --time-budget-s the run measures its steps per second over the first
--calibrate-steps steps, then fixes the cosine schedule to the steps that fit the budget (logged
as "schedule"), and stops at the budget whatever happens.
"""

from __future__ import annotations

import os

# Under CPU contention, OpenMP's default spin-waiting burns the cores other processes need and
# makes every step several times slower; passive waiting must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import argparse
import copy
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from olmoe_model import OlmoeForCausalLM, OlmoeShape  # noqa: E402
from packing import doc_spans, materialise, pack  # noqa: E402
from export import export_checkpoint  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--self-check", action="store_true",
                   help="compare the dense expert computation with the per-expert loop (float32 outputs and "
                        "gradients of a small random model), print the differences and exit (0 = within tolerance)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--moe-impl", choices=("auto", "loop", "dense"), default="auto",
                   help="routed experts: per-expert loop or one dense wide SwiGLU (auto: loop on cpu, dense on cuda)")
    p.add_argument("--time-budget-s", type=float, default=0,
                   help="wall-clock budget of the training loop; the schedule is fixed to the steps that fit it")
    p.add_argument("--calibrate-steps", type=int, default=30,
                   help="with --time-budget-s: steps timed (after the first 5) before the schedule is fixed")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--data", help="dir with train.bin, valid.bin")
    p.add_argument("--warm-data", default="", help="dir with train.bin of the warm-up corpus (copy-rich)")
    p.add_argument("--warm-steps", type=int, default=0,
                   help="the first N steps draw their packed rows from --warm-data: a copy-heavy start grows the "
                        "induction (copy) heads that multiple-choice answering and worked arithmetic rely on")
    p.add_argument("--tokenizer", help="dir with tokenizer.json + tokenizer_config.json")
    p.add_argument("--work", help="scratch dir for checkpoints in progress")
    p.add_argument("--export", help="final HF-layout model dir")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--experts", type=int, default=16)
    p.add_argument("--top-k", type=int, default=2)
    p.add_argument("--intermediate", type=int, default=192)
    p.add_argument("--norm-topk-prob", action="store_true")
    p.add_argument("--max-pos", type=int, default=1024)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=1200)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr-frac", type=float, default=0.05)
    p.add_argument("--warmup", type=int, default=60)
    p.add_argument("--wd", type=float, default=0.05)
    p.add_argument("--balance-coef", type=float, default=0.01)
    p.add_argument("--zloss-coef", type=float, default=0.001)
    p.add_argument("--cache-aug", type=float, default=0.25,
                   help="fraction of rows routed with a random resident-set bonus (robustness to cache-aware routing)")
    p.add_argument("--cache-aug-max", type=float, default=0.5, help="bonus ~ U(0, this) x (max z - min z)")
    p.add_argument("--eos-prefix", type=float, default=0.3, help="fraction of documents that start after an EOS input")
    p.add_argument("--long-every", type=int, default=6,
                   help="every Nth step trains on contiguous, unmasked rows of --long-seq tokens (0 = never)")
    p.add_argument("--long-seq", type=int, default=1024)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--save-every", type=int, default=200, help="0: only at the end")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--stop-after", type=int, default=0,
                   help="end after this many steps of the --steps schedule (state saved, checkpoint exported)")
    p.add_argument("--init-from", default=None,
                   help="start from the model and optimizer of this state.pt (a new schedule of --steps)")
    p.add_argument("--answer-weight", type=float, default=1.0,
                   help="loss weight of a multiple-choice answer letter (' A'..' D' right after ':'): the one token "
                        "per question that carries the choose-a-letter skill, otherwise ~1%% of the loss")
    a = p.parse_args()
    if not a.self_check and not (a.data and a.tokenizer and a.work and a.export):
        p.error("--data, --tokenizer, --work and --export are needed (or --self-check)")
    if a.time_budget_s > 0 and a.calibrate_steps > a.warmup:
        p.error("--calibrate-steps must not exceed --warmup: the cosine part of the schedule starts after the calibration")
    return a


def lr_at(step: int, a) -> float:
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    t = (step - a.warmup) / max(1, a.steps - a.warmup)
    return a.lr * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


class Batches:
    """Endless stream of packed rows, re-packed with a fresh shuffle every epoch."""

    def __init__(self, tokens: np.ndarray, eos: int, seq: int, batch: int, seed: int, eos_prefix: float = 0.0):
        self.tokens, self.eos, self.seq, self.batch = tokens, eos, seq, batch
        self.eos_prefix = eos_prefix
        self.long_rng = np.random.default_rng(seed + 1)
        self.spans = doc_spans(tokens, eos)
        self.rng = np.random.default_rng(seed)
        self.epoch = -1
        self.rows: list = []
        self.pos = 0

    def _new_epoch(self):
        self.epoch += 1
        self.rows = pack(self.spans, self.seq, self.rng, self.eos_prefix)
        self.pos = 0

    def next(self):
        if self.pos + self.batch > len(self.rows):
            self._new_epoch()
        rows = self.rows[self.pos:self.pos + self.batch]
        self.pos += self.batch
        x, y, seg = materialise(self.tokens, rows, self.seq, self.eos)
        return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(seg)


    def next_long(self, seq: int, rows: int):
        """Contiguous stretches of the corpus, documents separated only by EOS and attention not
        masked: trains positions up to `seq` and reading across documents (rolling perplexity)."""
        starts = self.long_rng.integers(0, self.tokens.size - seq - 1, size=rows)
        w = np.stack([self.tokens[s:s + seq + 1].astype(np.int64) for s in starts])
        return torch.from_numpy(w[:, :-1]), torch.from_numpy(w[:, 1:]), torch.zeros(rows, seq, dtype=torch.int32)

    def skip(self, n: int):
        for _ in range(n):
            if self.pos + self.batch > len(self.rows):
                self._new_epoch()
            self.pos += self.batch


def make_optimizer(model: OlmoeForCausalLM, lr: float, wd: float) -> torch.optim.AdamW:
    """AdamW with weight decay on the 2-D non-embedding weights only."""
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "embed" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "embed" not in n)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95), eps=1e-8)


def random_cache_bonus(shape: OlmoeShape, rows: int, frac: float, max_bonus: float, gen: torch.Generator) -> torch.Tensor:
    """Router-logit bonus [L, rows, E] for a random half of the experts ("resident") on a `frac` share
    of the rows, ~U(0, max_bonus): keeps the model in distribution under cache-aware routing."""
    rows_on = (torch.rand(rows, generator=gen) < frac).float()
    resident = (torch.rand(shape.num_layers, rows, shape.num_experts, generator=gen) < 0.5).float()
    lam = torch.rand(shape.num_layers, rows, 1, generator=gen) * max_bonus
    return resident * lam * rows_on[None, :, None]


def answer_mask(x: torch.Tensor, y: torch.Tensor, letter_ids: torch.Tensor, colon_id: int) -> torch.Tensor:
    """Targets that are a multiple-choice answer letter (' A'..' D') right after ':' ('Answer:')."""
    return torch.isin(y, letter_ids) & (x == colon_id)


@torch.no_grad()
def eval_loss(model: OlmoeForCausalLM, tokens: np.ndarray, eos: int, seq: int, max_rows: int = 64,
              device: torch.device = torch.device("cpu")) -> float:
    model.eval()
    rows = pack(doc_spans(tokens, eos), seq, np.random.default_rng(0))[:max_rows]
    tot, n = 0.0, 0
    for i in range(0, len(rows), 8):
        x, y, seg = materialise(tokens, rows[i:i + 8], seq, eos)
        x, y, seg = (torch.from_numpy(t).to(device) for t in (x, y, seg))
        with torch.autocast(device.type, dtype=torch.bfloat16):
            logits = model(x, seg)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100, reduction="sum")
        tot += float(loss)
        n += int((y != -100).sum())
    model.train()
    return tot / max(1, n)


def _check_model(norm_topk: bool) -> OlmoeForCausalLM:
    shape = OlmoeShape(vocab_size=97, hidden_size=64, num_layers=3, num_heads=4, num_kv_heads=2, num_experts=8, top_k=2,
                       intermediate_size=40, norm_topk_prob=norm_topk, max_position_embeddings=64)
    m = OlmoeForCausalLM(shape)
    m.init_weights(std=0.2)   # large weights: routing spread out, differences not hidden by tiny activations
    return m


def self_check(device: torch.device, tol: float = 1e-5) -> bool:
    """The dense expert computation (and, where torch has it, fused attention) against the
    per-expert loop with explicit attention, in float32: logits, losses, every parameter's gradient
    and the experts selected, on a small random model and a packed batch with padding, with and
    without the cache-bonus augmentation and norm_topk_prob; then incremental decoding (eval.py's path)."""
    torch.manual_seed(0)
    variants = [("dense", False)]
    if device.type == "cuda" and hasattr(F, "scaled_dot_product_attention"):
        variants.append(("dense", True))
    report, ok = [], True
    for norm_topk in (False, True):
        for with_bonus in (False, True):
            base = _check_model(norm_topk)
            s = base.shape
            B, T = 3, 48
            x = torch.randint(0, s.vocab_size, (B, T))
            y = torch.randint(0, s.vocab_size, (B, T))
            seg = torch.zeros(B, T, dtype=torch.int32)
            seg[:, 20:] = 1
            seg[1, 40:] = -1          # padding, no loss
            y[1, 40:] = -100
            bonus = random_cache_bonus(s, B, 1.0, 0.5, torch.Generator().manual_seed(5)) if with_bonus else None
            runs = {}
            for impl, sdpa in [("loop", False)] + variants:
                m = copy.deepcopy(base).to(device)
                m.configure(impl, sdpa)
                m.train()
                m.set_select_bonus(None if bonus is None else bonus.to(device))
                logits = m(x.to(device), seg.to(device))
                ce = F.cross_entropy(logits.reshape(-1, s.vocab_size), y.to(device).reshape(-1), ignore_index=-100)
                bal, zl = m.aux_losses()
                (ce + 0.01 * bal + 0.001 * zl).backward()
                grads = {n: (p.grad if p.grad is not None else torch.zeros_like(p)).detach().cpu() for n, p in m.named_parameters()}
                runs[(impl, sdpa)] = (logits.detach().cpu(), float(ce), float(bal), float(zl), grads,
                                      [l.mlp.stats["load"].detach().cpu() for l in m.model.layers])
            ref = runs[("loop", False)]
            gmax = max(float(g.abs().max()) for g in ref[4].values())
            for key in variants:
                got = runs[key]
                row = {"impl": key[0], "sdpa": key[1], "norm_topk_prob": norm_topk, "cache_bonus": with_bonus,
                       "max_abs_logit_diff": float((got[0] - ref[0]).abs().max()), "max_abs_logit": float(ref[0].abs().max()),
                       "loss_diffs": [abs(got[i] - ref[i]) for i in (1, 2, 3)],
                       "max_abs_grad_diff": max(float((got[4][n] - ref[4][n]).abs().max()) for n in ref[4]),
                       "max_abs_grad": gmax,
                       "same_expert_load": all(torch.equal(a_, b_) for a_, b_ in zip(got[5], ref[5]))}
                row["ok"] = (row["max_abs_logit_diff"] <= tol * max(1.0, float(ref[0].abs().max()))
                             and max(row["loss_diffs"]) <= tol and row["max_abs_grad_diff"] <= tol * max(1.0, gmax)
                             and row["same_expert_load"])
                ok &= row["ok"]
                report.append(row)
    # incremental decoding (eval.py): prefill then token by token, dense vs loop
    base = _check_model(False).eval()
    ids = torch.randint(0, base.shape.vocab_size, (1, 30))
    outs = {}
    for impl, sdpa in [("loop", False)] + variants:
        m = copy.deepcopy(base).to(device)
        m.configure(impl, sdpa)
        with torch.no_grad():
            past = m.new_past()
            parts = [m.forward_cached(ids[:, :20].to(device), past)]
            for t in range(20, 30):
                parts.append(m.forward_cached(ids[:, t:t + 1].to(device), past))
        outs[(impl, sdpa)] = torch.cat(parts, 1).cpu()
    for key in variants:
        d = float((outs[key] - outs[("loop", False)]).abs().max())
        row = {"impl": key[0], "sdpa": key[1], "decoding": True, "max_abs_logit_diff": d, "ok": d <= tol * max(1.0, float(outs[("loop", False)].abs().max()))}
        ok &= row["ok"]
        report.append(row)
    print(json.dumps({"self_check": "ok" if ok else "FAILED", "device": str(device), "torch": torch.__version__, "tolerance": tol,
                      "fused_attention_checked": any(v[1] for v in variants), "cases": report}, indent=1), flush=True)
    return ok


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("train.py: --device cuda but torch sees no CUDA device")
    dev = torch.device(a.device)
    if a.self_check:
        sys.exit(0 if self_check(dev) else 1)
    moe_impl = a.moe_impl if a.moe_impl != "auto" else ("dense" if dev.type == "cuda" else "loop")
    sdpa = dev.type == "cuda" and hasattr(F, "scaled_dot_product_attention")
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.work, exist_ok=True)

    tok_cfg = json.load(open(os.path.join(a.tokenizer, "tokenizer.json")))
    eos = next(t["id"] for t in tok_cfg["added_tokens"] if t["content"] == "<|endoftext|>")
    vocab = max(max(tok_cfg["model"]["vocab"].values()), eos) + 1
    train = np.fromfile(os.path.join(a.data, "train.bin"), dtype="<u2")
    valid = np.fromfile(os.path.join(a.data, "valid.bin"), dtype="<u2")
    assert int(train.max()) < vocab and train[-1] == eos

    shape = OlmoeShape(vocab_size=vocab, hidden_size=a.hidden, num_layers=a.layers, num_heads=a.heads,
                       num_kv_heads=a.kv_heads, num_experts=a.experts, top_k=a.top_k, intermediate_size=a.intermediate,
                       norm_topk_prob=a.norm_topk_prob, max_position_embeddings=a.max_pos)
    model = OlmoeForCausalLM(shape)
    model.init_weights()
    model.configure(moe_impl, sdpa)
    n_params = sum(p.numel() for p in model.parameters())
    model.to(dev)
    opt = make_optimizer(model, a.lr, a.wd)
    batches = Batches(train, eos, a.seq, a.batch, a.seed, a.eos_prefix)
    warm = None
    if a.warm_steps > 0:
        warm_tokens = np.fromfile(os.path.join(a.warm_data, "train.bin"), dtype="<u2")
        assert int(warm_tokens.max()) < vocab and warm_tokens[-1] == eos
        warm = Batches(warm_tokens, eos, a.seq, a.batch, a.seed + 2, a.eos_prefix)
    aug_rng = torch.Generator().manual_seed(a.seed + 17)
    vocab_ids = tok_cfg["model"]["vocab"]
    letter_ids = torch.tensor([vocab_ids["\u0120" + L] for L in "ABCD"], device=dev)
    colon_id = vocab_ids[":"]
    if a.init_from:
        st = torch.load(a.init_from, map_location=dev)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
    start = 0
    ckpt_path = os.path.join(a.work, "state.pt")
    if a.resume and os.path.exists(ckpt_path):
        st = torch.load(ckpt_path, map_location=dev)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        start = st["step"]
        for step in range(start):   # replay the data order (long and packed steps) up to the checkpoint
            src = warm if (warm is not None and step < a.warm_steps) else batches
            if a.long_every > 0 and step % a.long_every == a.long_every - 1:
                src.next_long(a.long_seq, max(1, a.batch * a.seq // a.long_seq))
            else:
                src.skip(1)
        aug_rng.set_state(st["aug_rng"])
        torch.set_rng_state(st["torch_rng"])
    print(json.dumps({"params": n_params, "bf16_bytes": 2 * n_params, "train_tokens": int(train.size),
                      "rows_per_epoch": len(pack(batches.spans, a.seq, np.random.default_rng(0))),
                      "device": str(dev), "moe_impl": moe_impl, "fused_attention": sdpa, "torch": torch.__version__,
                      "shape": shape.__dict__, "args": vars(a)}), flush=True)

    def to_dev(t: torch.Tensor) -> torch.Tensor:
        return t.pin_memory().to(dev, non_blocking=True) if dev.type == "cuda" else t

    t0 = time.time()
    tokens_seen = 0
    end = min(a.steps, a.stop_after) if a.stop_after > 0 else a.steps
    budget = a.time_budget_s
    calib_from = None          # (step, time) after the first steps (allocation, kernel selection)
    step = start
    while step < end:
        if budget > 0:
            el = time.time() - t0
            if step == start + 5:
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                calib_from = (step, time.time())
            if calib_from is not None and step == calib_from[0] + a.calibrate_steps:
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                rate = a.calibrate_steps / (time.time() - calib_from[1])
                # 3 % of the remaining time is kept for evaluations, epochs re-packed and the slower long steps' share
                fit = step + int(rate * (budget - (time.time() - t0)) * 0.97)
                a.steps = min(a.steps, fit)
                end = min(a.steps, a.stop_after) if a.stop_after > 0 else a.steps
                print(json.dumps({"schedule": {"steps": a.steps, "steps_per_s": round(rate, 3), "at_step": step,
                                               "tokens_per_s": round(rate * a.batch * a.seq, 1), "budget_s": budget}}), flush=True)
                if step >= end:
                    break
            if el >= budget:
                print(json.dumps({"time_budget_reached": {"step": step, "schedule_steps": a.steps, "elapsed_s": round(el, 1)}}), flush=True)
                break
        lr = lr_at(step, a)
        for g in opt.param_groups:
            g["lr"] = lr
        long_step = a.long_every > 0 and step % a.long_every == a.long_every - 1
        src = warm if (warm is not None and step < a.warm_steps) else batches
        x, y, seg = src.next_long(a.long_seq, max(1, a.batch * a.seq // a.long_seq)) if long_step else src.next()
        n_tok = int((y != -100).sum())            # counted on the host copy: no device round-trip
        x, y, seg = to_dev(x), to_dev(y), to_dev(seg)
        if a.cache_aug > 0:
            model.set_select_bonus(random_cache_bonus(shape, x.shape[0], a.cache_aug, a.cache_aug_max, aug_rng).to(dev))
        with torch.autocast(dev.type, dtype=torch.bfloat16):
            logits = model(x, seg)
        if a.answer_weight != 1.0:
            per_tok = F.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1), ignore_index=-100, reduction="none")
            is_answer = answer_mask(x, y, letter_ids, colon_id)
            w = torch.where(is_answer, a.answer_weight, 1.0).reshape(-1) * (y.reshape(-1) != -100)
            ce = (per_tok * w).sum() / w.sum()
        else:
            ce = F.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1), ignore_index=-100)
        bal, zl = model.aux_losses()
        loss = ce + a.balance_coef * bal + a.zloss_coef * zl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens_seen += n_tok
        if step % a.log_every == 0 or step == a.steps - 1:
            load = torch.stack([m.stats["load"] for m in model.moe_layers()])     # [L, E]
            el = time.time() - t0
            print(json.dumps({"step": step, "lr": round(lr, 6), "ce": round(float(ce), 4), "balance": round(float(bal), 4),
                              "zloss": round(float(zl), 3), "max_load": round(float(load.max()), 3), "min_load": round(float(load.min()), 4),
                              "epoch": batches.epoch, "warm": src is warm, "tok_s": round(tokens_seen / el, 1),
                              "steps_s": round((step + 1 - start) / el, 3), "elapsed_min": round(el / 60, 2)}), flush=True)
        if (step + 1) % a.eval_every == 0 or step == end - 1:
            model.set_select_bonus(None)
            print(json.dumps({"step": step, "valid_ce": round(eval_loss(model, valid, eos, a.seq, device=dev), 4)}), flush=True)
        if (a.save_every > 0 and (step + 1) % a.save_every == 0) or step == end - 1:
            save_state(model, opt, step + 1, aug_rng, ckpt_path)
        step += 1
    model.set_select_bonus(None)
    if step < end:    # stopped by the time budget: keep the state too
        print(json.dumps({"step": step - 1, "valid_ce": round(eval_loss(model, valid, eos, a.seq, device=dev), 4)}), flush=True)
        save_state(model, opt, step, aug_rng, ckpt_path)
    wall = time.time() - t0
    export_checkpoint(model, shape, a.export, a.tokenizer, eos,
                      extra={"train_steps": step, "train_wall_seconds": round(wall, 1), "tokens_seen": tokens_seen,
                             "device": str(dev), "moe_impl": moe_impl})
    print(json.dumps({"done": True, "steps": step, "wall_min": round(wall / 60, 2), "tokens_seen": tokens_seen,
                      "tok_s": round(tokens_seen / wall, 1), "export": a.export}), flush=True)


def save_state(model: OlmoeForCausalLM, opt, step: int, aug_rng: torch.Generator, path: str) -> None:
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                "aug_rng": aug_rng.get_state(), "torch_rng": torch.get_rng_state()}, path + ".tmp")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
