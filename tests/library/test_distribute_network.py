"""Distributed circuits with network ebits and qubit reuse: exact density matrices vs the closed form."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import QFTGate
from qiskit.quantum_info import Operator, Statevector, partial_trace

from qnet_circuits import physics
from qnet_circuits.library.distributed import distribute
from qnet_circuits.network import chain
from qnet_circuits.run import heralded_density_matrix


def _theory(d):
    low = d.lowered
    ops = [(Operator(i.operation).data, [low.find_bit(q).index for q in i.qubits]) for i in low.data]
    groups = [{"coefficients": m["coefficients"], **g} for g, m in zip(d.groups, d.ebit_models)]
    return physics.teleported_circuit_fidelity(d.n_data_qubits, ops, groups)


def _simulated(d, qc, net):
    rho, p = heralded_density_matrix(d.circuit, net, qubits=list(range(d.n_data_qubits)))
    assert p == pytest.approx(1.0)
    psi = Statevector(qc).data
    return float(np.real(psi.conj() @ rho.data @ psi))


def _three_qubit():
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.ry(0.7, 1)
    qc.cx(0, 2)
    qc.cz(0, 2)
    qc.h(2)
    qc.cx(2, 1)
    qc.rz(0.3, 0)
    return qc


def test_neighbour_werner_ebits_with_dephasing_and_readout_exact():
    net = chain(1, 40.0, t2_s=0.002, readout_error=0.02, end_names=("a", "b"))
    qc = _three_qubit()
    d = distribute(qc, 2, {0: 0, 1: 0, 2: 1}, network=net, link_fidelity=0.93, remote="gates")
    assert d.ebits == 2 and d.nonlocal_gates == 3 and d.swaps == 0
    f = _simulated(d, qc, net)
    assert f == pytest.approx(_theory(d), abs=1e-9)
    assert physics.distributed_fidelity_bound([m["coefficients"] for m in d.ebit_models]) < f < 0.95


def test_swapped_ebit_across_a_repeater_exact():
    net = chain(2, 25.0, t2_s=0.003, gate_error=0.05, readout_error=0.01, end_names=("a", "c"))
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    d = distribute(qc, 2, {0: 0, 1: 1}, network=net, hosts=("a", "c"), link_fidelity=0.97, remote="gates")
    assert d.ebits == 1 and d.swaps == 1 and d.ebit_models[0]["hops"] == 2
    f = _simulated(d, qc, net)
    assert f == pytest.approx(d.ebit_models[0]["coefficients"][0], abs=1e-9)   # Bell output: F = A
    assert f == pytest.approx(_theory(d), abs=1e-9)


def test_physical_heralded_link_with_dark_counts_exact():
    net = chain(1, 15.0, dark_count_prob=0.03, t2_s=0.01, end_names=("a", "b"))
    qc = _three_qubit()
    d = distribute(qc, 2, {0: 0, 1: 1, 2: 1}, network=net, remote="gates")
    assert d.ebit_models[0]["coefficients"][0] < 0.99
    assert _simulated(d, qc, net) == pytest.approx(_theory(d), abs=1e-9)


def test_finite_t1_estimate_is_close():
    """With T1 the waited pair is not Bell-diagonal; the estimate keeps its Bell-diagonal part."""
    net = chain(1, 40.0, t1_s=0.002, t2_s=0.002, end_names=("a", "b"))
    qc = _three_qubit()
    d = distribute(qc, 2, {0: 0, 1: 0, 2: 1}, network=net, link_fidelity=0.95, remote="gates")
    assert abs(_simulated(d, qc, net) - _theory(d)) < 0.01


def test_perfect_network_links_reproduce_the_circuit_exactly():
    net = chain(2, 10.0, end_names=("a", "c"))
    qc = _three_qubit()
    d = distribute(qc, 2, {0: 0, 1: 1, 2: 1}, network=net, hosts=("a", "c"), remote="gates")
    assert d.swaps == d.ebits == 1
    rho, _ = heralded_density_matrix(d.circuit, net, qubits=[0, 1, 2])
    assert np.allclose(rho.data, Statevector(qc).to_operator().data, atol=1e-9)


def test_reuse_keeps_the_qft_narrow():
    qc = QuantumCircuit(12)
    qc.append(QFTGate(12), range(12))
    fresh = distribute(qc, 3, remote="gates")
    reused = distribute(qc, 3, reuse=True, remote="gates")
    narrow = distribute(qc, 3, reuse=True, max_open=1, remote="gates")
    assert reused.ebits == fresh.ebits == narrow.ebits == 48
    assert fresh.nonlocal_gates == narrow.nonlocal_gates == 96
    assert fresh.qubits == 12 + 2 * 48
    assert narrow.qubits == 12 + 3 < reused.qubits   # one communication qubit per node


def test_reuse_exact_small():
    qc = _three_qubit()
    d = distribute(qc, 2, {0: 0, 1: 0, 2: 1}, reuse=True, remote="gates")
    assert d.qubits == 5    # one communication qubit per node, reset and reused
    rho, _ = heralded_density_matrix(d.circuit, None, qubits=[0, 1, 2])
    assert np.allclose(rho.data, Statevector(qc).to_operator().data, atol=1e-9)
    sv = partial_trace(Statevector(qc), [2]).data
    assert np.allclose(partial_trace(rho, [2]).data, sv, atol=1e-9)


def test_bad_network_options():
    qc = _three_qubit()
    net = chain(1, 1.0, end_names=("a", "b"))
    with pytest.raises(ValueError, match="hosts"):
        distribute(qc, 2, network=net, hosts=("a", "zz"), remote="gates")
    with pytest.raises(ValueError, match="hosts must name 3"):
        distribute(qc, 3, network=net, remote="gates")
    with pytest.raises(ValueError, match="deferred"):
        distribute(qc, 2, deferred=True, network=net, remote="gates")
    with pytest.raises(ValueError, match="max_open"):
        distribute(qc, 2, max_open=0, remote="gates")


@pytest.mark.parametrize("seed", [3, 8])
def test_deferred_reuse_is_unitary_and_exact(seed):
    from qiskit.circuit.random import random_circuit

    qc = random_circuit(5, 6, max_operands=2, seed=seed)
    d = distribute(qc, 3, deferred=True, reuse=True, max_open=1, seed=seed, remote="gates")
    assert {i.operation.name for i in d.circuit.data} <= {"u", "cx", "cz", "h"}
    assert d.qubits <= 5 + 3 * 2   # per node: max_open held halves + one transient a
    full = Statevector(d.circuit)
    comm = list(range(5, d.qubits))
    assert full.probabilities(comm)[0] == pytest.approx(1.0)   # every communication qubit back in |0>
    rho = partial_trace(full, comm).data
    assert np.allclose(rho, Statevector(qc).to_operator().data, atol=1e-9)
