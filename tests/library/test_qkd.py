"""Exact checks of the QKD round circuits (library/qkd.py): correlations, Eve, settings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit.circuit import QuantumCircuit

from qnet_circuits import physics
from qnet_circuits.library.generation import heralded_state, werner_pair
from qnet_circuits.library.qkd import (
    THETA_A,
    THETA_B,
    bbm92_settings,
    e91_settings,
    qkd_round,
    setting_circuits,
    theory_chsh_qber,
    theory_correlation,
)
from qnet_circuits.network import chain
from qnet_circuits.physics import source_correlations
from qnet_circuits.protocols.qkd import exact_probabilities


def _correlation(probs: np.ndarray) -> float:
    """E = P(a == b) - P(a != b) from the 32-entry code distribution."""
    codes = np.arange(32)
    same = ((codes & 1) == ((codes >> 1) & 1))
    return float(probs[same].sum() - probs[~same].sum())


@pytest.mark.parametrize("fidelity", [1.0, 0.95, 0.9, 0.85])
def test_e91_correlations_are_w_cos_difference_exactly(fidelity: float) -> None:
    w = physics.werner_w(fidelity)
    settings = e91_settings()
    rnd = qkd_round(werner_pair(fidelity), measure=False)
    corr = {}
    for qc, pair in zip(setting_circuits(rnd, settings), settings.pairs, strict=True):
        ta, tb = settings.angles(pair)
        corr[pair] = _correlation(exact_probabilities(qc))
        assert corr[pair] == pytest.approx(w * math.cos(ta - tb), abs=1e-9)
    s = sum(sign * corr[pair] for pair, sign in settings.chsh_terms)
    assert s == pytest.approx(physics.chsh_werner(w), abs=1e-9)
    assert s == pytest.approx(2 * math.sqrt(2) * w, abs=1e-9)


def test_measurement_is_about_the_right_axis() -> None:
    """ry(-t) then Z reads cos(t) Z + sin(t) X: the +1 eigenstate ry(t)|0> always gives 0."""
    for t in (0.0, math.pi / 4, math.pi / 2, -math.pi / 4, 1.1):
        src = QuantumCircuit(2)
        src.ry(t, 0)
        src.ry(t, 1)
        src.metadata = {"pair": [0, 1]}
        rnd = qkd_round(src, measure=False).assign_parameters({THETA_A: t, THETA_B: t})
        probs = exact_probabilities(rnd)
        assert probs[0] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("eve", ["intercept-resend", "intercept-resend-z"])
@pytest.mark.parametrize("fraction", [1.0, 0.3])
@pytest.mark.parametrize("fidelity", [1.0, 0.9])
def test_eavesdropper_circuits_match_measure_and_resend_theory(
    eve: str, fraction: float, fidelity: float
) -> None:
    w = physics.werner_w(fidelity)
    rnd = qkd_round(werner_pair(fidelity), eavesdropper=eve, intercept_fraction=fraction,
                    measure=False)
    codes = np.arange(32)
    for settings in (e91_settings(), bbm92_settings()):
        for qc, pair in zip(setting_circuits(rnd, settings), settings.pairs, strict=True):
            ta, tb = settings.angles(pair)
            probs = exact_probabilities(qc)
            expected = theory_correlation(w, w, ta, tb, eve, fraction)
            assert _correlation(probs) == pytest.approx(expected, abs=1e-9)
            # Eve intercepts the stated fraction; her coin is fair, or always Z
            assert probs[(codes >> 2) & 1 == 1].sum() == pytest.approx(fraction, abs=1e-12)
            p_x = probs[(codes >> 3) & 1 == 1].sum()
            assert p_x == pytest.approx(0.5 if eve == "intercept-resend" else 0.0, abs=1e-12)
            if tb == 0.0:
                # Bob measures Z: where Eve measured Z, her record equals Bob's outcome
                z_attack = ((codes >> 2) & 1 == 1) & ((codes >> 3) & 1 == 0)
                differ = ((codes >> 4) & 1) != ((codes >> 1) & 1)
                assert probs[z_attack & differ].sum() == pytest.approx(0.0, abs=1e-12)


def test_intercept_resend_table_of_the_reference() -> None:
    """Section 8: random Z/X on w = 1 gives S = sqrt(2), Q = 1/4; always Z: Q_Z = 0, Q_X = 1/2."""
    s, q = theory_chsh_qber(e91_settings(), 1.0, 1.0, "intercept-resend")
    assert s == pytest.approx(math.sqrt(2))
    assert s == pytest.approx(physics.intercept_resend_chsh(1.0))
    assert q["X"] == pytest.approx(0.25) and q["D"] == pytest.approx(0.25)
    _, q = theory_chsh_qber(bbm92_settings(), 1.0, 1.0, "intercept-resend-z")
    assert q == pytest.approx({"Z": 0.0, "X": 0.5})
    s, _ = theory_chsh_qber(e91_settings(), 1.0, 1.0, "intercept-resend-z")
    assert s == pytest.approx(math.sqrt(2))
    w = physics.werner_w(0.9)
    _, q = theory_chsh_qber(bbm92_settings(), w, w, "intercept-resend")
    assert q["Z"] == pytest.approx(physics.intercept_resend_qber(w))


def test_link_source_correlations_match_its_closed_form() -> None:
    link = chain(1, 50.0, scheme="single-click", dark_count_prob=1e-4).links[0]
    t_x, t_z = source_correlations(None, link)
    coeffs = physics.single_click_bell_diagonal(link.alpha, link.arm_efficiency, 1e-4)
    rnd = qkd_round(heralded_state(link), measure=False)
    settings = bbm92_settings()
    got = {}
    for qc, pair in zip(setting_circuits(rnd, settings), settings.pairs, strict=True):
        got[pair] = _correlation(exact_probabilities(qc))
    assert got[(0, 0)] == pytest.approx(t_z, abs=1e-9)
    assert got[(1, 1)] == pytest.approx(t_x, abs=1e-9)
    assert got[(0, 1)] == pytest.approx(0.0, abs=1e-9)
    # the X-basis QBER is the Bell-diagonal B + D of the heralded state (reference section 8)
    q_x = physics.qber_bell_diagonal(coeffs)[1]
    assert (1 - got[(1, 1)]) / 2 == pytest.approx(q_x, abs=1e-9)


def test_round_circuit_parameters_and_registers() -> None:
    rnd = qkd_round(werner_pair(0.9), eavesdropper="intercept-resend", intercept_fraction=0.5)
    assert {p.name for p in rnd.parameters} == {"theta_a", "theta_b"}
    assert [c.name for c in rnd.cregs] == ["alice", "bob", "eve"]
    bound = setting_circuits(rnd, e91_settings())
    assert len(bound) == 9 and all(not qc.parameters for qc in bound)
    assert bound[4].metadata["setting"] == [1, 1]
    assert e91_settings().key_fraction == pytest.approx(2 / 9)
    assert bbm92_settings(0.8).key_fraction == pytest.approx(0.64 + 0.04)


def test_bad_input_is_rejected_with_the_field_name() -> None:
    with pytest.raises(ValueError, match="intercept_fraction"):
        qkd_round(werner_pair(1.0), eavesdropper="intercept-resend", intercept_fraction=1.2)
    with pytest.raises(ValueError, match="intercept_fraction"):
        qkd_round(werner_pair(1.0), eavesdropper="intercept-resend", intercept_fraction=-0.1)
    with pytest.raises(ValueError, match="eavesdropper"):
        qkd_round(werner_pair(1.0), eavesdropper="beam-splitter")
    with pytest.raises(ValueError, match="pair"):
        qkd_round(QuantumCircuit(2))
    with pytest.raises(ValueError, match="p_z"):
        bbm92_settings(1.0)
