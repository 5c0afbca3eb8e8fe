"""PyTorch evaluation of the embedded model with lm-evaluation-harness semantics, on the STORED
(BF16) weights computed in float32. Inputs come from encode-eval.ts (same tokenizer, via
@huggingface/transformers).

    /usr/bin/python3 scripts/embedded/eval.py --model models/embedded --inputs tmp/embedded/eval/inputs.json \
        --train-bin tmp/embedded/corpus/train.bin --tasks mmlu,gsm8k,ppl,cache --out tmp/embedded/eval/results.json

* mmlu: 0-shot, acc = argmax over the log-likelihoods of " A".." D" after "...Answer:".
* gsm8k: the default GSM8K-style set (datasets/embedded/gsm8k, short problems: what moe-eval gsm8k
  scores); gsm8k-multistep: the multi-step set (datasets/embedded/gsm8k-multistep, the target set
  of the next embedded model, which becomes the default together with it). Each its own result.
  5-shot prompt, greedy until "Question:" or EOS (max 256 new tokens), strict-match with
  lm-eval's regex "#### (\\-?[0-9\\.\\,]+)" against the target with ",", "$", a trailing "." removed;
  flexible-extract with the last number in the output (tasks/gsm8k.yaml's second filter).
  --gsm-batch N generates N problems at once (prompts left-padded, padding masked out of
  attention; RoPE depends on relative positions only, so each row computes what it would alone,
  up to float rounding): how a GPU evaluates 300 problems in seconds instead of minutes.
* ppl: token perplexity over the raw file in disjoint rolling windows (first token predicted from
  EOS, as lm-eval's loglikelihood_rolling does), and the add-one unigram baseline fit on train.bin.
* cache: MMLU again with per-layer LRU caches of C experts reset per question, topk vs cache-prior
  for each lambda; miss rate over all prompt tokens (prefill counted).

--device cuda runs the model on the GPU (float32 weights, the dense expert path of olmoe_model.py:
no host round-trip per layer). Needs torch and numpy only.
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


def stderr_of_mean(k: int, n: int) -> float:
    """sample standard error of a 0/1 mean (lm-eval's mean_stderr)"""
    if n < 2:
        return 0.0
    p = k / n
    return math.sqrt(p * (1 - p) * n / (n - 1) / n)


def eval_mmlu(model, items, router=None, device: torch.device = torch.device("cpu")) -> dict:
    correct = 0
    by_subject: dict = {}
    for it in items:
        if router is not None:
            router.reset_caches()
        ctx = it["ctx"]
        conts = it["conts"]
        if all(len(c) == 1 for c in conts):
            logits = model(torch.tensor([ctx], device=device))[0, -1]
            lp = F.log_softmax(logits.double(), -1)
            scores = [float(lp[c[0]]) for c in conts]
        else:   # general lm-eval path: one request per continuation
            scores = []
            for c in conts:
                if router is not None:
                    router.reset_caches()
                logits = model(torch.tensor([ctx + c], device=device))[0]
                lp = F.log_softmax(logits.double(), -1)
                scores.append(sum(float(lp[len(ctx) - 1 + j, t]) for j, t in enumerate(c)))
        ok = int(np.argmax(scores)) == it["answer"]
        correct += ok
        s = by_subject.setdefault(it["subject"], [0, 0])
        s[0] += ok
        s[1] += 1
    return {"acc": correct / len(items), "acc_stderr": stderr_of_mean(correct, len(items)), "n": len(items),
            "by_subject": {k: v[0] / v[1] for k, v in by_subject.items()}}


# eval.py task -> (key in encode-eval.ts's inputs, the dataset it was built from)
GSM_SETS = {"gsm8k": ("gsm", "datasets/embedded/gsm8k"), "gsm8k-multistep": ("gsmMultistep", "datasets/embedded/gsm8k-multistep")}

ANS_RE = re.compile(r"#### (\-?[0-9\.\,]+)")


def clean_number(s: str) -> str:
    s = s.replace(",", "").replace("$", "")
    s = re.sub(r"(?s).*#### ", "", s)
    return re.sub(r"\.$", "", s).strip()


FLEX_RE = re.compile(r"(-?[$0-9.,]{2,})|(-?[0-9]+)")


def flexible_extract(text: str) -> str:
    """lm-eval's flexible-extract: the last match of FLEX_RE, its first non-empty group"""
    found = FLEX_RE.findall(text)
    if not found:
        return "[invalid]"
    groups = [g for g in found[-1] if g]
    return clean_number(groups[0]) if groups else "[invalid]"


def score_gsm(texts: list, items: list) -> dict:
    strict = flex = 0
    samples = []
    for text, it in zip(texts, items):
        m = ANS_RE.search(text)
        pred = clean_number(m.group(1)) if m else "[invalid]"
        target = clean_number(it["target"])
        strict += pred == target
        flex += flexible_extract(text) == target
        if len(samples) < 5:
            samples.append({"generated": text, "pred": pred, "target": target})
    n = len(texts)
    return {"strict_match": strict / n, "strict_match_stderr": stderr_of_mean(strict, n),
            "flexible_extract": flex / n, "flexible_extract_stderr": stderr_of_mean(flex, n), "n": n, "samples": samples}


def generate_one(model, prompt: list, detok: Detok, max_new: int, device: torch.device) -> str:
    past = model.new_past()
    logits = model.forward_cached(torch.tensor([prompt], device=device), past)[0, -1]
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
        logits = model.forward_cached(torch.tensor([[nxt]], device=device), past)[0, -1]
    return text


@torch.no_grad()
def generate_batch(model, prompts: list, detok: Detok, max_new: int, device: torch.device) -> list:
    """Greedy generation of several prompts at once, left-padded. Padding keys are masked for
    every real query; a padding query attends only to itself (keeps its states finite)."""
    B = len(prompts)
    L = max(len(p) for p in prompts)
    pads = [L - len(p) for p in prompts]
    ids = torch.full((B, L), detok.eos, dtype=torch.long)
    for b, p in enumerate(prompts):
        ids[b, pads[b]:] = torch.tensor(p)
    ids = ids.to(device)
    is_pad = torch.zeros(B, L, dtype=torch.bool)
    for b in range(B):
        is_pad[b, :pads[b]] = True
    is_pad = is_pad.to(device)
    s = model.shape
    past = model.new_past()
    eye = torch.eye(L, dtype=torch.bool, device=device)
    causal = torch.triu(torch.ones(L, L, dtype=torch.bool, device=device), diagonal=1)
    mask = (causal[None] | (is_pad[:, None, :] & ~eye[None]))[:, None]            # [B, 1, L, L] True = masked
    logits = _forward_masked(model, ids, past, mask, 0)[:, -1]
    done = [False] * B
    raw = [bytearray() for _ in range(B)]
    texts = [""] * B
    bd = detok.bd
    for step in range(max_new):
        nxt = torch.argmax(logits, dim=-1)
        for b, t in enumerate(nxt.tolist()):
            if done[b]:
                continue
            if t == detok.eos:
                done[b] = True
                texts[b] = raw[b].decode("utf-8", errors="replace")
                continue
            raw[b] += detok.special[t].encode() if t in detok.special else bytes(bd[ch] for ch in detok.id2tok[t])
            if b"Question:" in raw[b]:
                done[b] = True
                texts[b] = raw[b].decode("utf-8", errors="replace").split("Question:")[0]
        if all(done) or step == max_new - 1:
            break
        key_pad = torch.cat([is_pad, torch.zeros(B, step + 1, dtype=torch.bool, device=device)], dim=1)  # [B, L+step+1]
        logits = _forward_masked(model, nxt[:, None], past, key_pad[:, None, None, :], L + step)[:, -1]
    for b in range(B):
        if not done[b]:
            texts[b] = raw[b].decode("utf-8", errors="replace")
    return texts


def _forward_masked(model, ids: torch.Tensor, past: list, mask: torch.Tensor, P: int) -> torch.Tensor:
    """forward_cached with an explicit [B, 1, T, P+T] mask (olmoe_model.Attention takes any broadcastable mask)."""
    T = ids.shape[1]
    h = model.model.embed_tokens(ids)
    cos, sin = model._rope(P + T, h.dtype, h.device)
    cos, sin = cos[P:], sin[P:]
    for layer, pl in zip(model.model.layers, past):
        h = layer(h, cos, sin, mask, pl)
    h = model.model.norm(h)
    head = model.model.embed_tokens.weight if model.shape.tie_word_embeddings else model.lm_head.weight
    return h @ head.t()


def eval_gsm(model, items, detok: Detok, limit: int, max_new: int = 256, batch: int = 1,
             device: torch.device = torch.device("cpu")) -> dict:
    n = min(limit, len(items)) if limit > 0 else len(items)
    items = items[:n]
    if batch <= 1:
        texts = [generate_one(model, it["prompt"], detok, max_new, device) for it in items]
    else:
        texts = []
        for i in range(0, n, batch):
            texts += generate_batch(model, [it["prompt"] for it in items[i:i + batch]], detok, max_new, device)
    return score_gsm(texts, items)


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


def eval_ppl(model, tokens, train_bin: str, vocab: int, eos: int, windows=(512, 1024), device: torch.device = torch.device("cpu")) -> dict:
    res = {"tokens": len(tokens)}
    for W in windows:
        nll = 0.0
        for inp, tgt in rolling_windows(tokens, eos, W):
            logits = model(torch.tensor([inp], device=device))[0]
            nll += float(F.cross_entropy(logits.double(), torch.tensor(tgt, device=device), reduction="sum"))
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
    ap.add_argument("--tasks", default="mmlu,gsm8k,ppl,cache", help="of mmlu, gsm8k, gsm8k-multistep, ppl, cache")
    ap.add_argument("--gsm-limit", type=int, default=0)
    ap.add_argument("--cache-size", type=int, default=0, help="experts per layer (default E/2)")
    ap.add_argument("--lambdas", default="0,0.1,0.25,0.5")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--moe-impl", choices=("auto", "loop", "dense"), default="auto",
                    help="routed experts (olmoe_model.py): auto = loop on cpu, dense on cuda")
    ap.add_argument("--gsm-batch", type=int, default=1, help="problems generated at once (1: one at a time)")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("eval.py: --device cuda but torch sees no CUDA device")
    dev = torch.device(a.device)
    if dev.type == "cuda":
        # exact float32 matmuls: the scores are meant to be the stored weights' own
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    model = load_exported(a.model, torch.float32).to(dev)
    model.configure(a.moe_impl if a.moe_impl != "auto" else ("dense" if dev.type == "cuda" else "loop"), sdpa=False)
    s = model.shape
    detok = Detok(a.model)
    inp = json.load(open(a.inputs))
    tasks = a.tasks.split(",")
    known = {"mmlu", "gsm8k", "gsm8k-multistep", "ppl", "cache"}
    if set(tasks) - known:
        sys.exit(f"eval.py: unknown tasks {sorted(set(tasks) - known)} (known: {sorted(known)})")
    results: dict = {"model": a.model, "config": s.__dict__}
    t0 = time.time()

    def save():
        # after every task, so that a run cut short keeps what it finished
        if a.out:
            os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
            with open(a.out, "w") as f:
                json.dump(results, f, indent=1)
    with torch.no_grad():
        if "mmlu" in tasks:
            results["mmlu"] = eval_mmlu(model, inp["mmlu"], device=dev)
            print(json.dumps({"mmlu": results["mmlu"], "sec": round(time.time() - t0, 1)}), flush=True)
            save()
        if "ppl" in tasks:
            results["ppl"] = eval_ppl(model, inp["text"], a.train_bin, s.vocab_size, detok.eos, device=dev)
            print(json.dumps({"ppl": results["ppl"], "sec": round(time.time() - t0, 1)}), flush=True)
            save()
        if "cache" in tasks:
            C = a.cache_size or s.num_experts // 2
            rows = []
            for lam in [float(x) for x in a.lambdas.split(",")]:
                router = CacheRouter(s.num_layers, s.num_experts, s.top_k, C, lam)
                model.set_hook(router)
                r = eval_mmlu(model, inp["mmlu"], router, device=dev)
                model.set_hook(None)
                row = {"lambda": lam, "cache": C, "acc": r["acc"], **router.summary()}
                rows.append(row)
                print(json.dumps(row), flush=True)
            base = rows[0]
            for r in rows:
                r["miss_reduction_vs_topk"] = 1 - r["miss_rate"] / base["miss_rate"] if base["miss_rate"] > 0 else 0.0
                r["acc_drop_points"] = 100 * (base["acc"] - r["acc"])
            results["cache"] = rows
            save()
        # in the order asked for (device-train.sh puts the multi-step set first)
        for task in [t for t in tasks if t in GSM_SETS]:
            key, dataset = GSM_SETS[task]
            if key not in inp:
                sys.exit(f"eval.py: {a.inputs} has no {key!r} ({dataset}): re-run encode-eval.ts")
            t1 = time.time()
            results[task] = {"dataset": dataset, **eval_gsm(model, inp[key], detok, a.gsm_limit, batch=a.gsm_batch, device=dev)}
            results[task]["seconds"] = round(time.time() - t1, 1)
            print(json.dumps({task: results[task], "sec": round(time.time() - t0, 1)}), flush=True)
            save()
    results["seconds"] = round(time.time() - t0, 1)
    save()


if __name__ == "__main__":
    main()
