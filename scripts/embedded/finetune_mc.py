"""Multiple-choice curriculum experiment on a train.py state (NOT how models/embedded is built).

Continues training from a train.py state.pt on a weighted mixture of corpora, each either with
the usual language-model loss (multiple-choice answer letters weighted by --answer-weight) or with
the loss on answer letters only, and reports letter accuracy on the validation file of each
--eval corpus every --eval-every steps. It is how the model card's "Multiple-choice curriculum"
numbers were measured; see models/embedded/README.md for the commands and the results.

    /usr/bin/python3 scripts/embedded/finetune_mc.py --init tmp/embedded/run7/state.pt \
        --log tmp/embedded/run7/train.log --tokenizer tmp/embedded/tokenizer6 --work tmp/mc/drill \
        --source tmp/mc/match:1:answers --eval tmp/mc/match tmp/mc/open tmp/mc/closed \
        --steps 600 --seq 256 --batch 8 --lr 1.5e-3

A corpus directory holds train.bin / valid.bin from tools/corpus/tokenize-corpus.ts. A source is
DIR:WEIGHT:LOSS with LOSS `lm` (all tokens) or `answers` (answer letters only); each step draws
one source by weight. The state is saved to WORK/state.pt (model + optimizer) at every evaluation
and can be exported with export.py --state WORK/state.pt --log <the init run's log>.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import argparse
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
from train import Batches, answer_mask, make_optimizer, random_cache_bonus  # noqa: E402

LOSS_MODES = ("lm", "answers")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--init", required=True, help="state.pt written by train.py (model + optimizer)")
    p.add_argument("--log", required=True, help="train.py log of that state (its first line records the shape)")
    p.add_argument("--tokenizer", required=True, help="dir with tokenizer.json (answer-letter ids)")
    p.add_argument("--work", required=True, help="dir for state.pt and log lines")
    p.add_argument("--source", nargs="+", required=True, help="DIR:WEIGHT:LOSS with LOSS in lm|answers")
    p.add_argument("--eval", nargs="+", default=[], help="corpus dirs whose valid.bin answer letters are scored")
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3, help="peak; 20-step warm-up, cosine to 10 %%")
    p.add_argument("--answer-weight", type=float, default=20.0, help="letter weight in `lm` sources")
    p.add_argument("--cache-aug", type=float, default=0.25, help="as train.py: rows routed with a random resident-set bonus")
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args()


def parse_source(spec: str):
    try:
        path, weight, mode = spec.rsplit(":", 2)
        weight = float(weight)
    except ValueError:
        sys.exit(f"--source {spec}: expected DIR:WEIGHT:LOSS, e.g. tmp/mc/match:1:answers")
    if mode not in LOSS_MODES:
        sys.exit(f"--source {spec}: LOSS must be one of {', '.join(LOSS_MODES)}")
    return path, weight, mode


@torch.no_grad()
def letter_accuracy(model, tokens: np.ndarray, rows, eos: int, seq: int, letters: torch.Tensor, colon: int) -> float:
    """Share of answer positions where the right letter has the highest logit of the four."""
    ok = n = 0
    for i in range(0, len(rows), 8):
        x, y, seg = (torch.from_numpy(t) for t in materialise(tokens, rows[i:i + 8], seq, eos))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x, seg).float()
        mask = answer_mask(x, y, letters, colon)
        picked = logits[mask][:, letters].argmax(1)
        gold = (y[mask][:, None] == letters[None]).int().argmax(1)
        ok += int((picked == gold).sum())
        n += int(mask.sum())
    return ok / max(1, n)


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.work, exist_ok=True)
    tok_cfg = json.load(open(os.path.join(a.tokenizer, "tokenizer.json")))
    vocab_ids = tok_cfg["model"]["vocab"]
    eos = next(t["id"] for t in tok_cfg["added_tokens"] if t["content"] == "<|endoftext|>")
    letters = torch.tensor([vocab_ids["\u0120" + L] for L in "ABCD"])
    colon = vocab_ids[":"]
    with open(a.log) as f:
        shape = OlmoeShape(**json.loads(f.readline())["shape"])
    model = OlmoeForCausalLM(shape)
    opt = make_optimizer(model, a.lr, 0.05)   # train.py's --wd default; the state's optimizer is loaded next
    st = torch.load(a.init)
    model.load_state_dict(st["model"])
    opt.load_state_dict(st["opt"])

    sources = []
    for i, spec in enumerate(a.source):
        path, weight, mode = parse_source(spec)
        tokens = np.fromfile(os.path.join(path, "train.bin"), dtype="<u2")
        sources.append((Batches(tokens, eos, a.seq, a.batch, a.seed + i, 0.3), weight, mode))
    probs = np.array([w for _, w, _ in sources]) / sum(w for _, w, _ in sources)
    evals = []
    for path in a.eval:
        tokens = np.fromfile(os.path.join(path, "valid.bin"), dtype="<u2")
        evals.append((os.path.basename(path.rstrip("/")), tokens, pack(doc_spans(tokens, eos), 512, np.random.default_rng(0))[:24]))

    def report(step: int, t0: float):
        model.eval()
        model.set_select_bonus(None)
        acc = {name: round(letter_accuracy(model, tok, rows, eos, 512, letters, colon), 3) for name, tok, rows in evals}
        model.train()
        print(json.dumps({"step": step, "elapsed_min": round((time.time() - t0) / 60, 2), "letter_acc": acc}), flush=True)

    rng = np.random.default_rng(a.seed)
    aug_rng = torch.Generator().manual_seed(a.seed + 17)
    t0 = time.time()
    print(json.dumps({"shape": shape.__dict__, "args": vars(a)}), flush=True)
    report(0, t0)
    for step in range(a.steps):
        lr = a.lr * min(1.0, (step + 1) / 20) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / a.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        batches, _, mode = sources[rng.choice(len(sources), p=probs)]
        x, y, seg = batches.next()
        model.set_select_bonus(random_cache_bonus(shape, x.shape[0], a.cache_aug, 0.5, aug_rng))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x, seg)
        per_tok = F.cross_entropy(logits.float().reshape(-1, shape.vocab_size), y.reshape(-1), ignore_index=-100, reduction="none")
        is_answer = answer_mask(x, y, letters, colon).reshape(-1)
        if mode == "answers":
            w = is_answer.float()
        else:
            w = torch.where(is_answer, a.answer_weight, 1.0) * (y.reshape(-1) != -100)
        if float(w.sum()) == 0:
            continue   # an `answers` batch without a question (cannot happen with MC corpora)
        bal, zl = model.aux_losses()
        loss = (per_tok * w).sum() / w.sum() + 0.01 * bal + 0.001 * zl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (step + 1) % a.eval_every == 0 or step + 1 == a.steps:
            report(step + 1, t0)
            path = os.path.join(a.work, "state.pt")
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step + 1}, path + ".tmp")
            os.replace(path + ".tmp", path)
    model.set_select_bonus(None)


if __name__ == "__main__":
    main()
