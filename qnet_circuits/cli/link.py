"""``qnet link``: one heralded link, simulated beside the closed forms."""

from __future__ import annotations

import argparse
import math

from qnet_circuits.analysis import bell_fidelity, heralded_mask, proportion
from qnet_circuits.cli.common import Context, fmt, number
from qnet_circuits.library.generation import heralded_link
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.network import SCHEMES, Network, chain
from qnet_circuits.physics import fidelity_phi_plus, link_theory
from qnet_circuits.run import heralded_density_matrix

HELP = "heralded entanglement over one fiber link (single-click, double-click, midpoint source)"
DEFAULT_SHOTS = 20000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scheme", choices=SCHEMES, default="double-click")
    parser.add_argument("--length-km", type=number, default=20.0,
                        help="node-to-node distance in km; the station sits halfway (default 20)")
    parser.add_argument("--alpha", type=number, default=0.1,
                        help="single-click bright-state population in (0, 1) (default 0.1)")
    parser.add_argument("--detector-efficiency", type=number, default=1.0)
    parser.add_argument("--dark-count", type=number, default=0.0,
                        help="dark-count probability per detector per window")
    parser.add_argument("--attenuation", type=number, default=0.2, help="fiber loss in dB/km")
    parser.add_argument("--t1", type=number, default=math.inf, help="memory T1 in s (default inf)")
    parser.add_argument("--t2", type=number, default=math.inf, help="memory T2 in s (default inf)")
    parser.add_argument("--correction", choices=("dynamic", "deferred"), default="dynamic",
                        help="Pauli-frame correction with if_test or deferred controlled gates")


def network_from_args(args: argparse.Namespace) -> Network:
    """The one-link network described by the flags (validated by the specs)."""
    return chain(
        1,
        args.length_km,
        scheme=args.scheme,
        alpha=args.alpha,
        detector_efficiency=args.detector_efficiency,
        dark_count_prob=args.dark_count,
        attenuation_db_per_km=args.attenuation,
        t1_s=args.t1,
        t2_s=args.t2,
    )


def run(args: argparse.Namespace, ctx: Context) -> dict:
    network = network_from_args(args)
    link = network.links[0]
    circuit = heralded_link(link, correction=args.correction)
    ctx.protocol_circuit(circuit)
    bases = pauli_basis_circuits(circuit, circuit.metadata["pair"])
    data = dict(zip(bases, ctx.runner.run(list(bases.values()), shots=ctx.shots, seed=ctx.seed,
                                          network=network)))
    all_shots = list(data.values())
    heralded = sum(_mask_count(d) for d in all_shots)
    p = _pooled_success(all_shots)
    fidelity = bell_fidelity(data)
    result = {
        "command": "link",
        "scheme": link.scheme,
        "length_km": link.fiber.length_km,
        "parameters": {
            "alpha": link.alpha if link.scheme == "single-click" else None,
            "arm_efficiency": link.arm_efficiency,
            "detector_efficiency": link.detector.efficiency,
            "dark_count": link.detector.dark_count_prob,
            "t1_s": network.node(link.a).memory.t1_s,
            "t2_s": network.node(link.a).memory.t2_s,
            "correction": args.correction,
        },
        "shots": ctx.shots * len(all_shots),
        "heralded_shots": heralded,
        "seed": ctx.seed,
        "backend": ctx.backend,
        "method": all_shots[0].metadata.get("method"),
        **p.to_dict("p_success"),
        **fidelity.to_dict("fidelity"),
        "theory": link_theory(link, network),
    }
    if ctx.is_simulator:
        deferred = heralded_link(link, correction="deferred")
        rho, p_exact = heralded_density_matrix(deferred, network)
        result["exact"] = {"fidelity": fidelity_phi_plus(rho.data), "p_success": p_exact,
                           "source": "density matrix of the deferred-measurement circuit"}
    return result


def _mask_count(data) -> int:
    return int(heralded_mask(data).sum())


def _pooled_success(all_shots):
    """Success probability pooled over the three basis runs (the herald ignores the basis)."""
    return proportion(sum(_mask_count(d) for d in all_shots), sum(d.shots for d in all_shots))


def render(result: dict) -> str:
    th = result["theory"]
    lines = [
        f"qnet link: {result['scheme']} over {result['length_km']:g} km "
        f"({result['shots']} attempts, {result['heralded_shots']} heralded, {result['method']})",
        f"{'':14}{'simulated':>22}{'theory':>14}",
        f"{'p_success':14}{fmt(result['p_success'], result['p_success_stderr']):>22}"
        f"{fmt(th['p_success']):>14}",
        f"{'fidelity':14}{fmt(result['fidelity'], result['fidelity_stderr']):>22}"
        f"{fmt(th.get('fidelity')):>14}",
    ]
    if "exact" in result:
        lines.append(f"{'exact (DM)':14}{fmt(result['exact']['fidelity']):>22}")
    lines.append(f"rate (theory): {th['rate_hz']:.4g} Hz at a cycle time of "
                 f"{th['cycle_time_s'] * 1e6:.4g} us")
    if th.get("note"):
        lines.append(f"note: {th['note']}")
    return "\n".join(lines)
