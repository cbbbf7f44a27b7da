"""Qubit moves: teleport a data qubit to another node instead of teleporting its gates.

A move sends data qubit q from node A to a free memory slot at node B through one ebit (a at A,
b = the slot at B) and two classical bits (Bennett et al. 1993): ``CX(q, a); H(q); m_z =
measure(q); m_x = measure(a); if m_x: X(b); if m_z: Z(b)``. Afterwards q's gates with B's qubits
are local and the placement is time dependent (q may move on, back home, or stay).

**Node capacity.** A node holds at most ``capacity[node]`` data qubits at once (its home qubits,
the ones the placement puts there, included); a move needs a free slot at the receiving node.
Slots are the home qubits of qubits that left (reset and reused) and extra one-qubit registers
``<host>_slot<j>``, created only when no slot is free, so a node never has more data-slot qubits
than its capacity. Default (``capacity=None``): the node's home qubits plus one spare slot.
Communication qubits (ebit halves) are not data slots and are not counted.

**Choice per stretch** (``remote``): ``"gates"`` never moves (every non-local gate is a
teleported gate, Eisert et al. PRA 62, 052317, 2000, grouped as in
:mod:`~qnet_circuits.library.distributed.rewrite`); ``"moves"`` resolves each non-local gate by
moving one of its two qubits to the other's node (whichever leaves the cheaper rest of the
circuit), falling back to a teleported gate only when neither node has a free slot; ``"auto"``
chooses at each non-local gate among the teleported gate and the two moves the option with the
fewest ebits now plus the ebits of the gates-only rewrite of the rest of the circuit under the
resulting placement (a one-step rollout over the gates-only policy: Bertsekas, Tsitsiklis & Wu,
J. Heuristics 3, 245 (1997); cost O(non-local gates x operations)). A rollout never costs more
than its base policy, so ``"auto"`` never uses more ebits than ``"gates"``; ties keep the
teleported gate. The choice between cat-entangled gate bursts and teleported qubits per block
follows AutoComm (Wu et al., MICRO 2022, "Cat-Comm" vs "TP-Comm"); Andres-Martinez & Heunen
(PRA 100, 032308, 2019) embed gates to merge more of them into one ebit: that embedding is not
implemented here.

>>> from qiskit import QuantumCircuit
>>> qc = QuantumCircuit(3)
>>> for _ in range(3): _ = qc.cx(0, 1); _ = qc.h(0); _ = qc.cx(2, 0); _ = qc.h(0)
>>> plan = plan_moves(qc, {0: 0, 1: 1, 2: 1}, "auto")
>>> plan.gates_only_ebits, plan.ebits, plan.moves
(4, 1, {0: [(0, 1)]})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qiskit import ClassicalRegister, QuantumRegister

__all__ = ["REMOTE", "MovePlan", "capacities", "emit_move", "plan_moves"]

#: ways to carry out a non-local gate (``distribute(remote=...)``)
REMOTE = ("gates", "moves", "auto")


def capacities(placement: Mapping[int, int], n_nodes: int,
               capacity: int | Sequence[int] | Mapping[int, int] | None) -> list[int]:
    """Data qubits each node holds at once (validated): ``None`` -> home qubits + 1 per node.

    >>> capacities({0: 0, 1: 0, 2: 1}, 2, None), capacities({0: 0, 1: 1}, 2, 3)
    ([3, 2], [3, 3])
    """
    home = [sum(1 for v in placement.values() if v == node) for node in range(n_nodes)]
    if capacity is None:
        return [h + 1 for h in home]
    if isinstance(capacity, bool):
        raise ValueError(f"capacity must be an int, one int per node, or None, got {capacity!r}")
    if isinstance(capacity, int):
        caps = [capacity] * n_nodes
    elif isinstance(capacity, Mapping):
        caps = [capacity.get(node, home[node] + 1) for node in range(n_nodes)]
    else:
        caps = list(capacity)
        if len(caps) != n_nodes:
            raise ValueError(f"capacity names {len(caps)} nodes but there are {n_nodes}; give one "
                             "per node")
    for node, (c, h) in enumerate(zip(caps, home)):
        if isinstance(c, bool) or not isinstance(c, int) or c < h:
            raise ValueError(f"capacity of node {node} ({c!r}) is below the {h} qubits placed there; "
                             f"give an integer >= {h}")
    return caps


class _Cost:
    """The gates-only rewrite's ebit count, step by step (mirrors ``rewrite._Builder.gate``)."""

    def __init__(self, where: list[int], caps: list[int], max_open: int | None) -> None:
        self.where, self.caps, self.max_open = where, caps, max_open
        self.open: dict[int, int] = {}          # control -> remote node (insertion order = age)
        self.occupancy = [0] * len(caps)
        for node in where:
            self.occupancy[node] += 1
        self.ebits = 0

    def copy(self) -> _Cost:
        c = _Cost.__new__(_Cost)
        c.where, c.caps, c.max_open = list(self.where), self.caps, self.max_open
        c.open, c.occupancy, c.ebits = dict(self.open), list(self.occupancy), self.ebits
        return c

    def step(self, name: str, qs: Sequence[int], moving: bool = False) -> None:
        """Operation ``qs`` as the gates-only rewrite does it; ``moving``: as the plain moves
        policy (a non-local gate moves its control to the target's node, else the target to
        the control's, else it is a teleported gate)."""
        if name in ("cx", "cz") and self.where[qs[0]] != self.where[qs[1]]:
            c, t = qs
            if moving:
                for q, dest in ((c, self.where[t]), (t, self.where[c])):
                    if self.can_move(q, dest):
                        self.move(q, dest)
                        return self.step(name, qs)
            node = self.where[t]
            for other in [o for o in self.open if o != c and o in qs]:
                del self.open[other]
            if c in self.open and self.open[c] != node:
                del self.open[c]
            if c not in self.open and self.max_open is not None:
                held = [o for o, n in self.open.items() if n == node]
                for o in held[: max(0, len(held) - self.max_open + 1)]:
                    del self.open[o]
            if c not in self.open:
                self.open[c] = node
                self.ebits += 1
            return None
        for c in [o for o in self.open if o in qs]:
            del self.open[c]
        return None

    def can_move(self, q: int, node: int) -> bool:
        return self.where[q] != node and self.occupancy[node] < self.caps[node]

    def move(self, q: int, node: int) -> None:
        self.open.pop(q, None)                  # q is measured: its open cat is disentangled first
        self.occupancy[self.where[q]] -= 1
        self.occupancy[node] += 1
        self.where[q] = node
        self.ebits += 1

    def rest(self, ops: Sequence[tuple[str, tuple[int, ...]]], start: int,
             moving: bool = False) -> int:
        """Ebits the gates-only (``moving``: plain moves) policy spends on ``ops[start:]``."""
        trial = self.copy()
        for name, qs in ops[start:]:
            trial.step(name, qs, moving)
        return trial.ebits - self.ebits


