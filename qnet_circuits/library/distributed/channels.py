"""Channel form of a distributed circuit: the exact fast path for any ebit (finite T1 included).

In the dynamic circuit of :func:`~qnet_circuits.library.distributed.distribute` every ebit is
made on communication qubits that are fresh or reset, from ancillas that are reset, with waits of
fixed duration (herald, swap outcomes, the cat-entangler bit): nothing in its preparation touches
the data or another ebit, so ebit k is one fixed two-qubit state for its pair of hosts, whatever
its memories' T1/T2. Hence:

- the cat-entangler (``CX(c, a)``, measure a with its readout error, reset, b's wait,
  ``if m1: X(b)``) is a fixed channel ``F``: control c -> (c, b), b entering in |0>;
- the hits ``CX(b, t)`` / ``CZ(b, t)`` are ideal gates (data qubits carry no gate noise);
- the cat-disentangler (``H(b)``, measure b with its readout error, reset, ``if m2: Z(c)``) is a
  fixed channel ``G``: (c, b) -> (c, |0>); it commutes with the control's waits (the memory
  channel is phase covariant) and may stand right after the group's last hit;
- a data qubit's Delay is its node's fixed thermal-relaxation channel (the noise pass, through
  ``metadata["memories"]``).

So the dynamic circuit's output equals the monolithic (lowered) circuit with ``F`` before the
group's first hit, the hits controlled by a slot qubit standing for b, and ``G`` after its last
hit: no mid-circuit measurement. :func:`cat_gadget` and :func:`disentangler_gadget` are the
small circuits whose Choi states give ``F`` and ``G``; :func:`spans` finds the groups whose whole
span (first to last hit) touches only their own qubits S (control and targets), which
:func:`block_circuit` folds into one channel on S (no slot qubit); :func:`channel_template`
writes the monolithic circuit with the channels (any ``Instruction``, e.g.
``Kraus(...).to_instruction()``) in place, data measured into ``out``.

>>> from qiskit import QuantumCircuit
>>> from qnet_circuits.library.distributed import distribute
>>> qc = QuantumCircuit(2); _ = qc.h(0); _ = qc.cx(0, 1); _ = qc.s(1); _ = qc.cx(0, 1)
>>> d = distribute(qc, 2, {0: 0, 1: 1})
>>> [(s.first, s.last, s.support, s.foldable) for s in spans(d)]
[(1, 3, (0, 1), True)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Instruction

from qnet_circuits.library.distributed.ebits import EbitSource

__all__ = ["GroupSpan", "block_circuit", "cat_gadget", "channel_template", "disentangler_gadget",
           "spans"]

#: widest support S folded into one channel (its Choi matrix is 4^|S| x 4^|S|)
MAX_FOLD = 4


@dataclass(frozen=True)
class GroupSpan:
    """One teleported group in the lowered circuit: hits from ``first`` to ``last`` (indices into
    ``lowered.data``), ``support`` = control and targets (sorted), ``foldable`` when every
    operation of the span that touches the support acts inside it and is this group's or local."""

    group: int
    first: int
    last: int
    control: int
    support: tuple[int, ...]
    foldable: bool


def _qubits(low: QuantumCircuit, inst) -> tuple[int, ...]:
    return tuple(low.find_bit(q).index for q in inst.qubits)


def spans(dist) -> list[GroupSpan]:
    """Every group of ``dist`` (a :class:`~qnet_circuits.library.distributed.DistributedCircuit`)
    with its span and whether it folds into one channel on its support (see the module doc)."""
    low = dist.lowered
    hit_of = {i: k for k, g in enumerate(dist.groups) for i, _t, _p in g["hits"]}
    out = []
    for k, g in enumerate(dist.groups):
        first = min(i for i, _t, _p in g["hits"])
        last = max(i for i, _t, _p in g["hits"])
        support = tuple(sorted({g["control"], *(t for _i, t, _p in g["hits"])}))
        ok = len(support) <= MAX_FOLD
        for i in range(first, last + 1):
            qs = set(_qubits(low, low.data[i]))
            if qs & set(support) and (not qs <= set(support) or hit_of.get(i, k) != k):
                ok = False
        out.append(GroupSpan(k, first, last, g["control"], support, ok))
    return out


