"""Independent Python implementation of the routing contract, docs/routing-contract.md.

The routing and caching logic below was written from the contract text alone; the transformer
math is moe_ref's (imported, with its ``router_hook`` seam: for every MoE layer it hands over
the unmodified router logits of each token in position order and runs the experts we return
with the weights we return, so later layers and tokens see the changed hidden states).
Caches and Delta_avg are per layer, so feeding a layer's tokens in position order gives
exactly the decisions of token-by-token decoding; events are written token-major
(token 0: layers ascending, token 1: ...), i.e. the order a decoder produces them.

Implemented: strategies topk, cache-prior, max-rank, cumulative-threshold; caches lru (with
--lru-order), lfu (in-cache frequency, ties by recency), fifo, all with the event's experts
pinned; --cache-reset per-sample|never; --prefill-cache count. deepseek_v2 / phimoe: topk only
(their "original ranking" for the other strategies is defined by the engine's architecture
file, not by the contract).

    /usr/bin/python3 scripts/check/routing_contract_ref.py --model DIR --tokens 1,2,3 [--tokens 4,5 ...]
        [--strategy topk|cache-prior|max-rank|cumulative-threshold] [--lambda X] [--top-j J]
        [--max-rank M] [--threshold P] [--cache C] [--policy lru|lfu|fifo]
        [--lru-order weight-desc-first|weight-asc-first] [--cache-reset per-sample|never]
        [--trace FILE] [--out FILE.json] [--dtype float64|float32]

Each --tokens is one sample (sample = its index). Exit 2 on a usage error, as the CLI must.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # keep scripts/check free of __pycache__
import _common  # noqa: E402

_common.require_reference()
import moe_ref  # noqa: E402
import torch  # noqa: E402

STRATEGIES = ("topk", "cache-prior", "max-rank", "cumulative-threshold")
POLICIES = ("lru", "lfu", "fifo")
LRU_ORDERS = ("weight-desc-first", "weight-asc-first")


class UsageError(Exception):
    pass


@dataclass
class Options:
    strategy: str = "topk"
    lam: float = 0.0
    top_j: int = 0
    max_rank: Optional[int] = None
    threshold: Optional[float] = None
    cache: Optional[int] = None
    policy: str = "lru"
    lru_order: str = "weight-desc-first"
    cache_reset: str = "per-sample"
    prefill_cache: str = "count"


def validate(o: Options, k: int, E: int, model_type: str) -> None:
    def need(cond, msg):
        if not cond:
            raise UsageError(msg)
    need(o.strategy in STRATEGIES, f"--strategy must be one of {STRATEGIES}")
    need(o.policy in POLICIES, f"--policy must be one of {POLICIES}")
    need(o.lru_order in LRU_ORDERS, f"--lru-order must be one of {LRU_ORDERS}")
    need(o.cache_reset in ("per-sample", "never"), "--cache-reset must be per-sample or never")
    need(o.prefill_cache == "count", "--prefill-cache: only 'count' is implemented by this reference")
    need(o.cache is None or k <= o.cache <= E, f"--cache must be in [{k}, {E}] (top-k .. experts)")
    need(o.strategy == "topk" or o.cache is not None, f"--strategy {o.strategy} needs --cache")
    need(0 <= o.top_j <= k, f"--top-j must be in [0, {k}]")
    need(0.0 <= o.lam <= 1.0, "--lambda must be in [0, 1]")
    if o.strategy == "max-rank":
        need(o.max_rank is not None and k <= o.max_rank <= E, f"--max-rank must be in [{k}, {E}]")
    if o.strategy == "cumulative-threshold":
        need(o.threshold is not None and 0.0 < o.threshold <= 1.0, "--threshold must be in (0, 1]")
    if o.strategy != "topk" and model_type in moe_ref.EXT_MODEL_TYPES:
        raise NotImplementedError(f"{model_type}: only --strategy topk (the contract leaves its ranking "
                                  "to the architecture file)")


# ---- caches ----------------------------------------------------------------------------

class ExpertCache:
    """The resident experts of one MoE layer. A logical clock ticks once per touch."""

    def __init__(self, policy: str, capacity: int):
        self.policy, self.capacity = policy, capacity
        self.reset()

    def reset(self) -> None:
        self.clock = 0
        self.loaded_at: Dict[int, int] = {}   # fifo order
        self.used_at: Dict[int, int] = {}     # last touch: lru order, lfu tie-break
        self.uses: Dict[int, int] = {}        # touches since load (lfu)

    def resident(self) -> List[int]:
        return sorted(self.used_at)

    def _victim(self, pinned) -> int:
        cands = [e for e in self.used_at if e not in pinned]
        if self.policy == "lru":
            return min(cands, key=lambda e: self.used_at[e])
        if self.policy == "fifo":
            return min(cands, key=lambda e: self.loaded_at[e])
        return min(cands, key=lambda e: (self.uses[e], self.used_at[e]))   # lfu

    def update(self, touch_order: Sequence[int]) -> None:
        pinned = set(touch_order)   # the event's experts never evict one another
        for e in touch_order:
            self.clock += 1
            if e in self.used_at:
                self.used_at[e] = self.clock
                self.uses[e] += 1
                continue
            if len(self.used_at) >= self.capacity:
                v = self._victim(pinned)
                del self.loaded_at[v], self.used_at[v], self.uses[v]
            self.loaded_at[e] = self.used_at[e] = self.clock
            self.uses[e] = 1


# ---- strategies ------------------------------------------------------------------------

def ranking(probs: List[float]) -> List[int]:
    """Original ranking: descending probability, ties lower id first (rank r = index r-1)."""
    return sorted(range(len(probs)), key=lambda e: (-probs[e], e))


def fill_by_rank(keep: List[int], candidates: List[int], order: List[int], k: int) -> List[int]:
    """keep, then candidates, then the best remaining experts in original rank order, up to k."""
    sel = list(keep)
    for e in list(candidates) + list(order):
        if len(sel) == k:
            break
        if e not in sel:
            sel.append(e)
    return sel


def select(o: Options, k: int, z: List[float], probs: List[float], order: List[int],
           snapshot: set, delta_avg: float):
    """-> (selected ids, in any order; the margin of this decision and what it measures)."""
    E = len(z)
    gaps = [probs[order[r]] - probs[order[r + 1]] for r in range(E - 1)] + [math.inf]   # gaps[r]: rank r+1 vs r+2
    J = o.top_j
    if o.strategy == "topk":
        return order[:k], (gaps[k - 1], "p_(k)-p_(k+1)")
    if o.strategy == "cache-prior":
        top_j = set(order[:J])
        zp = [z[e] + o.lam * delta_avg * (1.0 if (e in snapshot or e in top_j) else 0.0) for e in range(E)]
        by = sorted(range(E), key=lambda e: (-zp[e], e))
        m = zp[by[k - 1]] - zp[by[k]] if k < E else math.inf
        if J > 0:
            m = min(m, gaps[J - 1])
        return by[:k], (m, "min(z'_(k)-z'_(k+1), p_(J)-p_(J+1))")
    if o.strategy == "max-rank":
        M = o.max_rank
        cands = [e for e in order[J:M] if e in snapshot]
        return fill_by_rank(order[:J], cands, order, k), (min(gaps[:M]), "min adjacent p gap, ranks <= M+1")
    # cumulative-threshold: the smallest prefix by probability with cumulative mass >= p
    cum, M = 0.0, E
    cums = []
    for r, e in enumerate(order):
        cum += probs[e]
        cums.append(cum)
        if cum >= o.threshold:
            M = r + 1
            break
    cands = [e for e in order[J:M] if e in snapshot]
    m = min([min(gaps[:M])] + [abs(c - o.threshold) for c in cums[-2:]])
    return fill_by_rank(order[:J], cands, order, k), (m, "min(adjacent p gap in window, |cum-p| at its edge)")


# ---- the router (one run) --------------------------------------------------------------

class ContractRouter:
    """Per-layer caches and Delta_avg for one run; route() is one routing event."""

    def __init__(self, spec: moe_ref.Spec, o: Options):
        self.spec, self.o = spec, o
        self.k, self.E = spec.top_k, spec.num_experts
        self.renorm = spec.norm_topk_prob
        self.caches: Dict[int, ExpertCache] = {}
        self.delta_sum: Dict[int, float] = {}
        self.delta_n: Dict[int, int] = {}
        self.events: List[dict] = []
        self.margins: List[dict] = []
        self.sample = 0

    def start_sample(self, sample: int) -> None:
        self.sample = sample
        if self.o.cache_reset == "per-sample":
            for c in self.caches.values():
                c.reset()

    def cache(self, layer: int) -> Optional[ExpertCache]:
        if self.o.cache is None:
            return None
        if layer not in self.caches:
            self.caches[layer] = ExpertCache(self.o.policy, self.o.cache)
        return self.caches[layer]

    def weights(self, probs: List[float], ids: List[int]) -> List[float]:
        w = [probs[e] for e in ids]
        if self.renorm:
            s = sum(w)
            w = [x / s for x in w]
        return w

    def record(self, token: int, layer: int, original: List[int], selected: List[int], weights: List[float],
               probs: Optional[List[float]], margin) -> None:
        """Counts hits against the pre-event snapshot, then updates the cache with what ran."""
        ordered = sorted(zip(selected, weights), key=lambda t: (-t[1], t[0]))
        sel, w = [e for e, _ in ordered], [x for _, x in ordered]
        c = self.cache(layer)
        before = c.resident() if c else []
        hits = [e in before for e in sel]
        if c:
            asc = self.o.lru_order == "weight-asc-first"
            c.update([e for e, _ in sorted(ordered, key=lambda t: ((t[1] if asc else -t[1]), t[0]))])
        self.events.append({"sample": self.sample, "token": token, "layer": layer, "original": original,
                            "selected": sel, "weights": w, "hits": hits, "resident_before": before})
        order_gap = min([w[i] - w[i + 1] for i in range(len(w) - 1)] + [math.inf])
        m = {"selection": margin[0], "selection_measure": margin[1], "order": order_gap}
        if probs is not None:
            srt = sorted(probs, reverse=True)
            m["original"] = srt[self.k - 1] - srt[self.k] if self.k < self.E else math.inf
            m["original_order"] = min([srt[i] - srt[i + 1] for i in range(self.k - 1)] + [math.inf])
        self.margins.append(m)

    def route(self, layer: int, token: int, z_row: torch.Tensor):
        """One routing event from the unmodified router logits; returns (selected, weights)."""
        z = [float(v) for v in z_row.double()]
        probs = torch.softmax(z_row.double(), dim=-1).tolist()
        self.delta_sum[layer] = self.delta_sum.get(layer, 0.0) + (max(z) - min(z))
        self.delta_n[layer] = self.delta_n.get(layer, 0) + 1
        delta_avg = self.delta_sum[layer] / self.delta_n[layer]     # includes this event
        order = ranking(probs)
        c = self.cache(layer)
        snapshot = set(c.resident()) if c else set()
        ids, margin = select(self.o, self.k, z, probs, order, snapshot, delta_avg)
        w = self.weights(probs, ids)
        self.record(token, layer, order[:self.k], list(ids), w, probs, margin)
        return list(ids), w


def run(model_dir: str, samples: List[List[int]], o: Options, dtype=torch.float64) -> dict:
    """Run every sample in order. -> {"logits": [per sample [T][V]], "events": [...],
    "margins": [...] aligned with events, "spec": Spec}."""
    model = moe_ref.Model.from_dir(model_dir, dtype=dtype)
    spec = model.spec
    validate(o, spec.top_k, spec.num_experts, spec.model_type)
    router = ContractRouter(spec, o)
    all_logits = []
    for s, ids in enumerate(samples):
        router.start_sample(s)
        first = len(router.events)
        with torch.no_grad():
            if spec.model_type in moe_ref.EXT_MODEL_TYPES:
                # topk only: the architecture routes itself; replay its choice through the caches
                logits, routing = model.forward(ids)
                for t in range(len(ids)):
                    for r in routing:
                        sel = [int(e) for e in r["selected_experts"][t]]
                        w = [float(x) for x in r["expert_weights"][t]]
                        gap = float(r["selection_gap"][t]) if "selection_gap" in r else \
                            _topk_gap(r["router_probs"][t], spec.top_k)
                        router.record(t, r["layer"], sel, sel, w, None, (gap, "architecture's selection gap"))
            else:
                logits, _ = model.forward(ids, router_hook=lambda i, t, z, p: router.route(i, t, z))
        # the hook sees layer by layer; write the events in decoder order: token-major
        n = len(router.events) - first
        idx = sorted(range(first, first + n), key=lambda j: (router.events[j]["token"], router.events[j]["layer"]))
        router.events[first:] = [router.events[j] for j in idx]
        router.margins[first:] = [router.margins[j] for j in idx]
        all_logits.append(logits.double().tolist())
    return {"logits": all_logits, "events": router.events, "margins": router.margins, "spec": spec}


def _topk_gap(probs_row: torch.Tensor, k: int) -> float:
    srt = torch.sort(probs_row.double(), descending=True).values
    return float(srt[k - 1] - srt[k]) if k < srt.numel() else math.inf


def write_trace(path: str, events: List[dict]) -> None:
    keys = ("sample", "token", "layer", "original", "selected", "weights", "hits", "resident_before")
    with open(path, "w") as f:
        for e in events:
            f.write(json.dumps({k: e[k] for k in keys}) + "\n")


def summary(events: List[dict], k: int) -> str:
    rows, tot = [], [0, 0]
    for layer in sorted({e["layer"] for e in events}):
        ev = [e for e in events if e["layer"] == layer]
        hits = sum(sum(e["hits"]) for e in ev)
        acc = len(ev) * k
        changed = sum(e["selected"] != e["original"] for e in ev)
        rows.append([layer, len(ev), acc, hits, acc - hits, f"{(acc - hits) / acc:.3f}", changed])
        tot[0] += acc
        tot[1] += hits
    rows.append(["all", len(events), tot[0], tot[1], tot[0] - tot[1],
                 f"{(tot[0] - tot[1]) / max(tot[0], 1):.3f}", sum(e["selected"] != e["original"] for e in events)])
    return _common.table(rows, ["layer", "events", "accesses", "hits", "misses", "miss_rate", "changed"])


def add_routing_flags(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--strategy", default="topk", choices=STRATEGIES)
    ap.add_argument("--lambda", dest="lam", type=float, default=0.0)
    ap.add_argument("--top-j", type=int, default=0)
    ap.add_argument("--max-rank", type=int)
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--cache", type=int)
    ap.add_argument("--policy", default="lru", choices=POLICIES)
    ap.add_argument("--lru-order", default="weight-desc-first", choices=LRU_ORDERS)
    ap.add_argument("--cache-reset", default="per-sample", choices=("per-sample", "never"))
    ap.add_argument("--prefill-cache", default="count", choices=("count", "warm", "skip"))


def options_from(a: argparse.Namespace) -> Options:
    return Options(strategy=a.strategy, lam=a.lam, top_j=a.top_j, max_rank=a.max_rank, threshold=a.threshold,
                   cache=a.cache, policy=a.policy, lru_order=a.lru_order, cache_reset=a.cache_reset,
                   prefill_cache=a.prefill_cache)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", action="append", required=True, help="one sample, e.g. 1,2,3 (repeatable)")
    add_routing_flags(ap)
    ap.add_argument("--trace")
    ap.add_argument("--out", help="write {logits, events, margins} as JSON")
    ap.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    a = ap.parse_args(argv)
    try:
        res = run(a.model, [_common.parse_tokens(t) for t in a.tokens], options_from(a),
                  torch.float64 if a.dtype == "float64" else torch.float32)
    except UsageError as e:
        print(f"usage error: {e}", file=sys.stderr)
        return 2
    if a.trace:
        write_trace(a.trace, res["events"])
    if a.out:
        with open(a.out, "w") as f:
            json.dump({k: res[k] for k in ("logits", "events", "margins")}, f)
    print(summary(res["events"], res["spec"].top_k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
