"""``qnet teleport``: teleport one-qubit states over a noisy resource pair.

By default the six cardinal states are teleported (a 3-design: their mean fidelity is the Haar
average); each fidelity is the frequency of 0 after Bob undoes the state's preparation.
Resource: ``--fidelity F`` (Werner) or ``--bell-diagonal A B C D``. Noise: ``--gate-error``
(after Alice's BSM CNOT) and ``--readout-error`` (each BSM bit) at Alice; Bob's check is ideal.
The protocol and its closed forms are :mod:`qnet_circuits.protocols.teleport`.

Example::

    qnet teleport --fidelity 0.9 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import add_noise_arguments, add_pair_arguments, pair_fields, run_protocol
from qnet_circuits.library.options import CARDINAL_STATES, CORRECTIONS

HELP = "teleport the six cardinal states (or one state): fidelity vs (2F+1)/3 per basis"
DEFAULT_SHOTS = 4000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet teleport``."""
    add_pair_arguments(parser, "the resource pair (one pair)")
    add_noise_arguments(parser, "at Alice (the Bell-state measurement)")
    parser.add_argument("--state", action="append", choices=list(CARDINAL_STATES),
                        help="a cardinal state to teleport (repeatable; default: all six); "
                             "write --state=-i for labels that start with '-'")
    parser.add_argument("--theta", type=float, default=None,
                        help="teleport U(theta, phi, 0)|0> instead (radians)")
    parser.add_argument("--phi", type=float, default=0.0, help="phase phi in radians (with --theta)")
    parser.add_argument("--correction", choices=CORRECTIONS, default="dynamic",
                        help="dynamic (if_test) or deferred (controlled gates, no control flow)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.teleport.TeleportParams` and run."""
    from qnet_circuits.protocols import teleport as protocol

    params = protocol.TeleportParams(**pair_fields(args), states=args.state, theta=args.theta,
                                     phi=args.phi, correction=args.correction)
    return run_protocol(protocol, params, ctx)


def render(result: dict) -> str:
    """Human-readable summary."""
    lines = [
        "teleport over resource (A, B, C, D) = ("
        + ", ".join(f"{v:.4f}" for v in result["resource"])
        + f"), {result['correction']} correction, gate error {result['gate_error']}, readout "
        f"error {result['readout_error']}, {result['shots']} shots per state",
    ]
    for label, v in result["states"].items():
        lines.append(
            f"  |{label}>  fidelity {v['fidelity']:.4f} ± {v['fidelity_stderr']:.4f}   "
            f"theory {v['theory']:.6f}"
        )
    lines.append(
        f"  average   {result['fidelity']:.4f} ± {result['fidelity_stderr']:.4f}   theory "
        f"{result['theory']:.6f}   (classical limit {result['classical_limit']:.4f})"
    )
    return "\n".join(lines)
