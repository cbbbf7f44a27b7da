"""``qnet swap``: entanglement swapping of input pairs at repeaters, fidelity against theory.

Input pairs: ``--fidelity F1 [F2 ...]`` (Werner; one value is used for both links) or
``--bell-diagonal A B C D`` once per pair; more than two pairs make a chain swapped at
r1, r2, .... Noise: ``--gate-error`` (two-qubit depolarizing after the BSM CNOT) and
``--readout-error`` (flip of each BSM outcome bit) at the repeaters; the end nodes' readout
(the fidelity measurement) is ideal.

Example::

    qnet swap --fidelity 0.95 0.95 --gate-error 0.02 --readout-error 0.01 --json

This module also holds the input-pair and network helpers that ``purify``, ``teleport`` and
``remote-cnot`` share.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import Any

from qnet_circuits import physics
from qnet_circuits.analysis import bell_coefficients_from_parities, bell_fidelity
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.swapping import CORRECTIONS, swap_chain_circuit
from qnet_circuits.network import Fiber, Link, Network, Node

HELP = "entanglement swapping at repeaters: end-to-end fidelity vs F1F2+(1-F1)(1-F2)/3"

Coefficients = tuple[float, float, float, float]


# ---------------------------------------------------------------------------------------------
# shared helpers (used by purify, teleport, remote-cnot)
# ---------------------------------------------------------------------------------------------


def add_pair_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """``--fidelity F [F ...]`` or ``--bell-diagonal A B C D`` (repeatable)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--fidelity", type=float, nargs="+", metavar="F",
                       help=f"Werner fidelity to Phi+ of {what}, each in [0, 1]")
    group.add_argument("--bell-diagonal", type=float, nargs=4, action="append",
                       metavar=("A", "B", "C", "D"),
                       help=f"Bell-diagonal coefficients (Phi+, Psi-, Psi+, Phi-) of {what}, "
                            ">= 0 and summing to 1; repeat once per pair")


def add_noise_arguments(parser: argparse.ArgumentParser, where: str) -> None:
    """``--gate-error`` and ``--readout-error``."""
    parser.add_argument("--gate-error", type=float, default=0.0,
                        help=f"two-qubit depolarizing lambda (Qiskit convention) after each "
                             f"two-qubit gate {where}, in [0, 1] (default 0)")
    parser.add_argument("--readout-error", type=float, default=0.0,
                        help=f"bit-flip probability of each measurement {where}, in [0, 1] "
                             "(default 0)")


def pair_inputs(args: argparse.Namespace, default: Sequence[Any]) -> list[Coefficients]:
    """Validated coefficients of the pairs given on the command line (``default`` if none)."""
    if args.fidelity is not None:
        out = []
        for i, f in enumerate(args.fidelity, start=1):
            if not (math.isfinite(f) and 0.0 <= f <= 1.0):
                raise ValueError(
                    f"--fidelity must be in [0, 1] (Werner fidelity to Phi+), got {f} for pair {i}"
                )
            out.append(physics.werner_coefficients(f))
        return out
    if args.bell_diagonal is not None:
        return [
            physics.validate_bell_diagonal(c, name=f"--bell-diagonal (pair {i})")
            for i, c in enumerate(args.bell_diagonal, start=1)
        ]
    return [
        physics.werner_coefficients(d) if isinstance(d, float) else tuple(d) for d in default
    ]


def single_pair_input(args: argparse.Namespace, command: str, role: str) -> Coefficients:
    """The one pair a command consumes (default an ideal pair); more than one is an error."""
    pairs = pair_inputs(args, default=[1.0])
    if len(pairs) != 1:
        raise ValueError(
            f"{command} uses one {role}: give one --fidelity or --bell-diagonal, got {len(pairs)}"
        )
    return pairs[0]


def check_noise(args: argparse.Namespace) -> tuple[float, float]:
    """(gate_error, readout_error), each validated to lie in [0, 1]."""
    for flag, value in (("--gate-error", args.gate_error), ("--readout-error", args.readout_error)):
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"{flag} must be a probability in [0, 1], got {value}")
    return args.gate_error, args.readout_error


