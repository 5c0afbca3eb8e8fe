"""Best-fit packing of whole documents into fixed-length training rows (Ding et al. 2024,
"Fewer Truncations Improve Language Modeling"), with per-document segment ids.

Every document starts at a row position where attention is masked to its own document, so it
is trained exactly as it is evaluated: alone, from position 0 (RoPE is relative, so a segment's
offset inside the row does not matter once attention cannot cross segments).
"""

from __future__ import annotations

import bisect
from typing import List, Tuple

import numpy as np


def doc_spans(tokens: np.ndarray, eos: int) -> List[Tuple[int, int]]:
    """(start, length) of every document; a document ends with (and includes) its EOS."""
    ends = np.flatnonzero(tokens == eos)
    starts = np.concatenate([[0], ends[:-1] + 1])
    return [(int(s), int(e - s + 1)) for s, e in zip(starts, ends) if e >= s]


def pack(spans: List[Tuple[int, int]], row_len: int, rng: np.random.Generator,
         eos_prefix: float = 0.0) -> List[List[Tuple[int, int]]]:
    """Rows of documents, each row holding at most row_len INPUT tokens (a document of length n
    uses n-1 input slots: it predicts tokens 1..n-1 from 0..n-2). Longer documents are cut.
    With probability `eos_prefix` a document keeps the previous document's EOS as its first input
    (lm-eval's rolling log-likelihood conditions the first token on EOS; MMLU / GSM8K prompts start bare)."""
    order = rng.permutation(len(spans))
    pre = rng.random(len(spans)) < eos_prefix
    items = []
    for j, i in enumerate(order):
        start, n = spans[i]
        if pre[j] and start > 0:
            start, n = start - 1, n + 1
        items.append((start, min(n, row_len + 1)))
    items.sort(key=lambda x: -x[1])          # best-fit decreasing; stable sort keeps the shuffle among ties
    by_room: List[List[int]] = [[] for _ in range(row_len + 1)]   # room -> open rows with that room
    open_rooms: List[int] = []               # sorted rooms r with by_room[r] non-empty (the best fit by bisection)
    rows: List[List[Tuple[int, int]]] = []
    rooms: List[int] = []
    for start, n in items:
        need = n - 1
        j = bisect.bisect_left(open_rooms, need)
        if j == len(open_rooms):
            rows.append([])
            rooms.append(row_len)
            idx = len(rows) - 1
        else:
            r = open_rooms[j]
            idx = by_room[r].pop()
            if not by_room[r]:
                del open_rooms[j]
        rows[idx].append((start, n))
        rooms[idx] -= need
        left = rooms[idx]
        if not by_room[left]:
            bisect.insort(open_rooms, left)
        by_room[left].append(idx)
    perm = rng.permutation(len(rows))
    return [rows[i] for i in perm]


def materialise(tokens: np.ndarray, rows: List[List[Tuple[int, int]]], row_len: int, pad: int):
    """inputs [R, T] int64, targets [R, T] int64 (-100 = no loss), segments [R, T] int32 (-1 = padding)."""
    R = len(rows)
    x = np.full((R, row_len), pad, dtype=np.int64)
    y = np.full((R, row_len), -100, dtype=np.int64)
    seg = np.full((R, row_len), -1, dtype=np.int32)
    for r, docs in enumerate(rows):
        off = 0
        for j, (start, n) in enumerate(docs):
            d = tokens[start:start + n].astype(np.int64)
            x[r, off:off + n - 1] = d[:-1]
            y[r, off:off + n - 1] = d[1:]
            seg[r, off:off + n - 1] = j
            off += n - 1
    return x, y, seg
