"""Stage 5: repetition-code storage of a Bell pair against the closed forms and the exact state."""

from __future__ import annotations

import itertools
import math

import pytest

from qnet_circuits import physics
from qnet_circuits.protocols import encoded_storage as es


def test_block_failure_is_the_majority_of_independent_flips():
    p = 0.13
    brute = sum(p ** sum(e) * (1 - p) ** (3 - sum(e))
                for e in itertools.product((0, 1), repeat=3) if sum(e) >= 2)
    assert physics.repetition_failure(p, 3) == pytest.approx(brute, rel=1e-12)
    assert physics.repetition_failure(p, 1) == pytest.approx(p)
    assert physics.dephasing_flip_probability(0.3, 1.5) == pytest.approx((1 - math.exp(-0.2)) / 2)


@pytest.mark.parametrize("wait_s", [0.05, 0.4])
def test_exact_density_matrix_equals_the_closed_forms_with_ideal_gates(wait_s):
    params = es.EncodedStorageParams(fidelity=0.9, wait_s=wait_s, t2_s=1.0)
    exact = es.exact_fidelities(params)
    p = physics.dephasing_flip_probability(wait_s, 1.0)
    assert exact["bare"] == pytest.approx(physics.stored_werner_fidelity(0.9, p), abs=1e-9)
    assert exact["encoded"] == pytest.approx(physics.encoded_werner_fidelity(0.9, p), abs=1e-9)
    assert exact["encoded"] > exact["bare"]


def test_simulated_fidelities_agree_with_theory():
    r = es.run(es.EncodedStorageParams(fidelity=0.95, wait_s=0.3, t2_s=1.0), shots=3000, seed=11)
    assert r.bare.within(r.theory["bare"], k=5) and r.encoded.within(r.theory["encoded"], k=5)
    # the effect is far larger than the error bars: the test can fail
    assert r.theory["encoded"] - r.theory["bare"] > 10 * (r.bare.stderr + r.encoded.stderr)


def test_gate_errors_set_a_threshold():
    # with 1 % CNOT errors the 10 CNOTs per node cost more than short storage loses ...
    short = es.exact_fidelities(es.EncodedStorageParams(wait_s=0.05, gate_error=0.01))
    assert short["encoded"] < short["bare"]
    # ... and the code wins once storage errors dominate
    long = es.exact_fidelities(es.EncodedStorageParams(wait_s=0.3, gate_error=0.01))
    assert long["encoded"] > long["bare"]
    # bare storage has no gate at a node: its closed form holds with gate errors too
    p = physics.dephasing_flip_probability(0.3, 1.0)
    assert long["bare"] == pytest.approx(physics.stored_werner_fidelity(0.95, p), abs=1e-9)


@pytest.mark.parametrize("kwargs, field", [
    ({"fidelity": 0.1}, "--fidelity"), ({"wait_s": -1.0}, "--wait"), ({"t2_s": 0.0}, "--t2"),
    ({"gate_error": 1.5}, "--gate-error"),
])
def test_bad_parameters_name_the_flag(kwargs, field):
    with pytest.raises(ValueError, match=field):
        es.EncodedStorageParams(**kwargs)
