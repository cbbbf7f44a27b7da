"""Measurement circuits: Pauli-basis readout of a pair, the estimator that also works on hardware.

>>> from qiskit import QuantumCircuit
>>> bell = QuantumCircuit(2); _ = bell.h(0); _ = bell.cx(0, 1)
>>> circuits = pauli_basis_circuits(bell, [0, 1])
>>> sorted(circuits), circuits["YY"].metadata["basis"]
(['XX', 'YY', 'ZZ'], 'YY')
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit.circuit import ClassicalRegister, QuantumCircuit

PAULI_LETTERS = frozenset("IXYZ")


def append_basis_change(circuit: QuantumCircuit, qubit, letter: str) -> None:
    """Rotate ``qubit`` so that a Z measurement reads the Pauli ``letter``."""
    if letter == "X":
        circuit.h(qubit)
    elif letter == "Y":
        circuit.sdg(qubit)
        circuit.h(qubit)
    elif letter not in ("Z", "I"):
        raise ValueError(f"Pauli letter must be one of I, X, Y, Z, got {letter!r}")


def pauli_basis_circuits(
    circuit: QuantumCircuit,
    qubits: Sequence[int],
    bases: Sequence[str] = ("XX", "YY", "ZZ"),
    register: str = "pair",
) -> dict[str, QuantumCircuit]:
    """Copies of ``circuit`` that measure ``qubits`` in each Pauli basis string into ``register``.

    ``bases`` are strings with one letter per qubit (``"XX"``); letter i applies to ``qubits[i]``.
    ``metadata["basis"]`` records the basis of each copy. The register is listed in
    ``metadata["ideal_measurements"]``: the noise pass gives this verification readout no readout
    error, so the estimate is of the state, not of the nodes' detectors.
    """
    out: dict[str, QuantumCircuit] = {}
    for basis in bases:
        if len(basis) != len(qubits) or not set(basis) <= PAULI_LETTERS:
            raise ValueError(
                f"basis {basis!r} must have one Pauli letter (I, X, Y, Z) per qubit ({len(qubits)})"
            )
        qc = circuit.copy()
        creg = ClassicalRegister(len(qubits), register)
        qc.add_register(creg)
        for k, (q, letter) in enumerate(zip(qubits, basis)):
            append_basis_change(qc, q, letter)
            qc.measure(q, creg[k])
        meta = dict(circuit.metadata or {})
        ideal = [*meta.get("ideal_measurements", []), register]
        qc.metadata = {**meta, "basis": basis, "basis_register": register,
                       "ideal_measurements": ideal}
        out[basis] = qc
    return out
