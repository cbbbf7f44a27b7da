"""``qnet distribute``: run a circuit split over network nodes, ebits from the network's links.

For this command ``--qasm FILE`` is the INPUT circuit (OpenQASM 2 or 3; it is never written).
The protocol is :mod:`qnet_circuits.protocols.distribute`.

Example::

    qnet distribute --circuit qft:6 --nodes 2 --link-fidelity 0.95 --json
    qnet distribute --qasm IN.qasm --nodes 2 --json
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from qnet_circuits.cli.common import number

HELP = "circuit split over network nodes: cat-entangler ebits, fidelity and TVD vs monolithic"
DEFAULT_SHOTS = 2000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet distribute``."""
    for action in parser._actions:
        if action.dest == "qasm":
            action.help = "the input circuit as OpenQASM 2 or 3 (read, never written)"
    parser.add_argument("--circuit", default="qft:4",
                        help="qft:N, ghz:N, adder:N or random:N:GATES:SEED (when no --qasm)")
    parser.add_argument("--nodes", type=int, default=2, help="processors (parts), 2 <= nodes <= qubits")
    parser.add_argument("--placement", default=None,
                        help="node of each qubit, comma-separated (e.g. 0,0,1,1); default: partitioning")
    parser.add_argument("--link-fidelity", type=number, default=None,
                        help="Werner fidelity of every link (default: the physical heralded state)")
    parser.add_argument("--length-km", type=number, default=10.0, help="node-to-node fiber length (km)")
    parser.add_argument("--t1", type=number, default=math.inf, help="memory T1 (s)")
    parser.add_argument("--t2", type=number, default=math.inf, help="memory T2 (s)")
    parser.add_argument("--gate-error", type=number, default=0.0, help="node two-qubit depolarizing")
    parser.add_argument("--readout-error", type=number, default=0.0, help="node readout flip probability")
    parser.add_argument("--dark-count-prob", type=number, default=0.0, help="detector dark counts")
    parser.add_argument("--max-open", type=int, default=1,
                        help="open cat groups holding an ebit half per node (width vs ebits)")
    parser.add_argument("--sampling", default="auto",
                        help="auto (exact fast forms: deferred for ideal ebits, Pauli frames for "
                             "Bell-diagonal ones, fixed channels for finite T1) or dynamic (the "
                             "mid-circuit circuit, per shot)")
    parser.add_argument("--remote", default="auto",
                        help="gates (teleported gates only), moves (teleport the qubits) or auto "
                             "(per non-local gate whichever costs fewer ebits; never more than gates)")
    parser.add_argument("--capacity", type=int, default=None,
                        help="data qubits a node holds at once (default: its placed qubits + 1 slot)")


def _placement(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise ValueError(f"--placement must be comma-separated node numbers (e.g. 0,0,1), got "
                         f"{text!r}") from None


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.distribute.DistributeParams` and run."""
    from qnet_circuits.protocols import distribute as protocol

    qasm, source = None, "<qasm>"
    if args.qasm is not None:
        from qnet_circuits.cli.common import read_input_file

        qasm, source = read_input_file("--qasm", args.qasm), str(args.qasm)
    params = protocol.DistributeParams(
        circuit=args.circuit, qasm=qasm, source=source, nodes=args.nodes,
        placement=_placement(args.placement), link_fidelity=args.link_fidelity,
        length_km=args.length_km, t1_s=args.t1, t2_s=args.t2, gate_error=args.gate_error,
        readout_error=args.readout_error, dark_count_prob=args.dark_count_prob,
        max_open=args.max_open, sampling=args.sampling, remote=args.remote,
        capacity=args.capacity)
    result = protocol.run(params, runner=ctx.runner, shots=ctx.shots, seed=ctx.seed)
    return result.to_dict()


def _num(x: Any) -> str:
    return "n/a" if x is None else f"{x:.6f}"


def render(result: dict) -> str:
    """Human-readable summary."""
    th = result["theory"]
    return "\n".join([
        f"{result['circuit']} over {result['nodes']} nodes: {result['ebits']} ebits "
        f"(reference, one per non-local gate: {result['reference_ebits']}), "
        f"{result['classical_bits']} classical bits (+{result['swap_classical_bits']} for swaps)",
        f"  remote {result['remote']}: {result['ebits_teleported_gates']} ebits for teleported gates, "
        f"{result['ebits_moves']} for qubit moves (gates only: {result['gates_only_ebits']} ebits)",
        f"  width {result['qubits']} qubits ({result['data_qubits']} data), depth {result['depth']} "
        f"(monolithic {result['monolithic_depth']})",
        f"  fidelity {_num(result['fidelity'])} (exact density matrix)   theory {_num(th['fidelity'])}"
        + (f"   bound >= {th['fidelity_bound']:.6f}" if th.get("fidelity_bound") is not None else
           f"   Pauli approximation {_num(th.get('fidelity_pauli_approximation'))} (finite T1: "
           "no bound)"),
        f"  TVD to the monolithic output {result['tvd']:.4f} (sampling scale "
        f"{result['tvd_sampling_scale']:.4f})   theory {_num(th['tvd'])}",
        f"  simulated form: {result['form']}",
    ])
