"""GHZ distribution through a centre: exact DensityMatrix checks of the closed forms for n = 3, 4
(Werner and general Bell-diagonal pairs, dynamic and deferred), Aer statistics within k standard
errors, the n = 2 swap limit, multiplexed links against simulation, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, partial_trace

from qnet_circuits import physics
from qnet_circuits.library.ghz import ghz_setting, star_ghz_circuit
from qnet_circuits.protocols import ghz
from qnet_circuits.run.exact import defer_measurements

K = 4
BELL = [(0.9, 0.05, 0.03, 0.02), (0.8, 0.02, 0.1, 0.08), (0.85, 0.05, 0.05, 0.05),
        (0.7, 0.1, 0.15, 0.05)]


def _end_state(links, correction):
    n = len(links)
    qc = star_ghz_circuit(links, [f"u{j}" for j in range(n)], correction=correction)
    dq = defer_measurements(qc)[0] if correction == "dynamic" else qc
    ends = qc.metadata["ends"]
    return partial_trace(DensityMatrix(dq), [i for i in range(dq.num_qubits) if i not in ends])


def _ghz_vector(n):
    v = np.zeros(2 ** n)
    v[0] = v[-1] = 2 ** -0.5
    return v


@pytest.mark.parametrize("correction", ["dynamic", "deferred"])
@pytest.mark.parametrize("links", [
    [physics.werner_coefficients(f) for f in (0.9, 0.85, 0.95)],
    [physics.werner_coefficients(0.9)] * 4,
    BELL[:3], BELL,
], ids=["werner3", "werner4", "bell3", "bell4"])
def test_fused_state_is_the_closed_form_exactly(links, correction):
    n = len(links)
    rho = _end_state(links, correction).data
    v = _ghz_vector(n)
    assert np.real(v @ rho @ v) == pytest.approx(physics.ghz_fidelity(links), abs=1e-10)
    pops = np.real(rho[0, 0] + rho[-1, -1])
    assert pops == pytest.approx(physics.ghz_populations(links), abs=1e-10)
    assert 2 * np.real(rho[0, -1]) == pytest.approx(physics.ghz_coherence(links), abs=1e-10)
    if all(c[1] == c[2] == c[3] for c in links):  # Werner: the product form
        fs = [c[0] for c in links]
        assert physics.ghz_fidelity(links) == pytest.approx(physics.ghz_fidelity_werner(fs))


def test_parity_settings_recover_the_fidelity_exactly():
    """The estimator (P0 + P1)/2 + (1/2n) sum (-1)^k <M(k pi/n)^n> is exact on the state."""
    links = BELL[:3]
    n = 3
    rho = _end_state(links, "deferred")
    x, y = np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]])
    coh = 0.0
    for k in range(n):
        m = math.cos(k * math.pi / n) * x + math.sin(k * math.pi / n) * y
        op = m
        for _ in range(n - 1):
            op = np.kron(op, m)
        coh += (-1) ** k * np.real(np.trace(op @ rho.data)) / n
    assert 0.5 * (np.real(rho.data[0, 0] + rho.data[-1, -1]) + coh) == pytest.approx(
        physics.ghz_fidelity(links), abs=1e-10)


def test_two_nodes_is_entanglement_swapping():
    assert physics.ghz_fidelity_werner([0.95, 0.9]) == pytest.approx(physics.swap_werner(0.95, 0.9))
    assert physics.ghz_fidelity_werner([1.0] * 5) == 1.0
    assert physics.ghz_fidelity_werner([0.25] * 3) == pytest.approx(1 / 8)


@pytest.mark.parametrize(("n", "fidelity", "correction"), [(3, 0.9, "dynamic"), (4, 0.95, "dynamic"),
                                                          (4, 0.9, "deferred")])
def test_aer_fidelity_within_k_sigma(n, fidelity, correction):
    r = ghz.run(ghz.GHZParams(nodes=n, fidelity=fidelity, correction=correction), shots=2000,
                seed=100 + n)
    th = r.theory
    for name in ("fidelity", "populations", "coherence", "x_parity"):
        assert getattr(r, name).within(th[name], k=K), (name, getattr(r, name), th[name])
    for e in r.zz:
        assert e.within(th["zz"], k=K)
    assert r.genuine
    d = r.to_dict()
    assert d["theory_fidelity"] == th["fidelity"] and len(d["parities"]) == n


def test_ideal_links_give_a_perfect_ghz_state():
    r = ghz.run(ghz.GHZParams(nodes=3), shots=500, seed=1)
    assert r.fidelity.value == pytest.approx(1.0) and r.x_parity.value == 1.0
    assert len(r.plot().patches) >= 4


def test_multiplexed_link_against_sampled_modes():
    """m modes, each a Bernoulli(p) trial per round: success fraction 1 - (1 - p)^m within k sigma."""
    rng = np.random.default_rng(7)
    p, rounds = 0.05, 200_000
    for m in (1, 4, 16):
        hits = (rng.random((rounds, m)) < p).any(axis=1)
        s = physics.multiplexed_success(p, m)
        assert abs(hits.mean() - s) < K * math.sqrt(s * (1 - s) / rounds)
    assert physics.multiplexed_expected_rounds(0.1, 1) == pytest.approx(10.0)


BAD = [({"nodes": 1}, "--nodes"), ({"nodes": 9}, "--nodes"), ({"fidelity": 1.2}, "--fidelity"),
       ({"correction": "magic"}, "--correction"), ({"center": "u1"}, "--center")]


@pytest.mark.parametrize(("kw", "match"), BAD)
def test_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        ghz.GHZParams(**kw)


def test_builder_rejects_bad_shapes():
    with pytest.raises(ValueError, match="2 end nodes"):
        star_ghz_circuit([(1, 0, 0, 0)], ["a"])
    with pytest.raises(ValueError, match="need 3 links"):
        star_ghz_circuit([(1, 0, 0, 0)] * 2, ["a", "b", "c"])
    with pytest.raises(ValueError, match="distinct"):
        star_ghz_circuit([(1, 0, 0, 0)] * 2, ["hub", "b"])
    qc = ghz_setting(star_ghz_circuit([(1, 0, 0, 0)] * 2, ["a", "b"]), 0.5)
    assert qc.metadata["setting"] == 0.5 and "ghz" in [r.name for r in qc.cregs]
