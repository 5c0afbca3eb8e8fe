"""Small helpers shared by the scripts in scripts/check/ (no checking logic lives here).

The reference implementation is imported, never copied: /work/shared/reference is put on
sys.path (override with MOE_REF_DIR)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from typing import List, Sequence, Tuple

REF_DIR = os.environ.get("MOE_REF_DIR", "/work/shared/reference")
if REF_DIR not in sys.path:
    sys.path.insert(0, REF_DIR)

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
SCRATCH = os.path.join(PROJECT, "tmp", "check")

# exit codes of the compare scripts
PASS, MISMATCH, CANNOT_RUN, NEAR_TIE_ONLY = 0, 1, 2, 3


def parse_tokens(text: str) -> List[int]:
    """"1,2,3" -> [1, 2, 3] (the CLI's --tokens syntax)."""
    try:
        ids = [int(t) for t in text.split(",") if t.strip() != ""]
    except ValueError:
        raise SystemExit(f"--tokens must be comma-separated integers, got {text!r}")
    if not ids:
        raise SystemExit("--tokens is empty")
    return ids


def tokens_arg(ids: Sequence[int]) -> str:
    return ",".join(str(int(t)) for t in ids)


def run_cli(cli: str, args: Sequence[str], timeout: float = 600.0) -> Tuple[int, str, str]:
    """Run ``<cli> args...`` (cli is split like a shell would); returns (exit code, stdout, stderr)."""
    argv = shlex.split(cli) + [str(a) for a in args]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as e:
        return 127, "", str(e)
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout}s"
    return p.returncode, p.stdout, p.stderr


def parse_cli_json(stdout: str) -> dict:
    """The --json contract: stdout holds one JSON document and nothing else."""
    try:
        return json.loads(stdout)
    except json.JSONDecodeError as e:
        head = stdout[:300].replace("\n", "\\n")
        raise ValueError(f"stdout is not one JSON document ({e}); stdout starts: {head!r}")


def read_jsonl(path: str) -> List[dict]:
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not JSON ({e})")
    return out


def table(rows: List[List[str]], header: List[str]) -> str:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join("{:%d}" % w for w in widths)
    lines = [fmt.format(*header), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*[str(c) for c in r]) for r in rows]
    return "\n".join(lines)
