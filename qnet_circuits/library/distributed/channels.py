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
  ``metadata["memories"]``; where a moved qubit waits away from home, that node's channel);
- an open b's waits while other ebits are made (``dist.open_waits``) are relaxation on b;
- a qubit move (teleportation into a data slot with the corrections) is a fixed one-qubit channel
  on the moved qubit (:func:`move_gadget`), just before the operation the move precedes.

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
           "move_gadget", "spans", "wait_hosts"]

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
    """Every teleported group of ``dist`` (a :class:`~qnet_circuits.library.distributed.
    DistributedCircuit`; moves are not groups with hits) with its span and whether it folds into
    one channel on its support (see the module doc; a move of a support qubit inside the span
    keeps it unfolded)."""
    low = dist.lowered
    hit_of = {i: k for k, g in enumerate(dist.groups) for i, _t, _p in g.get("hits", ())}
    out = []
    for k, g in enumerate(dist.groups):
        if "move" in g:
            continue
        first = min(i for i, _t, _p in g["hits"])
        last = max(i for i, _t, _p in g["hits"])
        support = tuple(sorted({g["control"], *(t for _i, t, _p in g["hits"])}))
        ok = len(support) <= MAX_FOLD and not any(
            m["move"] in support and first < m["at"] <= last for m in dist.moves)
        for i in range(first, last + 1):
            qs = set(_qubits(low, low.data[i]))
            if qs & set(support) and (not qs <= set(support) or hit_of.get(i, k) != k):
                ok = False
        out.append(GroupSpan(k, first, last, g["control"], support, ok))
    return out


def wait_hosts(dist) -> list[str | None]:
    """Network node (name) of each data wait of ``dist.idles``: where the qubit was then."""
    hosts = (dist.circuit.metadata or {}).get("hosts")
    return [hosts[n] if hosts else None for n in dist.idle_nodes]


def move_gadget(network, hosts: Sequence[str] | None, link_fidelity: float | None, node_a: int,
                node_b: int) -> tuple[QuantumCircuit, list[int]]:
    """A qubit move (:func:`~qnet_circuits.library.distributed.moves.emit_move`) of a data qubit q
    entangled with a reference r, through the ebit the dynamic circuit makes between parts
    ``node_a`` and ``node_b`` into a data slot at ``node_b`` (its memory: ``metadata
    ["memories"]``), with the corrections. Returns the circuit and ``[slot, r]``: their exact
    state is the Choi state of the move's one-qubit channel (q -> slot)."""
    qc = QuantumCircuit(QuantumRegister(1, "ref"), QuantumRegister(1, "q"), QuantumRegister(1, "slot"))
    qc.h(0)
    qc.cx(0, 1)
    src = EbitSource(qc, reuse=False, network=network, hosts=hosts, link_fidelity=link_fidelity)
    q, slot = qc.qubits[1], qc.qubits[2]
    a, b = src.pair(0, node_a, node_b, b_qubit=slot)
    qc.cx(q, a)
    qc.h(q)
    mz, mx = ClassicalRegister(1, "e0z"), ClassicalRegister(1, "e0x")
    qc.add_register(mz)
    qc.add_register(mx)
    qc.measure(q, mz[0])
    qc.measure(a, mx[0])
    src.message_wait(b)
    with qc.if_test((mx[0], 1)):
        qc.x(b)
    with qc.if_test((mz[0], 1)):
        qc.z(b)
    qc.metadata = {"nodes": dict(src.registers)}
    if hosts:
        qc.metadata["memories"] = {2: hosts[node_b]}
    return qc, [2, 0]


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


def _wait_error(net, host: str | None, seconds: float):
    """The relaxation channel of a wait at ``host`` (None: ideal or no network)."""
    from qnet_circuits.noise import memory_wait_error

    if net is None or host is None:
        if host is not None and seconds > 0:
            raise ValueError("a wait away from the qubit's home memory needs net= (the network)")
        return None
    return memory_wait_error(net, host, seconds)


def _b_host(dist, k: int) -> str | None:
    hosts = (dist.circuit.metadata or {}).get("hosts")
    return hosts[dist.ebit_nodes[k][1]] if hosts else None


