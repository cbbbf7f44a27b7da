"""The Bell-state measurement's "measured" and "frame" forms (library.swapping): the measured form
is the dynamic form's channel without control flow; the frame form leaves X^m2 Z^m1 on the far
qubit, which pauli_frame/frame_flip undo in software."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qnet_circuits import physics
from qnet_circuits.library.generation import prepare_bell_diagonal
from qnet_circuits.library.measurement import append_basis_change
from qnet_circuits.library.swapping import (
    BSM_FORMS,
    append_bell_measurement,
    append_swap,
    frame_flip,
    pauli_frame,
)
from qnet_circuits.run import AerRunner, heralded_density_matrix


def two_werner_links(f1: float, f2: float, correction: str) -> QuantumCircuit:
    mem = QuantumRegister(4, "mem")
    anc = QuantumRegister(2, "anc")
    bsm = ClassicalRegister(2, "bsm")
    qc = QuantumCircuit(mem, anc, bsm)
    prepare_bell_diagonal(qc, mem[0], mem[1], list(anc), physics.werner_coefficients(f1))
    prepare_bell_diagonal(qc, mem[2], mem[3], list(anc), physics.werner_coefficients(f2))
    append_swap(qc, mem[1], mem[2], mem[3], bsm, correction)
    return qc


@pytest.mark.parametrize("correction", ["measured", "deferred", "dynamic"])
def test_measured_form_gives_the_swap_closed_form_exactly(correction):
    rho, p = heralded_density_matrix(two_werner_links(0.9, 0.8, correction), qubits=[0, 3])
    assert p == pytest.approx(1.0)
    assert physics.fidelity_phi_plus(rho.data) == pytest.approx(physics.swap_werner(0.9, 0.8), abs=1e-9)


def frame_chain(basis: str, n_links: int = 3) -> QuantumCircuit:
    """n ideal links swapped in order in the frame form; the end pair measured in ``basis``."""
    q = QuantumRegister(2 * n_links, "q")
    regs = [ClassicalRegister(2, f"s{i}") for i in range(n_links - 1)]
    end = ClassicalRegister(2, "end")
    qc = QuantumCircuit(q, *regs, end)
    for i in range(n_links):
        qc.h(q[2 * i])
        qc.cx(q[2 * i], q[2 * i + 1])
    for i, reg in enumerate(regs):
        far = q[2 * i + 3]
        append_bell_measurement(qc, q[2 * i + 1], q[2 * i + 2], far, reg, "frame")
    for k, qubit in enumerate((q[0], q[-1])):
        append_basis_change(qc, qubit, basis[k])
        qc.measure(qubit, end[k])
    return qc


@pytest.mark.parametrize("basis, sign", [("XX", 1), ("YY", -1), ("ZZ", 1)])
def test_frame_form_is_corrected_in_software(basis, sign):
    qc = frame_chain(basis)
    (data,) = AerRunner().run([qc], shots=400, seed=5)
    m1 = [data.bits[f"s{i}"][:, 0] for i in range(2)]
    m2 = [data.bits[f"s{i}"][:, 1] for i in range(2)]
    x, z = pauli_frame(m1, m2)
    raw = data.bits["end"][:, 0] ^ data.bits["end"][:, 1]
    corrected = raw ^ frame_flip(basis[1], x, z)
    assert (1 - 2 * corrected.astype(int) == sign).all()  # every shot: the Phi+ parity
    assert 0.3 < raw.mean() < 0.7  # uncorrected, the parity is a coin flip


def test_bad_forms_and_arguments():
    assert BSM_FORMS == ("dynamic", "deferred", "measured", "frame")
    qc = QuantumCircuit(3, 2)
    with pytest.raises(ValueError, match="correction must be one of"):
        append_bell_measurement(qc, 0, 1, 2, [0, 1], "teleport")
    with pytest.raises(ValueError, match="record=False applies to correction='deferred' only"):
        append_bell_measurement(qc, 0, 1, 2, [0, 1], "measured", record=False)
    append_bell_measurement(qc, 0, 1, 2, [0, 1], "deferred", reset=True, record=False)
    assert [i.operation.name for i in qc.data] == ["cx", "h", "cx", "cz", "reset", "reset"]
    with pytest.raises(ValueError, match="same number"):
        pauli_frame([[0]], [])
    with pytest.raises(ValueError, match="letter must be one of"):
        frame_flip("Q", np.zeros(1), np.zeros(1))