@dataclass(frozen=True)
class MovePlan:
    """The moves to make: ``moves[i]`` = [(qubit, node), ...] just before operation i."""

    moves: dict[int, list[tuple[int, int]]]
    ebits: int
    gates_only_ebits: int
    capacity: tuple[int, ...]


def _ops(circuit) -> list[tuple[str, tuple[int, ...]]]:
    return [(inst.operation.name, tuple(circuit.find_bit(q).index for q in inst.qubits))
            for inst in circuit.data]


def _rollout(ops, state: _Cost, remote: str) -> dict[int, list[tuple[int, int]]]:
    """One-step rollout: at each non-local gate the option with the fewest ebits now plus the
    base policy's ebits for the rest (``auto``: the better of gates-only and plain moves; the
    teleported gate is scored by gates-only alone, so the estimate never rises: the result costs
    at most the better base policy)."""
    moves: dict[int, list[tuple[int, int]]] = {}
    for i, (name, qs) in enumerate(ops):
        if name in ("cx", "cz") and state.where[qs[0]] != state.where[qs[1]]:
            u, v = qs
            options: list[tuple[int, int, tuple[int, int] | None]] = []
            if remote == "auto":
                options.append((state.rest(ops, i), 0, None))
            for q, dest in ((u, state.where[v]), (v, state.where[u])):
                if state.can_move(q, dest):
                    trial = state.copy()
                    trial.move(q, dest)
                    rest = trial.rest(ops, i, moving=True)
                    if remote == "auto":
                        rest = min(rest, trial.rest(ops, i))
                    options.append((1 + rest, len(options), (q, dest)))
            if options:
                choice = min(options)[2]   # ties: the teleported gate, then the control's move
                if choice is not None:
                    state.move(*choice)
                    moves.setdefault(i, []).append(choice)
        state.step(name, qs)
    return moves


