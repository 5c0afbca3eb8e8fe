"""Small helpers shared by the scripts in scripts/check/ (no checking logic lives here).

The scripts hold moe-eval to an independent float64 PyTorch reference implementation of the
Hugging Face MoE architectures (moe_ref.py, with make_tiny.py and golden.py beside it). It is
deliberately not part of this repository: a check is only independent if the code it checks
against was not written or edited together with the engine. So it is imported, never copied, from
the folder the MOE_REF_DIR environment variable names; require_reference() makes that explicit."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from typing import List, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
SCRATCH = os.path.join(PROJECT, "tmp", "check")

# exit codes of the compare scripts
PASS, MISMATCH, CANNOT_RUN, NEAR_TIE_ONLY = 0, 1, 2, 3


def require_reference(*modules: str) -> str:
    """Put the reference folder ($MOE_REF_DIR) on sys.path, after checking that it holds
    `modules` (default: moe_ref); exit CANNOT_RUN with a message naming what is missing if not."""
    modules = modules or ("moe_ref",)
    files = ", ".join(f"{m}.py" for m in modules)
    ref = os.environ.get("MOE_REF_DIR")
    if not ref:
        sys.stderr.write(f"{os.path.basename(sys.argv[0])}: MOE_REF_DIR is not set. These checks compare moe-eval with an "
                         f"independent PyTorch reference implementation that is not part of this repository; set MOE_REF_DIR "
                         f"to the folder that holds {files} (see scripts/check/README.md).\n")
        sys.exit(CANNOT_RUN)
    missing = [f"{m}.py" for m in modules if not os.path.isfile(os.path.join(ref, f"{m}.py"))]
    if missing:
        sys.stderr.write(f"{os.path.basename(sys.argv[0])}: MOE_REF_DIR={ref} does not hold {', '.join(missing)} "
                         f"(the independent PyTorch reference implementation these checks need).\n")
        sys.exit(CANNOT_RUN)
    if ref not in sys.path:
        sys.path.insert(0, ref)
    return ref


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
