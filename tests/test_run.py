"""Runner: method choice, register mapping, seeds, errors; analysis estimators."""

import math

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qnet_circuits.analysis import (
    bell_coefficients_from_parities,
    bell_fidelity,
    heralded_mask,
    parity,
    success_probability,
)
from qnet_circuits.library.generation import bell_diagonal_pair, heralded_link
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.network import chain
from qnet_circuits.noise import noisy_circuit
from qnet_circuits.results import Estimate, ShotData
from qnet_circuits.run import AerRunner, choose_method, get_runner, is_dynamic, memory_to_bits


def test_method_choice_follows_the_circuit():
    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    assert choose_method(bell) == "stabilizer"
    net = chain(1, 20.0, scheme="single-click")
    link = heralded_link(net.links[0])
    assert is_dynamic(link)
    assert choose_method(noisy_circuit(link, net)) == "statevector"  # Kraus noise, dynamic
    mid = chain(1, 20.0, scheme="midpoint")
    static = heralded_link(mid.links[0], correction="deferred")  # no control flow, no reset
    assert not is_dynamic(static)
    assert choose_method(noisy_circuit(static, mid)) == "density_matrix"
    wide = QuantumCircuit(40)
    wide.h(range(40))
    wide.t(0)
    assert choose_method(wide) == "matrix_product_state"


def test_memory_strings_split_by_register_in_creation_order():
    a, b = ClassicalRegister(2, "first"), ClassicalRegister(3, "second")
    qc = QuantumCircuit(QuantumRegister(1), a, b)
    # Aer prints registers in reverse creation order, each most-significant bit first
    bits = memory_to_bits(qc, ["101 10", "000 01"])
    assert bits["first"].tolist() == [[0, 1], [1, 0]]
    assert bits["second"].tolist() == [[1, 0, 1], [0, 0, 0]]


def test_runner_maps_registers_and_honors_seeds():
    qr = QuantumRegister(3)
    a, b = ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    qc = QuantumCircuit(qr, a, b)
    qc.x(1)
    qc.h(2)
    qc.measure(0, a[0])
    qc.measure([1, 2], [b[0], b[1]])
    runner = AerRunner()
    d1 = runner.run([qc], shots=500, seed=4)[0]
    d2 = runner.run([qc], shots=500, seed=4)[0]
    d3 = runner.run([qc], shots=500, seed=5)[0]
    assert (d1["a"] == 0).all() and (d1["b"][:, 0] == 1).all()
    assert np.array_equal(d1["b"], d2["b"]) and not np.array_equal(d1["b"], d3["b"])
    with pytest.raises(ValueError, match="shots"):
        runner.run([qc], shots=0)
    with pytest.raises(ValueError, match="no classical register"):
        d1["missing"]


def test_parity_fidelity_estimators_against_an_exact_bell_diagonal_pair():
    coeffs = (0.7, 0.1, 0.15, 0.05)
    qc = bell_diagonal_pair(coeffs)
    bases = pauli_basis_circuits(qc, [0, 1])
    shots = 20000
    data = dict(zip(bases, AerRunner().run(list(bases.values()), shots=shots, seed=21)))
    f = bell_fidelity(data)
    assert f.within(0.7, k=4)
    est = bell_coefficients_from_parities(data)
    for key, expected in zip("ABCD", coeffs):
        assert est[key].within(expected, k=4)
    # standard error from the shot count: sqrt(sum_b (1 - <P_b>^2)/n)/4
    xx, yy, zz = 0.7 - 0.1 + 0.15 - 0.05, -0.7 - 0.1 + 0.15 + 0.05, 0.7 - 0.1 - 0.15 + 0.05
    expected_se = math.sqrt(sum(1 - m * m for m in (xx, yy, zz)) / shots) / 4
    assert f.stderr == pytest.approx(expected_se, rel=0.05)


def test_herald_rules_and_success_probability():
    bits = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], dtype=np.uint8)
    data = ShotData({"h": bits, "pair": bits}, 4,
                    {"heralds": [{"register": "h", "rule": "one_hot"}]})
    assert heralded_mask(data).tolist() == [True, False, False, True]
    assert success_probability(data) == Estimate(0.5, math.sqrt(0.25 / 4))
    with pytest.raises(ValueError, match="herald never succeeded"):
        parity(data, "pair", mask=np.zeros(4, dtype=bool))
    bad = ShotData({"h": bits}, 4, {"heralds": [{"register": "h", "rule": "sometimes"}]})
    with pytest.raises(ValueError, match="unknown herald rule"):
        heralded_mask(bad)


def test_unknown_backend_is_a_clear_error(monkeypatch):
    import qnet_circuits.run as run_module

    monkeypatch.setattr(run_module, "entry_points", lambda group: [])
    with pytest.raises(ValueError, match="unknown backend 'quantum_toaster'"):
        get_runner("quantum_toaster")
    assert get_runner("aer").name == "aer"
