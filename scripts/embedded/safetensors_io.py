"""A small safetensors writer and reader (torch + the standard library), so that training and
exporting the embedded model need nothing outside this repository.

Format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}},
then the raw little-endian tensor bytes, offsets relative to the end of the header. The writer
puts "__metadata__" first and the tensors in sorted name order, packed back to back in that
order, writes the JSON without spaces and pads it with spaces so that the data starts at an
8-byte boundary (what the format asks for aligned reads). BF16 is rounded from float32 by torch
(round to nearest, ties to even); non-finite values are refused, since a NaN or inf weight is a
training failure, not something to ship.
"""

from __future__ import annotations

import json
import struct
from typing import Dict, Optional, Tuple

import torch

_DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}
_ITEMSIZE = {"F32": 4, "BF16": 2, "F16": 2}


def tensor_bytes(t: torch.Tensor, dtype: str) -> bytes:
    """Little-endian bytes of `t` stored as `dtype` (F32 / BF16 / F16)."""
    if dtype not in _DTYPES:
        raise ValueError(f"unsupported dtype {dtype} (F32, BF16, F16)")
    x = t.detach().to("cpu", torch.float32).contiguous()
    if not bool(torch.isfinite(x).all()):
        raise ValueError("non-finite values cannot be stored")
    x = x.to(_DTYPES[dtype]).contiguous()
    if dtype == "F32":
        return x.numpy().astype("<f4", copy=False).tobytes()
    # 2-byte float types: reinterpret the bits as int16 (numpy has no bfloat16)
    return x.view(torch.int16).numpy().astype("<i2", copy=False).tobytes()


def write_safetensors(path: str, tensors: Dict[str, Tuple[torch.Tensor, str]], metadata: Optional[Dict[str, str]] = None) -> None:
    """Write {name: (tensor, dtype)}; dtype in F32 / BF16 / F16."""
    header: dict = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t, dtype = tensors[name]
        raw = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": [int(d) for d in t.shape], "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str], Dict[str, str]]:
    """(tensors as float32 (BF16 / F16 widened exactly), {name: stored dtype}, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header of {n} bytes runs past the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors: Dict[str, torch.Tensor] = {}
    dtypes: Dict[str, str] = {}
    for name, info in header.items():
        dt = info["dtype"]
        if dt not in _DTYPES:
            raise ValueError(f"{path}: {name} has unsupported dtype {dt}")
        begin, end = info["data_offsets"]
        shape = [int(d) for d in info["shape"]]
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * _ITEMSIZE[dt] or base + end > len(data):
            raise ValueError(f"{path}: {name} has {end - begin} bytes for shape {shape} {dt}")
        raw = bytearray(data[base + begin:base + end])   # a writable copy: torch.frombuffer warns on read-only memory
        t = torch.frombuffer(raw, dtype=_DTYPES[dt]) if count else torch.empty(0, dtype=_DTYPES[dt])
        tensors[name] = t.reshape(shape).to(torch.float32)
        dtypes[name] = dt
    return tensors, dtypes, meta
