"""Record ``cli_outputs.json``: ``python -m tests.golden.record [CASE ...]``."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

from qnet_circuits.cli import main
from tests.golden.cases import CASES

PATH = Path(__file__).with_name("cli_outputs.json")


def run_case(argv: list[str]) -> dict:
    """The JSON object ``qnet ARGV --json`` prints (exit code 0 required)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--json"])
    if code != 0:
        raise RuntimeError(f"qnet {' '.join(argv)} exited with {code}")
    return json.loads(out.getvalue())


def record(names: list[str]) -> None:
    data = json.loads(PATH.read_text()) if PATH.exists() else {}
    for name in names or list(CASES):
        data[name] = run_case(CASES[name])
        print(name, file=sys.stderr)
    PATH.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    record(sys.argv[1:])
