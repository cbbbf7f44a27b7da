"""Teleportation and remote-CNOT circuits against physics-reference sections 6 and 13.

Exact: Aer density matrices (dynamic form: every branch gives the same corrected state, so the
branch average is exact) and the core's ``heralded_density_matrix`` (deferred form).
Statistical: the core runner, 4 standard errors from the shot count.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit.library import UGate
from qiskit.quantum_info import DensityMatrix, Statevector, state_fidelity
from qiskit_aer import AerSimulator

from qnet_circuits import physics
from qnet_circuits.analysis import bell_fidelity, proportion
from qnet_circuits.library.generation import prepare_bell_diagonal
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.teleportation import (
    CARDINAL_STATES,
    append_remote_cnot,
    append_teleport,
    remote_cnot_circuit,
    teleport_circuit,
)
from qnet_circuits.run import AerRunner, heralded_density_matrix

K_SIGMA = 4.0
DM = AerSimulator(method="density_matrix")
BASIS_OF = {"0": "Z", "1": "Z", "+": "X", "-": "X", "+i": "Y", "-i": "Y"}


def aer_state(qc: QuantumCircuit, qubits: list[int]) -> np.ndarray:
    """Density matrix of ``qubits`` averaged over measurement branches."""
    qc = qc.copy()
    qc.save_density_matrix(qubits=qubits, label="rho")
    result = DM.run(transpile(qc, DM, optimization_level=0), shots=32, seed_simulator=5).result()
    assert result.success
    return np.asarray(result.data()["rho"])


def output_state(qc: QuantumCircuit) -> np.ndarray:
    """Bob's state: Aer branch average (dynamic) or exact deferred-measurement simulation."""
    out = qc.metadata["output"]
    if qc.metadata["correction"] == "deferred":
        rho, p = heralded_density_matrix(qc, qubits=[out])
        assert p == pytest.approx(1.0)
        return rho.data
    return aer_state(qc, [out])


def ket(theta: float, phi: float) -> np.ndarray:
    return Statevector.from_label("0").evolve(UGate(theta, phi, 0.0)).data


# ------------------------------------------------------------------------------------- exact


@pytest.mark.parametrize("correction", ["dynamic", "deferred"])
def test_ideal_teleport_of_arbitrary_states_is_exact(correction):
    rng = np.random.default_rng(2024)
    for theta, phi in [(0.3, 1.1), *rng.uniform(0, 2 * math.pi, size=(3, 2))]:
        qc = teleport_circuit((theta, phi), correction=correction, verify=False)
        psi = ket(theta, phi)
        assert np.allclose(output_state(qc), np.outer(psi, psi.conj()), atol=1e-9)
    prep = QuantumCircuit(1, name="t_then_h")
    prep.t(0)
    prep.h(0)
    prep.rz(0.4, 0)
    qc = teleport_circuit(prep, correction=correction, verify=False)
    target = DensityMatrix(prep).data
    assert np.allclose(output_state(qc), target, atol=1e-9)


@pytest.mark.parametrize("correction", ["dynamic", "deferred"])
@pytest.mark.parametrize(
    "resource", [0.8, 0.5, (0.9, 0.0, 0.0, 0.1), (0.85, 0.05, 0.07, 0.03)]
)
def test_cardinal_states_exact_per_basis(resource, correction):
    """Werner: (2F+1)/3 for every state; Bell-diagonal: A+D (Z), A+C (X), A+B (Y)."""
    coeffs = physics.werner_coefficients(resource) if isinstance(resource, float) else resource
    per_basis = physics.teleport_fidelities_bell_diagonal(coeffs)
    values = []
    for label, (theta, phi) in CARDINAL_STATES.items():
        qc = teleport_circuit(label, resource, correction=correction, verify=False)
        psi = ket(theta, phi)
        f = float(np.real(psi.conj() @ output_state(qc) @ psi))
        assert f == pytest.approx(per_basis[BASIS_OF[label]], abs=1e-9)
        if isinstance(resource, float):
            assert f == pytest.approx(physics.teleport_fidelity_werner(resource), abs=1e-9)
        values.append(f)
    assert np.mean(values) == pytest.approx(per_basis["average"], abs=1e-9)
    if resource == (0.85, 0.05, 0.07, 0.03):  # reference: Z 0.88, X 0.92, Y 0.90, mean 0.9
        assert values[0] == pytest.approx(0.88) and values[2] == pytest.approx(0.92)
        assert values[4] == pytest.approx(0.90) and np.mean(values) == pytest.approx(0.9)


