"""Entanglement purification circuits: BBPSSW and DEJMPS, recurrence and pumping.

One purification step (physics-reference section 5): Alice holds (a1, a2), Bob (b1, b2); pair 1
(a1, b1) is kept, pair 2 (a2, b2) is sacrificed. Both apply CNOT(1 -> 2), measure a2 and b2 in Z
into a 2-bit flag register, and the pair is kept iff the two flags agree (herald rule
``"equal"``). The sacrificed qubits are reset after measurement and reused.

* DEJMPS first rotates Rx(+pi/2) on Alice's qubits and Rx(-pi/2) on Bob's (``rotations=
  "opposite"``); ``rotations="same"`` (Rx(+pi/2) on both) is the wrong variant that lands in
  the Psi+ frame.
* BBPSSW re-twirls the kept pair to Werner form between rounds with the bilateral U (x) U*
  twirl over 12 elements (:func:`append_twirl`, an exact in-circuit random choice: ancillas in
  superposition select the element and are reset).

Schemes: ``"recurrence"`` (rounds k consume 2^k raw pairs; nested, depth first, so only k + 1
qubits per node) and ``"pumping"`` (a fresh pair purifies the kept pair in every round; 2 qubits
per node).

>>> qc = purification_circuit([0.8], protocol="dejmps", rounds=2)
>>> [r.name for r in qc.cregs]
['flags_r1_0', 'flags_r1_1', 'flags_r2_0']
>>> qc.metadata["heralds"][0]
{'register': 'flags_r1_0', 'rule': 'equal'}
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister, Qubit

from qnet_circuits.library.options import PURIFICATION_PROTOCOLS
from qnet_circuits.library.swapping import IDEAL, PairSpec, pair_coefficients, prepare_pair

__all__ = [
    "PROTOCOLS",
    "Protocol",
    "append_purification_step",
    "append_twirl",
    "is_werner",
    "purification_circuit",
]

Protocol = Literal["bbpssw", "dejmps"]
PROTOCOLS = PURIFICATION_PROTOCOLS
Rotations = Literal["opposite", "same"]

# K-select: P(a0 = 1) = 2/3, then Ry(pi/2) on a1 when a0 = 1: branches (a0, a1) = (0, 0),
# (1, 0), (1, 1) with probability 1/3 each; K controlled by a0 and again by a1 gives K^0, K^1, K^2.
_TWO_THIRDS = 2.0 * math.asin(math.sqrt(2.0 / 3.0))
# K = H S^dagger = U(pi/2, 0, pi/2) and K* = H S = U(pi/2, 0, -pi/2) exactly (no global phase).
_K_ANGLES = (math.pi / 2, 0.0, math.pi / 2)
_KCONJ_ANGLES = (math.pi / 2, 0.0, -math.pi / 2)


def is_werner(coefficients: Sequence[float], tol: float = 1e-12) -> bool:
    """True when B = C = D (the state is Werner).

    >>> is_werner((0.7, 0.1, 0.1, 0.1)), is_werner((0.7, 0.2, 0.06, 0.04))
    (True, False)
    """
    _, b, c, d = coefficients
    return abs(b - c) <= tol and abs(c - d) <= tol


def append_twirl(
    qc: QuantumCircuit, qa: Qubit, qb: Qubit, ancillas: Sequence[Qubit]
) -> QuantumCircuit:
    """Bilateral twirl to Werner form: a uniformly random U = P K^j on qa and U* on qb.

    P in {I, X, Y, Z}, j in {0, 1, 2}, K = H S^dagger (reference section 3). Two ancillas (which
    must start in |0>) are put in superposition, select the element by controlled gates, and are
    reset, so the pair is exactly the twirled mixture. (X^x Z^z) (x) (X^x Z^z) equals P (x) P*
    for every Pauli, so the Pauli part is CX/CZ from the ancillas to both qubits. The ancillas
    model shared classical randomness and sit at no node (noiseless).

    >>> qc = QuantumCircuit(4)
    >>> _ = append_twirl(qc, qc.qubits[0], qc.qubits[1], qc.qubits[2:])
    >>> qc.count_ops()["reset"]
    4
    """
    if len(ancillas) < 2:
        raise ValueError("ancillas must hold 2 qubits for the twirl")
    a0, a1 = ancillas[0], ancillas[1]
    # K^j, j uniform in {0, 1, 2}
    qc.ry(_TWO_THIRDS, a0)
    qc.cry(math.pi / 2, a0, a1)
    for ctrl in (a0, a1):
        qc.cu(*_K_ANGLES, 0.0, ctrl, qa)  # K on Alice
        qc.cu(*_KCONJ_ANGLES, 0.0, ctrl, qb)  # K* on Bob
    qc.reset(a0)
    qc.reset(a1)
    # then P uniform in {I, X, Y, Z}: X^x Z^z on both qubits
    qc.h(a0)
    qc.h(a1)
    qc.cz(a1, qa)
    qc.cz(a1, qb)
    qc.cx(a0, qa)
    qc.cx(a0, qb)
    qc.reset(a0)
    qc.reset(a1)
    return qc


def append_purification_step(
    qc: QuantumCircuit,
    keep: tuple[Qubit, Qubit],
    sacrifice: tuple[Qubit, Qubit],
    flags: ClassicalRegister | Sequence,
    protocol: Protocol = "dejmps",
    *,
    rotations: Rotations = "opposite",
    reset: bool = True,
) -> QuantumCircuit:
    """One purification step on the kept pair ``keep`` = (a1, b1) and ``sacrifice`` = (a2, b2).

    DEJMPS: Rx(+pi/2) on a1, a2 and Rx(-pi/2) on b1, b2 (``rotations="same"``: Rx(+pi/2) on
    all four); both protocols: CX(a1 -> a2), CX(b1 -> b2), measure a2 -> flags[0],
    b2 -> flags[1]; keep iff flags[0] == flags[1]. Flag outcomes are not acted on here: the
    analysis post-selects (herald rule ``"equal"``).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be 'bbpssw' or 'dejmps', got {protocol!r}")
    if rotations not in ("opposite", "same"):
        raise ValueError(f"rotations must be 'opposite' or 'same', got {rotations!r}")
    if rotations == "same" and protocol != "dejmps":
        raise ValueError("rotations='same' applies to protocol='dejmps' only")
    if len(flags) != 2:
        raise ValueError(f"flags must hold 2 classical bits (Alice's, Bob's), got {len(flags)}")
    a1, b1 = keep
    a2, b2 = sacrifice
    if protocol == "dejmps":
        bob_angle = math.pi / 2 if rotations == "same" else -math.pi / 2
        qc.rx(math.pi / 2, a1)
        qc.rx(math.pi / 2, a2)
        qc.rx(bob_angle, b1)
        qc.rx(bob_angle, b2)
    qc.cx(a1, a2)
    qc.cx(b1, b2)
    qc.measure(a2, flags[0])
    qc.measure(b2, flags[1])
    if reset:
        qc.reset(a2)
        qc.reset(b2)
    return qc


