"""BB84 round circuits: exact outcome distributions of the ideal dual-rail circuits."""

from __future__ import annotations

import math

import pytest
from qiskit.quantum_info import Statevector

from qnet_circuits.library.bb84 import bb84_round, misalignment_angle
from qnet_circuits.noise import strip_markers


def _probs(qc):
    qc = strip_markers(qc).remove_final_measurements(inplace=False)
    return Statevector(qc).probabilities_dict(qargs=[0, 1])


@pytest.mark.parametrize("bit", [0, 1])
@pytest.mark.parametrize("a_basis", [0, 1])
@pytest.mark.parametrize("b_basis", [0, 1])
def test_four_states_and_two_bases(bit, a_basis, b_basis):
    p = _probs(bb84_round(bit, a_basis, b_basis, link="l", length_km=0.0))
    click = "01" if bit == 0 else "10"  # Qiskit order: rail 1 first; rail `bit` holds the photon
    if a_basis == b_basis:
        assert p[click] == pytest.approx(1.0, abs=1e-12)
    else:
        assert p["01"] == pytest.approx(0.5, abs=1e-12) and p["10"] == pytest.approx(0.5, abs=1e-12)
    assert p.get("00", 0.0) < 1e-12 and p.get("11", 0.0) < 1e-12  # one photon, passive optics


@pytest.mark.parametrize("a_basis", [0, 1])
def test_misalignment_is_the_wrong_detector_probability(a_basis):
    e = 0.033
    p = _probs(bb84_round(0, a_basis, a_basis, link="l", length_km=0.0,
                          misalignment_rad=misalignment_angle(e)))
    assert p["10"] == pytest.approx(e, abs=1e-12)


@pytest.mark.parametrize("eve_basis", [0, 1])
def test_intercept_resend_errors(eve_basis):
    """Eve in the right basis: no error; in the wrong one: 1/2 (averaged 1/4 over her bases)."""
    for a_basis in (0, 1):
        qc = bb84_round(1, a_basis, a_basis, link="l", length_km=0.0, eve_basis=eve_basis)
        p = _probs(qc)
        wrong = p.get("01", 0.0)
        assert wrong == pytest.approx(0.0 if eve_basis == a_basis else 0.5, abs=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="alice_bit"):
        bb84_round(2, 0, 0, link="l", length_km=1.0)
    with pytest.raises(ValueError, match="e_detector"):
        misalignment_angle(0.7)
    assert math.isclose(math.sin(misalignment_angle(0.25)) ** 2, 0.25)
