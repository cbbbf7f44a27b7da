"""Pauli-frame fast path of protocols.distribute (issue 16 performance) against the honest dynamic
circuit: exact density-matrix equality of the pattern mixture, and same-distribution sampling."""

import itertools
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix, Statevector

from qnet_circuits.library.distributed import distribute
from qnet_circuits.library.distributed.frames import frame_bindings, frame_template
from qnet_circuits.network import chain
from qnet_circuits.physics.distributed import idle_z_probability, sample_pauli_patterns
from qnet_circuits.protocols import distribute as D
from qnet_circuits.run import AerRunner, heralded_density_matrix


def _circuit(second: bool = True):
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.ry(0.7, 1)
    qc.cx(0, 1)
    qc.cz(0, 1)     # same control, same remote node: one ebit, an X hit and a Z hit
    qc.h(1)
    qc.t(1)
    if second:
        qc.cx(1, 0)     # control on the other node: a second ebit
        qc.t(0)
    return qc


def _frame_mixture(d, t2_s: float) -> np.ndarray:
    """Exact output state of the Pauli-frame form: every pattern of the noisy ebits, weighted."""
    noisy = [k for k, m in enumerate(d.ebit_models) if m["coefficients"][0] < 1.0]
    flips = [(i, q, idle_z_probability(t, t2_s)) for i, q, t in d.idles]
    template, order = frame_template(d, noisy, [(i, q) for i, q, _p in flips])
    bare = template.remove_final_measurements(inplace=False)
    n = d.n_data_qubits
    rho = np.zeros((2**n, 2**n), dtype=complex)
    choices = [range(4)] * len(noisy) + [range(2)] * len(flips)
    for codes in itertools.product(*choices):
        w = math.prod(d.ebit_models[k]["coefficients"][c] for k, c in zip(noisy, codes))
        w *= math.prod(p if z else 1 - p for (_i, _q, p), z in zip(flips, codes[len(noisy):]))
        if w == 0:
            continue
        angles = frame_bindings(np.array([codes]), len(noisy))[0]
        psi = Statevector(bare.assign_parameters(dict(zip(order, angles)))).data
        rho += w * np.outer(psi, psi.conj())
    return rho


@pytest.mark.parametrize("net, werner, waits", [
    (chain(1, 20.0, t2_s=0.002, readout_error=0.02), 0.9, False),
    (chain(1, 20.0, t2_s=0.002, readout_error=0.02), 0.9, True),
    (chain(2, 10.0, t2_s=0.005, gate_error=0.02, readout_error=0.01), 0.95, True),
    (chain(1, 15.0, t2_s=0.01, dark_count_prob=0.02), None, True),
], ids=["werner-dephasing-readout", "with-data-waits", "swapped-bsm-errors", "physical-link-dark-counts"])
def test_frame_mixture_equals_the_dynamic_circuits_density_matrix(net, werner, waits):
    names = [n.name for n in net.nodes]
    hosts = [names[0], names[-1]]
    swapped = len(net.nodes) > 2     # one swapped ebit: the exact density matrix stays narrow
    qc = _circuit(second=not swapped)
    d = distribute(qc, 2, {0: 0, 1: 1}, network=net, hosts=hosts, link_fidelity=werner, reuse=True,
                   data_waits=waits, remote="gates")
    assert bool(d.idles) == waits
    assert d.ebits == 2 - swapped and all(m["coefficients"][0] < 0.99 for m in d.ebit_models)
    assert d.swaps == (d.ebits if swapped else 0)
    exact, p = heralded_density_matrix(d.circuit, net, qubits=[0, 1])
    assert p == pytest.approx(1.0)
    frames = _frame_mixture(d, net.nodes[0].memory.t2_s)
    assert np.allclose(frames, exact.data, atol=1e-9)
    assert DensityMatrix(frames).purity() < 0.99   # the noise is really there


