"""``qnet dense-coding``: superdense coding over a noisy pair, two bits per ebit.

Alice encodes each of the four messages as X^x Z^z on her half of a Werner (``--fidelity``) or
Bell-diagonal (``--bell-diagonal``) pair; Bob decodes with a Bell measurement. Prints the
decoding success beside A (Werner: F) and the bits per pair beside the Holevo quantity
2 - H(A, B, C, D). The protocol is :mod:`qnet_circuits.protocols.dense_coding`.

Example::

    qnet dense-coding --fidelity 0.9 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import add_pair_arguments, run_protocol

HELP = "superdense coding over a noisy pair: decoding success and bits per ebit vs 2 - H"
DEFAULT_SHOTS = 4000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet dense-coding``."""
    add_pair_arguments(parser, "the shared pair (default: ideal)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.dense_coding.DenseCodingParams`; run."""
    from qnet_circuits.protocols import dense_coding as protocol

    params = protocol.DenseCodingParams(fidelity=args.fidelity, bell_diagonal=args.bell_diagonal)
    return run_protocol(protocol, params, ctx)


def render(result: dict) -> str:
    """Human-readable summary."""
    lines = [
        f"superdense coding over pair {[round(c, 6) for c in result['resource']]}, "
        f"{result['shots']} shots per message",
        f"  success        {result['success']:.4f} ± {result['success_stderr']:.4f}   theory "
        f"{result['theory_success']:.6f}",
        f"  bits per pair  {result['capacity_bits']:.4f} ± {result['capacity_bits_stderr']:.4f}"
        f"   theory {result['theory_holevo_bits']:.6f} (2 - H)",
        f"  plug-in mutual information {result['mutual_information_bits']:.4f} bits; capacity "
        f"max(1, 2 - H) = {result['theory_capacity_bits']:.6f}",
    ]
    if not result["beats_plain_qubit"]:
        lines.append(f"  note: below F = {result['werner_advantage_fidelity']:.4f} (Werner) the "
                     "pair carries no more than one plain qubit")
    return "\n".join(lines)
