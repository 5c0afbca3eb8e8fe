"""Hand-worked examples for routing_contract_ref.py: each one is a sentence of the contract.

Guards the reference itself (compare_trace.py can only say the CLI agrees with it). Needs no
model except for the last two checks, which use the golden fixture
test/fixtures/golden/qwen2_moe-e16k4-bf16.

    /usr/bin/python3 scripts/check/selftest_contract_ref.py
"""

from __future__ import annotations

import math
import os
import sys
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True   # keep scripts/check free of __pycache__
import routing_contract_ref as rcr  # noqa: E402
import torch  # noqa: E402

FIXTURE = os.path.join(rcr._common.PROJECT, "test", "fixtures", "golden", "qwen2_moe-e16k4-bf16")
failures = []


def check(name, got, want):
    ok = got == want
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {got}" + ("" if ok else f" (want {want})"))
    if not ok:
        failures.append(name)


def router(E, k, renorm=True, **opts):
    return rcr.ContractRouter(SimpleNamespace(top_k=k, num_experts=E, norm_topk_prob=renorm), rcr.Options(**opts))


def logits_for(E, prefs):
    """Router logits [E] whose softmax ranks `prefs` first, in that order, the rest far below."""
    z = torch.full((E,), -10.0, dtype=torch.float64)
    for r, e in enumerate(prefs):
        z[e] = 5.0 - r
    return z


def route(r, layer, token, E, prefs):
    sel, _ = r.route(layer, token, logits_for(E, prefs))
    return sel


# -- caches ---------------------------------------------------------------------------------
# LRU, weight-desc-first: the token's strongest expert becomes the least recent of its set.
r = router(8, 2, strategy="topk", cache=3)
route(r, 0, 0, 8, [5, 3])            # touch 5 then 3: 5 is older
route(r, 0, 1, 8, [7, 1])            # 7 fills the cache, 1 evicts the LRU (5)
check("lru weight-desc-first evicts the strongest of the older token", r.caches[0].resident(), [1, 3, 7])
r = router(8, 2, strategy="topk", cache=3, lru_order="weight-asc-first")
route(r, 0, 0, 8, [5, 3])            # touch 3 then 5: 3 is older
route(r, 0, 1, 8, [7, 1])            # touch 1 (fills), then 7 evicts 3
check("lru weight-asc-first evicts the weakest of the older token", r.caches[0].resident(), [1, 5, 7])

# pinning: C = k = 2, resident [a=0 (least recent), b=1]; the event selects {2 (stronger), 0}.
# Loading 2 first must not evict 0 (selected by the same event), so 1 goes.
r = router(8, 2, strategy="topk", cache=2)
route(r, 0, 0, 8, [0, 1])            # 0 older than 1
route(r, 0, 1, 8, [2, 0])
check("pinning: loading one selected expert never evicts another", r.caches[0].resident(), [0, 2])
check("hits are counted against the snapshot before the event", r.events[-1]["hits"], [False, True])

# LFU: frequency, ties by recency; a newly loaded expert starts at one use.
r = router(8, 1, strategy="topk", cache=2, policy="lfu")
for t, e in enumerate([0, 0, 1, 2]):
    route(r, 0, t, 8, [e])
check("lfu evicts the least frequently used", r.caches[0].resident(), [0, 2])
r = router(8, 1, strategy="topk", cache=2, policy="lfu")
for t, e in enumerate([0, 1, 2]):
    route(r, 0, t, 8, [e])
check("lfu ties go to the least recent", r.caches[0].resident(), [1, 2])

# FIFO: a hit does not refresh; the earliest loaded goes.
r = router(8, 1, strategy="topk", cache=2, policy="fifo")
for t, e in enumerate([0, 1, 0, 2]):
    route(r, 0, t, 8, [e])
check("fifo evicts the earliest loaded despite a later hit", r.caches[0].resident(), [1, 2])

# Caches are per layer.
r = router(8, 1, strategy="topk", cache=1)
route(r, 0, 0, 8, [3])
route(r, 1, 0, 8, [4])
check("one cache per MoE layer", (r.caches[0].resident(), r.caches[1].resident()), ([3], [4]))

# -- strategies -----------------------------------------------------------------------------
# max-rank: ranks 0 > 1 > 2 > 3 > 4 > 5, resident {2, 3, 5}, k=3, J=1.
def primed(E, k, resident, **opts):
    r = router(E, k, **opts)
    r.cache(0).update(resident)
    return r


r = primed(6, 3, [2, 3, 5], strategy="max-rank", top_j=1, max_rank=4, cache=3)
check("max-rank M=4: top-1, then resident experts of rank <= 4", sorted(route(r, 0, 0, 6, [0, 1, 2, 3, 4, 5])),
      [0, 2, 3])
r = primed(6, 3, [2, 3, 5], strategy="max-rank", top_j=1, max_rank=3, cache=3)
check("max-rank M=3: too few qualify, fill in original rank order", sorted(route(r, 0, 0, 6, [0, 1, 2, 3, 4, 5])),
      [0, 1, 2])
