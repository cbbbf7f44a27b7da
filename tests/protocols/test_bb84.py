"""BB84 with weak coherent pulses and decoys: pulse statistics, circuit-level key, attacks.

Tolerances are k = 4 standard errors derived from the pulse and round counts.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from qnet_circuits.network import chain
from qnet_circuits.physics.decoy import (
    GYS,
    pns_attack,
    single_photon_detection,
    single_photon_yield,
    wcp_gain,
    wcp_qber,
    wcp_transmittance,
)
from qnet_circuits.protocols import bb84
from qnet_circuits.protocols.bb84.circuit import run_circuit_bb84
from qnet_circuits.protocols.bb84.pulses import exact_gain_qber, simulate_pulses

K = 4.0
ETA50 = wcp_transmittance(50.0, GYS)
MU, NU = 0.48, 0.1


def _z(k: int, n: int, p: float) -> float:
    """Distance of k successes in n from probability p, in standard errors."""
    return abs(k / n - p) / math.sqrt(p * (1 - p) / n)


@pytest.fixture(scope="module")
def tally():
    return simulate_pulses(2 * 10**7, 50.0, GYS, intensities=(MU, NU, 0.0),
                           probabilities=(0.6, 0.2, 0.2), seed=11)


def test_gains_and_qbers_match_ma_et_al(tally):
    for i, x in enumerate((MU, NU, 0.0)):
        q = wcp_gain(x, ETA50, GYS)
        assert _z(int(tally.detections[i]), int(tally.pulses[i]), q) < K
        if x > 0:
            e = wcp_qber(x, ETA50, GYS)
            assert _z(int(tally.errors[i]), int(tally.sifted[i]), e) < K
            # the simulated detector model equals Ma et al.'s closed forms far below one sigma
            q_ex, e_ex = exact_gain_qber(x, ETA50, GYS)
            assert abs(q_ex - q) < 0.01 * math.sqrt(q / tally.pulses[i])
            assert abs(e_ex - e) < 0.05 * math.sqrt(e / tally.sifted[i])
    # bases match half the time
    assert _z(int(tally.sifted[0]), int(tally.detections[0]), 0.5) < K


def test_single_photon_yield_and_error(tally):
    y1, e1 = single_photon_yield(ETA50, GYS)
    assert _z(int(tally.single_detections[0]), int(tally.single_sent[0]), y1) < K
    assert _z(int(tally.single_errors[0]), int(tally.single_sifted[0]), e1) < K


def test_vacuum_weak_bound_from_simulated_gains(tally):
    """Y1^L from the simulated gains against the closed form, with delta-method errors."""
    est = bb84.analysis.estimates(tally, "vacuum-weak", GYS)
    th = bb84.analysis.theory(50.0, MU, NU, "vacuum-weak", GYS)
    c = MU / (MU * NU - NU**2)
    coef = {"decoy": c * math.exp(NU), "signal": c * math.exp(MU) * NU**2 / MU**2,
            "vacuum": c * (MU**2 - NU**2) / MU**2}
    sigma = math.sqrt(sum((coef[k] * est["gains"][k].stderr) ** 2 for k in coef))
    assert abs(est["y1"] - th["y1_estimated"]) < K * sigma
    assert th["y1_estimated"] <= th["y1"]


def test_run_puts_theory_beside_every_number():
    r = bb84.run(bb84.Bb84Params(length_km=50.0, decoy="infinite", pulses=4 * 10**6,
                                 rounds=20_000), seed=3)
    assert math.isclose(r.mu, r.theory["optimal_mu"]["infinite"])
    for label in ("signal", "decoy", "vacuum"):
        assert r.gains[label].within(r.theory[f"gain_{label}"], k=K)
    assert r.qbers["signal"].within(r.theory["qber_signal"], k=K)
    assert 0 < r.theory["key_rate"] < r.theory["plob_with_eta_bob"] < r.theory["plob_fiber"]
    d = r.to_dict()
    assert d["theory"]["max_distance_km"] == pytest.approx(142.18, abs=0.05)
    assert d["circuit"]["gain"] == pytest.approx(r.circuit.gain.value)


def test_no_key_distance_gives_rate_zero_and_a_note():
    r = bb84.run(bb84.Bb84Params(length_km=60.0, decoy="none", pulses=10**5, rounds=100), seed=1)
    assert r.theory["key_rate"] == 0.0 and r.key_rate == 0.0
    assert any("no key is possible" in n for n in r.notes)


def test_pns_invisible_without_decoys():
    att = pns_attack(MU, ETA50, GYS)
    t = simulate_pulses(10**7, 50.0, GYS, intensities=(MU,), attack=att, seed=5)
    q, e = wcp_gain(MU, ETA50, GYS), wcp_qber(MU, ETA50, GYS)  # the honest channel's numbers
    assert _z(int(t.detections[0]), int(t.pulses[0]), q) < K
    assert _z(int(t.errors[0]), int(t.sifted[0]), e) < K
    est = bb84.analysis.estimates(t, "none", GYS)
    # Eve knows almost every sifted bit, more than the key a single-photon analysis would keep
    assert est["eve_known_fraction"] > 0.95 > est["naive_key_fraction"]


def test_pns_caught_with_decoys():
    kw = {"length_km": 50.0, "decoy": "vacuum-weak", "mu": MU, "pulses": 10**7, "rounds": 100}
    honest = bb84.run(bb84.Bb84Params(**kw), seed=7)
    attacked = bb84.run(bb84.Bb84Params(**kw, attack="pns"), seed=7)
    assert honest.key_rate > 0
    # the signal gain is the honest one, but the decoy's is not: Y1 collapses, no key
    assert attacked.gains["signal"].within(honest.theory["gain_signal"], k=K)
    g = attacked.gains["decoy"]
    assert (honest.theory["gain_decoy"] - g.value) > K * g.stderr
    assert attacked.simulated["y1"] < 0.25 * honest.theory["y1"]
    assert attacked.key_rate == 0.0 and attacked.theory["attack"]["key_rate"] == 0.0
    assert attacked.gains["decoy"].within(attacked.theory["attack"]["gain_decoy"], k=K)


def test_circuit_bb84_key_and_closed_form():
    net = chain(1, 2.0, attenuation_db_per_km=0.2, detector_efficiency=0.9, dark_count_prob=1e-3)
    res = run_circuit_bb84(net, rounds=200_000, seed=4, e_detector=0.02)
    assert res.gain.within(res.theory["gain"], k=K) and res.qber.within(res.theory["qber"], k=K)
    assert res.key is not None and not res.key.aborted and res.key.keys_match
    assert 0 < res.key.final_key_bits < res.key.sifted.n


def test_intercept_resend_gives_a_quarter():
    net = chain(1, 1.0)
    res = run_circuit_bb84(net, rounds=20_000, seed=6, eavesdropper="intercept-resend")
    assert res.theory["qber"] == pytest.approx(0.25, abs=1e-3)
    assert res.qber.within(res.theory["qber"], k=K)
    assert res.key.aborted and res.key.final_key_bits == 0
    assert _z(round(res.eve_agreement * res.key.sifted.n), res.key.sifted.n, 0.75) < K
    q, e = single_photon_detection(res.theory["eta"], 0.0, 0.0, intercept_resend=True)
    assert e == pytest.approx(0.25)


@pytest.mark.parametrize("kwargs, match", [
    ({"mu": 0.0}, "--mu"), ({"mu": 50.0}, "--mu"), ({"mu": 0.1, "nu": 0.2}, "below the signal"),
    ({"length_km": -1.0}, "--length-km"), ({"decoy": "two"}, "--decoy"),
    ({"attack": "beam-split"}, "--attack"), ({"pulses": 0}, "--pulses"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bb84.Bb84Params(**kwargs)


@pytest.mark.slow
def test_1e8_pulses_at_50_km_under_10_s():
    t0 = time.perf_counter()
    t = simulate_pulses(10**8, 50.0, GYS, intensities=(MU, NU, 0.0), probabilities=(0.8, 0.1, 0.1),
                        seed=2)
    assert time.perf_counter() - t0 < 10.0
    assert int(np.sum(t.pulses)) == 10**8
