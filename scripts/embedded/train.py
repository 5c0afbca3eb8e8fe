"""Train the embedded OLMoE-architecture model on the project's synthetic corpus.

    OMP_WAIT_POLICY=passive nohup /usr/bin/python3 scripts/embedded/train.py \
        --data tmp/embedded/corpus --tokenizer tmp/embedded/tokenizer --work tmp/embedded/run \
        --export models/embedded > tmp/embedded/run.log 2>&1 &

Reads train.bin / valid.bin (uint16 ids written by tools/corpus/tokenize-corpus.ts through
@huggingface/transformers, so training and inference tokenisation cannot drift), packs whole
documents into rows (packing.py), trains with bf16 autocast matmuls over fp32 master weights,
and exports config.json + BF16 model.safetensors in the exact Hugging Face olmoe layout.
Seeded; deterministic as far as torch's CPU kernels are.
"""

from __future__ import annotations

import os

# Under CPU contention, OpenMP's default spin-waiting burns the cores other processes need and
# makes every step several times slower; passive waiting must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import argparse
import json
import math
import shutil
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
    p.add_argument("--data", required=True, help="dir with train.bin, valid.bin")
    p.add_argument("--warm-data", default="", help="dir with train.bin of the warm-up corpus (copy-rich)")
    p.add_argument("--warm-steps", type=int, default=0,
                   help="the first N steps draw their packed rows from --warm-data: a copy-heavy start grows the "
                        "induction (copy) heads that multiple-choice answering and worked arithmetic rely on")
    p.add_argument("--tokenizer", required=True, help="dir with tokenizer.json + tokenizer_config.json")
    p.add_argument("--work", required=True, help="scratch dir for checkpoints in progress")
    p.add_argument("--export", required=True, help="final HF-layout model dir")
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
    p.add_argument("--save-every", type=int, default=200)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--stop-after", type=int, default=0,
                   help="end after this many steps of the --steps schedule (state saved, checkpoint exported)")
    p.add_argument("--init-from", default=None,
                   help="start from the model and optimizer of this state.pt (a new schedule of --steps)")
    p.add_argument("--answer-weight", type=float, default=1.0,
                   help="loss weight of a multiple-choice answer letter (' A'..' D' right after ':'): the one token "
                        "per question that carries the choose-a-letter skill, otherwise ~1%% of the loss")
    return p.parse_args()


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
def eval_loss(model: OlmoeForCausalLM, tokens: np.ndarray, eos: int, seq: int, max_rows: int = 64) -> float:
    model.eval()
    rows = pack(doc_spans(tokens, eos), seq, np.random.default_rng(0))[:max_rows]
    tot, n = 0.0, 0
    for i in range(0, len(rows), 8):
        x, y, seg = materialise(tokens, rows[i:i + 8], seq, eos)
        x, y, seg = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(seg)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x, seg)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100, reduction="sum")
        tot += float(loss)
        n += int((y != -100).sum())
    model.train()
    return tot / max(1, n)


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
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
    n_params = sum(p.numel() for p in model.parameters())
    opt = make_optimizer(model, a.lr, a.wd)
    batches = Batches(train, eos, a.seq, a.batch, a.seed, a.eos_prefix)
    warm = None
    if a.warm_steps > 0:
        warm_tokens = np.fromfile(os.path.join(a.warm_data, "train.bin"), dtype="<u2")
        assert int(warm_tokens.max()) < vocab and warm_tokens[-1] == eos
        warm = Batches(warm_tokens, eos, a.seq, a.batch, a.seed + 2, a.eos_prefix)
    aug_rng = torch.Generator().manual_seed(a.seed + 17)
    vocab_ids = tok_cfg["model"]["vocab"]
    letter_ids = torch.tensor([vocab_ids["\u0120" + L] for L in "ABCD"])
    colon_id = vocab_ids[":"]
    if a.init_from:
        st = torch.load(a.init_from)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
    start = 0
    ckpt_path = os.path.join(a.work, "state.pt")
    if a.resume and os.path.exists(ckpt_path):
        st = torch.load(ckpt_path)
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
    print(json.dumps({"params": n_params, "train_tokens": int(train.size), "rows_per_epoch": len(pack(batches.spans, a.seq, np.random.default_rng(0))),
                      "shape": shape.__dict__, "args": vars(a)}), flush=True)

    t0 = time.time()
    tokens_seen = 0
    end = min(a.steps, a.stop_after) if a.stop_after > 0 else a.steps
    for step in range(start, end):
        lr = lr_at(step, a)
        for g in opt.param_groups:
            g["lr"] = lr
        long_step = a.long_every > 0 and step % a.long_every == a.long_every - 1
        src = warm if (warm is not None and step < a.warm_steps) else batches
        x, y, seg = src.next_long(a.long_seq, max(1, a.batch * a.seq // a.long_seq)) if long_step else src.next()
        if a.cache_aug > 0:
            model.set_select_bonus(random_cache_bonus(shape, x.shape[0], a.cache_aug, a.cache_aug_max, aug_rng))
        with torch.autocast("cpu", dtype=torch.bfloat16):
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
        tokens_seen += int((y != -100).sum())
        if step % 10 == 0 or step == a.steps - 1:
            load = torch.stack([m.stats["load"] for m in model.moe_layers()])     # [L, E]
            el = time.time() - t0
            print(json.dumps({"step": step, "lr": round(lr, 6), "ce": round(float(ce), 4), "balance": round(float(bal), 4),
                              "zloss": round(float(zl), 3), "max_load": round(float(load.max()), 3), "min_load": round(float(load.min()), 4),
                              "epoch": batches.epoch, "warm": src is warm, "tok_s": round(tokens_seen / el, 1), "elapsed_min": round(el / 60, 2)}), flush=True)
        if (step + 1) % a.eval_every == 0 or step == end - 1:
            model.set_select_bonus(None)
            print(json.dumps({"step": step, "valid_ce": round(eval_loss(model, valid, eos, a.seq), 4)}), flush=True)
        if (step + 1) % a.save_every == 0 or step == end - 1:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step + 1,
                        "aug_rng": aug_rng.get_state(), "torch_rng": torch.get_rng_state()}, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
    model.set_select_bonus(None)
    wall = time.time() - t0
    export_checkpoint(model, shape, a.export, a.tokenizer, eos,
                      extra={"train_steps": end, "train_wall_seconds": round(wall, 1), "tokens_seen": tokens_seen})
    print(json.dumps({"done": True, "wall_min": round(wall / 60, 2), "tokens_seen": tokens_seen, "export": a.export}), flush=True)


if __name__ == "__main__":
    main()
