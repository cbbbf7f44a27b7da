"""The circuit's layout and its waits: which register holds each node's memories (measured
qubits are reset and reused, so the width stays constant), and the emitter that writes every
idle period as one Delay whose duration is a Parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from qiskit.circuit import Parameter, QuantumCircuit, QuantumRegister, Qubit

from qnet_circuits.network import Network, Node
from qnet_circuits.scheduler.links import LinkModel, _eigen, _prep_kind, node_map
from qnet_circuits.scheduler.plan import ChainPlan


class _Emitter:
    """Accumulates each qubit's waits and writes one Delay per idle period before its next op."""

    def __init__(self, n_bind: int, owner: Callable[[Qubit], str]) -> None:
        self.n_bind = n_bind
        self.owner = owner
        self.pending: dict[Qubit, tuple[np.ndarray, list[str]]] = {}
        self.parameters: list[Parameter] = []
        self.values: list[np.ndarray] = []
        self.waits: list[tuple[str, str, str]] = []

    def wait(self, q: Qubit, seconds: float | np.ndarray, what: str) -> None:
        arr = np.broadcast_to(np.asarray(seconds, dtype=float), (self.n_bind,))
        if (arr < -1e-15).any():
            raise RuntimeError(f"negative wait for {what}")
        if q in self.pending:
            old, whats = self.pending[q]
            self.pending[q] = (old + arr, [*whats, what])
        else:
            self.pending[q] = (arr.copy(), [what])

    def flush(self, qc: QuantumCircuit, *qubits: Qubit) -> None:
        for q in qubits:
            item = self.pending.pop(q, None)
            if item is None:
                continue
            values, whats = item
            values = np.maximum(values, 0.0)
            if not values.any():
                continue
            param = Parameter(f"w{len(self.parameters)}")
            qc.delay(param, q, unit="s")
            self.parameters.append(param)
            self.values.append(values)
            self.waits.append((param.name, self.owner(q), "+".join(whats)))

    def flush_all(self, qc: QuantumCircuit) -> None:
        self.flush(qc, *list(self.pending))


def _physics_key(node: Node) -> tuple:
    return (node.memory, node.gate_error, node.readout_error)


@dataclass
class _Layout:
    registers: list[QuantumRegister]
    node_regs: list[QuantumRegister]  # per path node
    anc: QuantumRegister
    photon: QuantumRegister | None
    nodes_meta: dict[str, str]
    node_slots: dict[str, str]
    slot_owner: dict[Qubit, str]
    detectors: dict[str, str]

    def side(self, j: int, right_side: bool, m: int, n_links: int) -> list[Qubit]:
        """Working qubits of node ``v_j`` for the link on its right (``right_side``) or left."""
        reg = self.node_regs[j]
        if 0 < j < n_links and right_side:
            return list(reg[1 : m + 1])
        return list(reg[0:m])


def _ancillas_needed(models: Sequence[LinkModel], plan: ChainPlan) -> int:
    """Noiseless ancillas: 2 for mixed-state preparation or twirls, else 1 (the dilation
    ancilla of the memory-noise pass; one qubit fewer roughly halves the statevector's cost per
    operation at this width)."""
    if plan.purification is not None and plan.purification.protocol == "bbpssw":
        return 2
    if plan.link_level == "photonic":
        return 1
    for mdl in models:
        for framed in (True, False):
            rho = mdl.state(framed)
            kind = _prep_kind(rho)[0]
            if kind == "bell" or (kind == "general" and len(_eigen(rho)[0]) > 2):
                return 2
    return 1


def _layout(network: Network, path: list[str], models: list[LinkModel], plan: ChainPlan,
            reuse: bool = True) -> _Layout:
    """Registers of the path's nodes: with ``reuse`` repeaters of equal physics alternate between
    two registers (constant width); without, every repeater has its own (width 2 + (m + 1)(N - 1)
    plus ancillas, and the chain's interaction graph is a line, see ``emit_chain``)."""
    n = len(path) - 1
    m = plan.slots
    end_a, end_b = path[0], path[-1]
    regs: list[QuantumRegister] = []
    node_regs: list[QuantumRegister] = []
    nodes_meta: dict[str, str] = {}
    node_slots: dict[str, str] = {}
    owner: dict[Qubit, str] = {}
    a_reg = QuantumRegister(m, f"{end_a}_mem")
    regs.append(a_reg)
    nodes_meta[a_reg.name] = end_a
    groups: dict[tuple, QuantumRegister] = {}
    nodes = node_map(network)
    for j in range(1, n):
        node = nodes[path[j]]
        key = (_physics_key(node), j % 2) if reuse else (node.name,)
        if key not in groups:
            reg = QuantumRegister(m + 1, f"{node.name}_mem")
            groups[key] = reg
            regs.append(reg)
            nodes_meta[reg.name] = node.name
        node_regs.append(groups[key])
    b_reg = QuantumRegister(m, f"{end_b}_mem")
    regs.append(b_reg)
    nodes_meta[b_reg.name] = end_b
    node_regs = [a_reg, *node_regs, b_reg]
    for j, name in enumerate(path):
        node_slots[name] = node_regs[j].name
    for reg in regs:
        for q in reg:
            owner[q] = nodes_meta[reg.name]
    anc = QuantumRegister(_ancillas_needed(models, plan), "src_anc")
    regs.append(anc)
    photon = None
    detectors: dict[str, str] = {}
    if plan.link_level == "photonic":
        width = max(6 if mdl.link.scheme == "midpoint" else 3 for mdl in models)
        photon = QuantumRegister(width, "photon")
        regs.append(photon)
        dets = {mdl.link.detector for mdl in models}
        if len(dets) > 1:
            raise ValueError(
                "link_level='photonic' needs the same detectors on every link of the path; use "
                "link_level='state' for mixed detectors"
            )
        if models[0].link.scheme != "midpoint":
            detectors[photon.name] = models[0].link.name
    return _Layout(regs, node_regs, anc, photon, nodes_meta, node_slots, owner, detectors)