def test_append_teleport_twice_relays_a_state():
    """append_teleport reused on one flat circuit: Alice -> relay -> Bob over two pairs."""
    qc = QuantumCircuit(5, 4)
    qc.u(1.2, 0.5, 0.0, 0)
    for a, b in ((1, 2), (3, 4)):
        qc.h(a)
        qc.cx(a, b)
    append_teleport(qc, 0, 1, 2, [0, 1], reset=True)
    append_teleport(qc, 2, 3, 4, [2, 3], correction="deferred")
    psi = ket(1.2, 0.5)
    assert np.allclose(aer_state(qc, [4]), np.outer(psi, psi.conj()), atol=1e-9)


def _data_state(qc: QuantumCircuit) -> np.ndarray:
    return aer_state(qc, qc.metadata["pair"])


@pytest.mark.parametrize("correction", ["dynamic", "deferred"])
def test_remote_cnot_truth_table_and_entangling_case(correction):
    for c in "01":
        for t in "01":
            qc = remote_cnot_circuit(c, t, correction=correction)
            out = int(c), int(t) ^ int(c)
            index = out[0] + 2 * out[1]  # little endian: control is qubit 0 of the pair
            expected = np.zeros((4, 4))
            expected[index, index] = 1.0
            assert np.allclose(_data_state(qc), expected, atol=1e-9), (c, t)
    rho = _data_state(remote_cnot_circuit("+", "0", correction=correction))
    assert np.allclose(rho, physics.bell_diagonal_density_matrix((1, 0, 0, 0)), atol=1e-9)


def choi_circuit(coefficients, correction: str) -> QuantumCircuit:
    """Reference qubits maximally entangled with control and target, then the remote CNOT."""
    ref, data = QuantumRegister(2, "ref"), QuantumRegister(2, "data")
    mem, anc = QuantumRegister(2, "mem"), QuantumRegister(2, "anc")
    qc = QuantumCircuit(ref, data, mem, anc, ClassicalRegister(2, "bits"))
    for k in range(2):
        qc.h(ref[k])
        qc.cx(ref[k], data[k])
    prepare_bell_diagonal(qc, mem[0], mem[1], list(anc), coefficients)
    append_remote_cnot(qc, data[0], data[1], mem[0], mem[1], qc.clbits, correction)
    return qc


@pytest.mark.parametrize("correction", ["dynamic", "deferred"])
@pytest.mark.parametrize("coeffs", [physics.werner_coefficients(0.8), (0.9, 0.05, 0.03, 0.02)])
def test_remote_cnot_process_fidelity_and_flip_probability_exact(coeffs, correction):
    """Choi state fidelity with the ideal CNOT's = A (section 13); |10> -> |11> w.p. A + D."""
    ideal = QuantumCircuit(4)
    for k in range(2):
        ideal.h(k)
        ideal.cx(k, k + 2)
    ideal.cx(2, 3)
    choi = aer_state(choi_circuit(coeffs, correction), [0, 1, 2, 3])
    f_pro = state_fidelity(DensityMatrix(choi), Statevector(ideal))
    assert f_pro == pytest.approx(physics.remote_cnot_process_fidelity(coeffs), abs=1e-9)
    rho = _data_state(remote_cnot_circuit("1", "0", coeffs, correction=correction))
    assert rho[3, 3].real == pytest.approx(physics.remote_cnot_flip_probability(coeffs), abs=1e-9)


# ------------------------------------------------------------------------------- statistics


