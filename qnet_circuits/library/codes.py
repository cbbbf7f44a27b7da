"""Circuits of a stored Bell pair, bare or in phase-flip repetition blocks at both nodes.

:func:`stored_pair` prepares a Werner (or Bell-diagonal) pair on ``alice[0]``, ``bob[0]``; with
``code_size = 3`` each node encodes its half into 3 qubits (``CX`` fan-out, then ``H`` on
every qubit: ``|0> -> |+...+>``, ``|1> -> |-...->``); every memory qubit waits ``wait_s`` (a
``Delay``: the noise pass turns it into the node's T1/T2); each node decodes (``H`` on every
qubit, ``CX`` fan-in), measures the ``n - 1`` syndrome qubits and, with ``if_test``, flips its
pair qubit when the syndrome says the majority disagreed (for ``n = 3``: both syndrome bits set).
The pair ``(alice[0], bob[0])`` is then measured by the caller (``metadata["pair"]``).

>>> qc = stored_pair((0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3), wait_s=1e-3, code_size=3)
>>> qc.metadata["pair"], sorted(qc.metadata["nodes"].values())
([0, 3], ['alice', 'bob'])
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from qiskit.circuit import QuantumCircuit, QuantumRegister

from qnet_circuits.library.swapping import IDEAL, prepare_pair


def _encode(qc: QuantumCircuit, block: QuantumRegister) -> None:
    for q in block[1:]:
        qc.cx(block[0], q)
    for q in block:
        qc.h(q)


@lru_cache(maxsize=1)
def _majority_correction() -> QuantumCircuit:
    """CCX(s1, s2 -> q0) as CX and one-qubit gates, so every CX carries the node's gate error."""
    from qiskit import transpile

    sub = QuantumCircuit(3, name="majority")
    sub.ccx(1, 2, 0)
    return transpile(sub, basis_gates=["cx", "h", "t", "tdg", "s", "sdg", "x", "rz", "u"],
                     optimization_level=0)


def _decode(qc: QuantumCircuit, block: QuantumRegister) -> None:
    for q in block:
        qc.h(q)
    for q in block[1:]:
        qc.cx(block[0], q)
    # after the fan-in the syndrome qubits hold e_0 xor e_1 and e_0 xor e_2; both set means the
    # pair qubit is the odd one out: a coherent majority vote (Toffoli as 6 CX)
    qc.compose(_majority_correction(), [block[0], block[1], block[2]], inplace=True)


def stored_pair(coefficients: Sequence[float], *, wait_s: float, code_size: int = 1) -> QuantumCircuit:
    """A pair stored ``wait_s`` seconds, bare (``code_size=1``) or in repetition blocks (odd n)."""
    if code_size not in (1, 3):
        raise ValueError(f"code_size must be 1 (a bare pair) or 3 (repetition blocks), got {code_size!r}")
    if not wait_s >= 0:
        raise ValueError(f"wait_s must be >= 0 (memory wait in s), got {wait_s!r}")
    alice = QuantumRegister(code_size, "alice")
    bob = QuantumRegister(code_size, "bob")
    regs: list = [alice, bob]
    anc = None
    if tuple(coefficients) != IDEAL:
        anc = QuantumRegister(2, "src_anc")
        regs.append(anc)
    qc = QuantumCircuit(*regs, name=f"stored_pair_n{code_size}")
    prepare_pair(qc, alice[0], bob[0], anc, coefficients)
    if code_size > 1:
        _encode(qc, alice)
        _encode(qc, bob)
    if wait_s > 0:
        for q in (*alice, *bob):
            qc.delay(wait_s, q, unit="s")
    if code_size > 1:
        _decode(qc, alice)
        _decode(qc, bob)
    qc.metadata = {"pair": [0, code_size], "nodes": {"alice": "alice", "bob": "bob"},
                   "code_size": code_size, "wait_s": float(wait_s)}
    return qc
