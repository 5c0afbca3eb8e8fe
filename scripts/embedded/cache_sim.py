"""Expert-cache simulation for the PyTorch evaluation, following docs/routing-contract.md:
one LRU cache per MoE layer (capacity C experts), routing events processed in token order per
layer, hits / misses counted against the snapshot taken before the event, the cache updated
with the experts that ran (weight-desc-first, selected experts pinned), and cache-prior routing
z' = z + lambda * delta_avg * [resident] with delta_avg the running mean of max(z) - min(z) of
the layer over the run (current event included). Mixing weights always come from the softmax of
the unmodified z (the model applies them; the hook only returns the selection).
"""

from __future__ import annotations

from typing import List

import numpy as np
import torch


class LruCache:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self.order: List[int] = []   # least recent first

    def reset(self) -> None:
        self.order = []

    def update(self, selected_desc: List[int]) -> None:
        """Touch `selected_desc` in that order; a load evicts the least recent expert that is not
        selected by this event (pinning), so all selected experts are resident afterwards."""
        pinned = set(selected_desc)
        for e in selected_desc:
            if e in self.order:
                self.order.remove(e)
            elif len(self.order) >= self.capacity:
                victim = next(x for x in self.order if x not in pinned)
                self.order.remove(victim)
            self.order.append(e)


class CacheRouter:
    """Router hook: topk (lam == 0) or cache-prior (lam > 0) with per-layer LRU caches."""

    def __init__(self, num_layers: int, num_experts: int, top_k: int, capacity: int, lam: float):
        if not (top_k <= capacity <= num_experts):
            raise ValueError("cache capacity must satisfy top_k <= C <= num_experts")
        self.E, self.k, self.lam = num_experts, top_k, lam
        self.caches = [LruCache(capacity) for _ in range(num_layers)]
        self.delta_sum = np.zeros(num_layers)
        self.delta_n = np.zeros(num_layers, dtype=np.int64)
        self.hits = np.zeros(num_layers, dtype=np.int64)
        self.misses = np.zeros(num_layers, dtype=np.int64)
        self.changed = 0      # events whose selected SET differs from the model's own top-k
        self.events = 0

    def reset_caches(self) -> None:
        """Start of an evaluation unit (per-sample reset); delta_avg persists across samples."""
        for c in self.caches:
            c.reset()

    def __call__(self, layer: int, z: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
        zn = z.double().cpu().numpy()            # [N, E]
        pn = probs.double().cpu().numpy()
        cache = self.caches[layer]
        out = np.empty((zn.shape[0], self.k), dtype=np.int64)
        ids = np.arange(self.E)
        for t in range(zn.shape[0]):
            zt = zn[t]
            self.delta_sum[layer] += zt.max() - zt.min()
            self.delta_n[layer] += 1
            resident = np.zeros(self.E)
            resident[cache.order] = 1.0
            zp = zt + self.lam * (self.delta_sum[layer] / self.delta_n[layer]) * resident if self.lam > 0 else zt
            # top-k of z', ties to the lower expert id
            sel = np.lexsort((ids, -zp))[: self.k]
            own = np.lexsort((ids, -zt))[: self.k]
            self.changed += int(set(sel.tolist()) != set(own.tolist()))
            self.events += 1
            w = pn[t, sel]
            sel_desc = [int(e) for e in sel[np.lexsort((sel, -w))]]   # descending weight, ties lower id
            for e in sel_desc:
                if e in cache.order:
                    self.hits[layer] += 1
                else:
                    self.misses[layer] += 1
            cache.update(sel_desc)
            out[t] = sel_desc
        return torch.from_numpy(out)

    def summary(self) -> dict:
        acc = self.hits + self.misses
        return {
            "miss_rate": float(self.misses.sum() / max(1, acc.sum())),
            "miss_rate_per_layer": [float(m / max(1, a)) for m, a in zip(self.misses, acc)],
            "accesses": int(acc.sum()),
            "changed_selection_frac": self.changed / max(1, self.events),
            "delta_avg": [float(s / max(1, n)) for s, n in zip(self.delta_sum, self.delta_n)],
        }