def node_network(names: Sequence[str], noisy: Sequence[str], gate_error: float,
                 readout_error: float) -> Network | None:
    """A path network over ``names`` where only the ``noisy`` nodes have gate/readout error.

    ``None`` when there is no noise (the runner then skips the noise passes).
    """
    if gate_error == 0.0 and readout_error == 0.0:
        return None
    nodes = tuple(
        Node(
            n,
            "end" if i in (0, len(names) - 1) else "repeater",
            gate_error=gate_error if n in noisy else 0.0,
            readout_error=readout_error if n in noisy else 0.0,
        )
        for i, n in enumerate(names)
    )
    links = tuple(Link(names[i], names[i + 1], Fiber(0.0)) for i in range(len(names) - 1))
    return Network(nodes, links)


def shots_and_seed(ctx: Any) -> tuple[int, int | None]:
    """Shots and seed from the CLI context (defaults 4000 and None)."""
    shots = int(getattr(ctx, "shots", None) or 4000)
    seed = getattr(ctx, "seed", None)
    return shots, seed


def runner_of(ctx: Any):
    """The context's runner, or a local Aer runner."""
    runner = getattr(ctx, "runner", None)
    if runner is None:
        from qnet_circuits.run import AerRunner

        runner = AerRunner()
    return runner


def record_protocol(ctx: Any, qc) -> None:
    """Hand the ideal protocol circuit to the context (``--qasm``)."""
    hook = getattr(ctx, "protocol_circuit", None)
    if callable(hook):
        hook(qc)


def pair_estimates(by_basis) -> dict[str, Any]:
    """Fidelity and Bell-diagonal coefficients (with standard errors) from XX/YY/ZZ data."""
    f = bell_fidelity(by_basis)
    coeffs = bell_coefficients_from_parities(by_basis)
    return {
        "fidelity": f.value,
        "fidelity_stderr": f.stderr,
        "coefficients": [coeffs[k].value for k in "ABCD"],
        "coefficients_stderr": [coeffs[k].stderr for k in "ABCD"],
    }


def run_bases(ctx: Any, circuits, network) -> list[dict]:
    """Run XX/YY/ZZ copies of every circuit in one runner call; a basis->data dict per circuit."""
    shots, seed = shots_and_seed(ctx)
    batches = [pauli_basis_circuits(qc, qc.metadata["pair"]) for qc in circuits]
    flat = [c for b in batches for c in b.values()]
    data = runner_of(ctx).run(flat, shots=shots, seed=seed, network=network)
    return [dict(zip(b, data[3 * i: 3 * i + 3], strict=True)) for i, b in enumerate(batches)]


# ---------------------------------------------------------------------------------------------
# qnet swap
# ---------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet swap``."""
    add_pair_arguments(parser, "each link (one value: both links; k values: a k-link chain)")
    add_noise_arguments(parser, "at the repeaters (the Bell-state measurement)")
    parser.add_argument("--correction", choices=CORRECTIONS, default="dynamic",
                        help="dynamic: if_test feed-forward; deferred: controlled gates before "
                             "the measurement (no control flow)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Build, run and analyse the swap; JSON-able result."""
    lam, eps = check_noise(args)
    links = pair_inputs(args, default=[0.9])
    if len(links) == 1:
        links = links * 2
    qc = swap_chain_circuit(links, correction=args.correction)
    record_protocol(ctx, qc)
    names = list(qc.metadata["nodes"].values())
    network = node_network(names, names[1:-1], lam, eps)
    (by_basis,) = run_bases(ctx, [qc], network)
    shots, seed = shots_and_seed(ctx)
    # deferred form: the correction acts before the measurement, so readout flips only touch
    # the recorded bits, not the pair
    eps_eff = eps if args.correction == "dynamic" else 0.0
    theory_coeffs = physics.chain_bell_diagonal(links, lam, eps_eff)
    result = {
        "command": "swap",
        "links": len(links),
        "inputs": [list(c) for c in links],
        "correction": args.correction,
        "gate_error": lam,
        "readout_error": eps,
        **pair_estimates(by_basis),
        "theory": theory_coeffs[0],
        "theory_coefficients": list(theory_coeffs),
        "product_of_fidelities": math.prod(c[0] for c in links),
        "shots": shots,
        "seed": seed,
        "method": by_basis["XX"].metadata.get("method"),
    }
    return result


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
