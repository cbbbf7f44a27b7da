"""Decoy-state key length (Ma et al. 2005 Section V fluctuations) and the exact click sampler."""

import math

import numpy as np
import pytest

from qnet_circuits.keys.decoy import (
    U_ALPHA,
    DecoyCounts,
    SinglePhotonBounds,
    decoy_key_length,
    distill_decoy_key,
    single_photon_bounds,
)
from qnet_circuits.physics import binary_entropy
from qnet_circuits.physics.decoy import GYS, decoy_bounds, single_photon_yield, wcp_transmittance
from qnet_circuits.protocols.bb84.clicks import sample_clicks
from qnet_circuits.protocols.bb84.pulses import exact_gain_qber, simulate_pulses


def _expected_counts(length_km, mu, nu, n=10**12, probs=(0.6, 0.2, 0.2)):
    """Counts at their expectations (closed forms of the simulated detector model)."""
    eta = wcp_transmittance(length_km, GYS)
    ns = [round(n * p) for p in probs]
    det, sif, err = [], [], []
    for x, m in zip((mu, nu, 0.0), ns):
        q, e = exact_gain_qber(x, eta, GYS)
        det.append(round(m * q))
        sif.append(round(m * q / 2))
        err.append(round(m * q / 2 * e))
    return DecoyCounts((mu, nu, 0.0), tuple(ns), tuple(det), tuple(sif), tuple(err)), eta


def test_bounds_without_fluctuations_are_ma_eq_34_and_37():
    c, eta = _expected_counts(50.0, 0.48, 0.1)
    b = single_photon_bounds(c, "vacuum-weak", u_alpha=0.0)
    g = [d / p for d, p in zip(c.detections, c.pulses)]
    e = [r / s for r, s in zip(c.errors, c.sifted)]
    y1, e1 = decoy_bounds(g[0], e[0], g[1], e[1], g[2], 0.48, 0.1)
    assert b.y1 == pytest.approx(y1, rel=1e-9) and b.e1 == pytest.approx(e1, rel=1e-9)
    y1_true, e1_true = single_photon_yield(eta, GYS)
    assert 0.9 * y1_true < b.y1 <= y1_true * 1.0001  # a lower bound, close to the truth
    assert b.e1 >= e1_true * 0.999


def test_fluctuations_lower_y1_and_raise_e1_and_vanish_with_size():
    small, _ = _expected_counts(50.0, 0.48, 0.1, n=10**8)
    large, _ = _expected_counts(50.0, 0.48, 0.1, n=10**12)
    b0 = single_photon_bounds(large, "vacuum-weak", u_alpha=0.0)
    bs, bl = single_photon_bounds(small, "vacuum-weak"), single_photon_bounds(large, "vacuum-weak")
    assert bs.y1 < bl.y1 < b0.y1 and bs.e1 > bl.e1 > b0.e1
    assert bl.y1 == pytest.approx(b0.y1, rel=0.02)
    assert U_ALPHA == pytest.approx(6.3613, abs=1e-3)   # Phi^-1(1 - 1e-10)


def test_gllp_and_infinite_bounds():
    c, eta = _expected_counts(5.0, 0.03, 0.01)
    none = single_photon_bounds(c, "none", u_alpha=0.0)
    q_mu = c.detections[0] / c.pulses[0]
    assert none.q1 == pytest.approx(q_mu - (1 - math.exp(-0.03) * 1.03), rel=1e-9) and none.q1 > 0
    far, _ = _expected_counts(20.0, 0.3, 0.1)
    assert single_photon_bounds(far, "none").q1 == 0.0   # GLLP: multi-photon pulses exceed Q_mu
    inf = single_photon_bounds(DecoyCounts((0.5,), (10**6,), (1000,), (500,), (10,),
                                           (300_000, 900, 450, 9)), "infinite", u_alpha=0.0)
    assert inf.y1 == pytest.approx(900 / 300_000) and inf.e1 == pytest.approx(9 / 450)
    with pytest.raises(ValueError, match="decoy method"):
        single_photon_bounds(c, "two-decoy")
    with pytest.raises(ValueError, match="u_alpha"):
        single_photon_bounds(c, "vacuum-weak", u_alpha=-1.0)


def test_key_length_formula_term_by_term():
    b = SinglePhotonBounds(0.004, 0.03, 0.001, 6.0, "vacuum-weak")
    fk = decoy_key_length(100_000, 0.002, b, 15_000, eps_sec=1e-10, eps_cor=1e-15)
    s1 = 100_000 * 0.001 / 0.002
    raw = s1 * (1 - binary_entropy(0.03)) - 15_000 - fk.overhead
    assert fk.single_photon_bits == pytest.approx(s1) and fk.length == math.floor(raw)
    assert fk.overhead == pytest.approx(117.2675, abs=1e-3)


def test_click_sampler_matches_the_pulse_by_pulse_simulation():
    """Both samplers draw the same model: tallies agree with the exact closed form to 4 sigma."""
    eta = wcp_transmittance(40.0, GYS)
    xs = (0.5, 0.1, 0.0)
    for tally in (sample_clicks(4 * 10**6, 40.0, GYS, intensities=xs, seed=11),
                  simulate_pulses(4 * 10**6, 40.0, GYS, intensities=xs, seed=12)):
        for j, x in enumerate(xs[:2]):
            q, e = exact_gain_qber(x, eta, GYS)
            n = int(tally.pulses[j])
            assert abs(tally.detections[j] / n - q) < 4 * math.sqrt(q * (1 - q) / n)
            s = int(tally.sifted[j])
            assert abs(tally.errors[j] / s - e) < 4 * math.sqrt(e * (1 - e) / s) + 1e-12
        n1 = int(tally.single_sent[0])
        p1 = 0.5 * math.exp(-0.5)
        assert abs(n1 / tally.pulses[0] - p1) < 4 * math.sqrt(p1 * (1 - p1) / tally.pulses[0])
        y1 = single_photon_yield(eta, GYS)[0]
        assert abs(tally.single_detections[0] / n1 - y1) < 4 * math.sqrt(y1 / n1)