def _inputs(inputs: PairSpec | Sequence[PairSpec], needed: int, what: str) -> list[tuple]:
    if inputs is None or isinstance(inputs, (int, float)):
        specs: list = [inputs]
    else:
        specs = list(inputs)
    if len(specs) == 1:
        specs = specs * needed
    if len(specs) != needed:
        raise ValueError(
            f"inputs must list 1 pair spec (used for every raw pair) or {needed} ({what}), "
            f"got {len(specs)}"
        )
    return [pair_coefficients(s, name=f"inputs[{i}]") for i, s in enumerate(specs)]


def purification_circuit(
    inputs: PairSpec | Sequence[PairSpec] = None,
    *,
    protocol: Protocol = "dejmps",
    rounds: int = 1,
    pumping: bool = False,
    rotations: Rotations = "opposite",
    twirl_inputs: bool | None = None,
    reuse: bool = True,
    names: tuple[str, str] = ("alice", "bob"),
) -> QuantumCircuit:
    """Purification of raw pairs between two nodes, ``rounds`` rounds, flags post-selected.

    Args:
        inputs: raw pairs. A single spec (Werner fidelity, ``None``) or a 1-element list is used
            for every raw pair; otherwise a list of specs (a float is a Werner fidelity, a
            4-sequence Bell-diagonal (A, B, C, D)): 2**rounds of them in leaf order for the
            recurrence (``[kept, sacrificed]`` for one round), ``rounds + 1`` for pumping (the
            initial kept pair, then the fresh pair of each round).
        protocol: ``"bbpssw"`` or ``"dejmps"``.
        rounds: number of rounds, >= 1.
        pumping: False for the recurrence (2**rounds raw pairs), True for pumping.
        rotations: DEJMPS rotations, ``"opposite"`` (correct) or ``"same"`` (wrong frame).
        twirl_inputs: BBPSSW only: twirl raw pairs before use (default: when not Werner).
        reuse: reset measured qubits and reuse them (rounds + 1 qubits per node for the
            recurrence, 2 for pumping); False gives every raw pair its own qubits (for exact
            density-matrix checks, where a measurement that is a qubit's last use is cheap).
        names: the two node names (registers ``<name>_mem``).

    Registers: ``<a>_mem``, ``<b>_mem`` (slot 0 holds the output pair), ``src_anc`` (2 ancillas
    for pair preparation and twirls, at no node, noiseless), flag registers ``flags_r<k>_<i>``
    (recurrence: step i of round k) or ``flags_r<k>`` (pumping), bit 0 Alice's, bit 1 Bob's.

    Metadata: ``nodes``, ``pair``, ``heralds`` (every flag register, rule ``"equal"``),
    ``protocol``, ``scheme``, ``rounds``, ``inputs`` (coefficients), ``steps`` (per flag
    register: its round and the flag registers its input pairs depend on).
    """
    _check_options(protocol, rounds, rotations, names)
    if pumping:
        coeffs = _inputs(inputs, rounds + 1, "initial pair, then one fresh pair per round")
        slots = 2 if reuse else rounds + 1
    else:
        coeffs = _inputs(inputs, 2**rounds, "raw pairs in leaf order")
        slots = rounds + 1 if reuse else 2**rounds
    if twirl_inputs is None:
        twirl_inputs = protocol == "bbpssw" and not all(is_werner(c) for c in coeffs)
    elif twirl_inputs and protocol != "bbpssw":
        raise ValueError("twirl_inputs applies to protocol='bbpssw' only")
    twirl_between = protocol == "bbpssw"
    need_anc = twirl_inputs or (twirl_between and rounds > 1) or any(c != IDEAL for c in coeffs)

    mem_a = QuantumRegister(slots, f"{names[0]}_mem")
    mem_b = QuantumRegister(slots, f"{names[1]}_mem")
    qregs = [mem_a, mem_b]
    anc = QuantumRegister(2, "src_anc") if need_anc else None
    if anc is not None:
        qregs.append(anc)
    qc = QuantumCircuit(*qregs, name=f"{protocol}_{'pumping' if pumping else 'recurrence'}")
    builder = _Builder(qc, mem_a, mem_b, anc, iter(coeffs), protocol, rotations, reuse,
                       twirl_inputs, twirl_between)
    if pumping:
        builder.pumping(rounds)
    else:
        builder.recurrence(rounds)
    steps = builder.steps

    qc.metadata = {
        "protocol": protocol,
        "scheme": "pumping" if pumping else "recurrence",
        "rounds": rounds,
        "rotations": rotations,
        "nodes": {mem_a.name: names[0], mem_b.name: names[1]},
        "pair": [qc.find_bit(mem_a[0]).index, qc.find_bit(mem_b[0]).index],
        "heralds": [{"register": s["register"], "rule": "equal"} for s in steps],
        "inputs": [list(c) for c in coeffs],
        "steps": steps,
        "twirl_inputs": bool(twirl_inputs),
        "reuse": reuse,
    }
    return qc


