"""Trainable OLMoE-architecture causal LM in plain PyTorch (the embedded default model).

Mirrors HF transformers' modeling_olmoe.py semantics (verify.py checks the exported checkpoint
against the independent reference): RMSNorm (eps 1e-5), q/k RMSNorm over the WHOLE projection
before splitting heads, half-split RoPE, GQA, SwiGLU experts, router = softmax over all experts
then top-k (norm_topk_prob from the config). Parameter names are the HF checkpoint names, so
``state_dict()`` maps 1:1 onto model.safetensors.

Training extras that never reach the checkpoint: Switch-style load-balancing loss, router
z-loss, and optional routing jitter (noisy selection, clean mixing weights) that makes the model
tolerant of the "second-best resident expert" substitutions cache-aware routing makes.

Two ways to compute the routed experts, with the same results (train.py --self-check compares
outputs and gradients):
* "loop": tokens sorted by expert, one small matmul chain per expert that has tokens. The
  per-expert token counts go to the host (.tolist()) once per layer: cheap on a CPU, but on a
  GPU that synchronisation per layer leaves the device idle most of the time.
* "dense": every expert on every token as ONE wide SwiGLU (the experts' gate / up projections
  concatenated to [E*I, H], down projections to [H, E*I]), the hidden units of each expert scaled
  by that token's mixing weight, which is 0 for the experts it did not select. No host round-trip
  and three large matmuls per layer; E/k times the expert FLOPs of the loop, which on a GPU is
  cheaper than the synchronisations and small kernels it replaces.
Attention on CUDA uses torch's scaled_dot_product_attention (same mask, same scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, asdict
from typing import Callable, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class OlmoeShape:
    vocab_size: int
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    num_kv_heads: int = 4
    num_experts: int = 16
    top_k: int = 2
    intermediate_size: int = 128
    norm_topk_prob: bool = False
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5
    max_position_embeddings: int = 1024
    tie_word_embeddings: bool = False

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    def hf_config(self, bos_id: int, eos_id: int, pad_id: Optional[int] = None) -> dict:
        """config.json of transformers' OlmoeConfig with every key written out (no defaults relied on)."""
        return {
            "architectures": ["OlmoeForCausalLM"],
            "model_type": "olmoe",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_layers,
            "num_attention_heads": self.num_heads,
            "num_key_value_heads": self.num_kv_heads,
            "hidden_act": "silu",
            "max_position_embeddings": self.max_position_embeddings,
            "initializer_range": 0.02,
            "rms_norm_eps": self.rms_norm_eps,
            "use_cache": True,
            "pad_token_id": pad_id,
            "bos_token_id": bos_id,
            "eos_token_id": eos_id,
            "tie_word_embeddings": self.tie_word_embeddings,
            "rope_theta": self.rope_theta,
            "rope_scaling": None,
            "attention_bias": False,
            "attention_dropout": 0.0,
            "clip_qkv": None,
            "num_experts_per_tok": self.top_k,
            "num_experts": self.num_experts,
            "output_router_logits": False,
            "router_aux_loss_coef": 0.01,
            "norm_topk_prob": self.norm_topk_prob,
            "torch_dtype": "bfloat16",
        }


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(T: int, head_dim: int, theta: float, dtype: torch.dtype):
    # tables built in float64, as the float64 reference builds them, so stored-weight logits agree
    # with it to ~1e-6
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat([ang, ang], dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Attention(nn.Module):
    def __init__(self, s: OlmoeShape):
        super().__init__()
        self.s = s
        hd = s.head_dim
        self.q_proj = nn.Linear(s.hidden_size, s.num_heads * hd, bias=False)
        self.k_proj = nn.Linear(s.hidden_size, s.num_kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(s.hidden_size, s.num_kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(s.num_heads * hd, s.hidden_size, bias=False)
        self.q_norm = RMSNorm(s.num_heads * hd, s.rms_norm_eps)
        self.k_norm = RMSNorm(s.num_kv_heads * hd, s.rms_norm_eps)
        self.use_sdpa = False     # set by OlmoeForCausalLM.configure (CUDA)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor,
                past: Optional[list] = None) -> torch.Tensor:
        """past: None, or a 2-item list [k, v] ([B, nKV, P, hd] or None) extended in place (decoding)."""
        s = self.s
        B, T, _ = x.shape
        hd = s.head_dim
        q = self.q_norm(self.q_proj(x)).view(B, T, s.num_heads, hd).transpose(1, 2)      # [B, nH, T, hd]
        k = self.k_norm(self.k_proj(x)).view(B, T, s.num_kv_heads, hd).transpose(1, 2)   # [B, nKV, T, hd]
        v = self.v_proj(x).view(B, T, s.num_kv_heads, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            if past[0] is not None:
                k = torch.cat([past[0], k], dim=2)
                v = torch.cat([past[1], v], dim=2)
            past[0], past[1] = k, v
        rep = s.num_heads // s.num_kv_heads
        if rep > 1:
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        if self.use_sdpa:
            # fused kernel, no [B, nH, T, T] scores in memory; attn_mask True = may attend
            # (v comes straight from a projection, so it has autocast's dtype; the normed q, k may not)
            out = F.scaled_dot_product_attention(q.to(v.dtype), k.to(v.dtype), v, attn_mask=~mask)
        else:
            scores = (q @ k.transpose(-1, -2)) * (hd ** -0.5)
            scores = scores.masked_fill(mask, float("-inf"))
            out = torch.softmax(scores.float(), dim=-1).to(v.dtype) @ v                     # [B, nH, T, hd]
        return self.o_proj(out.transpose(1, 2).reshape(B, T, s.num_heads * hd))


class Expert(nn.Module):
    def __init__(self, H: int, I: int):
        super().__init__()
        self.gate_proj = nn.Linear(H, I, bias=False)
        self.up_proj = nn.Linear(H, I, bias=False)
        self.down_proj = nn.Linear(I, H, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


# A router hook replaces the model's own top-k for one layer: (layer, z [N, E], probs [N, E])
# -> selected ids [N, k]. Mixing weights are always gathered from the clean probs.
RouterHook = Callable[[int, torch.Tensor, torch.Tensor], torch.Tensor]


class SparseMoe(nn.Module):
    def __init__(self, s: OlmoeShape, layer: int):
        super().__init__()
        self.s = s
        self.layer = layer
        self.gate = nn.Linear(s.hidden_size, s.num_experts, bias=False)
        self.experts = nn.ModuleList([Expert(s.hidden_size, s.intermediate_size) for _ in range(s.num_experts)])
        self.route_jitter = 0.0   # training only: Gumbel scale on the logits used for SELECTION
        # training only: [B, E] bonus (in units of each token's max(z)-min(z)) added to the logits
        # used for SELECTION, a random stand-in for cache-prior's resident-expert bonus
        self.select_bonus: Optional[torch.Tensor] = None
        self.hook: Optional[RouterHook] = None
        self.stats: dict = {}
        self.impl = "loop"        # "loop" | "dense", see the module docstring

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.s
        shp = x.shape
        xf = x.reshape(-1, shp[-1])                                # [N, H]
        with torch.autocast(x.device.type, enabled=False):
            # the router stays in full precision even under bf16 autocast: top-k flips are routing changes
            z = F.linear(xf.to(self.gate.weight.dtype), self.gate.weight)                   # [N, E]
        probs = torch.softmax(z, dim=-1)
        if self.hook is not None:
            top_i = self.hook(self.layer, z.detach(), probs.detach())
        elif self.training and (self.route_jitter > 0 or self.select_bonus is not None):
            zs = z.detach().float()
            if self.select_bonus is not None:
                B = self.select_bonus.shape[0]
                delta = (zs.max(-1, keepdim=True).values - zs.min(-1, keepdim=True).values)      # [N, 1]
                bonus = self.select_bonus[:, None, :].expand(B, xf.shape[0] // B, s.num_experts).reshape(-1, s.num_experts)
                zs = zs + bonus * delta
            if self.route_jitter > 0:
                g = -torch.log(-torch.log(torch.rand_like(zs).clamp_min(1e-9)).clamp_min(1e-9))
                zs = zs + self.route_jitter * g
            top_i = torch.topk(zs, s.top_k, dim=-1).indices
        else:
            top_i = torch.topk(probs, s.top_k, dim=-1).indices
        top_w = probs.gather(1, top_i)                             # [N, k] from the clean probs
        if s.norm_topk_prob:
            top_w = top_w / top_w.sum(-1, keepdim=True)
        flat_i = top_i.reshape(-1)
        out = self._experts_dense(xf, top_i, top_w) if self.impl == "dense" else self._experts_loop(xf, flat_i, top_w)
        if self.training:
            # Switch-Transformer balance loss over the k slots, and ST-MoE router z-loss; the
            # counts by scatter_add (bincount sizes its output from the data: a host round-trip)
            counts = torch.zeros(s.num_experts, dtype=probs.dtype, device=probs.device).scatter_add_(
                0, flat_i, torch.ones_like(flat_i, dtype=probs.dtype))
            frac = counts / flat_i.numel()
            self.stats = {
                "balance": s.num_experts * (frac * probs.mean(0)).sum(),
                "zloss": torch.logsumexp(z, dim=-1).pow(2).mean(),
                "load": frac.detach(),
            }
        else:
            self.stats = {"selected": top_i, "z": z.detach()}
        return out.view(shp)

    def _experts_loop(self, xf: torch.Tensor, flat_i: torch.Tensor, top_w: torch.Tensor) -> torch.Tensor:
        """Reference path: one expert at a time over the tokens that selected it."""
        s = self.s
        out = torch.zeros_like(xf)
        order = torch.argsort(flat_i)
        counts = torch.bincount(flat_i, minlength=s.num_experts).tolist()
        rows_all = torch.div(order, s.top_k, rounding_mode="floor")
        w_all = top_w.reshape(-1)[order]
        start = 0
        for e, c in enumerate(counts):
            if c == 0:
                continue
            rows = rows_all[start:start + c]
            y = (self.experts[e](xf[rows]) * w_all[start:start + c, None]).to(out.dtype)
            out.index_add_(0, rows, y)
            start += c
        return out

    def _experts_dense(self, xf: torch.Tensor, top_i: torch.Tensor, top_w: torch.Tensor) -> torch.Tensor:
        """All experts on all tokens as one wide SwiGLU, hidden units scaled by the mixing weight
        (0 where the expert was not selected): no host round-trip, three large matmuls."""
        s = self.s
        # [N, E] mixing weights; scatter_add so a (never expected) repeated selection counts twice, as in the loop
        combine = torch.zeros(xf.shape[0], s.num_experts, dtype=top_w.dtype, device=xf.device).scatter_add(1, top_i, top_w)
        w_gate = torch.cat([e.gate_proj.weight for e in self.experts], 0)        # [E*I, H]
        w_up = torch.cat([e.up_proj.weight for e in self.experts], 0)            # [E*I, H]
        w_down = torch.cat([e.down_proj.weight for e in self.experts], 1)        # [H, E*I]
        h = F.silu(F.linear(xf, w_gate)) * F.linear(xf, w_up)                   # [N, E*I]
        h = h * combine.to(h.dtype).repeat_interleave(s.intermediate_size, dim=1)
        return F.linear(h, w_down).to(xf.dtype)


class DecoderLayer(nn.Module):
    def __init__(self, s: OlmoeShape, i: int):
        super().__init__()
        self.self_attn = Attention(s)
        self.mlp = SparseMoe(s, i)
        self.input_layernorm = RMSNorm(s.hidden_size, s.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(s.hidden_size, s.rms_norm_eps)

    def forward(self, h, cos, sin, mask, past=None):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin, mask, past)
        return h + self.mlp(self.post_attention_layernorm(h))


class Inner(nn.Module):
    def __init__(self, s: OlmoeShape):
        super().__init__()
        self.embed_tokens = nn.Embedding(s.vocab_size, s.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(s, i) for i in range(s.num_layers)])
        self.norm = RMSNorm(s.hidden_size, s.rms_norm_eps)


class OlmoeForCausalLM(nn.Module):
    def __init__(self, s: OlmoeShape):
        super().__init__()
        self.shape = s
        self.model = Inner(s)
        if not s.tie_word_embeddings:
            self.lm_head = nn.Linear(s.hidden_size, s.vocab_size, bias=False)
        self._rope_cache: dict = {}

    def init_weights(self, std: float = 0.02) -> None:
        n_out = 2 * self.shape.num_layers   # GPT-2 style scaling of the residual-writing projections
        for name, p in self.named_parameters():
            if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
                nn.init.ones_(p)
            elif name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                nn.init.normal_(p, 0.0, std / math.sqrt(n_out))
            else:
                nn.init.normal_(p, 0.0, std)

    def moe_layers(self) -> List[SparseMoe]:
        return [l.mlp for l in self.model.layers]

    def configure(self, moe_impl: str = "loop", sdpa: bool = False) -> None:
        """moe_impl: "loop" | "dense" (see the module docstring); sdpa: fused attention (CUDA)."""
        if moe_impl not in ("loop", "dense"):
            raise ValueError(f"moe_impl {moe_impl!r}: loop or dense")
        if sdpa and not hasattr(F, "scaled_dot_product_attention"):
            raise ValueError("this torch has no scaled_dot_product_attention")
        for layer in self.model.layers:
            layer.mlp.impl = moe_impl
            layer.self_attn.use_sdpa = sdpa

    def _rope(self, T: int, dtype: torch.dtype, device: torch.device):
        key = (T, dtype, str(device))
        if key not in self._rope_cache:
            cos, sin = rope_tables(T, self.shape.head_dim, self.shape.rope_theta, dtype)
            self._rope_cache[key] = (cos.to(device), sin.to(device))
        return self._rope_cache[key]

    def forward(self, ids: torch.Tensor, seg: Optional[torch.Tensor] = None) -> torch.Tensor:
        """ids [B, T] -> logits [B, T, V]. seg [B, T]: document ids; attention never crosses them."""
        B, T = ids.shape
        h = self.model.embed_tokens(ids)
        cos, sin = self._rope(T, h.dtype, h.device)
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool, device=ids.device), diagonal=1)
        if seg is not None:
            mask = (mask[None] | (seg[:, :, None] != seg[:, None, :]))[:, None]          # [B, 1, T, T]
        for layer in self.model.layers:
            h = layer(h, cos, sin, mask)
        h = self.model.norm(h)
        head = self.model.embed_tokens.weight if self.shape.tie_word_embeddings else self.lm_head.weight
        return h @ head.t()

    @torch.no_grad()
    def forward_cached(self, ids: torch.Tensor, past: list) -> torch.Tensor:
        """Incremental forward for batch 1: ids [1, T] continue the sequence held in `past`
        (a list of [k, v] per layer, start with [[None, None]] * L). Returns logits [1, T, V]."""
        B, T = ids.shape
        P = 0 if past[0][0] is None else past[0][0].shape[2]
        h = self.model.embed_tokens(ids)
        cos, sin = self._rope(P + T, h.dtype, h.device)
        cos, sin = cos[P:], sin[P:]
        mask = torch.triu(torch.ones(T, P + T, dtype=torch.bool, device=ids.device), diagonal=P + 1)
        for layer, pl in zip(self.model.layers, past):
            h = layer(h, cos, sin, mask, pl)
        h = self.model.norm(h)
        head = self.model.embed_tokens.weight if self.shape.tie_word_embeddings else self.lm_head.weight
        return h @ head.t()

    def new_past(self) -> list:
        return [[None, None] for _ in range(self.shape.num_layers)]

    def aux_losses(self):
        bal = sum(m.stats["balance"] for m in self.moe_layers()) / self.shape.num_layers
        zl = sum(m.stats["zloss"] for m in self.moe_layers()) / self.shape.num_layers
        return bal, zl

    def set_jitter(self, x: float) -> None:
        for m in self.moe_layers():
            m.route_jitter = x

    def set_select_bonus(self, bonus: Optional[torch.Tensor]) -> None:
        """bonus [L, B, E] or None"""
        for i, m in enumerate(self.moe_layers()):
            m.select_bonus = None if bonus is None else bonus[i]

    def set_hook(self, hook: Optional[RouterHook]) -> None:
        for m in self.moe_layers():
            m.hook = hook


def shape_to_dict(s: OlmoeShape) -> dict:
    return asdict(s)
