"""Analysis estimators: parity fidelity and Bell coefficients against an exact pair, herald rules
(moved from tests/test_run.py)."""

import math

import numpy as np
import pytest

from qnet_circuits.analysis import (
    bell_coefficients_from_parities,
    bell_fidelity,
    heralded_mask,
    parity,
    success_probability,
)
from qnet_circuits.library.generation import bell_diagonal_pair
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.results import Estimate, ShotData
from qnet_circuits.run import AerRunner


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