def block_circuit(dist, span: GroupSpan, open_op: Instruction, close_op: Instruction,
                  net=None) -> QuantumCircuit:
    """The folded group ``span`` on its support S (qubits 0..|S|-1, in ``span.support`` order)
    and one slot qubit for b (the last): ``open_op`` on (control, slot), the span's operations
    on S (hits controlled by the slot), the data waits recorded inside the span and b's waits
    (``dist.open_waits``) as the relaxation channels of the nodes where they happened (``net``),
    ``close_op`` on (control, slot). With the slot entering in |0> (it leaves in |0>) it is the
    group's channel on S."""
    low, s = dist.lowered, span.support
    pos = {q: j for j, q in enumerate(s)}
    data, slot = QuantumRegister(len(s), "q"), QuantumRegister(1, "b")
    qc = QuantumCircuit(data, slot)
    hits = {i: p for i, _t, p in dist.groups[span.group]["hits"]}
    waits: dict[int, list] = {}
    for (i, q, t), host in zip(dist.idles, wait_hosts(dist)):
        if span.first < i <= span.last and q in pos:
            waits.setdefault(i, []).append((data[pos[q]], _wait_error(net, host, t)))
    late = 0.0
    for i, k, t in dist.open_waits:
        if k == span.group and i <= span.last:
            waits.setdefault(i, []).append((slot[0], _wait_error(net, _b_host(dist, k), t)))
        elif k == span.group:
            late += t
    qc.append(open_op, [data[pos[span.control]], slot[0]])
    for i in range(span.first, span.last + 1):
        for qubit, error in waits.get(i, []):
            if error is not None:
                qc.append(error, [qubit])
        inst = low.data[i]
        qs = _qubits(low, inst)
        if not set(qs) <= set(s) or inst.operation.name == "barrier":
            continue
        if i in hits:
            (qc.cx if hits[i] == "X" else qc.cz)(slot[0], data[pos[qs[1]]])
        else:
            qc.append(inst.operation, [data[pos[q]] for q in qs])
    error = _wait_error(net, _b_host(dist, span.group), late)
    if error is not None:   # b idles from the last hit until the close
        qc.append(error, [slot[0]])
    qc.append(close_op, [data[pos[span.control]], slot[0]])
    return qc


class _Waits:
    """Data waits merged per qubit until an operation touches it or the qubit's node changes
    (relaxation is a semigroup): a Delay at the wire's home memory (``metadata["memories"]``),
    the node's relaxation channel elsewhere (a moved qubit)."""

    def __init__(self, qc: QuantumCircuit, data: QuantumRegister, home: Mapping, net) -> None:
        self.qc, self.data, self.home, self.net = qc, data, home, net
        self.pending: dict[int, tuple[str | None, float]] = {}

    def add(self, q: int, seconds: float, host: str | None) -> None:
        if q in self.pending and self.pending[q][0] != host:
            self.flush([q])
        self.pending[q] = (host, self.pending.get(q, (host, 0.0))[1] + seconds)

    def flush(self, qubits) -> None:
        for q in qubits:
            host, t = self.pending.pop(q, (None, 0.0))
            if t <= 0:
                continue
            if host is None or host == self.home.get(q):
                self.qc.delay(t, self.data[q], unit="s")
            else:
                error = _wait_error(self.net, host, t)
                if error is not None:
                    self.qc.append(error, [self.data[q]])


def channel_template(dist, opens: Mapping[int, Instruction], closes: Mapping[int, Instruction],
                     folded: Mapping[int, Instruction], moves: Mapping[int, Instruction] | None = None,
                     net=None) -> QuantumCircuit:
    """The monolithic circuit of ``dist`` with its groups and moves as channels, data measured
    into ``out``.

    ``folded[k]``: group k's channel on its support (placed after its last hit, replacing the
    span's operations on the support); otherwise ``opens[k]`` on (control, slot) before its first
    hit, the hits controlled by the slot, ``closes[k]`` after its last hit (b's waits on the
    slot: relaxation channels of b's node, the ones after the last hit just before the close).
    Slot qubits (register ``b``) are reused. ``moves[k]``: move k's one-qubit channel on the
    moved qubit just before the operation it precedes. Data waits are Delays (merged per qubit)
    with ``metadata["memories"]`` while the qubit is at home, relaxation channels (``net``) away.
    """
    return _Template(dist, opens, closes, folded, moves or {}, net).build()


