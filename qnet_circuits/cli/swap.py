"""``qnet swap``: entanglement swapping of input pairs at repeaters, fidelity against theory.

Input pairs: ``--fidelity F1 [F2 ...]`` (Werner; one value is used for both links) or
``--bell-diagonal A B C D`` once per pair; more than two pairs make a chain swapped at
r1, r2, .... Noise: ``--gate-error`` (two-qubit depolarizing after the BSM CNOT) and
``--readout-error`` (flip of each BSM outcome bit) at the repeaters; the end nodes' readout
(the fidelity measurement) is ideal. The protocol is :mod:`qnet_circuits.protocols.swap`.

Example::

    qnet swap --fidelity 0.95 0.95 --gate-error 0.02 --readout-error 0.01 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import add_noise_arguments, add_pair_arguments, pair_fields, run_protocol
from qnet_circuits.library.options import CORRECTIONS

HELP = "entanglement swapping at repeaters: end-to-end fidelity vs F1F2+(1-F1)(1-F2)/3"
DEFAULT_SHOTS = 4000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet swap``."""
    add_pair_arguments(parser, "each link (one value: both links; k values: a k-link chain)")
    add_noise_arguments(parser, "at the repeaters (the Bell-state measurement)")
    parser.add_argument("--correction", choices=CORRECTIONS, default="dynamic",
                        help="dynamic: if_test feed-forward; deferred: controlled gates before "
                             "the measurement (no control flow)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.swap.SwapParams` and run; JSON-able."""
    from qnet_circuits.protocols import swap as protocol

    params = protocol.SwapParams(**pair_fields(args), correction=args.correction)
    return run_protocol(protocol, params, ctx)


def render(result: dict) -> str:
    """Human-readable summary."""
    lines = [
        f"swap over {result['links']} links ({result['correction']} correction), "
        f"gate error {result['gate_error']}, readout error {result['readout_error']}, "
        f"{result['shots']} shots per basis",
        f"  fidelity  {result['fidelity']:.4f} ± {result['fidelity_stderr']:.4f}   "
        f"theory {result['theory']:.6f}   (product of fidelities "
        f"{result['product_of_fidelities']:.6f} is not the answer)",
        "  (A, B, C, D) = ("
        + ", ".join(f"{v:.4f}" for v in result["coefficients"])
        + ")   theory ("
        + ", ".join(f"{v:.6f}" for v in result["theory_coefficients"])
        + ")",
    ]
    return "\n".join(lines)
