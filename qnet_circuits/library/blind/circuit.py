"""The server's circuit: prepare the client's states (directly or teleported over a Werner link),
entangle the graph, measure in the rotated bases the client's secrets define.

The circuit is *role-independent*: the server's instructions are the same for every run, the
client's secrets are Parameters (:class:`~qnet_circuits.library.blind.ClientRuns` computes their
values). The measurement rotation ``p(-delta)`` is split into ``p(-base)``, ``p(+flip)`` if the
flow X-dependency reported 1, and ``p(-pi w_j)`` for each Z-dependency j that reported 1.

>>> from qnet_circuits.library.blind.pattern import path_pattern
>>> qc = blind_circuit(path_pattern((1, 2, 3), (2, 1), "line3"))
>>> qc.num_qubits, sorted({p.vector.name for p in qc.parameters})
(2, ['alpha', 'base', 'beta', 'flip'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from qiskit.circuit import ClassicalRegister, ParameterVector, QuantumCircuit, QuantumRegister

from qnet_circuits.library.blind.base import Correction
from qnet_circuits.library.blind.pattern import MeasurementPattern, z_dep_slots


def _cphase(qc: QuantumCircuit, lam, control, target) -> None:
    """Controlled phase as p/cx (Aer 0.18.2 drops ``parameter_binds`` for a parameterized cp)."""
    qc.p(lam / 2, control)
    qc.cx(control, target)
    qc.p(-lam / 2, target)
    qc.cx(control, target)
    qc.p(lam / 2, target)


@dataclass
class _Plan:
    """The server's schedule: steps ``("prep", node, slot, fresh)``, ``("cz", slot, slot)``,
    ``("measure", node)``, the qubit slot of every node and the number of slots."""

    steps: list[tuple] = field(default_factory=list)
    slot_of: dict[int, int] = field(default_factory=dict)
    n_slots: int = 0


def _consumers(pattern: MeasurementPattern) -> list[set[int]]:
    """For each node: the measured nodes whose rotation reads its reported bit."""
    out: list[set[int]] = [set() for _ in range(pattern.num_nodes)]
    for i in range(pattern.num_measured):
        if pattern.x_dep(i) >= 0:
            out[pattern.x_dep(i)].add(i)
        for j in pattern.z_deps(i):
            out[j].add(i)
    return out


def _plan(pattern: MeasurementPattern, correction: Correction, reuse: bool) -> _Plan:
    """Slot allocation: a node is prepared (and entangled with its prepared neighbours) just
    before it or a neighbour is measured; with ``reuse`` a measured qubit's slot is freed once
    nothing reads it any more (dynamic: at once; deferred: after its last controlled phase)."""
    n, m = pattern.num_nodes, pattern.num_measured
    consumers = _consumers(pattern)
    plan = _Plan()
    free: list[int] = []
    prepared: set[int] = set()
    measured: set[int] = set()
    held: set[int] = set()  # measured but still needed as control (deferred)

    def prepare(u: int) -> None:
        if u in prepared:
            return
        if reuse and free:
            slot, fresh = free.pop(0), False
        else:
            slot, fresh = plan.n_slots, True
            plan.n_slots += 1
        plan.slot_of[u] = slot
        prepared.add(u)
        plan.steps.append(("prep", u, slot, fresh))
        for k in pattern.neighbours(u):
            if k in prepared:
                if k in measured:  # cannot happen for a valid flow order
                    raise RuntimeError(f"vertex {k} measured before its neighbour {u} was prepared")
                plan.steps.append(("cz", plan.slot_of[k], slot))

    def release(i: int) -> None:
        if reuse:
            free.append(plan.slot_of[i])
            free.sort()

    for i in range(m):
        prepare(i)
        for k in pattern.neighbours(i):
            prepare(k)
        plan.steps.append(("measure", i))
        measured.add(i)
        if correction == "dynamic":
            release(i)
        else:
            held.add(i)
            for j in sorted(held):
                if consumers[j] <= measured:
                    held.discard(j)
                    release(j)
    for o in range(m, n):
        prepare(o)
    return plan


class _Emitter:
    """Writes a plan's steps into a circuit: registers, the client's ParameterVectors, the link."""

    def __init__(self, pattern: MeasurementPattern, plan: _Plan, correction: Correction,
                 link_fidelity: float | None, deviating: bool) -> None:
        n, m = pattern.num_nodes, pattern.num_measured
        self.pattern, self.plan, self.correction = pattern, plan, correction
        self.deviating, self.link = deviating, link_fidelity is not None
        self.zslots = z_dep_slots(pattern)
        n_w = sum(len(z) for z in self.zslots)
        self.server = QuantumRegister(max(plan.n_slots, 1), "server")
        self.bits = ClassicalRegister(n, "server_b")
        regs: list = [self.server, self.bits]
        if self.link:
            self.client_q = QuantumRegister(1, "client_q")
            self.client_mem = QuantumRegister(1, "client_mem")
            self.link_anc = QuantumRegister(2, "link_anc")
            self.link_bsm = ClassicalRegister(2, "link_bsm")
            regs = [self.server, self.client_q, self.client_mem, self.link_anc, self.bits,
                    self.link_bsm]
        self.qc = QuantumCircuit(*regs, name=f"ubqc_{pattern.name}")
        self.alpha = ParameterVector("alpha", n)
        self.beta = ParameterVector("beta", n)
        self.base = ParameterVector("base", m)
        self.flip = ParameterVector("flip", m)
        self.w = ParameterVector("w", n_w) if n_w else None
        if deviating:
            self.dev_x = ParameterVector("dev_x", m)
            self.dev_z = ParameterVector("dev_z", m)
            self.dev_m = ParameterVector("dev_m", m)
        if self.link:
            from qnet_circuits.physics import werner_coefficients

            self.coeffs = werner_coefficients(link_fidelity)

    def prep(self, u: int, slot: int, fresh: bool) -> None:
        """The client's state of node ``u`` on server qubit ``slot`` (teleported with a link)."""
        qc, q = self.qc, self.server[slot]
        if not fresh:
            qc.reset(q)
        if not self.link:
            qc.ry(self.alpha[u], q)
            qc.p(self.beta[u], q)
            return
        from qnet_circuits.library.generation import prepare_bell_diagonal
        from qnet_circuits.library.teleportation import append_teleport

        qc.ry(self.alpha[u], self.client_q[0])
        qc.p(self.beta[u], self.client_q[0])
        prepare_bell_diagonal(qc, self.client_mem[0], q, list(self.link_anc), self.coeffs)
        append_teleport(qc, self.client_q[0], self.client_mem[0], q, self.link_bsm,
                        self.correction, reset=True)

    def _controlled_phase(self, angle, dep: int, q) -> None:
        """``p(angle)`` on ``q`` if node ``dep`` reported 1 (if_test, or a deferred cphase)."""
        if self.correction == "dynamic":
            with self.qc.if_test((self.bits[dep], 1)):
                self.qc.p(angle, q)
        else:
            _cphase(self.qc, angle, self.server[self.plan.slot_of[dep]], q)

    def measure(self, i: int, measure: bool) -> None:
        """Rotate node ``i`` by ``-delta`` (base, flip, Z-dependencies), ``h``, measure."""
        qc, q = self.qc, self.server[self.plan.slot_of[i]]
        if self.deviating:
            qc.rx(math.pi * self.dev_x[i], q)
            qc.rz(math.pi * self.dev_z[i], q)
        qc.p(-self.base[i], q)
        xd = self.pattern.x_dep(i)
        if xd >= 0:
            self._controlled_phase(self.flip[i], xd, q)
        for j, widx in self.zslots[i]:
            self._controlled_phase(-math.pi * self.w[widx], j, q)
        qc.h(q)
        if self.deviating:
            qc.rx(math.pi * self.dev_m[i], q)
        if measure:
            qc.measure(q, self.bits[i])


