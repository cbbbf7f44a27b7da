"""Distributed circuits: placement, cat-entangler rewrite, exact equivalence (deferred measurement)."""

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import QFTGate
from qiskit.circuit.random import random_circuit
from qiskit.quantum_info import Statevector, partial_trace

from qnet_circuits.library.distributed import distribute, interaction_graph, nonlocal_count, place
from qnet_circuits.library.distributed.rewrite import BASIS


def _reduced(dist):
    sv = Statevector(dist.circuit)
    extra = list(range(dist.n_data_qubits, dist.circuit.num_qubits))
    return partial_trace(sv, extra).data


def _check_exact(qc, n_nodes, placement=None, seed=0):
    dist = distribute(qc, n_nodes, placement, seed=seed, deferred=True, remote="gates")
    target = Statevector(qc).to_operator().data
    rho = _reduced(dist)
    assert np.allclose(rho, target, atol=1e-9)
    return dist


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_circuits_exact(seed):
    qc = random_circuit(4, 5, max_operands=2, seed=seed)
    dist = _check_exact(qc, 2, seed=seed)
    low = transpile(qc, basis_gates=list(BASIS), optimization_level=0)
    assert dist.nonlocal_gates == nonlocal_count(low, dist.placement)
    assert dist.ebits <= dist.nonlocal_gates
    assert dist.classical_bits == 2 * dist.ebits


def test_qft_two_nodes_exact():
    qc = QuantumCircuit(4)
    qc.h(range(4))
    qc.t(1)
    qc.append(QFTGate(4), range(4))
    dist = _check_exact(qc, 2)
    assert dist.ebits == 4 and dist.nonlocal_gates == 8


def test_three_nodes_exact():
    qc = random_circuit(4, 3, max_operands=2, seed=11)
    dist = _check_exact(qc, 3, seed=11)
    assert set(dist.placement.values()) == {0, 1, 2}
    assert dist.circuit.num_qubits <= 16


def test_three_qubit_gate_decomposed_exact():
    qc = QuantumCircuit(3)
    qc.h([0, 1])
    qc.ccx(0, 1, 2)
    _check_exact(qc, 2, {0: 0, 1: 0, 2: 1})


def test_grouping_shares_one_ebit():
    qc = QuantumCircuit(4)
    qc.h(0)
    qc.cx(0, 2)
    qc.x(3)
    qc.cx(0, 3)
    qc.cz(0, 2)
    dist = _check_exact(qc, 2, {0: 0, 1: 0, 2: 1, 3: 1})
    assert (dist.ebits, dist.nonlocal_gates, dist.classical_bits) == (1, 3, 2)


def test_intervening_gate_on_control_breaks_group():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.h(0)
    qc.cx(0, 1)
    dist = _check_exact(qc, 2, {0: 0, 1: 1})
    assert (dist.ebits, dist.nonlocal_gates) == (2, 2)


def test_dynamic_form_uses_if_test_and_counts():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    dist = distribute(qc, 2, {0: 0, 1: 1}, remote="gates")
    names = {i.operation.name for i in dist.circuit.data}
    assert "if_else" in names and "measure" in names
    assert dist.circuit.num_clbits == 2 and dist.ebits == 1


def test_local_circuit_needs_no_ebit():
    qc = QuantumCircuit(4)
    qc.cx(0, 1)
    qc.cx(2, 3)
    dist = _check_exact(qc, 2)
    assert dist.ebits == 0 and dist.nonlocal_gates == 0


def test_partition_beats_naive_on_clustered_circuit():
    qc = QuantumCircuit(6)
    for a, b in [(0, 3), (3, 5), (1, 2), (2, 4), (0, 5), (1, 4)] * 3:
        qc.cx(a, b)
    p = place(qc, 2)
    assert nonlocal_count(qc, p) == 0
    assert interaction_graph(qc)[0][3]["weight"] == 3


def test_bad_inputs():
    qc = QuantumCircuit(2)
    qc.cx(0, 1)
    with pytest.raises(ValueError, match="exceeds"):
        distribute(qc, 3, remote="gates")
    with pytest.raises(ValueError, match="misses"):
        distribute(qc, 2, {0: 0}, remote="gates")
    with pytest.raises(ValueError, match="outside"):
        distribute(qc, 2, {0: 0, 1: 5}, remote="gates")
    dyn = QuantumCircuit(2, 1)
    dyn.measure(0, 0)
    with dyn.if_test((dyn.clbits[0], 1)):
        dyn.x(1)
    with pytest.raises(ValueError, match="control flow"):
        distribute(dyn, 2, remote="gates")


def test_dynamic_form_builds_for_interleaved_cats():
    qc = QuantumCircuit(4)
    qc.h([0, 1])
    qc.cx(0, 2)
    qc.cx(1, 3)
    qc.h(0)
    qc.h(1)
    dist = distribute(qc, 2, {0: 0, 1: 0, 2: 1, 3: 1}, remote="gates")
    assert dist.ebits == 2 and dist.circuit.num_clbits == 4
    assert _check_exact(qc, 2, {0: 0, 1: 0, 2: 1, 3: 1}).ebits == 2


def test_dynamic_form_matches_monolithic_distribution_on_aer():
    """The emitted if_test circuit (not the deferred form) on Aer: TVD to the exact output law."""
    from qiskit import ClassicalRegister

    from qnet_circuits.run import AerRunner

    qc = QuantumCircuit(3)
    qc.h(0)
    qc.ry(0.7, 1)
    qc.cx(0, 2)
    qc.cx(1, 2)
    qc.cx(0, 1)
    qc.rx(0.4, 2)
    dist = distribute(qc, 2, {0: 0, 1: 1, 2: 1}, remote="gates")
    circ = dist.circuit.copy()
    out = ClassicalRegister(3, "out")
    circ.add_register(out)
    circ.measure(range(3), out)
    shots = 4000
    counts = AerRunner().counts([circ], shots=shots, seed=7)[0]
    emp = {}
    for key, n in counts.items():
        data = key.split(" ")[0]   # the last-added register is printed first
        emp[data] = emp.get(data, 0) + n / shots
    exact = Statevector(qc).probabilities_dict()
    tvd = 0.5 * sum(abs(emp.get(k, 0.0) - exact.get(k, 0.0)) for k in set(emp) | set(exact))
    # E[TVD] <= 0.5 * sum sqrt(p(1-p)/shots) over 8 outcomes; 4x that bound
    assert tvd < 4 * 0.5 * sum(np.sqrt(p * (1 - p) / shots) for p in exact.values()) + 1e-3
