"""Runner: method choice, register mapping, seeds, errors (analysis estimators: tests/test_analysis.py)."""


import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qnet_circuits.library.generation import heralded_link
from qnet_circuits.network import chain
from qnet_circuits.noise import noisy_circuit
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


def test_unknown_backend_is_a_clear_error(monkeypatch):
    import qnet_circuits.run as run_module

    monkeypatch.setattr(run_module, "entry_points", lambda group: [])
    with pytest.raises(ValueError, match="unknown backend 'quantum_toaster'"):
        get_runner("quantum_toaster")
    assert get_runner("aer").name == "aer"
