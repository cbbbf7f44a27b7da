"""``qnet plot STORE``: draw a sweep store's points (error bars) over their theory curve.

Example::

    qnet plot s.sqlite --x length-km --y fidelity --out fig.png

``--x`` is a swept parameter; ``--y`` the metric pooled (the sweep's ``--metric``). Every other
parameter that varies in the store makes its own series. PNG, SVG or PDF by the suffix (Agg).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

HELP = "plot a sweep store: simulated points with error bars over the theory curve (PNG/SVG)"
#: common options plot does not use (it reads a store; nothing is simulated)
IGNORED_OPTIONS = {
    "--shots": "qnet plot draws a store; set shots in qnet sweep (--max-shots)",
    "--backend": "qnet plot draws a store; nothing runs on a backend",
    "--qasm": "qnet plot draws a store; no protocol circuit is built",
    "--seed": "qnet plot draws a store; set the seed in qnet sweep",
}
DEFAULT_SHOTS = 1000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet plot``."""
    parser.add_argument("store", help="SQLite store written by qnet sweep --store")
    parser.add_argument("--x", required=True, help="parameter on the x axis (e.g. length-km)")
    parser.add_argument("--y", default=None, help="metric on the y axis (default: the store's only one)")
    parser.add_argument("--task", default=None, help="task to draw when the store holds several")
    parser.add_argument("--out", default=None, metavar="FILE", help="image file (default: STORE.png)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Read the store's finished points and draw them; returns what was drawn."""
    from qnet_circuits.sweeps.plot import plot_store

    out = Path(args.out) if args.out else Path(args.store).with_suffix(".png")
    drawn = plot_store(args.store, x=args.x, y=args.y, task=args.task, out=out)
    return {"command": "plot", "store": args.store, **drawn}


def render(result: dict) -> str:
    """One line: the file written and what is in it."""
    return (f"wrote {result['out']}: {result['task']} {result['y']} against {result['x']}, "
            f"{result['points']} points in {result['series']} series (theory dashed)")
