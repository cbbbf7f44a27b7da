"""Rewrite non-local CX/CZ gates into Eisert et al. cat-entangler / cat-disentangler blocks.

Eisert, Jacobs, Papadopoulos, Plenio, PRA 62, 052317 (2000): a CX (or CZ) whose control sits on
node A and target on node B costs one ebit (qubits a on A, b on B, prepared in |Phi+>) and two
classical bits:  CX(c, a); m1 = measure(a); if m1: X(b)   [cat-entangler: b copies c]
                 CX(b, t) (or CZ(b, t)) for every target on B
                 H(b); m2 = measure(b); if m2: Z(c)       [cat-disentangler]
Consecutive non-local gates with the same control and targets on the same remote node share one
ebit as long as no other operation touches the control in between.

The input is first transpiled (optimization_level=0) to {u, cx, measure, reset, barrier}, so any
multi-qubit unitary becomes CX + local gates. Unsupported (ValueError): control-flow operations
(``if_test``, loops) already in the input, and any multi-qubit non-unitary operation.

By default every ebit uses fresh qubits, so ``deferred=True`` yields a unitary circuit
(measure + classically-controlled correction replaced by the quantum-controlled correction:
deferred-measurement principle) that can be checked exactly with ``Statevector``.
``reuse=True`` measures, resets and recycles the communication qubits (the width is the data
plus the peak number of ebit halves in flight); ``network=`` takes the ebits from a
:class:`~qnet_circuits.network.Network` (heralded links, swapped across repeaters, memory waits as
Delays: :mod:`qnet_circuits.library.distributed.ebits`). ``deferred=True, reuse=True`` stays
unitary: after the deferred correction the consumed half is exactly |+> and unentangled (a:
``sum_x |x xor c> = sqrt2 |+>``; b after H and the controlled Z), so an H returns it to |0> for
the next ebit. That form is the dynamic circuit's exact equivalent (deferred-measurement
principle) and samples all shots from one statevector: the fast path for ideal links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile

from qnet_circuits.library.distributed.ebits import EbitSource
from qnet_circuits.library.distributed.moves import emit_move, plan_moves
from qnet_circuits.library.distributed.partition import place

BASIS = ("u", "cx", "cz", "measure", "reset")


@dataclass(frozen=True)
class DistributedCircuit:
    """A distributed circuit and its resource counts."""

    circuit: QuantumCircuit
    placement: Mapping[int, int]
    n_data_qubits: int
    ebits: int
    classical_bits: int
    nonlocal_gates: int
    depth: int
    ebit_nodes: tuple[tuple[int, int], ...]   # (node of a, node of b) per ebit, in order
    #: per ebit: {"control": c, "hits": ((index into lowered.data, target, "X"|"Z"), ...)}
    groups: tuple[dict, ...] = ()
    #: per ebit: the closed-form model of its pair (``physics.ebit_coefficients`` or ideal)
    ebit_models: tuple[dict, ...] = ()
    swaps: int = 0
    lowered: QuantumCircuit | None = None
    #: data-qubit waits (``data_waits=True``): (index into lowered.data it precedes, qubit, seconds)
    idles: tuple[tuple[int, int, float], ...] = ()
    #: node where each wait of ``idles`` happened (a moved qubit waits away from home)
    idle_nodes: tuple[int, ...] = ()
    #: "gates" | "moves" | "auto" (:mod:`~qnet_circuits.library.distributed.moves`)
    remote: str = "gates"
    #: ebits of the gates-only rewrite of the same circuit, placement and ``max_open``
    gates_only_ebits: int = 0
    #: data qubits each node holds at once
    capacity: tuple[int, ...] = ()
    #: physical qubit (index into ``circuit.qubits``) holding logical qubit j at the end
    output_qubits: tuple[int, ...] = ()
    #: waits of open ebit halves b (``data_waits=True``) while other ebits are made: (index into
    #: lowered.data it precedes, group k, seconds); b sits at node ``ebit_nodes[k][1]``
    open_waits: tuple[tuple[int, int, float], ...] = ()

    @property
    def moves(self) -> tuple[dict, ...]:
        """The qubit moves, in order: ``{"move": q, "at": i, "from": node, "to": node}``."""
        return tuple(g for g in self.groups if "move" in g)

    @property
    def final_placement(self) -> dict[int, int]:
        """Node of each logical qubit at the end (moves make the placement time dependent)."""
        where = dict(self.placement)
        for m in self.moves:
            where[m["move"]] = m["to"]
        return where

    @property
    def qubits(self) -> int:
        """Width of the distributed circuit (data + communication + ancillas)."""
        return self.circuit.num_qubits

    def to_dict(self) -> dict:
        return {"ebits": self.ebits, "classical_bits": self.classical_bits,
                "nonlocal_gates": self.nonlocal_gates, "depth": self.depth,
                "data_qubits": self.n_data_qubits, "qubits": self.qubits, "swaps": self.swaps,
                "placement": {str(q): n for q, n in self.placement.items()},
                "remote": self.remote, "ebits_teleported_gates": self.ebits - len(self.moves),
                "ebits_moves": len(self.moves), "gates_only_ebits": self.gates_only_ebits,
                "capacity": list(self.capacity),
                "moves": [{"qubit": m["move"], "before_operation": m["at"], "from": m["from"],
                           "to": m["to"]} for m in self.moves],
                "final_placement": {str(q): n for q, n in self.final_placement.items()}}


def _lower(circuit: QuantumCircuit) -> QuantumCircuit:
    for inst in circuit.data:
        if inst.operation.name in ("if_else", "while_loop", "for_loop", "switch_case", "box"):
            raise ValueError(f"operation {inst.operation.name!r} (control flow) cannot be distributed; "
                             "remove classical conditionals from the input circuit")
    low = transpile(circuit, basis_gates=list(BASIS), optimization_level=0)
    for inst in low.data:
        if len(inst.qubits) > 1 and inst.operation.name not in ("cx", "cz", "barrier"):
            raise ValueError(f"operation {inst.operation.name!r} on {len(inst.qubits)} qubits cannot be "
                             "teleported; only CX/CZ-decomposable gates are supported")
    return low


class _Builder:
    def __init__(self, low: QuantumCircuit, placement: Mapping[int, int], deferred: bool,
                 **source):
        self.low, self.placement, self.deferred = low, placement, deferred
        self.data = QuantumRegister(low.num_qubits, "q")
        self.out = QuantumCircuit(self.data, *low.cregs)
        self.source = EbitSource(self.out, **source)
        self.open: dict[int, tuple[int, object, int]] = {}   # control -> (remote node, b qubit, ebit index)
        self.ebit_nodes: list[tuple[int, int]] = []
        self.groups: list[dict] = []
        self.nonlocal_gates = 0
        self.index = 0   # position in low.data of the instruction being rewritten
        self.max_open: int | None = None
        self.data_waits = False
        self.idles: list[tuple[int, int, float]] = []
        self.idle_nodes: list[int] = []
        self.where = [placement[q] for q in range(low.num_qubits)]   # node of each logical qubit now
        self.loc = list(self.data)                                    # physical qubit holding it
        self.slot_node = {self.data[q]: placement[q] for q in range(low.num_qubits)}
        self.free: dict[int, list] = {}
        self.moved = 0
        self.open_waits: list[tuple[int, int, float]] = []

    def take_slot(self, node: int, q: int):
        """A free data slot (in |0>) at ``node`` for logical ``q``: its home qubit if free there."""
        pool = self.free.setdefault(node, [])
        if self.data[q] in pool:
            pool.remove(self.data[q])
            return self.data[q]
        if pool:
            return pool.pop(0)
        from qnet_circuits.library.distributed.moves import new_slot

        j = sum(1 for n in self.slot_node.values() if n == node) - sum(
            1 for v in self.placement.values() if v == node)
        slot = new_slot(self.out, self.source.host(node), j)
        self.slot_node[slot] = node
        return slot

    def free_slot(self, node: int, qubit) -> None:
        self.free.setdefault(node, []).append(qubit)

    def close(self, c: int) -> None:
        _node, b, k = self.open.pop(c)
        self.out.h(b)
        if self.deferred:
            self.out.cz(b, self.loc[c])
            if self.source.reuse:   # b is exactly |+> now (unentangled): H returns it to |0>
                self.out.h(b)
                self.source.release(b, reset=False)
        else:
            m2 = ClassicalRegister(1, f"e{k}d")
            self.out.add_register(m2)
            self.out.measure(b, m2[0])
            self.source.release(b)
            self._wait([c], self.source.models[k]["message_s"], self.groups[k]["hits"][-1][0] + 1)
            with self.out.if_test((m2[0], 1)):
                self.out.z(self.loc[c])

    def _wait(self, qubits, seconds: float, before: int) -> None:
        """Data ``qubits`` idle ``seconds`` (a Delay; recorded as just before operation ``before``)."""
        if not self.data_waits or self.source.network is None or seconds <= 0:
            return
        for q in qubits:
            self.out.delay(seconds, self.loc[q], unit="s")
            self.idles.append((before, q, seconds))
            self.idle_nodes.append(self.where[q])

    def wait_open(self, seconds: float, before: int) -> None:
        """Every open ebit half b idles ``seconds`` in its memory (a Delay), as the data do."""
        if not self.data_waits or self.source.network is None or seconds <= 0:
            return
        for _node, b, k in self.open.values():
            self.out.delay(seconds, b, unit="s")
            self.open_waits.append((before, k, seconds))

    def open_cat(self, c: int, node: int):
        k = len(self.ebit_nodes)
        a, b = self.source.pair(k, self.where[c], node)   # |Phi+>, or the network's pair
        model = self.source.models[-1]   # every data qubit (and open b) waits for the pair and m1
        wait = model.get("generation_s", 0.0) + model["message_s"]
        self._wait(range(self.low.num_qubits), wait, self.index)
        self.wait_open(wait, self.index)
        self.ebit_nodes.append((self.where[c], node))
        self.groups.append({"control": c, "hits": []})
        self.out.cx(self.loc[c], a)
        if self.deferred:
            self.out.cx(a, b)
            if self.source.reuse:   # a is exactly |+> now (unentangled): H returns it to |0>
                self.out.h(a)
                self.source.release(a, reset=False)
        else:
            m1 = ClassicalRegister(1, f"e{k}e")
            self.out.add_register(m1)
            self.out.measure(a, m1[0])
            self.source.release(a)
            self.source.message_wait(b)
            with self.out.if_test((m1[0], 1)):
                self.out.x(b)
        self.open[c] = (node, b, k)
        return b

    def gate(self, inst) -> None:
        qs = [self.low.find_bit(q).index for q in inst.qubits]
        name = inst.operation.name
        if name in ("cx", "cz") and self.where[qs[0]] != self.where[qs[1]]:
            c, t = qs
            node = self.where[t]
            for other in [o for o in self.open if o != c and o in qs]:
                self.close(other)
            if c in self.open and self.open[c][0] != node:
                self.close(c)
            if c not in self.open and self.max_open is not None:
                held = [o for o, (n, _b, _k) in self.open.items() if n == node]
                for o in held[: max(0, len(held) - self.max_open + 1)]:
                    self.close(o)   # oldest first: keeps <= max_open ebit halves at ``node``
            b = self.open[c][1] if c in self.open else self.open_cat(c, node)
            getattr(self.out, name)(b, self.loc[t])
            self.groups[self.open[c][2]]["hits"].append((self.index, t, "X" if name == "cx" else "Z"))
            self.nonlocal_gates += 1
            return
        for c in [o for o in self.open if o in qs]:
            self.close(c)
        self.out.append(inst.operation, [self.loc[i] for i in qs],
                        [self.out.clbits[self.low.find_bit(x).index] for x in inst.clbits])


def distribute(circuit: QuantumCircuit, n_nodes: int, placement: Mapping[int, int] | None = None, *,
               seed: int = 0, deferred: bool = False, reuse: bool = False, network=None,
               hosts: Sequence[str] | None = None,
               link_fidelity: float | None = None,
               max_open: int | None = None, data_waits: bool = False, remote: str = "auto",
               capacity=None) -> DistributedCircuit:
    """Distribute ``circuit`` over ``n_nodes`` nodes (placement given or found by partitioning).

    ``reuse``: recycle communication qubits (measure + reset). ``network``: ebits from its links;
    ``hosts`` names the network node of each part (default: the first ``n_nodes`` nodes);
    ``link_fidelity``: Werner links of that fidelity instead of the physical heralded state.
    ``max_open``: at most this many open cat-entangled groups hold an ebit half at one node (the
    oldest is disentangled first; fewer qubits, possibly more ebits); None: no limit.
    ``data_waits`` (network ebits, dynamic form): the data qubits hold their state while each
    ebit is made: every data qubit waits the pair's ``generation_s`` plus the cat-entangler
    message (so does every open ebit half b, in its memory: ``open_waits``), the control again
    for the disentangler bit (Delays with their node's memory:
    ``metadata["memories"]``), in a sequential schedule (one ebit at a time).
    ``remote``: ``"gates"`` (every non-local gate a teleported gate), ``"moves"`` (teleport one
    of the gate's qubits to the other's node) or ``"auto"`` (per non-local gate whichever costs
    fewer ebits; never more than ``"gates"``): :mod:`~qnet_circuits.library.distributed.moves`.
    ``capacity``: data qubits a node holds at once (int, one per node, or None: its home qubits
    plus one spare slot); a move needs a free slot at the receiving node.

    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(3); _ = qc.h(0); _ = qc.cx(0, 1); _ = qc.cx(0, 2)
    >>> d = distribute(qc, 2, {0: 0, 1: 1, 2: 1})
    >>> (d.ebits, d.classical_bits, d.nonlocal_gates)
    (1, 2, 2)
    """
    if deferred and network is not None:
        raise ValueError("deferred=True needs ideal ebits: drop network= (the network's swaps "
                         "measure mid-circuit and its noise breaks the unitary reuse)")
    low = _lower(circuit)
    where = place(low, n_nodes, placement, seed=seed)
    hosts = _hosts(network, hosts, n_nodes)
    if max_open is not None and (not isinstance(max_open, int) or max_open < 1):
        raise ValueError(f"max_open must be a positive integer or None, got {max_open!r}")
    builder = _Builder(low, where, deferred, reuse=reuse, network=network, hosts=hosts,
                       link_fidelity=link_fidelity)
    builder.max_open = max_open
    builder.data_waits = bool(data_waits) and not deferred
    plan = plan_moves(low, where, remote, capacity, max_open)
    for i, inst in enumerate(low.data):
        builder.index = i
        for q, node in plan.moves.get(i, []):
            emit_move(builder, q, node)
        builder.gate(inst)
    for c in list(builder.open):
        builder.close(c)
    ebits = len(builder.ebit_nodes)
    out = builder.out
    out.metadata = {"protocol": "distributed", "nodes": dict(builder.source.registers),
                    "heralds": [], "data_qubits": list(range(low.num_qubits)),
                    "hosts": list(hosts) if hosts else None}
    output = tuple(out.find_bit(q).index for q in builder.loc)
    out.metadata["output_qubits"] = list(output)
    if hosts and (builder.idles or builder.moved):
        out.metadata["memories"] = {out.find_bit(q).index: hosts[n]
                                    for q, n in builder.slot_node.items()}
    groups = tuple(dict(g) if "move" in g else {"control": g["control"], "hits": tuple(g["hits"])}
                   for g in builder.groups)
    return DistributedCircuit(out, where, low.num_qubits, ebits, 2 * ebits,
                              builder.nonlocal_gates, out.depth(), tuple(builder.ebit_nodes),
                              groups, tuple(builder.source.models), builder.source.swaps, low,
                              tuple(builder.idles), tuple(builder.idle_nodes), remote,
                              plan.gates_only_ebits, plan.capacity, output,
                              tuple(builder.open_waits))


def _hosts(network, hosts: Sequence[str] | None, n_nodes: int) -> list[str] | None:
    if network is None:
        if hosts is not None:
            raise ValueError("hosts needs a network: pass network= or drop hosts")
        return None
    names = [n.name for n in network.nodes]
    chosen = list(hosts) if hosts is not None else names[:n_nodes]
    if len(chosen) != n_nodes:
        raise ValueError(f"hosts must name {n_nodes} network nodes (one per part), got "
                         f"{len(chosen)}; the network has {names}")
    unknown = [h for h in chosen if h not in names]
    if unknown:
        raise ValueError(f"hosts {unknown} are not nodes of the network; use some of {names}")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"hosts must be distinct network nodes, got {chosen}")
    return chosen
