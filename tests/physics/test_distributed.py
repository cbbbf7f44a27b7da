"""physics.distributed: ebits from the network and the Pauli channel of a teleported gate."""

import itertools
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator, Statevector

from qnet_circuits import physics
from qnet_circuits.network import Memory, chain


def _ops(qc):
    return [(Operator(i.operation).data, [qc.find_bit(q).index for q in i.qubits]) for i in qc.data]


def test_pauli_channel_slots():
    assert physics.teleported_gate_paulis((0.7, 0.1, 0.15, 0.05)) == {
        "I": 0.7, "target": 0.15, "control_Z": 0.05, "both": 0.1}


def test_waited_coefficients_pure_dephasing_closed_form():
    m = Memory(t2_s=0.5)
    lam = math.exp(-0.1 / 0.5 - 0.3 / 0.5)
    out = physics.waited_coefficients((0.8, 0.05, 0.1, 0.05), 0.1, 0.3, m, m)
    p = (1 - lam) / 2
    expect = (0.8 * (1 - p) + 0.05 * p, 0.05 * (1 - p) + 0.1 * p, 0.1 * (1 - p) + 0.05 * p,
              0.05 * (1 - p) + 0.8 * p)
    assert np.allclose(out, expect, atol=1e-12)


def test_ebit_two_hops_is_werner_swap_with_ideal_memories():
    net = chain(2, 30.0)
    e = physics.ebit_coefficients(net, ["alice", "r1", "bob"], werner=0.9)
    assert e["hops"] == 2 and math.isclose(e["message_s"], 60.0 / 2e5)
    assert math.isclose(e["coefficients"][0], physics.swap_werner(0.9, 0.9), rel_tol=1e-12)


def test_ebit_readout_flips_and_bsm_errors():
    net = chain(2, 1.0, readout_error=0.03, gate_error=0.1)
    e = physics.ebit_coefficients(net, ["alice", "r1", "bob"], werner=1.0)
    swapped = physics.swap_bell_diagonal((1, 0, 0, 0), (1, 0, 0, 0), 0.1, 0.03)
    assert np.allclose(e["delivered"], swapped)
    a = e["coefficients"][0]
    assert math.isclose(a, swapped[0] * 0.97**2 + swapped[1] * 0.03**2
                        + swapped[2] * 0.03 * 0.97 + swapped[3] * 0.03 * 0.97, rel_tol=1e-12)


def test_physical_double_click_link_with_dark_counts_is_mixed():
    net = chain(1, 10.0, dark_count_prob=0.02)
    c = physics.link_pair_coefficients(net.links[0])
    assert 0.5 < c[0] < 1.0 and math.isclose(sum(c), 1.0)
    assert physics.link_pair_coefficients(chain(1, 10.0).links[0])[0] == pytest.approx(1.0)


def test_single_cx_fidelities():
    cx = QuantumCircuit(2)
    cx.h(0)
    cx.cx(0, 1)
    coeffs = (0.7, 0.1, 0.15, 0.05)
    g = [{"coefficients": coeffs, "control": 0, "hits": [(1, 1, "X")]}]
    # Bell output: every error branch is orthogonal to Phi+ -> F = A
    assert math.isclose(physics.teleported_circuit_fidelity(2, _ops(cx), g), 0.7, rel_tol=1e-12)
    plain = QuantumCircuit(2)
    plain.id(0)
    plain.cx(0, 1)
    # |00>: Z_c is harmless, the X on the target is not -> F = A + D
    assert math.isclose(physics.teleported_circuit_fidelity(2, _ops(plain), g), 0.75, rel_tol=1e-12)


def _brute_force(qc, groups):
    """Enumerate every Pauli pattern of the ebits with statevectors (independent of the dm code)."""
    ideal = Statevector(qc)
    total = 0.0
    for pattern in itertools.product(range(4), repeat=len(groups)):   # slots A, B, C, D
        weight = math.prod(g["coefficients"][s] for g, s in zip(groups, pattern))
        if weight == 0:
            continue
        out = QuantumCircuit(qc.num_qubits)
        for i, inst in enumerate(qc.data):
            for g, s in zip(groups, pattern):
                if s in (1, 3) and i == min(h[0] for h in g["hits"]):
                    out.z(g["control"])
            out.append(inst.operation, inst.qubits)
            for g, s in zip(groups, pattern):
                for j, t, p in g["hits"]:
                    if j == i and s in (1, 2):
                        (out.x if p == "X" else out.z)(t)
        total += weight * abs(ideal.inner(Statevector(out))) ** 2
    return total


def test_circuit_fidelity_matches_brute_force_and_bound():
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.ry(0.4, 2)
    qc.cx(0, 1)       # 2: group 0
    qc.rx(0.9, 1)     # 3
    qc.cz(0, 2)       # 4: group 0
    qc.cx(2, 1)       # 5: group 1
    qc.ry(0.3, 0)     # 6
    groups = [{"coefficients": (0.8, 0.04, 0.1, 0.06), "control": 0, "hits": [(2, 1, "X"), (4, 2, "Z")]},
              {"coefficients": (0.9, 0.02, 0.05, 0.03), "control": 2, "hits": [(5, 1, "X")]}]
    f = physics.teleported_circuit_fidelity(3, _ops(qc), groups)
    assert math.isclose(f, _brute_force(qc, groups), rel_tol=1e-10)
    bound = physics.distributed_fidelity_bound([g["coefficients"] for g in groups])
    assert bound == pytest.approx(0.72) and bound <= f < 1.0
