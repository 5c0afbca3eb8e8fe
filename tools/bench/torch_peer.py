#!/usr/bin/env python3
"""moe-eval's PyTorch-eager benchmark peer: the same MoE forward pass as moe-eval, in plain torch.

`npm run bench` (tools/bench/run.ts) runs this script on the same synthetic checkpoints as
moe-eval's engine and compares tokens per second. It is a standard eager float32 implementation of
four Hugging Face MoE causal LMs (olmoe, qwen2_moe, qwen3_moe, mixtral), read from a checkpoint
folder (config.json + model.safetensors or a sharded model.safetensors.index.json), written for
speed the ordinary way, with no custom kernels and no torch.compile:

* weights are float32 (BF16 / F16 widened) and stored transposed, [in, out]; gate and up
  projections of an MLP are one matrix, and so are q, k and v;
* prefill: the whole prompt in one forward; the tokens routed to an expert are gathered and run
  through it as one matrix product; only the last position goes through the LM head;
* decode: greedy, one token per forward, with a preallocated KV cache; per layer attention over
  the cache (GQA without copying K/V), the router, then only the top-k selected experts (plus
  Qwen2-MoE's gated shared expert), then the LM head.

It needs torch and numpy only (Debian: apt-get install python3-torch libopenblas0-pthread).

    torch_peer.py MODEL_DIR --prompt 128 --decode 32 --prefill-long 512 --threads 2 --repeats 3 --json
    torch_peer.py --verify DIR [DIR ...] [--moe-eval "node bin/run.js"]

Timing: one warm-up run, then --repeats timed runs, medians. The JSON line has the fields
tools/bench/run.ts reads: decode_tokens_per_s, prefill_long_tokens_per_s,
weights_bytes_read_per_decode_token (every weight one decode step touches, once, at 4 bytes per
parameter: attention, norms, router, the top-k experts and the shared expert of each MoE layer,
dense MLPs, the final norm, one embedding row and the whole LM head; the KV cache is not
counted) and other_processes_cores_busy (cores other processes kept busy while it measured:
timings on a small machine mean something only when that is about 0).

--verify checks the numbers rather than the speed: for each folder it runs the token ids of the
folder's golden.json (reference logits computed in float64, as in test/fixtures/golden) through
a batched prefill of the first half and one decode step per remaining token, and requires every
position's logits within --tol (1e-4) of golden.json's, and of moe-eval's own logits (`moe-eval
logits`) when --moe-eval gives the command that runs moe-eval.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # run.ts checks `import torch` first; this is for direct use
    sys.exit(f"torch_peer.py needs torch and numpy ({e}); Debian: apt-get install python3-torch libopenblas0-pthread")

MODEL_TYPES = ("olmoe", "qwen2_moe", "qwen3_moe", "mixtral")


# ---- checkpoint -----------------------------------------------------------------------------

class Checkpoint:
    """Tensors of a safetensors checkpoint, memory-mapped: each is copied once, straight into the
    layout the forward pass uses, so loading a 7 GB checkpoint needs about 7 GB, not twice that."""

    _NP = {"F32": "<f4", "F16": "<f2", "BF16": "<u2", "F64": "<f8"}

    def __init__(self, model_dir: str):
        single = os.path.join(model_dir, "model.safetensors")
        index = os.path.join(model_dir, "model.safetensors.index.json")
        if os.path.exists(single):
            files = [single]
        elif os.path.exists(index):
            with open(index) as f:
                files = [os.path.join(model_dir, s) for s in sorted(set(json.load(f)["weight_map"].values()))]
        else:
            raise FileNotFoundError(f"{model_dir}: no model.safetensors or model.safetensors.index.json")
        self.entries: Dict[str, Tuple[np.memmap, str, Tuple[int, ...], int, int]] = {}
        for path in files:
            mm = np.memmap(path, dtype=np.uint8, mode="r")
            n = int(np.frombuffer(mm[:8].tobytes(), "<u8")[0])
            header = json.loads(mm[8:8 + n].tobytes())
            header.pop("__metadata__", None)
            for name, t in header.items():
                if t["dtype"] not in self._NP:
                    raise ValueError(f"{path}: {name}: dtype {t['dtype']} is not supported")
                a, b = t["data_offsets"]
                self.entries[name] = (mm, t["dtype"], tuple(t["shape"]), 8 + n + a, 8 + n + b)

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def array(self, name: str) -> np.ndarray:
        """The tensor as a numpy array: a read-only view of the file for F32, a float32 copy else."""
        if name not in self.entries:
            raise KeyError(f"checkpoint lacks tensor {name}")
        mm, dtype, shape, a, b = self.entries[name]
        raw = mm[a:b].view(self._NP[dtype]).reshape(shape)
        if dtype == "BF16":  # bfloat16 is the top half of a float32: widening is exact
            return (raw.astype("<u4") << 16).view("<f4")
        return raw if dtype == "F32" else raw.astype(np.float32)

    def vector(self, name: str) -> torch.Tensor:
        return torch.from_numpy(np.array(self.array(name), dtype=np.float32))

    def transposed(self, *names: str, out: Optional[np.ndarray] = None) -> torch.Tensor:
        """[out, in] matrices joined along out, as one contiguous [in, sum(out)] tensor (written
        into `out` when given)."""
        mats = [self.array(n) for n in names]
        if out is None:
            out = np.empty((mats[0].shape[1], sum(m.shape[0] for m in mats)), dtype=np.float32)
        o = 0
        for m in mats:
            out[:, o:o + m.shape[0]] = m.T
            o += m.shape[0]
        return torch.from_numpy(out)

    def stacked(self, names: Sequence[Sequence[str]]) -> torch.Tensor:
        """One transposed() per entry of names, as one [len(names), in, out] tensor."""
        first = [self.entries[n][2] for n in names[0]]
        out = np.empty((len(names), first[0][1], sum(shape[0] for shape in first)), dtype=np.float32)
        for j, group in enumerate(names):
            self.transposed(*group, out=out[j])
        return torch.from_numpy(out)


# ---- config ---------------------------------------------------------------------------------

class Spec:
    """What the forward pass needs from config.json, with the Hugging Face config classes'
    defaults for keys a config may leave out."""

    def __init__(self, cfg: dict):
        mt = cfg.get("model_type")
        if mt not in MODEL_TYPES:
            raise NotImplementedError(f"model_type {mt!r}: the peer runs {', '.join(MODEL_TYPES)}")
        if cfg.get("hidden_act", "silu") != "silu":
            raise NotImplementedError(f"hidden_act {cfg['hidden_act']!r}: only silu")
        for key in ("rope_scaling", "rope_parameters"):
            rs = cfg.get(key) or {}
            if rs.get("rope_type", rs.get("type", "default")) not in ("default", None):
                raise NotImplementedError(f"{key} {rs!r}: only the default RoPE")
        self.model_type = mt
        self.vocab_size = int(cfg["vocab_size"])
        self.hidden_size = H = int(cfg["hidden_size"])
        self.num_layers = L = int(cfg["num_hidden_layers"])
        self.num_heads = int(cfg["num_attention_heads"])
        kv = cfg.get("num_key_value_heads")
        self.num_kv_heads = self.num_heads if kv is None else int(kv)
        # OLMoE's q/k norms are sized for hidden_size // heads, whatever head_dim says
        head_dim = cfg.get("head_dim") if mt != "olmoe" else None
        self.head_dim = int(head_dim) if head_dim else H // self.num_heads
        self.eps = float(cfg.get("rms_norm_eps", 1e-5 if mt in ("olmoe", "mixtral") else 1e-6))
        theta = cfg.get("rope_theta", (cfg.get("rope_parameters") or {}).get("rope_theta"))
        self.rope_theta = float(theta if theta is not None else (1e6 if mt == "mixtral" else 10000.0))
        self.tied = bool(cfg.get("tie_word_embeddings", False))
        attention_bias = bool(cfg.get("attention_bias", False))
        # q/k/v bias: Qwen2-MoE always has it (config key qkv_bias in newer transformers), OLMoE and
        # Qwen3-MoE iff attention_bias (which adds an o_proj bias too), Mixtral never
        self.qkv_bias = bool(cfg.get("qkv_bias", True)) if mt == "qwen2_moe" else attention_bias and mt != "mixtral"
        self.o_bias = attention_bias and mt in ("olmoe", "qwen3_moe")
        # OLMoE normalises the whole q and k projections, Qwen3-MoE each head
        self.qk_norm = {"olmoe": "full", "qwen3_moe": "per_head"}.get(mt)
        clip = cfg.get("clip_qkv") if mt == "olmoe" else None
        self.clip_qkv = None if clip is None else float(clip)
        window = None
        if mt == "mixtral" or (mt == "qwen3_moe" and cfg.get("use_sliding_window", False)):
            window = cfg.get("sliding_window")
        if mt == "qwen2_moe" and cfg.get("use_sliding_window", False):
            # transformers versions disagree on which Qwen2-MoE layers slide; refuse rather than guess
            raise NotImplementedError("qwen2_moe with use_sliding_window=true")
        self.sliding_window = int(window) if window else None
        if mt == "mixtral":
            self.num_experts = int(cfg.get("num_local_experts", 8))
            self.norm_topk_prob = True  # Mixtral always renormalises the top-k weights
            self.expert_prefix, self.expert_names = "block_sparse_moe", ("w1", "w3", "w2")
            self.moe_layers = set(range(L))
        else:
            self.num_experts = int(cfg.get("num_experts", 64 if mt == "olmoe" else 60 if mt == "qwen2_moe" else 128))
            self.norm_topk_prob = bool(cfg.get("norm_topk_prob", False))
            self.expert_prefix, self.expert_names = "mlp", ("gate_proj", "up_proj", "down_proj")
            if mt == "olmoe":
                self.moe_layers = set(range(L))
            else:
                step = int(cfg.get("decoder_sparse_step", 1))
                dense = set(cfg.get("mlp_only_layers") or [])
                self.moe_layers = {i for i in range(L) if i not in dense and self.num_experts > 0 and (i + 1) % step == 0}
        self.top_k = int(cfg.get("num_experts_per_tok", 8 if mt in ("olmoe", "qwen3_moe") else 2 if mt == "mixtral" else 4))
        self.shared_expert = mt == "qwen2_moe" and int(cfg.get("shared_expert_intermediate_size", 5632)) > 0


# ---- the model ------------------------------------------------------------------------------

def linear(x: torch.Tensor, wt: torch.Tensor, b: Optional[torch.Tensor] = None) -> torch.Tensor:
    """x [T, in] @ wt [in, out] (+ b). Weights are kept as contiguous [in, out] because with
    torch 1.13 + OpenBLAS x @ w.T runs 1.3-1.9x slower than x @ wt for the few-row products of a
    prefill's experts; a single row (decode) goes to mv (gemv), several times faster than mm."""
    if x.shape[0] == 1:
        y = torch.mv(wt.t(), x[0]) if b is None else torch.addmv(b, wt.t(), x[0])
        return y.unsqueeze(0)
    return torch.mm(x, wt) if b is None else torch.addmm(b, x, wt)


