"""``qnet remote-cnot``: a CNOT between Alice and Bob from one Bell pair and two classical bits.

Runs the truth table (inputs 00, 01, 10, 11, read in Z) and the entangling case |+>|0>, whose
Phi+ fidelity (from XX/YY/ZZ parities) is the process fidelity A of the gate for a Bell-diagonal
resource (section 13: the resource adds I/Z_cX_t/X_t/Z_c with probabilities A/B/C/D). Each
computational input gives the right output with probability A + D.

Noise: ``--gate-error`` after the local CNOTs and ``--readout-error`` on every measurement, at
both nodes (no closed form then: ``theory`` is null).

Example::

    qnet remote-cnot --fidelity 0.9 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qiskit.circuit import ClassicalRegister

from qnet_circuits import physics
from qnet_circuits.analysis import bell_fidelity, proportion
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
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.swapping import CORRECTIONS
from qnet_circuits.library.teleportation import remote_cnot_circuit

HELP = "remote CNOT with one Bell pair and two bits: truth table and process fidelity"

INPUTS = ("00", "01", "10", "11")  # control bit, target bit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet remote-cnot``."""
    add_pair_arguments(parser, "the shared pair (one pair)")
    add_noise_arguments(parser, "at Alice and Bob (local CNOTs, all measurements)")
    parser.add_argument("--correction", choices=CORRECTIONS, default="dynamic",
                        help="dynamic (if_test) or deferred (controlled gates, no control flow)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Truth table plus the |+>|0> case; JSON-able result."""
    lam, eps = check_noise(args)
    resource = single_pair_input(args, "remote-cnot", "shared pair")
    truth = []
    for label in INPUTS:
        qc = remote_cnot_circuit(label[0], label[1], resource, correction=args.correction)
        out = ClassicalRegister(2, "out")
        qc.add_register(out)
        qc.measure(qc.metadata["pair"], out)
        truth.append(qc)
    bell = remote_cnot_circuit("+", "0", resource, correction=args.correction)
    record_protocol(ctx, bell)
    bases = pauli_basis_circuits(bell, bell.metadata["pair"])
    network = node_network(["alice", "bob"], ["alice", "bob"], lam, eps)
    shots, seed = shots_and_seed(ctx)
    data = runner_of(ctx).run([*truth, *bases.values()], shots=shots, seed=seed, network=network)
    closed = lam == 0.0 and eps == 0.0
    p_correct = physics.remote_cnot_flip_probability(resource)
    table = {}
    for label, d in zip(INPUTS, data[:4], strict=True):
        c, t = int(label[0]), int(label[1])
        bits = d["out"]
        hits = int(((bits[:, 0] == c) & (bits[:, 1] == (t ^ c))).sum())
        est = proportion(hits, d.shots)
        table[label] = {
            "expected": f"{c}{t ^ c}",
            "p_correct": est.value,
            "p_correct_stderr": est.stderr,
            "theory": p_correct if closed else None,
        }
    fid = bell_fidelity(dict(zip(bases, data[4:], strict=True)))
    process = physics.remote_cnot_process_fidelity(resource)
    return {
        "command": "remote-cnot",
        "resource": list(resource),
        "correction": args.correction,
        "gate_error": lam,
        "readout_error": eps,
        "fidelity": fid.value,
        "fidelity_stderr": fid.stderr,
        "theory": process if closed else None,
        "theory_average_gate_fidelity": (4 * process + 1) / 5 if closed else None,
        "truth_table": table,
        "flip_probability": table["10"]["p_correct"],
        "flip_probability_stderr": table["10"]["p_correct_stderr"],
        "theory_note": None if closed else "no closed form with gate or readout error",
        "shots": shots,
        "seed": seed,
        "method": data[0].metadata.get("method"),
    }


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
