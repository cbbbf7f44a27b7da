"""Device against calibrated prediction on fake IBM devices: the table of docs/hardware.md.

For each device and case, runs ``qnet <case> --backend <device> --json`` and prints the device
value, the prediction (Aer with ``network_from_backend``'s Network), both standard errors, the
stated model error and the difference in units of the combined standard error.

    python benchmarks/calibration.py [fake_torino fake_sherbrooke fake_kyiv]
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import time

from qnet_circuits.cli import main

CASES = {
    "swap F": (["swap", "--shots", "2000"], "fidelity"),
    "teleport F": (["teleport", "--shots", "1000"], "fidelity"),
    "E91 S": (["qkd", "--protocol", "e91", "--pairs", "8000"], "S"),
    "chain 2 F": (["chain", "--links", "2", "--shots", "900"], "fidelity"),
    "chain 3 F": (["chain", "--links", "3", "--shots", "900"], "fidelity"),
    "chain 4 F": (["chain", "--links", "4", "--shots", "900"], "fidelity"),
}


def row(device: str, label: str, argv: list[str], quantity: str) -> str:
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--backend", device, "--seed", "11", "--json"])
    if code != 0:
        return f"{device:16s} {label:11s} failed (exit {code})"
    comp = json.loads(out.getvalue())["comparison"]
    col = comp["columns"]
    d, p, n, t = (col[c][quantity] for c in ("device", "prediction", "network_model", "theory"))
    se = math.hypot(d["stderr"], p["stderr"])
    return (f"{device:16s} {label:11s} theory {t['value']:.4f}  network {n['value']:.4f}  "
            f"prediction {p['value']:.4f} ± {p['stderr']:.4f}  device {d['value']:.4f} ± "
            f"{d['stderr']:.4f}  |diff|/se {abs(d['value'] - p['value']) / se:.2f}  model error "
            f"{comp['model_error'][quantity]:.4f}  ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    devices = sys.argv[1:] or ["fake_torino", "fake_sherbrooke", "fake_kyiv"]
    for device in devices:
        for label, (argv, quantity) in CASES.items():
            print(row(device, label, argv, quantity), flush=True)