def rms_norm(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * w


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def swiglu(x: torch.Tensor, w_gate_up: torch.Tensor, w_down: torch.Tensor) -> torch.Tensor:
    g, u = linear(x, w_gate_up).chunk(2, dim=-1)
    return linear(F.silu(g) * u, w_down)


class Layer:
    __slots__ = ("ln1", "ln2", "wqkv", "bqkv", "wo", "bo", "q_norm", "k_norm", "moe", "router",
                 "experts_gu", "experts_down", "shared_gu", "shared_down", "shared_gate", "mlp_gu", "mlp_down")


class Model:
    def __init__(self, model_dir: str):
        t0 = time.perf_counter()
        with open(os.path.join(model_dir, "config.json")) as f:
            self.spec = s = Spec(json.load(f))
        ck = Checkpoint(model_dir)
        self.embed = ck.vector("model.embed_tokens.weight")      # [V, H]: rows are looked up
        self.norm = ck.vector("model.norm.weight")
        self.head = self.embed.t() if s.tied else ck.transposed("lm_head.weight")
        self.q_width, self.kv_width = s.num_heads * s.head_dim, s.num_kv_heads * s.head_dim
        gate, up, down = s.expert_names
        self.layers: List[Layer] = []
        for i in range(s.num_layers):
            p, a = f"model.layers.{i}.", f"model.layers.{i}.self_attn."
            L = Layer()
            L.ln1, L.ln2 = ck.vector(p + "input_layernorm.weight"), ck.vector(p + "post_attention_layernorm.weight")
            L.wqkv = ck.transposed(a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight")
            L.bqkv = torch.cat([ck.vector(a + n + "_proj.bias") for n in "qkv"]) if s.qkv_bias else None
            L.wo = ck.transposed(a + "o_proj.weight")
            L.bo = ck.vector(a + "o_proj.bias") if s.o_bias else None
            L.q_norm = ck.vector(a + "q_norm.weight") if s.qk_norm else None
            L.k_norm = ck.vector(a + "k_norm.weight") if s.qk_norm else None
            L.moe = i in s.moe_layers
            L.router = L.experts_gu = L.experts_down = L.shared_gu = L.shared_down = L.shared_gate = None
            L.mlp_gu = L.mlp_down = None
            if L.moe:
                m = p + s.expert_prefix + "."
                e = m + "experts.{}."
                L.router = ck.transposed(m + "gate.weight")
                # [E, H, 2I] (gate columns, then up columns) and [E, I, H]
                L.experts_gu = ck.stacked([(e.format(j) + gate + ".weight", e.format(j) + up + ".weight") for j in range(s.num_experts)])
                L.experts_down = ck.stacked([(e.format(j) + down + ".weight",) for j in range(s.num_experts)])
                if s.shared_expert:
                    L.shared_gu = ck.transposed(m + "shared_expert.gate_proj.weight", m + "shared_expert.up_proj.weight")
                    L.shared_down = ck.transposed(m + "shared_expert.down_proj.weight")
                    L.shared_gate = ck.transposed(m + "shared_expert_gate.weight")
            else:
                L.mlp_gu = ck.transposed(p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight")
                L.mlp_down = ck.transposed(p + "mlp.down_proj.weight")
            self.layers.append(L)
        self.load_s = time.perf_counter() - t0
        self.capacity = 0

    def _dense_tensors(self, L: Layer) -> List[Optional[torch.Tensor]]:
        return [L.ln1, L.ln2, L.wqkv, L.bqkv, L.wo, L.bo, L.q_norm, L.k_norm, L.router,
                L.shared_gu, L.shared_down, L.shared_gate, L.mlp_gu, L.mlp_down]

    def weights_bytes_per_decode_token(self) -> int:
        n = self.embed.shape[1] + self.norm.numel() + self.head.numel()
        for L in self.layers:
            n += sum(t.numel() for t in self._dense_tensors(L) if t is not None)
            if L.moe:
                n += self.spec.top_k * (L.experts_gu[0].numel() + L.experts_down[0].numel())
        return 4 * n

    def weights_bytes_total(self) -> int:
        n = self.embed.numel() + self.norm.numel() + (0 if self.spec.tied else self.head.numel())
        for L in self.layers:
            n += sum(t.numel() for t in self._dense_tensors(L) + [L.experts_gu, L.experts_down] if t is not None)
        return 4 * n

    def reserve(self, capacity: int) -> None:
        """KV cache and RoPE tables for positions 0..capacity-1 (kept between sequences: a new
        sequence overwrites from position 0, and positions past the current one are never read)."""
        if capacity <= self.capacity:
            return
        s = self.spec
        self.cache_k = [torch.zeros(s.num_kv_heads, capacity, s.head_dim) for _ in self.layers]
        self.cache_v = [torch.zeros(s.num_kv_heads, capacity, s.head_dim) for _ in self.layers]
        inv = 1.0 / (s.rope_theta ** (torch.arange(0, s.head_dim, 2, dtype=torch.float64) / s.head_dim))
        angles = torch.outer(torch.arange(capacity, dtype=torch.float64), inv)
        angles = torch.cat([angles, angles], dim=-1)                 # rotate_half layout
        self.cos, self.sin = angles.cos().float(), angles.sin().float()
        self.capacity = capacity

    def attention(self, i: int, L: Layer, x: torch.Tensor, pos0: int) -> torch.Tensor:
        s = self.spec
        T, nH, nKV, hd = x.shape[0], s.num_heads, s.num_kv_heads, s.head_dim
        q, k, v = linear(x, L.wqkv, L.bqkv).split([self.q_width, self.kv_width, self.kv_width], dim=-1)
        if s.qk_norm == "full":
            q, k = rms_norm(q, L.q_norm, s.eps), rms_norm(k, L.k_norm, s.eps)
        if s.clip_qkv is not None:
            c = s.clip_qkv
            q, k, v = q.clamp(-c, c), k.clamp(-c, c), v.clamp(-c, c)
        q, k, v = q.reshape(T, nH, hd), k.reshape(T, nKV, hd), v.reshape(T, nKV, hd)
        if s.qk_norm == "per_head":
            q, k = rms_norm(q, L.q_norm, s.eps), rms_norm(k, L.k_norm, s.eps)
        cos, sin = self.cos[pos0:pos0 + T], self.sin[pos0:pos0 + T]
        q, k = q.transpose(0, 1), k.transpose(0, 1)                 # [heads, T, hd]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        end = pos0 + T
        self.cache_k[i][:, pos0:end] = k
        self.cache_v[i][:, pos0:end] = v.transpose(0, 1)
        K, V = self.cache_k[i][:, :end], self.cache_v[i][:, :end]    # [nKV, end, hd] views
        rep = nH // nKV
        # query head h reads KV head h // rep: the rep query heads of a KV head form one batch
        scores = torch.matmul(q.reshape(nKV, rep * T, hd), K.transpose(1, 2)) * hd ** -0.5
        W = s.sliding_window
        if T > 1 or (W is not None and end > W):
            qpos, kpos = torch.arange(pos0, end)[:, None], torch.arange(end)[None, :]
            allowed = kpos <= qpos
            if W is not None:
                allowed &= kpos > qpos - W
            scores = scores.view(nKV, rep, T, end).masked_fill(~allowed, float("-inf")).view(nKV, rep * T, end)
        out = torch.matmul(torch.softmax(scores, dim=-1), V)          # [nKV, rep*T, hd]
        return linear(out.view(nH, T, hd).transpose(0, 1).reshape(T, nH * hd), L.wo, L.bo)

    def moe(self, L: Layer, x: torch.Tensor) -> torch.Tensor:
        s = self.spec
        weights, experts = torch.topk(torch.softmax(linear(x, L.router), dim=-1), s.top_k, dim=-1)
        if s.norm_topk_prob:
            weights = weights / weights.sum(dim=-1, keepdim=True)
        if x.shape[0] == 1:
            out = torch.zeros_like(x)
            for e, w in zip(experts[0].tolist(), weights[0].tolist()):
                out += swiglu(x, L.experts_gu[e], L.experts_down[e]) * w
        else:
            # group the (token, expert) pairs by expert: one matrix product per expert used
            out = torch.zeros_like(x)
            flat = experts.reshape(-1)
            order = torch.argsort(flat)
            rows, w_sorted = order // s.top_k, weights.reshape(-1)[order]
            start = 0
            for e, n in enumerate(torch.bincount(flat, minlength=s.num_experts).tolist()):
                if n:
                    r = rows[start:start + n]
                    out.index_add_(0, r, swiglu(x.index_select(0, r), L.experts_gu[e], L.experts_down[e]) * w_sorted[start:start + n, None])
                    start += n
        if L.shared_gu is not None:
            out += torch.sigmoid(linear(x, L.shared_gate)) * swiglu(x, L.shared_gu, L.shared_down)
        return out

    def forward(self, ids: Sequence[int], pos0: int, all_logits: bool = False) -> torch.Tensor:
        """Token ids at positions pos0.. (the cache holds 0..pos0-1) -> logits of the last position
        [1, V], or of every position [T, V]."""
        s = self.spec
        if pos0 + len(ids) > self.capacity:
            raise ValueError("sequence longer than the reserved KV cache")
        h = self.embed.index_select(0, torch.as_tensor(list(ids), dtype=torch.long))
        for i, L in enumerate(self.layers):
            h = h + self.attention(i, L, rms_norm(h, L.ln1, s.eps), pos0)
            x = rms_norm(h, L.ln2, s.eps)
            h = h + (self.moe(L, x) if L.moe else swiglu(x, L.mlp_gu, L.mlp_down))
        if not all_logits:
            h = h[-1:]
        return linear(rms_norm(h, self.norm, s.eps), self.head)

    def greedy(self, first: int, pos0: int, n: int) -> List[int]:
        tokens, tok = [], first
        for j in range(n):
            tok = int(torch.argmax(self.forward([tok], pos0 + j)[0]))
            tokens.append(tok)
        return tokens


# ---- threads --------------------------------------------------------------------------------

_INTEROP_SET = False


def set_threads(threads: int) -> str:
    """Debian's torch calls the system BLAS (OpenBLAS), whose own thread pool torch's
    set_num_threads does not reach; two pools of `threads` threads on a 2-core machine slow each
    other down (olmoe-2l decode measured 10-15 tok/s that way against 18-21 tok/s with torch on
    one thread), so with OpenBLAS torch gets 1 thread and OpenBLAS `threads`. Other builds (MKL)
    share torch's pool, which gets `threads`."""
    global _INTEROP_SET
    if not _INTEROP_SET:  # settable once per process: torch 1.13 aborts on a second call
        torch.set_num_interop_threads(1)
        _INTEROP_SET = True
    openblas = None
    if "BLAS_INFO=mkl" not in torch.__config__.show():
        with open("/proc/self/maps") as f:
            # OpenBLAS itself first (Debian's libblas.so.3 in openblas-pthread/ is a wrapper of it)
            libs = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line},
                          key=lambda p: ("openblas" not in os.path.basename(p).lower(), p))
        for path in libs:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_set_num_threads  # noqa: B018 (AttributeError when absent)
                openblas = (lib, os.path.basename(path))
                break
            except (OSError, AttributeError):
                continue
    if openblas is None:
        torch.set_num_threads(threads)
        return f"torch {threads} threads (BLAS in torch's pool)"
    lib, name = openblas
    torch.set_num_threads(1)
    lib.openblas_set_num_threads(threads)
    return f"torch 1 thread; {name} {threads} threads"


def keep_activations_in_heap() -> None:
    """Serve the forward pass's activations (a few MB to 17 MB at a 512-token prefill) from the
    malloc heap. glibc maps every block above M_MMAP_THRESHOLD (128 KB until the process frees a
    larger mapped block) afresh and unmaps it on free, so each forward would page-fault all of its
    activations in again: measured on olmoe-2l, element-wise ops took ~10x longer and a 512-token
    prefill ~30% longer than in a process whose loader had happened to free large blocks. No-op
    without glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    mallopt(M_MMAP_THRESHOLD, 32 << 20)   # glibc's largest allowed value on 64-bit
    mallopt(M_TRIM_THRESHOLD, 256 << 20)  # and keep freed heap memory instead of returning it


def cpu_snapshot() -> Tuple[float, float, float]:
    """(wall time, busy CPU seconds of the whole machine, CPU seconds of this process)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    except OSError:
        busy = float("nan")
    t = os.times()
    return time.perf_counter(), busy, t.user + t.system


def others_busy(a: Tuple[float, float, float], b: Tuple[float, float, float]) -> float:
    """Average number of cores other processes kept busy between two snapshots."""
    wall = b[0] - a[0]
    return max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / wall) if wall > 0 else float("nan")


