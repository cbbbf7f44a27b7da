"""Superdense coding: exact decoding for the ideal pair, the error channel of a noisy pair in
closed form (DensityMatrix), and Aer runs within k standard errors of A and 2 - H."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, Statevector

from qnet_circuits import physics
from qnet_circuits.protocols import dense_coding as dc

K = 4


def _probabilities(qc, exact_state):
    bare = qc.remove_final_measurements(inplace=False)
    return exact_state(bare).probabilities([0, 1])  # index z + 2 x (alice = out[0], bob = out[1])


@pytest.mark.parametrize("message", dc.MESSAGES)
def test_ideal_pair_decodes_every_message_exactly(message):
    qc = dc.encode_decode(message, (1.0, 0.0, 0.0, 0.0))
    probs = _probabilities(qc, Statevector)
    index = 2 * int(message[0]) + int(message[1])
    assert probs[index] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("resource", [(0.7, 0.1, 0.15, 0.05), physics.werner_coefficients(0.8)])
def test_noisy_pair_is_the_additive_channel_of_its_coefficients(resource):
    th = dc.theory(dc.DenseCodingParams(bell_diagonal=[resource]))
    for i, message in enumerate(dc.MESSAGES):
        probs = _probabilities(dc.encode_decode(message, resource), DensityMatrix)
        for error, p in th["error_probabilities"].items():
            e = int(error, 2)
            assert probs[i ^ e] == pytest.approx(p, abs=1e-10), (message, error)


def test_closed_forms():
    assert physics.dense_coding_success(0.9) == pytest.approx(0.9)
    h = -(0.9 * math.log2(0.9) + 3 * (0.1 / 3) * math.log2(0.1 / 3))
    assert physics.dense_coding_holevo(0.9) == pytest.approx(2 - h, abs=1e-12)
    assert physics.dense_coding_holevo(0.25) == pytest.approx(0.0, abs=1e-12)
    assert physics.dense_coding_capacity(0.5) == 1.0
    assert physics.dense_coding_holevo(physics.WERNER_ADVANTAGE) == pytest.approx(1.0, abs=1e-9)
    assert 0.81 < physics.WERNER_ADVANTAGE < 0.811


@pytest.mark.parametrize(("fidelity", "seed"), [(0.9, 11), (0.75, 12)])
def test_aer_matches_closed_form_within_k_sigma(fidelity, seed):
    result = dc.run(dc.DenseCodingParams(fidelity=fidelity), shots=3000, seed=seed)
    assert result.success.within(fidelity, k=K), result.success
    assert result.capacity.within(physics.dense_coding_holevo(fidelity), k=K), result.capacity
    assert result.table.sum() == 4 * 3000
    # the plug-in mutual information sits at 2 - H up to its O(1/n) bias and sampling noise
    assert abs(result.mutual_information - result.theory["holevo_bits"]) < 5 * result.capacity.stderr


def test_ideal_run_is_exact():
    result = dc.run(dc.DenseCodingParams(), shots=500, seed=1)
    assert result.success.value == 1.0 and result.capacity.value == 2.0
    assert np.array_equal(result.table, 500 * np.eye(4, dtype=int))
    d = result.to_dict()
    assert d["theory_success"] == 1.0 and d["theory_holevo_bits"] == 2.0 and d["beats_plain_qubit"]


def test_entropy_estimate_stderr_is_the_delta_method():
    est = dc.entropy_estimate([900, 50, 30, 20])
    p = np.array([0.9, 0.05, 0.03, 0.02])
    h = -(p * np.log2(p)).sum()
    assert est.value == pytest.approx(h)
    assert est.stderr == pytest.approx(math.sqrt(((p * np.log2(p) ** 2).sum() - h * h) / 1000))


def test_bad_input_names_the_flag():
    with pytest.raises(ValueError, match="--fidelity"):
        dc.DenseCodingParams(fidelity=1.5)
    with pytest.raises(ValueError, match="one shared pair"):
        dc.DenseCodingParams(fidelity=(0.9, 0.8))
    with pytest.raises(ValueError, match="message"):
        dc.encode_decode("2", (1.0, 0.0, 0.0, 0.0))


def test_plot_draws_theory_and_estimate():
    result = dc.run(dc.DenseCodingParams(fidelity=0.9), shots=200, seed=2)
    ax = result.plot()
    assert len(ax.lines) >= 2