def test_click_sampler_scales_to_1e10_pulses():
    t = sample_clicks(10**10, 100.0, GYS, intensities=(0.45, 0.1, 0.0), seed=3, keep_bits=0)
    assert int(t.pulses.sum()) == 10**10 and t.signal_bits.shape == (4, 0)
    q, _ = exact_gain_qber(0.45, wcp_transmittance(100.0, GYS), GYS)
    assert abs(t.detections[0] / t.pulses[0] - q) < 4 * math.sqrt(q / t.pulses[0])


def test_distilled_keys_match_and_have_the_computed_length():
    t = sample_clicks(3 * 10**8, 30.0, GYS, intensities=(0.45, 0.1, 0.0),
                      probabilities=(0.6, 0.2, 0.2), seed=5)
    from qnet_circuits.protocols.bb84.hop import counts_of

    key = distill_decoy_key(t.signal_bits[0], t.signal_bits[1], counts_of(t), "vacuum-weak", seed=5)
    assert key.keys_match and key.verified
    assert key.final_key_bits == key.length.length > 0
    assert key.cascade.leaked_bits > t.sifted[0] * binary_entropy(t.errors[0] / t.sifted[0])
    assert not np.array_equal(key.alice_key, t.signal_bits[0][: key.final_key_bits])
    empty = distill_decoy_key(np.zeros(0), np.zeros(0), counts_of(t), "vacuum-weak", seed=1)
    assert empty.final_key_bits == 0 and "no sifted" in empty.note


# --- Lim, Curty, Walenta, Xu, Zbinden, PRA 89, 022307 (2014) ---------------------------------

def _lim_counts(length_km, n, mus=(0.5, 0.1, 0.0), probs=(0.6, 0.2, 0.2)):
    from qnet_circuits.keys.decoy_lim import BasisCounts
    from qnet_circuits.physics.decoy import wcp_gain, wcp_qber

    eta = wcp_transmittance(length_km, GYS)
    ev, er = [], []
    for k, p in zip(mus, probs):
        m = n * p * wcp_gain(k, eta, GYS) / 4.0   # both parties pick the basis: 1/4
        ev.append(round(m))
        er.append(round(m * wcp_qber(k, eta, GYS)))
    return {"X": BasisCounts(tuple(ev), tuple(er)), "Z": BasisCounts(tuple(ev), tuple(er))}, eta


def test_lim_bounds_are_lower_bounds_that_tighten_with_size():
    from qnet_circuits.keys.decoy_lim import _tau, lim_bounds

    mus, probs = (0.5, 0.1, 0.0), (0.6, 0.2, 0.2)
    ratios = []
    for n in (1e10, 1e12, 1e15):
        counts, eta = _lim_counts(50.0, n)
        b = lim_bounds(counts, mus, probs)
        y1, e1 = single_photon_yield(eta, GYS)
        true_s1 = n / 4 * _tau(1, mus, probs) * y1
        assert b.s_x1 <= true_s1 and b.phi_x >= e1 and b.s_x0 <= n / 4 * _tau(0, mus, probs) * GYS.y0
        ratios.append(b.s_x1 / true_s1)
    assert ratios[0] < ratios[1] < ratios[2]
    assert ratios[2] == pytest.approx(0.969, abs=0.005)   # the vacuum + weak (nu = 0.1) gap


def test_lim_gamma_and_length_term_by_term():
    from qnet_circuits.keys.decoy_lim import gamma, lim_key_length

    a, b, c, d = 1e-10, 0.03, 1e6, 2e6
    inner = (c + d) / (c * d * (1 - b) * b) * 21**2 / a**2
    assert gamma(a, b, c, d) == pytest.approx(
        math.sqrt((c + d) * (1 - b) * b / (c * d * math.log(2)) * math.log2(inner)))
    assert gamma(a, 0.0, c, d) == math.inf
    counts, _ = _lim_counts(50.0, 1e11)
    fk = lim_key_length(counts, (0.5, 0.1, 0.0), (0.6, 0.2, 0.2), 400_000)
    bd = fk.bounds
    raw = (bd.s_x0 + bd.s_x1 * (1 - binary_entropy(bd.phi_x)) - 400_000
           - 6 * math.log2(21 / 1e-10) - math.log2(2 / 1e-15))
    assert fk.length == math.floor(raw) > 0 and fk.overhead == pytest.approx(276.4985, abs=1e-3)
    with pytest.raises(ValueError, match="mu1 > mu2 \\+ mu3"):
        lim_key_length(counts, (0.5, 0.45, 0.1), (0.6, 0.2, 0.2), 0)


def test_lim_distilled_keys_match():
    from qnet_circuits.keys.decoy_lim import distill_lim_key
    from qnet_circuits.protocols.bb84.clicks import sample_click_records

    mus, probs = (0.45, 0.1, 0.0), (0.6, 0.2, 0.2)
    records = sample_click_records(3 * 10**9, 50.0, GYS, intensities=mus, probabilities=probs,
                                   seed=9)
    key = distill_lim_key([r["bits"] for r in records], mus, probs, seed=9)
    assert key.keys_match and key.final_key_bits == key.length.length > 0
    x_bits = sum(int((r["bits"][2] == 0).sum()) for r in records)
    assert key.length.n == x_bits == key.cascade.corrected.size