# ---- bench ----------------------------------------------------------------------------------

def random_prompt(vocab: int, n: int, seed: int) -> List[int]:
    return np.random.default_rng(seed).integers(0, vocab, size=n).tolist()


def bench(model_dir: str, prompt_len: int, n_decode: int, prefill_long: int, repeats: int, threads: int, seed: int) -> dict:
    threading = set_threads(threads)
    with torch.inference_mode():
        model = Model(model_dir)
        V = model.spec.vocab_size
        prompt = random_prompt(V, prompt_len, seed)
        long_prompt = random_prompt(V, prefill_long, seed + 1) if prefill_long else None
        model.reserve(max(prompt_len + n_decode + 1, prefill_long))
        prefill_s, decode_s, long_s, busy, generated = [], [], [], [], None
        for r in range(repeats + 1):  # run 0 warms up
            snap = cpu_snapshot()
            if long_prompt:
                t0 = time.perf_counter()
                model.forward(long_prompt, 0)
                t_long = time.perf_counter() - t0
            t0 = time.perf_counter()
            first = int(torch.argmax(model.forward(prompt, 0)[0]))
            t1 = time.perf_counter()
            tokens = model.greedy(first, prompt_len, n_decode)
            t2 = time.perf_counter()
            if generated is not None and tokens != generated:
                raise RuntimeError("greedy decode differs between repeats")
            generated = tokens
            if r == 0:
                continue
            if long_prompt:
                long_s.append(t_long)
            prefill_s.append(t1 - t0)
            decode_s.append(t2 - t1)
            busy.append(others_busy(snap, cpu_snapshot()))
    pre = statistics.median(prefill_s)
    dec = statistics.median(decode_s) if n_decode else None
    return {
        "impl": "tools/bench/torch_peer.py (PyTorch eager, float32)",
        "model_dir": os.path.basename(os.path.normpath(model_dir)),
        "model_type": model.spec.model_type,
        "prompt_tokens": prompt_len, "decode_tokens": n_decode, "repeats": repeats,
        "prefill_tokens_per_s": prompt_len / pre,
        "decode_tokens_per_s": n_decode / dec if dec else None,
        "prefill_long_tokens": prefill_long or None,
        "prefill_long_tokens_per_s": prefill_long / statistics.median(long_s) if long_s else None,
        "prefill_s_all": prefill_s, "decode_s_all": decode_s, "prefill_long_s_all": long_s,
        "weights_bytes_read_per_decode_token": model.weights_bytes_per_decode_token(),
        "weights_bytes_total": model.weights_bytes_total(),
        "kv_bytes_per_position": 2 * len(model.layers) * model.kv_width * 4,
        "load_s": model.load_s,
        "first_token": first, "generated_head": generated[:8],
        "torch": torch.__version__, "threads": threads, "threading": threading,
        "other_processes_cores_busy": max(busy) if busy else None,
        "other_processes_cores_busy_per_repeat": busy,
    }