def _check_options(correction, reuse, link_fidelity, measure, nodes) -> float | None:
    if correction not in ("dynamic", "deferred"):
        raise ValueError(f"correction must be 'dynamic' or 'deferred', got {correction!r}")
    if len(nodes) != 2 or not all(isinstance(x, str) and x for x in nodes):
        raise ValueError(f"nodes must be two node names (client, server), got {nodes!r}")
    if not measure and (correction != "deferred" or reuse or link_fidelity is not None):
        raise ValueError("measure=False needs correction='deferred', reuse=False and no link")
    if link_fidelity is not None:
        link_fidelity = float(link_fidelity)
        if not 0.25 <= link_fidelity <= 1.0:
            raise ValueError(f"link_fidelity must be in [0.25, 1] (Werner), got {link_fidelity!r}")
    return link_fidelity


def blind_circuit(
    pattern: MeasurementPattern,
    *,
    correction: Correction = "dynamic",
    reuse: bool = True,
    link_fidelity: float | None = None,
    deviating: bool = False,
    measure: bool = True,
    nodes: tuple[str, str] = ("client", "server"),
) -> QuantumCircuit:
    """The server's circuit for ``pattern``, with the client's secrets as Parameters.

    Parameters (ParameterVectors, one entry per node index): ``alpha``, ``beta`` (the client's
    state ``p(beta) ry(alpha)|0>``: alpha = pi/2 for |+_theta>, pi d for a dummy |d>), ``base``
    and ``flip`` (measurement angle, radians), ``w`` (one per flow Z-dependency, 0 or 1); with
    ``deviating`` also ``dev_x``, ``dev_z`` (Pauli X^x Z^z just before the measurement) and
    ``dev_m`` (flip of the reported bit). :class:`ClientRuns` computes their values.

    Args:
        pattern: the server's graph and flow (angles are not used: they are the client's).
        correction: ``"dynamic"`` (``if_test`` on reported bits) or ``"deferred"`` (controlled
            phases from the measured qubits, no control flow).
        reuse: measure-and-reset qubits as soon as the pattern allows (width ~ a few columns).
        link_fidelity: None: the client's states reach the server ideally; else each state is
            teleported over a Werner pair of this fidelity (the link's noise acts).
        deviating: include the dishonest-server gates (parameterized; zero = honest).
        measure: False only with deferred correction, no reuse and no link: no measurements,
            for exact Statevector checks (qubit of node i = ``metadata["node_qubit"][i]``).
        nodes: network node names of (client, server) for ``metadata["nodes"]``: run with a
            :class:`~qnet_circuits.network.Network`, the server's gate and readout errors act.

    Registers: ``server`` (qubits), ``server_b`` (bit i = node i's reported outcome), and with a
    link ``client_q``, ``client_mem``, ``link_anc``, ``link_bsm``.
    """
    link_fidelity = _check_options(correction, reuse, link_fidelity, measure, nodes)
    n, m = pattern.num_nodes, pattern.num_measured
    plan = _plan(pattern, correction, reuse)
    emit = _Emitter(pattern, plan, correction, link_fidelity, deviating)
    for step in plan.steps:
        if step[0] == "prep":
            emit.prep(*step[1:])
        elif step[0] == "cz":
            emit.qc.cz(emit.server[step[1]], emit.server[step[2]])
        else:
            emit.measure(step[1], measure)
    qc = emit.qc
    if measure:
        for o in range(m, n):
            qc.measure(emit.server[plan.slot_of[o]], emit.bits[o])
    client_node, server_node = nodes
    nodes_meta = {"server": server_node}
    if link_fidelity is not None:
        nodes_meta.update({"client_q": client_node, "client_mem": client_node})
    qc.metadata = {
        "protocol": "ubqc",
        "pattern": pattern.name,
        "nodes": nodes_meta,
        "heralds": [],
        "correction": correction,
        "reuse": reuse,
        "link_fidelity": link_fidelity,
        "deviating": deviating,
        "node_qubit": [plan.slot_of[i] for i in range(n)],
        "num_nodes": n,
        "num_measured": m,
    }
    return qc


__all__ = ["blind_circuit"]