class _Template:
    def __init__(self, dist, opens, closes, folded, moves, net) -> None:
        self.dist, self.opens, self.closes, self.folded, self.moves = dist, opens, closes, folded, moves
        self.net, self.low = net, dist.lowered
        self.info = {s.group: s for s in spans(dist)}
        n, width = self.low.num_qubits, _slots(self.info, folded)
        self.data = QuantumRegister(n, "q")
        regs = [self.data] + ([QuantumRegister(width, "b")] if width else [])
        self.qc = QuantumCircuit(*regs, name=f"{self.low.name}_channels")
        self.slot_reg = regs[-1] if width else None
        memories = (dist.circuit.metadata or {}).get("memories") or {}
        home = {q: memories.get(q, memories.get(str(q))) for q in range(n)}
        self.waits, self.free, self.slot_of = _Waits(self.qc, self.data, home, net), \
            list(range(width))[::-1], {}
        self.late: dict[int, float] = {}

    def _in_fold(self, i: int, qubits) -> bool:
        return any(self.info[k].first <= i <= self.info[k].last and set(qubits) & set(self.info[k].support)
                   for k in self.folded)

    def _slot_wait(self, k: int, seconds: float) -> None:
        error = _wait_error(self.net, _b_host(self.dist, k), seconds)
        if error is not None:
            self.qc.append(error, [self.slot_reg[self.slot_of[k]]])

    def _events(self):
        """Per operation index: data waits before it (and the moved qubit's after its move)."""
        moved = {m["at"]: m for m in self.dist.moves}
        before: dict[int, list] = {}
        after: dict[int, list] = {}
        for (i, q, t), host in zip(self.dist.idles, wait_hosts(self.dist)):
            if any(self.info[k].first < i <= self.info[k].last and q in self.info[k].support
                   for k in self.folded):
                continue   # (a wait inside a folded span is part of that group's channel)
            m = moved.get(i)
            late = m is not None and m["move"] == q and m["from"] != m["to"] and \
                host == _host(self.dist, m["to"])
            (after if late else before).setdefault(i, []).append((q, t, host))
        return before, after

    def build(self) -> QuantumCircuit:
        dist, info, qc, data = self.dist, self.info, self.qc, self.data
        hit = {i: (k, p) for k, g in enumerate(dist.groups) for i, _t, p in g.get("hits", ())}
        move_at = {g["at"]: k for k, g in enumerate(dist.groups) if "move" in g}
        fold_at = {info[k].last: k for k in self.folded}
        opens_at = {info[k].first: k for k in self.opens}
        closes_at = {info[k].last: k for k in self.closes}
        b_waits: dict[int, list] = {}
        for i, k, t in dist.open_waits:
            if k in self.folded:
                continue
            if i <= info[k].last:
                b_waits.setdefault(i, []).append((k, t))
            else:
                self.late[k] = self.late.get(k, 0.0) + t
        before, after = self._events()
        for i, inst in enumerate(self.low.data):
            for q, t, host in before.get(i, []):
                self.waits.add(q, t, host)
            for k, t in b_waits.get(i, []):
                self._slot_wait(k, t)
            if i in move_at:
                k = move_at[i]
                q = dist.groups[k]["move"]
                self.waits.flush([q])
                qc.append(self.moves[k], [data[q]])
            for q, t, host in after.get(i, []):
                self.waits.add(q, t, host)
            self._operation(i, inst, hit, opens_at, fold_at, closes_at)
        for (i, q, t), host in zip(dist.idles, wait_hosts(dist)):
            if i == len(self.low.data):
                self.waits.add(q, t, host)
        self.waits.flush(range(self.low.num_qubits))
        out = ClassicalRegister(self.low.num_qubits, "out")
        qc.add_register(out)
        qc.measure(data, out)
        memories = (dist.circuit.metadata or {}).get("memories")
        qc.metadata = {"memories": {q: h for q, h in memories.items() if int(q) < self.low.num_qubits}
                       } if memories else {}
        return qc

    def _operation(self, i, inst, hit, opens_at, fold_at, closes_at) -> None:
        info, qc, data = self.info, self.qc, self.data
        qs = _qubits(self.low, inst)
        if i in opens_at:
            k = opens_at[i]
            self.slot_of[k] = self.free.pop()
            self.waits.flush([info[k].control])
            qc.append(self.opens[k], [data[info[k].control], self.slot_reg[self.slot_of[k]]])
        if not self._in_fold(i, qs) and inst.operation.name != "barrier":
            self.waits.flush(qs)
            if i in hit and hit[i][0] in self.slot_of:
                k, p = hit[i]
                (qc.cx if p == "X" else qc.cz)(self.slot_reg[self.slot_of[k]], data[qs[1]])
            else:
                qc.append(inst.operation, [data[q] for q in qs])
        if i in fold_at:
            k = fold_at[i]
            self.waits.flush(info[k].support)
            qc.append(self.folded[k], [data[q] for q in info[k].support])
        if i in closes_at:
            k = closes_at[i]
            self._slot_wait(k, self.late.pop(k, 0.0))
            qc.append(self.closes[k], [data[info[k].control], self.slot_reg[self.slot_of[k]]])
            self.free.append(self.slot_of.pop(k))


def _host(dist, node: int) -> str | None:
    hosts = (dist.circuit.metadata or {}).get("hosts")
    return hosts[node] if hosts else None


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
