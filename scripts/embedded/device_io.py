"""File chores of the one-call accelerator run (device-train.sh) in the Python standard library
alone, since the machine's image is not guaranteed to have xz or any other tool beyond Python:

    python3 scripts/embedded/device_io.py unpack IN_DIR WORK_DIR   # *.xz -> WORK_DIR, sha256 checked against IN_DIR/SHA256SUMS
    python3 scripts/embedded/device_io.py pack-model MODEL_DIR OUT_DIR [--part-bytes N]
        # model.safetensors -> OUT_DIR/model.safetensors.part-NN (each at most N bytes), the small
        # files -> OUT_DIR/model-files.tar, OUT_DIR/SHA256SUMS over all of them and the whole file

SHA256SUMS uses sha256sum's format ("<hex>  <name>"), so join-parts.sh can check it with sha256sum -c.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import lzma
import os
import sys
import tarfile

# the device tool returns files of at most 16 MiB: stay a little under it
DEFAULT_PART_BYTES = 16 * 1024 * 1024 - 64 * 1024
SMALL_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "training_summary.json")


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_sums(path: str) -> dict:
    sums = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                digest, name = line.rstrip("\n").split("  ", 1)
                sums[name] = digest
    return sums


def unpack(in_dir: str, work: str) -> None:
    """Every file of IN_DIR (recursively) to WORK, *.xz decompressed; each output's sha256 must
    match IN_DIR/SHA256SUMS, which lists the uncompressed files by their path without .xz."""
    sums = read_sums(os.path.join(in_dir, "SHA256SUMS"))
    done = {}
    for root, _, files in os.walk(in_dir):
        for name in sorted(files):
            src = os.path.join(root, name)
            rel = os.path.relpath(src, in_dir)
            if rel == "SHA256SUMS":
                continue
            out_rel = rel[:-3] if rel.endswith(".xz") else rel
            dst = os.path.join(work, out_rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            opener = lzma.open if rel.endswith(".xz") else open
            with opener(src, "rb") as fi, open(dst, "wb") as fo:
                for chunk in iter(lambda: fi.read(1 << 20), b""):
                    fo.write(chunk)
            done[out_rel] = sha256_file(dst)
    missing = sorted(set(sums) - set(done))
    bad = sorted(k for k in sums if k in done and done[k] != sums[k])
    if missing or bad:
        sys.exit(f"device_io unpack: missing {missing}, sha256 mismatch {bad}")
    print(json.dumps({"unpacked": len(done), "checked": len(sums), "bytes": sum(os.path.getsize(os.path.join(work, k)) for k in done)}))


def pack_model(model_dir: str, out_dir: str, part_bytes: int) -> None:
    os.makedirs(out_dir, exist_ok=True)
    st = os.path.join(model_dir, "model.safetensors")
    lines = [f"{sha256_file(st)}  model.safetensors"]
    parts = []
    with open(st, "rb") as f:
        i = 0
        while True:
            chunk = f.read(part_bytes)
            if not chunk:
                break
            name = f"model.safetensors.part-{i:02d}"
            with open(os.path.join(out_dir, name), "wb") as o:
                o.write(chunk)
            parts.append(name)
            lines.append(f"{hashlib.sha256(chunk).hexdigest()}  {name}")
            i += 1
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in SMALL_FILES:
            p = os.path.join(model_dir, name)
            if os.path.exists(p):
                info = tar.gettarinfo(p, arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(p, "rb") as fh:
                    tar.addfile(info, fh)
    with open(os.path.join(out_dir, "model-files.tar"), "wb") as f:
        f.write(buf.getvalue())
    lines.append(f"{hashlib.sha256(buf.getvalue()).hexdigest()}  model-files.tar")
    with open(os.path.join(out_dir, "SHA256SUMS"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(json.dumps({"parts": parts, "part_bytes": part_bytes, "model_bytes": os.path.getsize(st)}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("unpack")
    u.add_argument("in_dir")
    u.add_argument("work")
    pm = sub.add_parser("pack-model")
    pm.add_argument("model_dir")
    pm.add_argument("out_dir")
    pm.add_argument("--part-bytes", type=int, default=DEFAULT_PART_BYTES)
    a = ap.parse_args()
    if a.cmd == "unpack":
        unpack(a.in_dir, a.work)
    else:
        pack_model(a.model_dir, a.out_dir, a.part_bytes)


if __name__ == "__main__":
    main()
