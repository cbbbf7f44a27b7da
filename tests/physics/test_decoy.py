"""Closed forms of weak-coherent-pulse BB84 with decoys (Ma, Qi, Zhao, Lo, PRA 72, 012326 (2005))."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.physics.decoy import (
    GYS,
    DecoyChannel,
    decoy_bounds,
    decoy_key_rate,
    decoy_max_distance_km,
    decoy_optimal_mu,
    photon_number_probability,
    plob_per_pulse,
    single_photon_yield,
    wcp_gain,
    wcp_qber,
    wcp_transmittance,
    wcp_yield,
)


def test_gain_and_qber_are_the_photon_number_sums():
    eta, mu = wcp_transmittance(50.0, GYS), 0.48
    n = np.arange(0, 60)
    p = photon_number_probability(n, mu)
    y, e = wcp_yield(n, eta, GYS)
    assert math.isclose(float((p * y).sum()), wcp_gain(mu, eta, GYS), rel_tol=1e-12)
    assert math.isclose(float((p * y * e).sum()) / wcp_gain(mu, eta, GYS), wcp_qber(mu, eta, GYS),
                        rel_tol=1e-12)


def test_vacuum_weak_bounds_are_valid_and_tight_for_small_nu():
    eta, mu = wcp_transmittance(50.0, GYS), 0.48
    y1, e1 = single_photon_yield(eta, GYS)
    for nu in (0.2, 0.1, 0.02):
        y1l, e1u = decoy_bounds(wcp_gain(mu, eta, GYS), wcp_qber(mu, eta, GYS), wcp_gain(nu, eta, GYS),
                                wcp_qber(nu, eta, GYS), GYS.y0, mu, nu)
        assert y1l <= y1 and e1u >= e1
    assert y1l / y1 > 0.99 and e1u - e1 < 0.002  # nu -> 0 approaches the infinite-decoy limit


def test_rates_are_ordered_and_below_plob():
    for length in (0.0, 25.0, 50.0, 100.0):
        r = {m: decoy_optimal_mu(length, GYS, m)[1] for m in ("none", "vacuum-weak", "infinite")}
        assert r["none"] <= r["vacuum-weak"] <= r["infinite"]
        assert r["infinite"] < plob_per_pulse(length, GYS)[1] <= plob_per_pulse(length, GYS)[0]


def test_gys_published_numbers():
    """Ma et al. (2005), GYS: optimal mu ~ 0.48 and maximal distance ~ 142 km (infinite decoys);
    the vacuum + weak decoy distance approaches it as nu -> 0."""
    mu_opt, _ = decoy_optimal_mu(50.0, GYS, "infinite")
    assert 0.47 < mu_opt < 0.49
    d_inf = decoy_max_distance_km(GYS, "infinite")
    assert 141.5 < d_inf < 142.5
    d_vw = decoy_max_distance_km(GYS, "vacuum-weak", nu=0.1)
    assert 138.0 < d_vw < d_inf and d_inf - decoy_max_distance_km(GYS, "vacuum-weak", nu=0.01) < 0.5
    assert decoy_max_distance_km(GYS, "none") < 45.0  # GLLP without decoys: a short fraction of that


def test_rate_reaches_zero_beyond_the_maximal_distance():
    d = decoy_max_distance_km(GYS, "infinite")
    assert decoy_optimal_mu(d - 1.0, GYS)[1] > 0
    assert decoy_optimal_mu(d + 1.0, GYS) == (pytest.approx(float("nan"), nan_ok=True), 0.0)


def test_bad_input():
    with pytest.raises(ValueError, match="mu"):
        decoy_key_rate(0.0, 10.0, GYS)
    with pytest.raises(ValueError, match="mu"):
        decoy_key_rate(1e3, 10.0, GYS)
    with pytest.raises(ValueError, match="below the signal"):
        decoy_key_rate(0.1, 10.0, GYS, "vacuum-weak", nu=0.2)
    with pytest.raises(ValueError, match="length_km"):
        wcp_transmittance(-1.0, GYS)
    with pytest.raises(ValueError, match="alpha_db_per_km"):
        DecoyChannel(alpha_db_per_km=-0.2)
