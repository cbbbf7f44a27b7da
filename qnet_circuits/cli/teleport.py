"""``qnet teleport``: teleport one-qubit states over a noisy resource pair.

By default the six cardinal states are teleported (a 3-design: their mean fidelity is the Haar
average); each fidelity is the frequency of 0 after Bob undoes the state's preparation.
Resource: ``--fidelity F`` (Werner) or ``--bell-diagonal A B C D``. Noise: ``--gate-error``
(after Alice's BSM CNOT) and ``--readout-error`` (each BSM bit) at Alice; Bob's check is ideal.

Theory: the teleportation channel is the Pauli channel whose Choi coefficients are those of
swapping an ideal pair with the resource through the (noisy) BSM (section 4 map); a Bloch
vector n then has fidelity sum_P p_P (1 + n . n_P)/2, i.e. A+D, A+C, A+B for Z, X, Y states and
(2F+1)/3 for every state with a Werner resource (section 6).

Example::

    qnet teleport --fidelity 0.9 --json
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from qnet_circuits import physics
from qnet_circuits.analysis import proportion
from qnet_circuits.cli.swap import (
    add_noise_arguments,
    add_pair_arguments,
    check_noise,
    node_network,
    record_protocol,
    runner_of,
    shots_and_seed,
    single_pair_input,
)
from qnet_circuits.library.swapping import CORRECTIONS, IDEAL
from qnet_circuits.library.teleportation import CARDINAL_STATES, state_angles, teleport_circuit

HELP = "teleport the six cardinal states (or one state): fidelity vs (2F+1)/3 per basis"


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


def channel_fidelity(coeffs, theta: float, phi: float) -> float:
    """Fidelity of U(theta, phi, 0)|0> through the Pauli channel I/Y/X/Z = A/B/C/D."""
    n = (math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi), math.cos(theta))
    a, b, c, d = coeffs
    keep = {  # n . n_P for P = X, Y, Z (components anticommuting with P flip sign)
        "X": n[0] ** 2 - n[1] ** 2 - n[2] ** 2,
        "Y": -(n[0] ** 2) + n[1] ** 2 - n[2] ** 2,
        "Z": -(n[0] ** 2) - n[1] ** 2 + n[2] ** 2,
    }
    return a + c * (1 + keep["X"]) / 2 + b * (1 + keep["Y"]) / 2 + d * (1 + keep["Z"]) / 2


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Teleport the states and compare each fidelity with theory; JSON-able result."""
    lam, eps = check_noise(args)
    resource = single_pair_input(args, "teleport", "resource pair")
    if args.theta is not None:
        if args.state:
            raise ValueError("use either --state or --theta/--phi, not both")
        states: dict[str, Any] = {f"theta={args.theta:g},phi={args.phi:g}": (args.theta, args.phi)}
    else:
        states = {s: s for s in (args.state or list(CARDINAL_STATES))}
    circuits = [teleport_circuit(s, resource, correction=args.correction) for s in states.values()]
    record_protocol(ctx, circuits[0])
    network = node_network(["alice", "bob"], ["alice"], lam, eps)
    shots, seed = shots_and_seed(ctx)
    data = runner_of(ctx).run(circuits, shots=shots, seed=seed, network=network)
    eps_eff = eps if args.correction == "dynamic" else 0.0
    choi = physics.swap_bell_diagonal(IDEAL, resource, lam, eps_eff)
    per_state = {}
    for (label, spec), d in zip(states.items(), data, strict=True):
        check = d[d.metadata["verify_register"]][:, 0]
        est = proportion(int((check == 0).sum()), d.shots)
        theta, phi = state_angles(spec)
        per_state[label] = {
            "fidelity": est.value,
            "fidelity_stderr": est.stderr,
            "theory": channel_fidelity(choi, theta, phi),
        }
    k = len(per_state)
    mean = sum(v["fidelity"] for v in per_state.values()) / k
    stderr = math.sqrt(sum(v["fidelity_stderr"] ** 2 for v in per_state.values())) / k
    theory = sum(v["theory"] for v in per_state.values()) / k
    return {
        "command": "teleport",
        "resource": list(resource),
        "correction": args.correction,
        "gate_error": lam,
        "readout_error": eps,
        "fidelity": mean,
        "fidelity_stderr": stderr,
        "theory": theory,
        "states": per_state,
        "theory_per_basis": physics.teleport_fidelities_bell_diagonal(choi),
        "classical_limit": physics.CLASSICAL_TELEPORT_FIDELITY,
        "shots": shots,
        "seed": seed,
        "method": data[0].metadata.get("method"),
    }


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