def test_six_cardinal_states_statistics_within_4_sigma():
    """Werner F = 0.8: (2F+1)/3 = 0.866667 for each state; Bell-diagonal (0.85, 0.05, 0.07,
    0.03): Z 0.88, X 0.92, Y 0.90. Fidelity = frequency of 0 after undoing the state at Bob."""
    bd = (0.85, 0.05, 0.07, 0.03)
    circuits = [teleport_circuit(s, 0.8) for s in CARDINAL_STATES]
    circuits += [teleport_circuit(s, bd, correction="deferred") for s in CARDINAL_STATES]
    data = AerRunner().run(circuits, shots=6000, seed=31_337)
    per_basis = physics.teleport_fidelities_bell_diagonal(bd)
    assert physics.teleport_fidelity_werner(0.8) == pytest.approx(0.866667, abs=5e-7)
    werner = []
    for k, (label, d) in enumerate(zip(list(CARDINAL_STATES) * 2, data, strict=True)):
        check = d[d.metadata["verify_register"]][:, 0]
        est = proportion(int((check == 0).sum()), d.shots)
        theory = physics.teleport_fidelity_werner(0.8) if k < 6 else per_basis[BASIS_OF[label]]
        assert est.within(theory, K_SIGMA), (label, est, theory)
        if k < 6:
            werner.append(est)
    mean = sum(e.value for e in werner) / 6
    stderr = math.sqrt(sum(e.stderr**2 for e in werner)) / 6
    assert abs(mean - physics.teleport_fidelity_werner(0.8)) <= K_SIGMA * stderr
    assert mean > physics.CLASSICAL_TELEPORT_FIDELITY + K_SIGMA * stderr


def test_remote_cnot_statistics_within_4_sigma():
    """Werner 0.8 resource: |10> -> |11> with probability A + D = F + (1-F)/3; |+0> -> Phi+
    with fidelity A = F (parities)."""
    f = 0.8
    coeffs = physics.werner_coefficients(f)
    truth = remote_cnot_circuit("1", "0", f)
    out = ClassicalRegister(2, "out")
    truth.add_register(out)
    truth.measure(truth.metadata["pair"], out)
    bell = remote_cnot_circuit("+", "0", f)
    bases = pauli_basis_circuits(bell, bell.metadata["pair"])
    data = AerRunner().run([truth, *bases.values()], shots=8000, seed=27_182)
    bits = data[0]["out"]
    est = proportion(int(((bits[:, 0] == 1) & (bits[:, 1] == 1)).sum()), data[0].shots)
    assert est.within(physics.remote_cnot_flip_probability(coeffs), K_SIGMA)
    assert (bits[:, 0] == 1).all()  # the control never flips
    fid = bell_fidelity(dict(zip(bases, data[1:], strict=True)))
    assert fid.within(physics.remote_cnot_fidelities(f)[0], K_SIGMA)


# -------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: teleport_circuit("0", 1.5), r"resource fidelity must be in \[0, 1\]"),
        (lambda: teleport_circuit("0", (0.7, 0.1, 0.1, 0.2)), "sum to 1"),
        (lambda: teleport_circuit("0", (0.9, 0.2, -0.1, 0.0)), ">= 0"),
        (lambda: teleport_circuit("2"), "state label must be one of"),
        (lambda: teleport_circuit((0.1,)), "state must be a label"),
        (lambda: teleport_circuit((float("nan"), 0.0)), "finite"),
        (lambda: teleport_circuit(QuantumCircuit(2)), "exactly 1 qubit"),
        (lambda: teleport_circuit("0", correction="late"), "correction must be"),
        (lambda: remote_cnot_circuit("0", "x"), "target_state: state label"),
        (lambda: remote_cnot_circuit("0", "0", -0.1), "resource fidelity"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_state_circuit_must_be_unitary():
    measured = QuantumCircuit(1, 1)
    measured.measure(0, 0)
    with pytest.raises(ValueError, match="no classical bits"):
        teleport_circuit(measured)
    with_reset = QuantumCircuit(1)
    with_reset.reset(0)
    with pytest.raises(ValueError, match="unitary"):
        teleport_circuit(with_reset)
