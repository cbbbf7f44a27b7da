"""Distributed sensing: exact GHZ contrast from network pairs (DensityMatrix), Aer variance
against the exact finite-nu closed form for N = 2..6 with and without noise, bad input."""

from __future__ import annotations

import math

import pytest
from qiskit.quantum_info import DensityMatrix, Pauli

from qnet_circuits import physics
from qnet_circuits.library.sensing import network_ghz_circuit
from qnet_circuits.protocols import sensing
from qnet_circuits.run.exact import defer_measurements

K = 4


@pytest.mark.parametrize(("n", "fidelity"), [(2, 1.0), (3, 1.0), (3, 0.9), (4, 0.85)])
def test_ghz_parity_is_the_closed_form_exactly(n, fidelity):
    links = [physics.werner_coefficients(fidelity)] * (n - 1)
    phases = [0.2 + 0.1 * j for j in range(n)]
    qc = network_ghz_circuit(links, [f"n{j}" for j in range(n)], phases=phases, readout=False)
    dq, _ = defer_measurements(qc)
    label = ["I"] * dq.num_qubits
    for s in qc.metadata["sensors"]:
        label[s] = "X"
    value = DensityMatrix(dq).expectation_value(Pauli("".join(reversed(label)))).real
    assert value == pytest.approx(physics.network_ghz_contrast(links) * math.cos(sum(phases)), abs=1e-10)


def test_closed_forms():
    assert physics.pair_parity_factor(physics.werner_coefficients(0.9)) == pytest.approx((4 * 0.9 - 1) / 3)
    mean, var = physics.parity_estimator_moments(4, 4 * 0.3, 1.0, 5000)
    assert var == pytest.approx(physics.parity_estimator_variance(4, 0.3, 1.0, 5000), rel=0.02)
    assert physics.sensing_advantage(5, 1.0) == 5.0
    q = physics.pair_parity_factor(physics.werner_coefficients(0.9))
    k = physics.sensing_crossover(q)
    assert physics.sensing_advantage(k - 1, q) > 1 >= physics.sensing_advantage(k, q)


NOISE = {"fidelity": 0.95, "wait_s": 0.01, "t2_s": 0.5}


@pytest.mark.parametrize("noisy", [False, True])
@pytest.mark.parametrize("n", [2, 3, 4, 5, pytest.param(6, marks=pytest.mark.slow)])
def test_variance_follows_the_closed_form(n, noisy):
    p = sensing.SenseParams(nodes=n, phase=math.pi / (3 * n), shots_per_estimate=20,
                            oscillation_points=0, **(NOISE if noisy else {}))
    r = sensing.run(p, shots=4000, seed=10 + n)
    th = r.theory
    assert r.variance.within(th["variance"], k=K)
    assert r.independent_variance.within(th["independent_variance"], k=K)
    assert r.estimate.within(th["estimator_mean"], k=K)
    assert r.parity.within(th["parity"], k=K)
    expected_c = (1.0 if not noisy else math.exp(-0.02) ** n * ((4 * 0.95 - 1) / 3) ** (n - 1))
    assert th["contrast"] == pytest.approx(expected_c if noisy else 1.0)


def test_oscillation_and_plot():
    r = sensing.run(sensing.SenseParams(nodes=3, phase=0.4, oscillation_points=6), shots=1200, seed=3)
    assert len(r.oscillation) == 6
    for x, e in r.oscillation:
        assert e.within(math.cos(3 * x), k=5)
    assert len(r.plot().lines) >= 2


BAD = [({"nodes": 1}, "--nodes"), ({"phase": math.inf}, "--phase"), ({"phase": math.nan}, "--phase"),
       ({"nodes": 4, "phase": 1.0}, "--phase"), ({"fidelity": 0.2}, "--fidelity")]


@pytest.mark.parametrize(("kw", "match"), BAD)
def test_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        sensing.SenseParams(**kw)
