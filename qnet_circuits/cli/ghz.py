"""``qnet ghz``: an n-qubit GHZ state among n end nodes, fused at a central node.

The protocol is :mod:`qnet_circuits.protocols.ghz`.

Example::

    qnet ghz --nodes 4 --fidelity 0.95 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import number, run_protocol
from qnet_circuits.library.options import CORRECTIONS

HELP = "GHZ among n end nodes fused at a central node: fidelity from parities vs the Werner closed form"
DEFAULT_SHOTS = 4000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet ghz``."""
    parser.add_argument("--nodes", type=int, default=4, help="end nodes n (2..8)")
    parser.add_argument("--fidelity", type=number, default=1.0,
                        help="Werner fidelity of each end-to-centre pair")
    parser.add_argument("--correction", choices=CORRECTIONS, default="dynamic",
                        help="if_test corrections, or controlled gates (devices without control flow)")
    parser.add_argument("--center", default="hub", help="name of the central node")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.ghz.GHZParams` and run."""
    from qnet_circuits.protocols import ghz as protocol

    params = protocol.GHZParams(nodes=args.nodes, fidelity=args.fidelity,
                                correction=args.correction, center=args.center)
    return run_protocol(protocol, params, ctx)


def render(result: dict) -> str:
    """Human-readable summary."""
    zz = ", ".join(f"{v:.3f}" for v in result["zz"])
    return "\n".join([
        f"{result['nodes']}-node GHZ via {result['center']}, link F {result['fidelity_link']}, "
        f"{result['correction']} corrections, {result['shots']} shots per setting",
        f"  fidelity     {result['fidelity']:.4f} ± {result['fidelity_stderr']:.4f}   theory "
        f"{result['theory_fidelity']:.6f}   genuine n-party entanglement (F > 1/2 by 4 sigma): "
        f"{'yes' if result['genuine_entanglement'] else 'no'}",
        f"  populations  {result['populations']:.4f} ± {result['populations_stderr']:.4f}   theory "
        f"{result['theory_populations']:.6f}",
        f"  coherence    {result['coherence']:.4f} ± {result['coherence_stderr']:.4f}   theory "
        f"{result['theory_coherence']:.6f}",
        f"  <X^n>        {result['x_parity']:.4f} ± {result['x_parity_stderr']:.4f}   theory "
        f"{result['theory_x_parity']:.6f}",
        f"  <Z_i Z_i+1>  {zz}   theory {result['theory_zz']:.6f}",
    ])
