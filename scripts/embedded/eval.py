"""PyTorch evaluation of the embedded model with lm-evaluation-harness semantics, on the STORED
(BF16) weights computed in float32. Inputs come from encode-eval.ts (same tokenizer, via
@huggingface/transformers).

    /usr/bin/python3 scripts/embedded/eval.py --model models/embedded --inputs tmp/embedded/eval/inputs.json \
        --train-bin tmp/embedded/corpus/train.bin --tasks mmlu,gsm8k,ppl,cache --out tmp/embedded/eval/results.json

* mmlu: 0-shot, acc = argmax over the log-likelihoods of " A".." D" after "...Answer:".
* gsm8k: 5-shot prompt, greedy until "Question:" or EOS (max 256 new tokens), strict-match with
  lm-eval's regex "#### (\\-?[0-9\\.\\,]+)" against the target with ",", "$", a trailing "." removed.
* ppl: token perplexity over the raw file in disjoint rolling windows (first token predicted from
  EOS, as lm-eval's loglikelihood_rolling does), and the add-one unigram baseline fit on train.bin.
* cache: MMLU again with per-layer LRU caches of C experts reset per question, topk vs cache-prior
  for each lambda; miss rate over all prompt tokens (prefill counted).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import argparse
import json
import math
import re
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cache_sim import CacheRouter  # noqa: E402
from export import load_exported  # noqa: E402


def byte_decoder():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


class Detok:
    def __init__(self, model_dir: str):
        tj = json.load(open(os.path.join(model_dir, "tokenizer.json")))
        self.id2tok = {i: t for t, i in tj["model"]["vocab"].items()}
        self.special = {t["id"]: t["content"] for t in tj["added_tokens"]}
        self.eos = next(i for i, c in self.special.items() if c == "<|endoftext|>")
        self.bd = byte_decoder()

    def decode(self, ids) -> str:
        out = bytearray()
        for i in ids:
            if i in self.special:
                out += self.special[i].encode()
            else:
                out += bytes(self.bd[ch] for ch in self.id2tok[i])
        return out.decode("utf-8", errors="replace")


def eval_mmlu(model, items, router=None) -> dict:
    correct = 0
    by_subject: dict = {}
    for it in items:
        if router is not None:
            router.reset_caches()
        ctx = it["ctx"]
        conts = it["conts"]
        if all(len(c) == 1 for c in conts):
            logits = model(torch.tensor([ctx]))[0, -1]
            lp = F.log_softmax(logits.double(), -1)
            scores = [float(lp[c[0]]) for c in conts]
        else:   # general lm-eval path: one request per continuation
            scores = []
            for c in conts:
                if router is not None:
                    router.reset_caches()
                logits = model(torch.tensor([ctx + c]))[0]
                lp = F.log_softmax(logits.double(), -1)
                scores.append(sum(float(lp[len(ctx) - 1 + j, t]) for j, t in enumerate(c)))
        ok = int(np.argmax(scores)) == it["answer"]
        correct += ok
        s = by_subject.setdefault(it["subject"], [0, 0])
        s[0] += ok
        s[1] += 1
    return {"acc": correct / len(items), "n": len(items), "by_subject": {k: v[0] / v[1] for k, v in by_subject.items()}}


ANS_RE = re.compile(r"#### (\-?[0-9\.\,]+)")


def clean_number(s: str) -> str:
    s = s.replace(",", "").replace("$", "")
    s = re.sub(r"(?s).*#### ", "", s)
    return re.sub(r"\.$", "", s).strip()


def eval_gsm(model, items, detok: Detok, limit: int, max_new: int = 256) -> dict:
    correct = 0
    samples = []
    n = min(limit, len(items)) if limit > 0 else len(items)
    for it in items[:n]:
        past = model.new_past()
        logits = model.forward_cached(torch.tensor([it["prompt"]]), past)[0, -1]
        gen: list = []
        text = ""
        for _ in range(max_new):
            nxt = int(torch.argmax(logits))
            if nxt == detok.eos:
                break
            gen.append(nxt)
            text = detok.decode(gen)
            if "Question:" in text:
                text = text.split("Question:")[0]
                break
            logits = model.forward_cached(torch.tensor([[nxt]]), past)[0, -1]
        m = ANS_RE.search(text)
        pred = clean_number(m.group(1)) if m else "[invalid]"
        ok = pred == clean_number(it["target"])
        correct += ok
        if len(samples) < 5:
            samples.append({"generated": text, "pred": pred, "target": clean_number(it["target"])})
    return {"strict_match": correct / n, "n": n, "samples": samples}


def rolling_windows(tokens, eos: int, W: int):
    """lm-eval loglikelihood_rolling: disjoint windows of W predicted tokens, the first one
    conditioned on EOS, each later one on the single token before it."""
    out = []
    pred_start = 0
    while pred_start < len(tokens):
        pred = tokens[pred_start:pred_start + W]
        ctx_tok = eos if pred_start == 0 else tokens[pred_start - 1]
        out.append(([ctx_tok] + pred[:-1], pred))
        pred_start += W
    return out


def eval_ppl(model, tokens, train_bin: str, vocab: int, eos: int, windows=(512, 1024)) -> dict:
    res = {"tokens": len(tokens)}
    for W in windows:
        nll = 0.0
        for inp, tgt in rolling_windows(tokens, eos, W):
            logits = model(torch.tensor([inp]))[0]
            nll += float(F.cross_entropy(logits.double(), torch.tensor(tgt), reduction="sum"))
        res[f"ppl_window_{W}"] = math.exp(nll / len(tokens))
    train = np.fromfile(train_bin, dtype="<u2")
    counts = np.bincount(train, minlength=vocab).astype(np.float64)
    p = (counts + 1) / (counts.sum() + vocab)
    res["unigram_ppl"] = math.exp(-np.log(p[np.asarray(tokens)]).mean())
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--train-bin", default="tmp/embedded/corpus/train.bin")
    ap.add_argument("--tasks", default="mmlu,gsm8k,ppl,cache")
    ap.add_argument("--gsm-limit", type=int, default=0)
    ap.add_argument("--cache-size", type=int, default=0, help="experts per layer (default E/2)")
    ap.add_argument("--lambdas", default="0,0.1,0.25,0.5")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = load_exported(a.model, torch.float32)
    s = model.shape
    detok = Detok(a.model)
    inp = json.load(open(a.inputs))
    tasks = a.tasks.split(",")
    results: dict = {"model": a.model, "config": s.__dict__}
    t0 = time.time()
    with torch.no_grad():
        if "mmlu" in tasks:
            results["mmlu"] = eval_mmlu(model, inp["mmlu"])
            print(json.dumps({"mmlu": results["mmlu"], "sec": round(time.time() - t0, 1)}), flush=True)
        if "ppl" in tasks:
            results["ppl"] = eval_ppl(model, inp["text"], a.train_bin, s.vocab_size, detok.eos)
            print(json.dumps({"ppl": results["ppl"], "sec": round(time.time() - t0, 1)}), flush=True)
        if "cache" in tasks:
            C = a.cache_size or s.num_experts // 2
            rows = []
            for lam in [float(x) for x in a.lambdas.split(",")]:
                router = CacheRouter(s.num_layers, s.num_experts, s.top_k, C, lam)
                model.set_hook(router)
                r = eval_mmlu(model, inp["mmlu"], router)
                model.set_hook(None)
                row = {"lambda": lam, "cache": C, "acc": r["acc"], **router.summary()}
                rows.append(row)
                print(json.dumps(row), flush=True)
            base = rows[0]
            for r in rows:
                r["miss_reduction_vs_topk"] = 1 - r["miss_rate"] / base["miss_rate"] if base["miss_rate"] > 0 else 0.0
                r["acc_drop_points"] = 100 * (base["acc"] - r["acc"])
            results["cache"] = rows
        if "gsm8k" in tasks:
            results["gsm8k"] = eval_gsm(model, inp["gsm"], detok, a.gsm_limit)
            print(json.dumps({"gsm8k": results["gsm8k"], "sec": round(time.time() - t0, 1)}), flush=True)
    results["seconds"] = round(time.time() - t0, 1)
    if a.out:
        os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
