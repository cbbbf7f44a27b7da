"""Entanglement swapping: a Bell-state measurement (BSM) at a repeater plus Pauli-frame corrections.

Circuit (physics-reference section 4): with pairs (a, b) and (c, d), the repeater holding b and c
applies CNOT(b -> c), H(b), measures b -> m1 and c -> m2; the far qubit d then gets X^m2 and
Z^m1, which leaves (a, d) in Phi+ when both input pairs are Phi+.

Two correction forms for whole circuits (``CORRECTIONS``):

* ``"dynamic"``: measure, then ``if_test`` on each bit (needs a control-flow backend);
* ``"deferred"``: the controlled gates CX(c -> d), CZ(b -> d) act before the measurement
  (deferred-measurement principle), for backends without control flow. The reduced state of
  the other qubits is the same as in the dynamic form.

and two more for :func:`append_bell_measurement` (``BSM_FORMS``):

* ``"measured"``: measure, then CX(c -> d), CZ(b -> d) controlled by the measured (now classical)
  qubits: the dynamic form's channel without control flow, and a readout error before the
  measurement flips the correction as it flips the record (the scheduler's swaps);
* ``"frame"``: measure only; the outcomes are the Pauli frame X^m2 Z^m1 of d, corrected in
  software on the measured end pair (:func:`pauli_frame`, :func:`frame_flip`).

Input pairs are given as a Werner fidelity (float), Bell-diagonal coefficients
(A, B, C, D) = (Phi+, Psi-, Psi+, Phi-), or ``None`` for an ideal Phi+; they are prepared with
:func:`qnet_circuits.library.generation.prepare_bell_diagonal`.

>>> qc = swap_circuit(0.9, 0.9)
>>> [r.name for r in qc.qregs], qc.metadata["pair"]
(['alice_mem', 'r1_mem', 'bob_mem', 'src_anc'], [0, 3])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from qiskit.circuit import (
    CircuitError,
    ClassicalRegister,
    Clbit,
    QuantumCircuit,
    QuantumRegister,
    Qubit,
)

from qnet_circuits.library.options import BSM_FORMS, CORRECTIONS
from qnet_circuits.physics import validate_bell_diagonal, werner_coefficients

__all__ = [
    "BSM_FORMS",
    "CORRECTIONS",
    "BsmForm",
    "Correction",
    "PairSpec",
    "append_bell_measurement",
    "append_swap",
    "frame_flip",
    "pair_coefficients",
    "pauli_frame",
    "prepare_pair",
    "swap_chain_circuit",
    "swap_circuit",
]

Correction = Literal["dynamic", "deferred"]
BsmForm = Literal["dynamic", "deferred", "measured", "frame"]

#: An input pair: Werner fidelity (float), Bell-diagonal (A, B, C, D), or None for ideal Phi+.
PairSpec = float | Sequence[float] | None

QubitLike = Qubit | int
ClbitLike = Clbit | int

IDEAL: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)


# ---------------------------------------------------------------------------------------------
# input pairs
# ---------------------------------------------------------------------------------------------


def pair_coefficients(spec: PairSpec, name: str = "pair") -> tuple[float, float, float, float]:
    """Bell-diagonal coefficients (A, B, C, D) of an input-pair spec.

    Args:
        spec: Werner fidelity F in [0, 1], coefficients (A, B, C, D) (>= 0, summing to 1),
            or ``None`` (ideal Phi+).
        name: field name used in error messages.

    >>> pair_coefficients(0.7)[1:] == pair_coefficients((0.7, 0.1, 0.1, 0.1))[1:]
    False
    >>> pair_coefficients(None)
    (1.0, 0.0, 0.0, 0.0)
    """
    if spec is None:
        return IDEAL
    if isinstance(spec, bool):
        raise ValueError(f"{name} must be a fidelity in [0, 1] or (A, B, C, D), got {spec!r}")
    if isinstance(spec, (int, float)):
        f = float(spec)
        if not math.isfinite(f) or not 0.0 <= f <= 1.0:
            raise ValueError(
                f"{name} fidelity must be in [0, 1], got {spec!r}; pass a Werner fidelity F "
                "with 0 <= F <= 1"
            )
        return werner_coefficients(f)
    if isinstance(spec, str):
        raise ValueError(f"{name} must be a fidelity in [0, 1] or (A, B, C, D), got {spec!r}")
    return validate_bell_diagonal(spec, name=f"{name} Bell-diagonal coefficients")


def prepare_pair(
    qc: QuantumCircuit,
    qa: QubitLike,
    qb: QubitLike,
    ancillas: Sequence[QubitLike] | QuantumRegister | None,
    coefficients: Sequence[float],
) -> None:
    """Append the preparation of a Bell-diagonal pair on (qa, qb).

    An ideal pair (1, 0, 0, 0) is H(qa), CX(qa, qb) and needs no ancilla; otherwise the core's
    ``prepare_bell_diagonal`` selects a Pauli on ``qb`` with two ancillas (reset afterwards, so
    they can be shared by all pairs).
    """
    coeffs = validate_bell_diagonal(coefficients, name="coefficients")
    if coeffs == IDEAL:
        qc.h(qa)
        qc.cx(qa, qb)
        return
    if ancillas is None or len(ancillas) < 2:
        raise ValueError(
            "ancillas must hold 2 qubits to prepare a noisy (non-ideal) pair; "
            "pass a 2-qubit register"
        )
    from qnet_circuits.library.generation import prepare_bell_diagonal

    prepare_bell_diagonal(qc, qa, qb, list(ancillas)[:2], coeffs)


# ---------------------------------------------------------------------------------------------
# low level: Bell-state measurement with corrections
# ---------------------------------------------------------------------------------------------


def _qubit(qc: QuantumCircuit, q: QubitLike, name: str) -> Qubit:
    if isinstance(q, Qubit):
        try:
            qc.find_bit(q)
        except CircuitError:
            raise ValueError(f"{name} is not a qubit of this circuit") from None
        return q
    if isinstance(q, int) and not isinstance(q, bool):
        if not 0 <= q < qc.num_qubits:
            raise ValueError(f"{name} index {q} is out of range ({qc.num_qubits} qubits)")
        return qc.qubits[q]
    raise ValueError(f"{name} must be a Qubit or an int index, got {q!r}")


def _clbits(
    qc: QuantumCircuit, bits: Sequence[ClbitLike] | ClassicalRegister
) -> tuple[Clbit, Clbit]:
    items = list(bits)
    if len(items) != 2:
        raise ValueError(f"bits must hold 2 classical bits (m1, m2), got {len(items)}")
    out = []
    for b in items:
        if isinstance(b, Clbit):
            out.append(b)
        elif isinstance(b, int) and not isinstance(b, bool) and 0 <= b < qc.num_clbits:
            out.append(qc.clbits[b])
        else:
            raise ValueError(f"bits must be Clbits or clbit indices of this circuit, got {b!r}")
    if out[0] == out[1]:
        raise ValueError("bits must be two different classical bits")
    return out[0], out[1]


def _check_correction(correction: str) -> None:
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be 'dynamic' or 'deferred', got {correction!r}")


def _check_form(correction: str) -> None:
    if correction not in BSM_FORMS:
        raise ValueError(f"correction must be one of {', '.join(BSM_FORMS)}, got {correction!r}")


def append_bell_measurement(
    qc: QuantumCircuit,
    b: QubitLike,
    c: QubitLike,
    d: QubitLike,
    bits: Sequence[ClbitLike] | ClassicalRegister,
    correction: BsmForm = "dynamic",
    *,
    reset: bool = False,
    record: bool = True,
) -> QuantumCircuit:
    """Bell-state measurement on (b, c) and the Pauli correction X^m2 Z^m1 on d.

    Shared by swapping (b, c at a repeater), teleportation (b = input, c = Alice's half) and the
    scheduler's chains.

    Args:
        qc: circuit to append to (modified in place and returned).
        b, c: the two qubits measured; b -> ``bits[0]`` (m1, Z correction), c -> ``bits[1]``
            (m2, X correction).
        d: the qubit that receives the correction.
        bits: two classical bits.
        correction: one of :data:`BSM_FORMS` (module docstring): ``"dynamic"`` (``if_test``),
            ``"deferred"`` (controlled gates first), ``"measured"`` (controlled gates from the
            measured qubits) or ``"frame"`` (no correction; the bits are the frame).
        reset: reset b and c after measuring them, so they can be reused.
        record: ``False`` (``"deferred"`` only) leaves out the measurements: the correction has
            already acted, so with ideal readout the outcomes carry nothing (two operations fewer).

    >>> qc = QuantumCircuit(3, 2)
    >>> _ = append_bell_measurement(qc, 0, 1, 2, [0, 1], "measured", reset=True)
    >>> [inst.operation.name for inst in qc.data]
    ['cx', 'h', 'measure', 'measure', 'cx', 'cz', 'reset', 'reset']
    """
    _check_form(correction)
    if not record and correction != "deferred":
        raise ValueError("record=False applies to correction='deferred' only (the other forms "
                         "need the outcomes)")
    qb, qc_, qd = _qubit(qc, b, "b"), _qubit(qc, c, "c"), _qubit(qc, d, "d")
    if len({qb, qc_, qd}) != 3:
        raise ValueError("b, c and d must be three different qubits")
    m1, m2 = _clbits(qc, bits)
    qc.cx(qb, qc_)
    qc.h(qb)
    if correction == "deferred":
        qc.cx(qc_, qd)
        qc.cz(qb, qd)
    if record:
        qc.measure(qb, m1)
        qc.measure(qc_, m2)
    if correction == "measured":
        qc.cx(qc_, qd)
        qc.cz(qb, qd)
    elif correction == "dynamic":
        with qc.if_test((m2, 1)):
            qc.x(qd)
        with qc.if_test((m1, 1)):
            qc.z(qd)
    if reset:
        qc.reset(qb)
        qc.reset(qc_)
    return qc


def pauli_frame(m1: Sequence, m2: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """The Pauli frame X^x Z^z left on the last qubit of a chain swapped in ``"frame"`` form.

    ``m1[i]``, ``m2[i]``: the outcomes (arrays over shots) of swap i in the order of
    :func:`swap_chain_circuit` (each swap's correction targets the next swap's left qubit, or the
    end qubit): the frames multiply, so ``x`` is the XOR of every ``m2`` and ``z`` of every ``m1``.

    >>> x, z = pauli_frame([[0, 1], [1, 1]], [[1, 0], [1, 1]])
    >>> x.tolist(), z.tolist()
    ([0, 1], [1, 0])
    """
    if len(m1) != len(m2) or not len(m1):
        raise ValueError("m1 and m2 must list the same number (>= 1) of swaps' outcomes")
    x = np.bitwise_xor.reduce(np.asarray(m2, dtype=np.uint8), axis=0)
    z = np.bitwise_xor.reduce(np.asarray(m1, dtype=np.uint8), axis=0)
    return x, z


def frame_flip(letter: str, x, z) -> np.ndarray:
    """Whether the frame X^x Z^z flips a measurement of the framed qubit in Pauli ``letter``:
    X is flipped by Z, Z by X, Y by either (XOR the returned bits into the outcome).

    >>> frame_flip("Y", [1, 0], [0, 0]).tolist()
    [1, 0]
    """
    x, z = np.asarray(x, dtype=np.uint8), np.asarray(z, dtype=np.uint8)
    flips = {"X": z, "Y": x ^ z, "Z": x, "I": np.zeros_like(x)}
    if letter not in flips:
        raise ValueError(f"letter must be one of I, X, Y, Z, got {letter!r}")
    return flips[letter]


def append_swap(
    qc: QuantumCircuit,
    b: QubitLike,
    c: QubitLike,
    d: QubitLike,
    bits: Sequence[ClbitLike] | ClassicalRegister,
    correction: BsmForm = "dynamic",
    *,
    reset: bool = False,
    record: bool = True,
) -> QuantumCircuit:
    """Entanglement swap: pairs (a, b) and (c, d) become (a, d) in Phi+ (ideal inputs).

    A Bell-state measurement on the repeater qubits (b, c), outcomes into ``bits`` (m1 from b,
    m2 from c), then X^m2 and Z^m1 on the far qubit d. The far qubit a is not touched. Call it
    repeatedly on one flat circuit to swap along a chain.

    >>> qc = QuantumCircuit(4, 2)
    >>> _ = qc.h(0); _ = qc.cx(0, 1); _ = qc.h(2); _ = qc.cx(2, 3)
    >>> _ = append_swap(qc, 1, 2, 3, [0, 1], correction="deferred")
    >>> qc.count_ops()["measure"]
    2
    """
    return append_bell_measurement(qc, b, c, d, bits, correction, reset=reset, record=record)


# ---------------------------------------------------------------------------------------------
# high level: swap circuits from input pairs
# ---------------------------------------------------------------------------------------------


def swap_chain_circuit(
    links: Sequence[PairSpec],
    *,
    correction: Correction = "dynamic",
    end_names: tuple[str, str] = ("alice", "bob"),
) -> QuantumCircuit:
    """n links, swapped at the n-1 repeaters in order r1, r2, ..., into one end-to-end pair.

    Nodes are named like :func:`qnet_circuits.network.chain`: ``alice, r1, ..., bob``. Registers:
    ``<end>_mem`` (1 qubit) at each end, ``r<i>_mem`` (2 qubits: left half, right half) and
    ``r<i>_bsm`` (2 bits: m1, m2) at each repeater, ``src_anc`` (2 qubits, only when a link is
    not ideal; the pair-preparation ancillas, at no node, so noiseless).

    Args:
        links: one spec per link (Werner fidelity, (A, B, C, D), or None), at least 1.
        correction: ``"dynamic"`` or ``"deferred"``.
        end_names: names of the two end nodes.

    Metadata: ``nodes``, ``pair`` (end qubits), ``protocol`` = "swap", ``links`` (coefficients),
    ``bsm_registers``, ``correction``.
    """
    _check_correction(correction)
    specs = list(links)
    if len(specs) < 1:
        raise ValueError("links must list at least one link (a fidelity, (A, B, C, D) or None)")
    coeffs = [pair_coefficients(s, name=f"link {i + 1}") for i, s in enumerate(specs)]
    for n in end_names:
        if not isinstance(n, str) or not n.isidentifier():
            raise ValueError(f"end_names must be identifiers, got {end_names!r}")
    n = len(coeffs)
    left = QuantumRegister(1, f"{end_names[0]}_mem")
    right = QuantumRegister(1, f"{end_names[1]}_mem")
    reps = [QuantumRegister(2, f"r{i}_mem") for i in range(1, n)]
    bsms = [ClassicalRegister(2, f"r{i}_bsm") for i in range(1, n)]
    regs: list = [left, *reps, right]
    anc = None
    if any(c != IDEAL for c in coeffs):
        anc = QuantumRegister(2, "src_anc")
        regs.append(anc)
    qc = QuantumCircuit(*regs, *bsms, name="swap" if n == 2 else f"swap_chain_{n}")
    # link i joins node i (right half) and node i+1 (left half)
    ends = [left[0]] + [q for r in reps for q in (r[0], r[1])] + [right[0]]
    for i, c in enumerate(coeffs):
        prepare_pair(qc, ends[2 * i], ends[2 * i + 1], anc, c)
    for i, (rep, bsm) in enumerate(zip(reps, bsms, strict=True)):
        far = reps[i + 1][0] if i + 1 < len(reps) else right[0]
        append_swap(qc, rep[0], rep[1], far, bsm, correction)
    qc.metadata = {
        "protocol": "swap",
        "nodes": {
            left.name: end_names[0],
            **{r.name: f"r{i}" for i, r in enumerate(reps, start=1)},
            right.name: end_names[1],
        },
        "pair": [qc.find_bit(left[0]).index, qc.find_bit(right[0]).index],
        "links": [list(c) for c in coeffs],
        "bsm_registers": [b.name for b in bsms],
        "correction": correction,
    }
    return qc


def swap_circuit(
    pair1: PairSpec = None,
    pair2: PairSpec = None,
    *,
    correction: Correction = "dynamic",
) -> QuantumCircuit:
    """Two links alice-r1-bob swapped at r1: the end pair is (alice_mem[0], bob_mem[0]).

    Args:
        pair1: the alice-r1 pair (Werner fidelity, (A, B, C, D), or None for ideal).
        pair2: the r1-bob pair.
        correction: ``"dynamic"`` (``if_test``) or ``"deferred"``.

    Closed form: :func:`qnet_circuits.physics.swap_werner` / ``swap_bell_diagonal``.

    >>> swap_circuit(correction="deferred").count_ops()["cz"]
    1
    """
    return swap_chain_circuit([pair1, pair2], correction=correction)
