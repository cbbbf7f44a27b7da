"""``qnet purify``: BBPSSW or DEJMPS purification (recurrence or pumping), post-selected on flags.

Inputs: ``--fidelity F [F ...]`` or ``--bell-diagonal A B C D`` (repeat once per pair). One pair
spec is used for every raw pair; otherwise list the raw pairs (recurrence: 2**rounds in leaf
order, e.g. kept then sacrificed for one round; pumping: the initial pair then one fresh pair
per round, or two specs = initial and the fresh pair used in every round).

Noise: ``--gate-error`` after each local CNOT and ``--readout-error`` on each flag measurement,
at both nodes. The closed form (``theory``, ``theory_p_success``, each step's ``theory``) is
exact with both: each depolarized CNOT fully randomizes both pairs, and a flipped flag keeps a
pair whose true flags differ or discards one whose flags agree (physics.dejmps). The XX/YY/ZZ
readout of the kept pair is a verification measurement without readout error. The protocol is
:mod:`qnet_circuits.protocols.purify`.

Example::

    qnet purify --protocol dejmps --fidelity 0.8 --rounds 2 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import add_noise_arguments, add_pair_arguments, pair_fields, run_protocol
from qnet_circuits.library.options import PURIFICATION_PROTOCOLS

HELP = "BBPSSW/DEJMPS purification (recurrence or pumping): fidelity and success vs theory"
DEFAULT_SHOTS = 4000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet purify``."""
    add_pair_arguments(parser, "the raw pairs")
    add_noise_arguments(parser, "at Alice and Bob (local CNOTs, flag measurements)")
    parser.add_argument("--protocol", choices=PURIFICATION_PROTOCOLS, default="dejmps",
                        help="bbpssw (twirl to Werner between rounds) or dejmps (default)")
    parser.add_argument("--rounds", type=int, default=1, help="purification rounds, >= 1")
    parser.add_argument("--pumping", action="store_true",
                        help="pumping: a fresh pair purifies the kept pair every round "
                             "(default: recurrence, 2**rounds raw pairs)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.purify.PurifyParams` and run; JSON-able."""
    from qnet_circuits.protocols import purify as protocol

    params = protocol.PurifyParams(**pair_fields(args), protocol=args.protocol,
                                   rounds=args.rounds, pumping=args.pumping)
    return run_protocol(protocol, params, ctx)


def render(result: dict) -> str:
    """Human-readable summary."""
    def th(x, spec=".6f"):
        return "n/a" if x is None else format(x, spec)

    lines = [
        f"{result['protocol'].upper()} {result['scheme']}, {result['rounds']} round(s), "
        f"{result['raw_pairs']} raw pairs, gate error {result['gate_error']}, readout error "
        f"{result['readout_error']}, {result['shots']} shots per basis",
        f"  fidelity   {result['fidelity']:.4f} ± {result['fidelity_stderr']:.4f}   theory "
        f"{th(result['theory'])}",
        f"  p_success  {result['p_success']:.4f} ± {result['p_success_stderr']:.4f}   theory "
        f"{th(result['theory_p_success'])}",
    ]
    for s in result["steps"]:
        lines.append(
            f"    round {s['round']} {s['register']}: p = {s['p_success']:.4f} ± "
            f"{s['p_success_stderr']:.4f}   theory {th(s['theory'])}"
        )
    if result.get("theory_note"):
        lines.append(f"  note: {result['theory_note']}")
    return "\n".join(lines)