def _check_options(protocol: str, rounds: int, rotations: str, names: tuple[str, str]) -> None:
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be 'bbpssw' or 'dejmps', got {protocol!r}")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be an integer >= 1, got {rounds!r}")
    if rotations not in ("opposite", "same"):
        raise ValueError(f"rotations must be 'opposite' or 'same', got {rotations!r}")
    if rotations == "same" and protocol != "dejmps":
        raise ValueError("rotations='same' applies to protocol='dejmps' only")
    for n in names:
        if not isinstance(n, str) or not n.isidentifier():
            raise ValueError(f"names must be two identifiers, got {names!r}")


class _Builder:
    """Appends the pair preparations and purification steps of :func:`purification_circuit`."""

    def __init__(self, qc: QuantumCircuit, mem_a: QuantumRegister, mem_b: QuantumRegister,
                 anc: QuantumRegister | None, leaves, protocol: str, rotations: str, reuse: bool,
                 twirl_inputs: bool, twirl_between: bool) -> None:
        self.qc, self.mem_a, self.mem_b, self.anc, self.leaves = qc, mem_a, mem_b, anc, leaves
        self.protocol, self.rotations, self.reuse = protocol, rotations, reuse
        self.twirl_inputs, self.twirl_between = twirl_inputs, twirl_between
        self.steps: list[dict] = []

    def prepare(self, slot: int) -> None:
        c = next(self.leaves)
        prepare_pair(self.qc, self.mem_a[slot], self.mem_b[slot], self.anc, c)
        if self.twirl_inputs and not is_werner(c):
            append_twirl(self.qc, self.mem_a[slot], self.mem_b[slot], self.anc)

    def twirl(self, slot: int) -> None:
        append_twirl(self.qc, self.mem_a[slot], self.mem_b[slot], self.anc)

    def purify(self, round_k: int, slot: int, other: int, name: str, depends: list[str]) -> None:
        flags = ClassicalRegister(2, name)
        self.qc.add_register(flags)
        append_purification_step(
            self.qc,
            (self.mem_a[slot], self.mem_b[slot]),
            (self.mem_a[other], self.mem_b[other]),
            flags,
            self.protocol,
            rotations=self.rotations,
            reset=self.reuse,
        )
        self.steps.append({"register": name, "round": round_k, "depends_on": depends})

    def pumping(self, rounds: int) -> None:
        self.prepare(0)
        for k in range(1, rounds + 1):
            fresh = 1 if self.reuse else k
            self.prepare(fresh)
            self.purify(k, 0, fresh, f"flags_r{k}", [s["register"] for s in self.steps])
            if self.twirl_between and k < rounds:
                self.twirl(0)

    def recurrence(self, rounds: int) -> None:
        counters = [0] * (rounds + 1)

        def build(level: int, slot: int) -> list[str]:
            """Build a level-``level`` pair in ``slot``; return the flag registers it used."""
            if level == 0:
                self.prepare(slot)
                return []
            other = slot + 1 if self.reuse else slot + 2 ** (level - 1)
            left = build(level - 1, slot)
            right = build(level - 1, other)
            name = f"flags_r{level}_{counters[level]}"
            counters[level] += 1
            self.purify(level, slot, other, name, left + right)
            if self.twirl_between and level < rounds:
                self.twirl(slot)
            return [*left, *right, name]

        build(rounds, 0)
