"""Exact post-selected density matrix of a dynamic circuit by classical branching (test helper).

Independent of Aer's execution: the circuit (after the project's noise pass, whose channels are
read as Kraus operators) is evolved as one unnormalized density matrix per assignment of the
classical bits that are still read later. A measurement splits every branch by its projectors,
``if_test`` acts on the branches whose bit matches, ``reset`` and noise are channels, and a
``while_loop`` is a rejection sampler: its body runs on every branch whose condition holds and
the branches whose condition still holds afterwards are the rejected attempts. With ``tail=None``
one body pass is post-selected (exact when the body re-initializes what it reads, as the
scheduler's loops do: they reset their memories and photons, and every ancilla returns to |0>);
with a ``tail`` the loop is unrolled until the rejected mass is below it (a check of that claim).
Bits that are never read again are summed out, so branches merge.

Units: none (density matrices over the circuit's qubits, little-endian as in qiskit).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit.circuit import Clbit, Delay, IfElseOp, QuantumCircuit, WhileLoopOp
from qiskit.circuit.classical import expr
from qiskit.quantum_info import Kraus, Operator

_RESET = [np.array([[1, 0], [0, 0]], dtype=complex), np.array([[0, 1], [0, 0]], dtype=complex)]
_SKIP = {"barrier", "delay"}


def _channel(t: np.ndarray, kraus: Sequence[np.ndarray], qs: Sequence[int], n: int) -> np.ndarray:
    """``sum_k K rho K^dagger`` with the Kraus operators ``kraus`` (little-endian on ``qs``) on the
    tensor ``t`` (axes: ket qubits 0..n-1, then bra qubits 0..n-1), as one matrix product with the
    superoperator ``sum_k K (x) conj(K)``."""
    m = len(qs)
    sup = sum(np.kron(k, k.conj()) for k in kraus)  # rows: (ket-out, bra-out), little-endian
    # the target axes, first the ket's (q_{m-1} .. q_0), then the bra's, to the front
    axes = [qs[j] for j in reversed(range(m))] + [n + qs[j] for j in reversed(range(m))]
    rest = [a for a in range(2 * n) if a not in axes]
    moved = np.transpose(t, axes + rest).reshape(4**m, -1)
    out = np.einsum("ij,jk->ik", sup, moved).reshape([2] * (2 * n))  # no BLAS threads: small
    # products on a shared machine are much slower threaded
    return np.transpose(out, np.argsort(axes + rest))


def _eval(node, bits: dict[Clbit, int]) -> int:
    """Value of a condition: ``(clbit, value)`` or a classical expression on single bits."""
    if isinstance(node, tuple):
        target, value = node
        if not isinstance(target, Clbit):
            raise ValueError("conditions on whole registers are not supported")
        return int(bits[target] == int(value))
    if isinstance(node, expr.Var):
        return int(bits[node.var])
    if isinstance(node, expr.Value):
        return int(node.value)
    if isinstance(node, expr.Cast):
        return _eval(node.operand, bits)
    if isinstance(node, expr.Unary):
        v = _eval(node.operand, bits)
        if node.op in (expr.Unary.Op.LOGIC_NOT, expr.Unary.Op.BIT_NOT):
            return 1 - v
        raise ValueError(f"unsupported unary {node.op}")
    if isinstance(node, expr.Binary):
        a, b = _eval(node.left, bits), _eval(node.right, bits)
        ops = {expr.Binary.Op.BIT_XOR: a ^ b, expr.Binary.Op.BIT_AND: a & b,
               expr.Binary.Op.BIT_OR: a | b, expr.Binary.Op.LOGIC_AND: int(bool(a and b)),
               expr.Binary.Op.LOGIC_OR: int(bool(a or b)), expr.Binary.Op.EQUAL: int(a == b),
               expr.Binary.Op.NOT_EQUAL: int(a != b)}
        if node.op not in ops:
            raise ValueError(f"unsupported binary {node.op}")
        return ops[node.op]
    raise ValueError(f"unsupported condition {node!r}")


def _reads(node, out: set) -> None:
    if isinstance(node, tuple):
        out.add(node[0])
    elif isinstance(node, expr.Var):
        out.add(node.var)
    elif isinstance(node, (expr.Unary, expr.Cast)):
        _reads(node.operand, out)
    elif isinstance(node, expr.Binary):
        _reads(node.left, out)
        _reads(node.right, out)


def _events(circuit: QuantumCircuit, out: list) -> None:
    """Clbit reads ("r", bit) and unconditional writes ("w", bit) in program order (writes in
    control-flow bodies are conditional: not listed as writes)."""
    for inst in circuit.data:
        op = inst.operation
        if op.name == "measure":
            out.append(("w", inst.clbits[0]))
        elif isinstance(op, (IfElseOp, WhileLoopOp)):
            read: set = set()
            _reads(op.condition, read)
            out.extend(("r", b) for b in read)
            inner: list = []
            for block in op.blocks:
                if block is not None:
                    _events(block, inner)
            out.extend(("r", b) for kind, b in inner if kind == "r")
            if isinstance(op, WhileLoopOp):  # the condition is read again after the body
                out.extend(("r", b) for b in read)


def _writes(inst, out: set) -> None:
    """Every clbit an instruction may write (inside control flow too)."""
    if inst.operation.name == "measure":
        out.add(inst.clbits[0])
    for block in getattr(inst.operation, "blocks", ()):
        if block is not None:
            for sub in block.data:
                _writes(sub, out)


def _early_checks(cond, body: QuantumCircuit) -> dict[int, list]:
    """For a loop condition ``not (c_1 and c_2 and ...)``: ``{i: [c_k]}`` with i the body position
    after which c_k's bits are no longer written (a branch failing c_k is rejected already)."""
    if not (isinstance(cond, expr.Unary) and cond.op == expr.Unary.Op.LOGIC_NOT):
        return {}
    conjuncts, stack = [], [cond.operand]
    while stack:
        node = stack.pop()
        if isinstance(node, expr.Binary) and node.op == expr.Binary.Op.LOGIC_AND:
            stack += [node.left, node.right]
        else:
            conjuncts.append(node)
    out: dict[int, list] = {}
    for conj in conjuncts:
        bits: set = set()
        _reads(conj, bits)
        last = -1
        for pos, inst in enumerate(body.data):
            written: set = set()
            _writes(inst, written)
            if written & bits:
                last = pos
        if last >= 0:
            out.setdefault(last, []).append(conj)
    return out