def cat_gadget(network, hosts: Sequence[str] | None, link_fidelity: float | None, node_a: int,
               node_b: int) -> tuple[QuantumCircuit, list[int]]:
    """The cat-entangler on a control c entangled with a reference r, with the ebit the dynamic
    circuit makes between parts ``node_a`` and ``node_b`` (same :class:`EbitSource`, same noise
    metadata). Returns the circuit and the qubit indices ``[c, b, r]``: their exact state is the
    Choi state of ``F`` (input r's partner c, output (c, b)). The communication qubits are fresh
    rather than reset (the same state; measured qubits stay their own records, a narrower exact
    simulation)."""
    qc = QuantumCircuit(QuantumRegister(1, "ref"), QuantumRegister(1, "q"))
    qc.h(0)
    qc.cx(0, 1)
    src = EbitSource(qc, reuse=False, network=network, hosts=hosts, link_fidelity=link_fidelity)
    c = qc.qubits[1]
    a, b = src.pair(0, node_a, node_b)
    qc.cx(c, a)
    m1 = ClassicalRegister(1, "e0e")
    qc.add_register(m1)
    qc.measure(a, m1[0])
    src.message_wait(b)
    with qc.if_test((m1[0], 1)):
        qc.x(b)
    qc.metadata = {"nodes": dict(src.registers)}
    return qc, [1, qc.find_bit(b).index, 0]


def disentangler_gadget(host_b: str | None) -> tuple[QuantumCircuit, list[int]]:
    """The cat-disentangler on (c, b), each entangled with a reference; b's register sits at
    ``host_b`` (its readout error). Returns the circuit and ``[c, r_c, r_b]``: the Choi state
    of ``G`` ((c, b) -> c; b is measured and reset)."""
    ref, data, comm = QuantumRegister(2, "ref"), QuantumRegister(1, "q"), QuantumRegister(1, "comm")
    qc = QuantumCircuit(ref, data, comm)
    for j, q in ((0, data[0]), (1, comm[0])):
        qc.h(ref[j])
        qc.cx(ref[j], q)
    m2 = ClassicalRegister(1, "e0d")
    qc.add_register(m2)
    qc.h(comm[0])
    qc.measure(comm[0], m2[0])
    with qc.if_test((m2[0], 1)):
        qc.z(data[0])
    qc.metadata = {"nodes": {"comm": host_b}} if host_b is not None else {}
    return qc, [2, 0, 1]


def block_circuit(dist, span: GroupSpan, open_op: Instruction, close_op: Instruction
                  ) -> QuantumCircuit:
    """The folded group ``span`` on its support S (qubits 0..|S|-1, in ``span.support`` order)
    and one slot qubit for b (the last): ``open_op`` on (control, slot), the span's operations
    on S (hits controlled by the slot), the data waits recorded inside the span (Delays,
    ``metadata["memories"]``), ``close_op`` on (control, slot). With the slot entering in |0>
    (it leaves in |0>) it is the group's channel on S."""
    low, s = dist.lowered, span.support
    pos = {q: j for j, q in enumerate(s)}
    data, slot = QuantumRegister(len(s), "q"), QuantumRegister(1, "b")
    qc = QuantumCircuit(data, slot)
    hits = {i: p for i, _t, p in dist.groups[span.group]["hits"]}
    waits: dict[int, list[tuple[int, float]]] = {}
    for i, q, t in dist.idles:
        if span.first < i <= span.last and q in pos:
            waits.setdefault(i, []).append((q, t))
    qc.append(open_op, [data[pos[span.control]], slot[0]])
    for i in range(span.first, span.last + 1):
        for q, t in waits.get(i, []):
            qc.delay(t, data[pos[q]], unit="s")
        inst = low.data[i]
        qs = _qubits(low, inst)
        if not set(qs) <= set(s) or inst.operation.name == "barrier":
            continue
        if i in hits:
            (qc.cx if hits[i] == "X" else qc.cz)(slot[0], data[pos[qs[1]]])
        else:
            qc.append(inst.operation, [data[pos[q]] for q in qs])
    qc.append(close_op, [data[pos[span.control]], slot[0]])
    hosts = (dist.circuit.metadata or {}).get("memories") or {}
    qc.metadata = {"memories": {j: hosts[q] for q, j in pos.items() if q in hosts}}
    return qc