r = primed(6, 3, [4, 5, 3], strategy="max-rank", top_j=0, max_rank=6, cache=3)
check("max-rank J=0, M=E: the resident experts, best rank first", sorted(route(r, 0, 0, 6, [0, 1, 2, 3, 4, 5])),
      [3, 4, 5])

# cumulative-threshold: p = [0.5, 0.2, 0.15, 0.1, 0.05] (cumulative 0.5, 0.7, 0.85, 0.95, 1.0).
zp = torch.log(torch.tensor([0.5, 0.2, 0.15, 0.1, 0.05], dtype=torch.float64))
r = primed(5, 2, [2, 4], strategy="cumulative-threshold", top_j=1, threshold=0.8, cache=2)
check("threshold 0.8: window = 3 experts, resident 2 is in it", sorted(r.route(0, 0, zp)[0]), [0, 2])
r = primed(5, 2, [2, 4], strategy="cumulative-threshold", top_j=1, threshold=0.6, cache=2)
check("threshold 0.6: window = 2 experts, no resident in it -> rank order", sorted(r.route(0, 0, zp)[0]), [0, 1])

# cache-prior: Delta_avg is the running mean over this layer's events INCLUDING the current one.
# event 1: z=[1,0,0,0] (delta 1) selects 0 (now resident). event 2: z=[0,1.5,-1.5,-1.5] (delta 3):
# with the current event avg = 2 and z'_0 = 2 > 1.5 -> 0; without it avg = 1 -> 1 would win.
r = router(4, 1, strategy="cache-prior", lam=1.0, top_j=0, cache=1)
r.route(0, 0, torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))
sel, w = r.route(0, 1, torch.tensor([0, 1.5, -1.5, -1.5], dtype=torch.float64))
check("cache-prior: Delta_avg includes the current event", sel, [0])
check("cache-prior: renormalised weight of a single expert is 1", w, [1.0])
r = router(4, 1, renorm=False, strategy="cache-prior", lam=1.0, top_j=0, cache=1)
r.route(0, 0, torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))
z2 = torch.tensor([0, 1.5, -1.5, -1.5], dtype=torch.float64)
sel, w = r.route(0, 1, z2)
check("cache-prior: weight is the ORIGINAL probability (not renormalised here)",
      math.isclose(w[0], float(torch.softmax(z2, 0)[0]), rel_tol=1e-15), True)
r = router(4, 1, strategy="cache-prior", lam=1.0, top_j=1, cache=1)
r.route(0, 0, torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))
check("cache-prior: original top-J is protected too (same boost, so 1 wins)",
      r.route(0, 1, torch.tensor([0, 1.5, -1.5, -1.5], dtype=torch.float64))[0], [1])

# Delta_avg persists across samples, caches reset per sample (default) or not (never).
r = router(4, 1, strategy="cache-prior", lam=0.5, cache=1)
r.route(0, 0, torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))
r.start_sample(1)
check("per-sample reset empties caches, keeps Delta_avg",
      (r.caches[0].resident(), r.delta_n[0]), ([], 1))
r = router(4, 1, strategy="cache-prior", lam=0.5, cache=1, cache_reset="never")
r.route(0, 0, torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))
r.start_sample(1)
check("--cache-reset never keeps the cache", r.caches[0].resident(), [0])

# usage errors
for opts, what in [(dict(strategy="cache-prior", lam=0.5), "a cache-aware strategy without --cache"),
                   (dict(cache=1), "--cache below top-k"), (dict(cache=17), "--cache above the expert count"),
                   (dict(strategy="max-rank", cache=4, max_rank=3), "--max-rank below top-k"),
                   (dict(top_j=5, cache=4), "--top-j above top-k"),
                   (dict(strategy="cumulative-threshold", cache=4, threshold=0.0), "--threshold 0")]:
    try:
        rcr.validate(rcr.Options(**opts), 4, 16, "qwen2_moe")
        check(f"usage error: {what}", "accepted", "UsageError")
    except rcr.UsageError:
        check(f"usage error: {what}", "UsageError", "UsageError")

# -- on a real checkpoint -------------------------------------------------------------------
ids = [5, 17, 3, 99, 42, 8, 250, 1, 77, 130]
base = rcr.run(FIXTURE, [ids], rcr.Options(strategy="topk", cache=6))
lam0 = rcr.run(FIXTURE, [ids], rcr.Options(strategy="cache-prior", lam=0.0, top_j=2, cache=6))
check("cache-prior lambda=0 reproduces topk (routing, hits, logits bit for bit)",
      (lam0["events"] == base["events"], lam0["logits"] == base["logits"]), (True, True))
two = rcr.run(FIXTURE, [ids, ids], rcr.Options(strategy="cache-prior", lam=0.7, top_j=1, cache=6))
first = [e for e in two["events"] if e["sample"] == 1 and e["token"] == 0]
check("sample 1 starts with empty caches", [e["resident_before"] for e in first], [[], []])
check("cache-prior changes routing on this checkpoint (the test is not vacuous)",
      any(e["selected"] != e["original"] for e in two["events"]), True)

print(f"\n{'FAILED: ' + ', '.join(failures) if failures else 'all checks passed'}")
sys.exit(1 if failures else 0)