def plan_moves(lowered, placement: Mapping[int, int], remote: str = "auto",
               capacity: int | Sequence[int] | Mapping[int, int] | None = None,
               max_open: int | None = None) -> MovePlan:
    """Choose the moves of ``lowered`` (a circuit in the rewrite's basis) from ``placement``.

    ``"auto"`` keeps the cheaper of its rollout and the ``"moves"`` plan (ties: fewer moves)."""
    if remote not in REMOTE:
        raise ValueError(f"remote must be one of {', '.join(REMOTE)}, got {remote!r}")
    n_nodes = max(placement.values()) + 1
    caps = capacities(placement, n_nodes, capacity)
    ops = _ops(lowered)

    def start() -> _Cost:
        return _Cost([placement[q] for q in range(lowered.num_qubits)], caps, max_open)

    base = start().rest(ops, 0)
    if remote == "gates":
        return MovePlan({}, base, base, tuple(caps))
    best = None
    for kind in (("auto", "moves") if remote == "auto" else (remote,)):
        state = start()
        moves = _rollout(ops, state, kind)
        key = (state.ebits, sum(len(m) for m in moves.values()))
        if best is None or key < best[0]:
            best = (key, moves)
    return MovePlan(best[1], best[0][0], base, tuple(caps))


def emit_move(builder, q: int, node: int) -> None:
    """Teleport logical qubit ``q`` of ``builder`` (a ``rewrite._Builder``) to a slot at ``node``."""
    out, source = builder.out, builder.source
    if q in builder.open:
        builder.close(q)
    k = len(builder.ebit_nodes)
    src, qp = builder.where[q], builder.loc[q]
    slot = builder.take_slot(node, q)
    a, b = source.pair(k, src, node, b_qubit=slot)
    model = source.models[-1]
    gen, msg = model.get("generation_s", 0.0), model["message_s"]
    builder._wait([x for x in range(builder.low.num_qubits) if x != q], gen + msg, builder.index)
    builder._wait([q], gen, builder.index)
    builder.wait_open(gen + msg, builder.index)
    builder.ebit_nodes.append((src, node))
    builder.groups.append({"move": q, "at": builder.index, "from": src, "to": node})
    out.cx(qp, a)
    out.h(qp)
    if builder.deferred:   # corrections controlled by the qubits; q and a end exactly in |+>
        out.cx(a, b)
        out.cz(qp, b)
        out.h(qp)
        if source.reuse:
            out.h(a)
            source.release(a, reset=False)
    else:
        mz, mx = ClassicalRegister(1, f"e{k}z"), ClassicalRegister(1, f"e{k}x")
        out.add_register(mz)
        out.add_register(mx)
        out.measure(qp, mz[0])
        out.measure(a, mx[0])
        out.reset(qp)
        source.release(a)
        source.message_wait(b)
        with out.if_test((mx[0], 1)):
            out.x(b)
        with out.if_test((mz[0], 1)):
            out.z(b)
    builder.free_slot(src, qp)
    builder.where[q], builder.loc[q] = node, slot
    builder.moved += 1


def new_slot(out, host: str, j: int):
    """A fresh one-qubit data-slot register ``<host>_slot<j>`` on ``out``; returns its qubit."""
    reg = QuantumRegister(1, f"{host}_slot{j}")
    out.add_register(reg)
    return reg[0]
