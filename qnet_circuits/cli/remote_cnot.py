"""``qnet remote-cnot``: a CNOT between Alice and Bob from one Bell pair and two classical bits.

Runs the truth table (inputs 00, 01, 10, 11, read in Z) and the entangling case |+>|0>, whose
Phi+ fidelity (from XX/YY/ZZ parities) is the process fidelity A of the gate for a Bell-diagonal
resource (section 13). Each computational input gives the right output with probability A + D.

Noise: ``--gate-error`` after the local CNOTs and ``--readout-error`` on every measurement, at
both nodes (no closed form then: ``theory`` is null). The protocol is
:mod:`qnet_circuits.protocols.remote_cnot`.

Example::

    qnet remote-cnot --fidelity 0.9 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import add_noise_arguments, add_pair_arguments, pair_fields, run_protocol
from qnet_circuits.library.options import CORRECTIONS

HELP = "remote CNOT with one Bell pair and two bits: truth table and process fidelity"
DEFAULT_SHOTS = 4000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet remote-cnot``."""
    add_pair_arguments(parser, "the shared pair (one pair)")
    add_noise_arguments(parser, "at Alice and Bob (local CNOTs, all measurements)")
    parser.add_argument("--correction", choices=CORRECTIONS, default="dynamic",
                        help="dynamic (if_test) or deferred (controlled gates, no control flow)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.remote_cnot.RemoteCnotParams` and run."""
    from qnet_circuits.protocols import remote_cnot as protocol

    params = protocol.RemoteCnotParams(**pair_fields(args), correction=args.correction)
    return run_protocol(protocol, params, ctx)


def render(result: dict) -> str:
    """Human-readable summary."""
    def th(x):
        return "n/a" if x is None else f"{x:.6f}"

    lines = [
        "remote CNOT with resource (A, B, C, D) = ("
        + ", ".join(f"{v:.4f}" for v in result["resource"])
        + f"), {result['correction']} correction, gate error {result['gate_error']}, readout "
        f"error {result['readout_error']}, {result['shots']} shots per circuit",
    ]
    for label, row in result["truth_table"].items():
        lines.append(
            f"  |{label}> -> |{row['expected']}>  p = {row['p_correct']:.4f} ± "
            f"{row['p_correct_stderr']:.4f}   theory {th(row['theory'])}"
        )
    lines.append(
        f"  |+0> -> Phi+ fidelity (process fidelity) {result['fidelity']:.4f} ± "
        f"{result['fidelity_stderr']:.4f}   theory {th(result['theory'])}"
    )
    if result.get("theory_note"):
        lines.append(f"  note: {result['theory_note']}")
    return "\n".join(lines)