class _Waits:
    """Data waits merged per qubit until an operation touches it (relaxation is a semigroup)."""

    def __init__(self, qc: QuantumCircuit, data: QuantumRegister) -> None:
        self.qc, self.data, self.pending = qc, data, {}

    def add(self, q: int, seconds: float) -> None:
        self.pending[q] = self.pending.get(q, 0.0) + seconds

    def flush(self, qubits) -> None:
        for q in qubits:
            t = self.pending.pop(q, 0.0)
            if t > 0:
                self.qc.delay(t, self.data[q], unit="s")


def channel_template(dist, opens: Mapping[int, Instruction], closes: Mapping[int, Instruction],
                     folded: Mapping[int, Instruction]) -> QuantumCircuit:
    """The monolithic circuit of ``dist`` with its groups as channels, data measured into ``out``.

    ``folded[k]``: group k's channel on its support (placed after its last hit, replacing the
    span's operations on the support); otherwise ``opens[k]`` on (control, slot) before its first
    hit, the hits controlled by the slot, ``closes[k]`` after its last hit. Slot qubits (register
    ``b``) are reused. Data waits are Delays (merged per qubit) with ``metadata["memories"]``.
    """
    low = dist.lowered
    info = {s.group: s for s in spans(dist)}
    hit = {i: (k, p) for k, g in enumerate(dist.groups) for i, _t, p in g["hits"]}
    fold_at = {info[k].last: k for k in folded}
    skip = {i for k in folded for i in range(info[k].first, info[k].last + 1)}
    n = low.num_qubits
    width = _slots(info, folded)
    data = QuantumRegister(n, "q")
    regs = [data] + ([QuantumRegister(width, "b")] if width else [])
    qc = QuantumCircuit(*regs, name=f"{low.name}_channels")
    slot_reg = regs[-1] if width else None
    waits, free, slot_of = _Waits(qc, data), list(range(width))[::-1], {}
    idles = {}
    for i, q, t in dist.idles:
        idles.setdefault(i, []).append((q, t))
    opens_at = {info[k].first: k for k in opens}
    closes_at = {info[k].last: k for k in closes}
    for i, inst in enumerate(low.data):
        for q, t in idles.get(i, []):
            if not any(info[k].first < i <= info[k].last and q in info[k].support for k in folded):
                waits.add(q, t)   # (a wait inside a folded span is part of that group's channel)
        qs = _qubits(low, inst)
        if i in opens_at:
            k = opens_at[i]
            slot_of[k] = free.pop()
            waits.flush([info[k].control])
            qc.append(opens[k], [data[info[k].control], slot_reg[slot_of[k]]])
        in_fold = i in skip and any(info[k].first <= i <= info[k].last and set(qs) & set(info[k].support)
                                    for k in folded)
        if not in_fold and inst.operation.name != "barrier":
            waits.flush(qs)
            if i in hit and hit[i][0] in slot_of:
                k, p = hit[i]
                (qc.cx if p == "X" else qc.cz)(slot_reg[slot_of[k]], data[qs[1]])
            else:
                qc.append(inst.operation, [data[q] for q in qs])
        if i in fold_at:
            k = fold_at[i]
            waits.flush(info[k].support)
            qc.append(folded[k], [data[q] for q in info[k].support])
        if i in closes_at:
            k = closes_at[i]
            qc.append(closes[k], [data[info[k].control], slot_reg[slot_of[k]]])
            free.append(slot_of.pop(k))
    for q, t in idles.get(len(low.data), []):
        waits.add(q, t)
    waits.flush(range(n))
    out = ClassicalRegister(n, "out")
    qc.add_register(out)
    qc.measure(data, out)
    memories = (dist.circuit.metadata or {}).get("memories")
    qc.metadata = {"memories": dict(memories)} if memories else {}
    return qc


def _slots(info: Mapping[int, GroupSpan], folded) -> int:
    """Most unfolded groups open at once (their b slots)."""
    events = sorted([(s.first, 1) for k, s in info.items() if k not in folded]
                    + [(s.last, -1) for k, s in info.items() if k not in folded],
                    key=lambda e: (e[0], -e[1]))
    peak = cur = 0
    for _i, d in events:
        cur += d
        peak = max(peak, cur)
    return peak