def test_fast_path_samples_the_dynamic_circuits_distribution():
    """Same parameters, the two forms sampled independently: every outcome agrees within 5 sigma."""
    kw = {"circuit": "qft:3", "nodes": 2, "link_fidelity": 0.85, "t2_s": 0.004, "length_km": 20.0,
          "readout_error": 0.02}
    shots = 3000
    fast = D.run(D.DistributeParams(**kw), shots=shots, seed=21)
    slow = D.run(D.DistributeParams(**kw, sampling="dynamic"), shots=shots, seed=22)
    assert fast.form.startswith("pauli-frames") and slow.form.startswith("dynamic")
    made = D.circuits(D.DistributeParams(**kw))
    p_fast, _ = D._sample(made["distributed"], made["network"], AerRunner(), shots, 21, "auto",
                         kw["link_fidelity"])
    p_slow, _ = D._sample(made["distributed"], made["network"], AerRunner(), shots, 22, "dynamic",
                         kw["link_fidelity"])
    for key in set(p_fast) | set(p_slow):
        a, b = p_fast.get(key, 0.0), p_slow.get(key, 0.0)
        pooled = (a + b) / 2
        assert abs(a - b) <= 5 * math.sqrt(pooled * (1 - pooled) * 2 / shots) + 2 / shots, key
    # both against the closed-form model's TVD from the monolithic output
    for r in (fast, slow):
        assert abs(r.tvd - r.theory["tvd"]) < 5 * r.tvd_sampling + 1e-3
    assert fast.theory["tvd"] > 0.03


def test_pattern_sampler_frequencies_and_grouping():
    rng = np.random.default_rng(5)
    coeffs = [(0.7, 0.1, 0.15, 0.05), (0.9, 0.0, 0.0, 0.1)]
    shots = 20_000
    patterns, counts = sample_pauli_patterns(coeffs, shots, rng, z_flips=[0.2])
    assert counts.sum() == shots and len(patterns) == len({tuple(r) for r in patterns.tolist()})
    for col, probs in ((0, coeffs[0]), (1, coeffs[1]), (2, (0.8, 0.2))):
        for code, p in enumerate(probs):
            freq = counts[patterns[:, col] == code].sum() / shots
            assert abs(freq - p) <= 5 * math.sqrt(p * (1 - p) / shots) + 1e-12


def test_finite_t1_takes_the_channel_form_and_bad_sampling_is_refused():
    kw = {"circuit": "ghz:2", "nodes": 2, "link_fidelity": 0.9, "t1_s": 0.5, "t2_s": 0.5}
    r = D.run(D.DistributeParams(**kw), shots=200, seed=1)
    assert r.form.startswith("channels")    # exact for finite T1 (test_distribute_channels.py)
    assert D.run(D.DistributeParams(**kw, sampling="dynamic"), shots=50, seed=1).form.startswith("dynamic")
    with pytest.raises(ValueError, match="--sampling must be one of auto, dynamic"):
        D.DistributeParams(sampling="fast")


def test_data_waits_follow_the_hand_closed_form_for_a_bell_pair():
    """ghz:2 over one perfect 40 km link, T2 = 2 ms: the ebit dephases (a waits tau, b 2 tau), the
    data qubits wait 2 tau for the pair and the entangler bit, the control tau more for the
    disentangler bit. F = A q + D (1 - q), q = (1-p1)(1-p2) + p1 p2 (Z_c flips Phi+ to Phi-)."""
    kw = {"circuit": "ghz:2", "nodes": 2, "link_fidelity": 1.0, "length_km": 40.0, "t2_s": 0.002}
    tau = D.DistributeParams(**kw).network().links[0].fiber.delay_s
    lam = math.exp(-3 * tau / 0.002)
    a, d = (1 + lam) / 2, (1 - lam) / 2
    p1, p2 = idle_z_probability(2 * tau, 0.002), idle_z_probability(tau, 0.002)
    q = (1 - p1) * (1 - p2) + p1 * p2
    waited = D.run(D.DistributeParams(**kw), shots=200, seed=3)
    bare = D.run(D.DistributeParams(**kw, data_waits=False), shots=200, seed=3)
    assert waited.fidelity == pytest.approx(a * q + d * (1 - q), abs=1e-9)
    assert waited.theory["fidelity"] == pytest.approx(waited.fidelity, abs=1e-9)
    assert bare.fidelity == pytest.approx(a, abs=1e-9)
    assert waited.fidelity < bare.fidelity - 0.01
    assert waited.theory["fidelity_bound"] <= waited.fidelity
    assert "1 noisy ebits and 3 data waits" in waited.form


def test_cli_sampling_flag(capsys):
    import json

    from qnet_circuits.cli import main

    assert main(["distribute", "--circuit", "ghz:2", "--link-fidelity", "0.9", "--sampling", "fast"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--sampling must be one of auto, dynamic" in err[0]
    assert main(["distribute", "--circuit", "ghz:2", "--link-fidelity", "0.9", "--sampling", "dynamic",
                 "--shots", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["form"].startswith("dynamic") and out["fidelity_source"].startswith("network model")