# ---- verify ---------------------------------------------------------------------------------

def moe_eval_logits(command: str, model_dir: str, ids: Sequence[int]) -> np.ndarray:
    out = subprocess.run(shlex.split(command) + ["logits", "--model", model_dir, "--tokens", ",".join(map(str, ids)), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return np.asarray(json.loads(out)["logits"], dtype=np.float64)


def verify(dirs: Sequence[str], tol: float, moe_eval: Optional[str]) -> int:
    failed = 0
    for d in dirs:
        name = os.path.basename(os.path.normpath(d))
        golden_path = os.path.join(d, "golden.json")
        if not os.path.exists(golden_path):
            print(f"FAIL {name}: no golden.json (token_ids + reference logits) in {d}")
            failed += 1
            continue
        with open(golden_path) as f:
            golden = json.load(f)
        ids = golden["token_ids"]
        references = {"golden.json": np.asarray(golden["logits"], dtype=np.float64)}
        if moe_eval:
            references["moe-eval"] = moe_eval_logits(moe_eval, d, ids)
        with torch.inference_mode():
            try:
                model = Model(d)
            except NotImplementedError as e:
                print(f"skip {name}: {e}")
                continue
            model.reserve(len(ids))
            half = len(ids) // 2  # batched prefill (experts grouped), then the KV-cache decode path
            rows = [model.forward(ids[:half], 0, all_logits=True)]
            rows += [model.forward([t], p) for p, t in enumerate(ids[half:], start=half)]
            ours = torch.cat(rows).double().numpy()
        parts = []
        ok = True
        for ref_name, ref in references.items():
            diff = np.abs(ours - ref)
            same_argmax = bool((ours.argmax(-1) == ref.argmax(-1)).all())
            ok &= diff.max() <= tol and same_argmax
            parts.append(f"vs {ref_name}: prefill max|diff| {diff[:half].max():.2e}, decode max|diff| {diff[half:].max():.2e}, argmax {'same' if same_argmax else 'DIFFERENT'}")
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name} ({model.spec.model_type}, {half} prefill + {len(ids) - half} decode positions): {'; '.join(parts)}")
    return 1 if failed else 0


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", nargs="+", help="checkpoint folder(s): config.json + safetensors (+ golden.json for --verify)")
    ap.add_argument("--prompt", type=int, default=128, help="prompt tokens before decoding (default 128)")
    ap.add_argument("--decode", type=int, default=32, help="greedy decode steps (default 32)")
    ap.add_argument("--prefill-long", type=int, default=0, help="also time a prefill of this many tokens (default 0: no)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs after one warm-up (default 3; medians)")
    ap.add_argument("--threads", type=int, default=2, help="cores to use (default 2; see set_threads)")
    ap.add_argument("--seed", type=int, default=1234, help="seed of the random prompts")
    ap.add_argument("--json", action="store_true", help="print one JSON object per model")
    ap.add_argument("--verify", action="store_true", help="check logits against golden.json (and moe-eval) instead of timing")
    ap.add_argument("--moe-eval", metavar="COMMAND", help='with --verify, also compare with `COMMAND logits`, e.g. "node bin/run.js"')
    ap.add_argument("--tol", type=float, default=1e-4, help="--verify: largest allowed |logit difference| (default 1e-4)")
    a = ap.parse_args(argv)
    keep_activations_in_heap()
    if a.verify:
        set_threads(a.threads)
        return verify(a.model_dir, a.tol, a.moe_eval)
    for d in a.model_dir:
        r = bench(d, a.prompt, a.decode, a.prefill_long, a.repeats, a.threads, a.seed)
        if a.json:
            print(json.dumps(r), flush=True)
        else:
            dec = r["decode_tokens_per_s"]
            print(f"{r['model_dir']}: prefill {r['prefill_tokens_per_s']:.1f} tok/s (P={a.prompt}), decode "
                  f"{'-' if dec is None else f'{dec:.2f}'} tok/s (N={a.decode}), "
                  f"{r['weights_bytes_read_per_decode_token'] / 1e6:.1f} MB weights per decode token, {r['threading']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