class BranchSimulator:
    """Unnormalized density matrices keyed by the live classical bits' values."""

    def __init__(self, circuit: QuantumCircuit, tail: float | None = None) -> None:
        self.n = circuit.num_qubits
        self.circuit = circuit
        self.tail = tail
        rho = np.zeros([2] * (2 * self.n), dtype=complex)
        rho[(0,) * (2 * self.n)] = 1.0
        self.branches: dict[tuple, np.ndarray] = {(): rho}
        self.order: list[Clbit] = []  # bits in the keys, in key order

    def _merge(self, items) -> dict[tuple, np.ndarray]:
        out: dict[tuple, np.ndarray] = {}
        for key, rho in items:
            out[key] = out[key] + rho if key in out else rho
        return out

    def _bits(self, key: tuple) -> dict[Clbit, int]:
        return dict(zip(self.order, key))

    def _forget(self, live: set) -> None:
        keep = [i for i, b in enumerate(self.order) if b in live]
        self.order = [self.order[i] for i in keep]
        self.branches = self._merge((tuple(k[i] for i in keep), r) for k, r in self.branches.items())

    def _measure(self, q: int, c: Clbit) -> None:
        if c not in self.order:
            self.order.append(c)
            self.branches = {(*k, 0): r for k, r in self.branches.items()}
        pos = self.order.index(c)
        items = []
        for key, rho in self.branches.items():
            for v in (0, 1):
                part = rho.copy()
                ket = [slice(None)] * (2 * self.n)
                ket[q] = 1 - v
                part[tuple(ket)] = 0.0
                bra = [slice(None)] * (2 * self.n)
                bra[self.n + q] = 1 - v
                part[tuple(bra)] = 0.0
                if np.any(part):
                    items.append(((*key[:pos], v, *key[pos + 1:]), part))
        self.branches = self._merge(items)

    def run_block(self, block: QuantumCircuit, qmap: list[int], after=None) -> None:
        """Evolve every branch through ``block`` (``qmap[i]``: top-level index of block qubit i);
        ``after(i)`` runs after instruction i."""
        index = {q: qmap[i] for i, q in enumerate(block.qubits)}
        for pos, inst in enumerate(block.data):
            op = inst.operation
            qs = [index[q] for q in inst.qubits]
            if op.name in _SKIP or isinstance(op, Delay):
                continue
            if op.name == "measure":
                self._measure(qs[0], inst.clbits[0])
            elif op.name == "reset":
                self._map(lambda r, qs=qs: _channel(r, _RESET, qs, self.n))
            elif op.name == "quantum_channel":
                kraus = Kraus(op._quantum_error).data
                self._map(lambda r, qs=qs, k=kraus: _channel(r, k, qs, self.n))
            elif op.name == "kraus":  # the noise pass's channels inside loop bodies
                kraus = [np.asarray(m) for m in op.params]
                self._map(lambda r, qs=qs, k=kraus: _channel(r, k, qs, self.n))
            elif isinstance(op, IfElseOp):
                self._if(op, qs)
            elif isinstance(op, WhileLoopOp):
                self._while(op, qs)
            elif op.name in ("save_density_matrix", "save_statevector"):
                raise ValueError("give the circuit without save instructions")
            else:
                u = [Operator(op).data]
                self._map(lambda r, qs=qs, u=u: _channel(r, u, qs, self.n))
            if after is not None:
                after(pos)

    def _map(self, fn) -> None:
        self.branches = {k: fn(r) for k, r in self.branches.items()}

    def _split(self, cond) -> tuple[dict, dict]:
        yes, no = {}, {}
        for key, rho in self.branches.items():
            (yes if _eval(cond, self._bits(key)) else no)[key] = rho
        return yes, no

    def _if(self, op: IfElseOp, qs: list[int]) -> None:
        if len(op.blocks) > 1 and op.blocks[1] is not None and op.blocks[1].size():
            raise ValueError("else branches are not supported")
        yes, no = self._split(op.condition)
        self.branches = yes
        if yes:
            self.run_block(op.blocks[0], qs)
        self.branches = self._merge([*self.branches.items(), *no.items()])

    def _while(self, op: WhileLoopOp, qs: list[int]) -> None:
        yes, no = self._split(op.condition)
        if no:
            raise ValueError("a rejection loop must run at least once (its condition starts true)")
        body = op.blocks[0]
        prune = _early_checks(op.condition, body) if self.tail is None else {}

        def after(pos: int) -> None:  # a failed conjunct whose bits are final: rejected already
            for conj in prune.get(pos, []):
                self.branches = {k: r for k, r in self.branches.items()
                                 if _eval(conj, self._bits(k))}

        accepted: list = []
        first = True
        while first or (self.tail is not None and self.branches
                        and sum(_trace(r, self.n) for r in self.branches.values()) > self.tail):
            first = False
            self.run_block(body, qs, after)
            again, done = self._split(op.condition)
            accepted.extend(done.items())
            self.branches = again
        if self.tail is not None:  # renormalize by the accepted mass (rejection sampling)
            mass_in = sum(_trace(r, self.n) for r in yes.values())
            mass_out = sum(_trace(r, self.n) for _, r in accepted)
            accepted = [(k, r * (mass_in / mass_out)) for k, r in accepted]
        self.branches = self._merge(accepted)

    def run(self, live_at_end: set) -> None:
        """The whole circuit; after each top-level instruction, bits never read again are summed
        out (``live_at_end``: bits read after the circuit, e.g. by herald rules)."""
        data = list(self.circuit.data)
        live_after: list[set] = [set()] * len(data)
        live = set(live_at_end)
        for i in range(len(data) - 1, -1, -1):  # backward liveness over the top level
            live_after[i] = set(live)
            one = self.circuit.copy_empty_like()
            one.append(data[i].operation, data[i].qubits, data[i].clbits)
            events: list = []
            _events(one, events)
            for kind, b in reversed(events):
                if kind == "w":
                    live.discard(b)
                else:
                    live.add(b)
        for i, inst in enumerate(data):
            one = self.circuit.copy_empty_like()
            one.append(inst.operation, inst.qubits, inst.clbits)
            self.run_block(one, list(range(self.n)))
            self._forget(live_after[i])


