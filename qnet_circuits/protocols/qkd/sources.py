"""QKD pair sources: a Werner pair, a link's heralded state, or a repeater chain's end pair.

>>> source_circuit(0.97, None).metadata["protocol"]
'bell_diagonal_pair'
"""

from __future__ import annotations

from typing import Any

from qiskit.circuit import QuantumCircuit

from qnet_circuits import physics
from qnet_circuits.library.generation import heralded_state, werner_pair
from qnet_circuits.network import Link, Network


def source_circuit(fidelity: float | None, link: Link | None) -> QuantumCircuit:
    """The pair source: ``werner_pair(fidelity)``, or ``heralded_state(link)`` when it is None."""
    if fidelity is not None:
        return werner_pair(fidelity)
    if link is None:
        raise ValueError("give a source fidelity (Werner source) or a link (heralded source)")
    return heralded_state(link)


def ideal_nodes(network: Network | None) -> bool:
    """True when no node of ``network`` has memory decay, gate or readout error."""
    if network is None:
        return True
    return all(
        n.memory.ideal and n.gate_error == 0 and n.readout_error == 0 for n in network.nodes
    )


def chain_source(network: Network, link_fidelity: float, seed: int) -> tuple[QuantumCircuit, dict]:
    """The end-to-end pair of a repeater chain of Werner links (ideal memories and swaps).

    The scheduler emits the chain as one circuit; with ideal memories the delivered state does not
    depend on the sampled timing, so that one circuit is the QKD source, and the sampled timeline
    gives the delivery rate. The closed form (reference section 4) is a Werner state of fidelity
    ``chain_fidelity([F] * n)``.
    """
    from qnet_circuits.protocols.chain import simulate
    from qnet_circuits.scheduler import ChainPlan

    result = simulate(network, ChainPlan(link_fidelity=link_fidelity), realizations=2000,
                      seed=seed)
    n = len(network.links)
    info: dict[str, Any] = {
        "fidelity_end_theory": physics.chain_fidelity([link_fidelity] * n),
        "fidelity_end": result.fidelity.value,
        "fidelity_end_stderr": result.fidelity.stderr,
        "delivery_rate_hz": result.rate_hz.value,
        "delivery_rate_hz_stderr": result.rate_hz.stderr,
        "qubits": result.qubits,
    }
    return result.metadata["circuit"], info


__all__ = ["chain_source", "ideal_nodes", "source_circuit"]