def _trace(t: np.ndarray, n: int) -> float:
    return float(np.real(np.trace(t.reshape(2**n, 2**n))))


def _reduced(t: np.ndarray, n: int, keep: Sequence[int]) -> np.ndarray:
    """Partial trace onto ``keep`` (little-endian: keep[0] is the low qubit of the result)."""
    rest = [q for q in range(n) if q not in keep]
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ket = list(letters[:n])
    bra = list(letters[n:2 * n])
    for q in rest:
        bra[q] = ket[q]
    out_ket = [ket[q] for q in reversed(keep)]
    out_bra = [bra[q] for q in reversed(keep)]
    spec = "".join(ket + bra) + "->" + "".join(out_ket + out_bra)
    m = len(keep)
    return np.einsum(spec, t).reshape(2**m, 2**m)


_RULES = {"one_hot": lambda b: sum(b) == 1, "all_ones": all, "all_zeros": lambda b: not any(b),
          "equal": lambda b: len(set(b)) <= 1}


def exact_heralded_state(circuit: QuantumCircuit, keep: Sequence[int],
                         heralds: Sequence[tuple[str, str]] = (), *, tail: float | None = None
                         ) -> tuple[np.ndarray, float]:
    """The state of qubits ``keep`` given that every rejection loop accepted and every
    ``(register, rule)`` of ``heralds`` holds, and the probability of that (the product of the
    loops' acceptance probabilities with the heralds'; with a ``tail`` the loops count as 1)."""
    regs = {r.name: r for r in circuit.cregs}
    checks = [(list(regs[name]), _RULES[rule]) for name, rule in heralds]
    sim = BranchSimulator(circuit, tail)
    sim.run({b for bits, _ in checks for b in bits})
    n = circuit.num_qubits
    total = np.zeros((2 ** len(keep),) * 2, dtype=complex)
    for key, rho in sim.branches.items():
        bits = sim._bits(key)
        if all(rule([bits.get(b, 0) for b in reg]) for reg, rule in checks):
            total += _reduced(rho, n, keep)
    p = float(np.real(np.trace(total)))
    if p <= 0:
        raise ValueError("nothing is accepted")
    return total / p, p
