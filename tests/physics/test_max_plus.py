"""``physics.max_plus``: the law of ``max_l (tau_l G_l + c_l)`` with each link's lattice cut at its
own horizon. Exact enumeration on small cases, the stated truncation bound, the equal-cycle exact
form, and a fiber + satellite path (p ~ 1e-6 beside p ~ 0.5) against Monte Carlo (k = 5 sigma)
through ``expected_path_time_s``, ``max_plus_delivery_time_s`` and ``qnet network --graph``."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from qnet_circuits.cli import main
from qnet_circuits.network import io
from qnet_circuits.physics import expected_path_time_s, max_plus_delivery_time_s
from qnet_circuits.physics.chain_delivery import delivery_quantile
from qnet_circuits.physics.chain_exact import mean_delivery_time
from qnet_circuits.physics.max_plus import link_rounds, max_plus_law, max_plus_mean, max_plus_quantile
from qnet_circuits.scheduler.routing import _Physics, path_figures

K = 5
MIXED = """nodes: {alice: {role: end}, r1: {role: repeater, memories: 2}, bob: {role: end}}
links:
  - {a: alice, b: r1, length_km: 25}
  - {a: r1, b: bob, channel: free_space, altitude_km: 600, elevation_deg: 60,
     receiver_aperture_m: 1.8}
"""


def _enumerate(ps, taus, cs, rounds=80):
    """pmf of the max by summing over every tuple of counts up to ``rounds`` (exact to q^rounds)."""
    law: dict[float, float] = {}
    for ks in itertools.product(range(1, rounds + 1), repeat=len(ps)):
        w = math.prod(p * (1 - p) ** (k - 1) for p, k in zip(ps, ks))
        t = round(max(c + k * tau for k, tau, c in zip(ks, taus, cs)), 9)
        law[t] = law.get(t, 0.0) + w
    return law


@pytest.mark.parametrize("ps,taus,cs", [
    ([0.5, 0.5], [1.0, 2.0], [0.0, 0.0]),          # commensurate
    ([0.6, 0.4], [1.0, math.sqrt(2)], [0.3, 0.0]),  # incommensurate, with an offset
    ([0.7, 0.5, 0.8], [0.5, 0.75, 1.0], [0.25, 0.0, 0.5]),
])
def test_law_is_the_enumerated_law(ps, taus, cs):
    law = max_plus_law(ps, taus, cs, tol=1e-15)
    ref = _enumerate(ps, taus, cs, rounds=60 if len(ps) == 2 else 40)
    got = {round(float(t), 9): float(m) for t, m in zip(law["times_s"], law["pmf"])}
    heavy = {t for t, m in ref.items() if m > 1e-12}
    assert heavy <= set(got)
    for t in heavy:
        assert got[t] == pytest.approx(ref[t], abs=1e-12)
    assert law["mean_s"] == pytest.approx(sum(t * m for t, m in ref.items()), rel=1e-10)
    assert max_plus_mean(ps, taus, cs, tol=1e-15) == pytest.approx(law["mean_s"], rel=1e-12)


@pytest.mark.parametrize("tol", [1e-3, 1e-6, 1e-9])
@pytest.mark.parametrize("ps,taus,cs", [([0.5, 0.01], [1.0, 7.3], [0.3, 0.0]),
                                        ([0.3, 0.1, 0.6], [1.3, 0.7, 2.1], [0.2, 0.9, 0.0]),
                                        ([0.02, 0.9], [1.0, 50.0], [0.0, 0.0])])
def test_truncation_error_is_within_the_stated_bound(tol, ps, taus, cs):
    exact = max_plus_law(ps, taus, cs, tol=1e-15)["mean_s"]
    law = max_plus_law(ps, taus, cs, tol=tol)
    assert abs(law["mean_s"] - exact) <= law["error_bound_s"] <= 2 * tol * exact
    assert abs(max_plus_mean(ps, taus, cs, tol=tol) - exact) <= law["error_bound_s"]
    assert law["points"] <= sum(link_rounds(p, len(ps), tol) for p in ps)


@pytest.mark.parametrize("ps,cs", [([0.3, 0.2, 0.5], [0.2, 0.7, 0.1]), ([0.9, 0.01], [0.0, 3.0])])
def test_equal_cycle_times_are_the_exact_chain_form(ps, cs):
    exact = mean_delivery_time(ps, cs, 1.0)
    assert max_plus_law(ps, [1.0] * len(ps), cs)["mean_s"] == pytest.approx(exact, rel=1e-11)
    assert max_plus_mean(ps, [1.0] * len(ps), cs) == pytest.approx(exact, rel=1e-11)


@pytest.mark.parametrize("ps,taus,cs", [([0.5, 0.01], [1.0, 7.3], [0.3, 0.0]),
                                        ([0.3, 0.1, 0.6], [1.3, 0.7, 2.1], [0.2, 0.9, 0.0]),
                                        ([0.9, 0.02], [1.0, 50.0], [2.0, 0.0])])
def test_quantiles_without_the_law_are_the_law_s_quantiles(ps, taus, cs):
    law = max_plus_law(ps, taus, cs)
    for q in (0.1, 0.5, 0.9, 0.99):
        assert max_plus_quantile(ps, taus, cs, q) == pytest.approx(
            delivery_quantile(law["times_s"], law["pmf"], q), abs=1e-9)


def _satellite_path(tmp_path):
    f = tmp_path / "mixed.yaml"
    f.write_text(MIXED)
    net = io.load(f)
    ph = _Physics(net)
    figs = [ph.link("alice", "r1"), ph.link("r1", "bob")]
    return f, net, [x[0] for x in figs], [x[1] for x in figs]


def test_fiber_plus_satellite_path_is_finite_and_matches_monte_carlo(tmp_path):
    _, net, ps, taus = _satellite_path(tmp_path)
    assert min(ps) < 1e-5 < 0.1 < max(ps)  # a slow satellite edge beside a fast fiber edge
    # the old global-horizon grid: ~ n max_l(K_l tau_l) / min_l tau_l points (1.7e9 here)
    assert max(link_rounds(p, 2, 1e-13) * t for p, t in zip(ps, taus)) / min(taus) > 1e8
    mean = expected_path_time_s(ps, taus)
    assert path_figures(net, ["alice", "r1", "bob"])["expected_time_s"] == pytest.approx(mean)
    cs = [0.0, 1e-4]
    with_offsets = max_plus_delivery_time_s(ps, taus, cs)
    rng = np.random.default_rng(20261207)
    n = 200_000
    g = [t * rng.geometric(p, n).astype(float) for p, t in zip(ps, taus)]
    for got, sample in ((mean, np.maximum(*g)), (with_offsets, np.maximum(g[0] + cs[0], g[1] + cs[1]))):
        assert math.isfinite(got)
        assert abs(sample.mean() - got) <= K * sample.std() / math.sqrt(n)
    sample = np.maximum(g[0] + cs[0], g[1] + cs[1])
    for q in (0.5, 0.9):  # the sample's quantile within the binomial spread of the crossing
        spread = K * math.sqrt(q * (1 - q) / n)
        lo, hi = np.quantile(sample, [q - spread, q + spread], method="inverted_cdf")
        assert lo <= max_plus_quantile(ps, taus, cs, q) <= hi


def test_qnet_network_graph_with_a_satellite_edge_prints_the_rate(tmp_path, capsys):
    f, _, ps, taus = _satellite_path(tmp_path)
    assert main(["network", "--graph", str(f), "--route", "alice", "bob", "--json"]) == 0
    (r,) = json.loads(capsys.readouterr().out)["requests"][0]["routes"]
    assert r["expected_time_s"] == pytest.approx(expected_path_time_s(ps, taus), rel=1e-12)
    assert r["rate_hz"] == pytest.approx(1.0 / r["expected_time_s"])
    assert main(["network", "--graph", str(f), "--route", "alice", "bob"]) == 0
    assert f"rate {1.0 / r['expected_time_s']:.4g} Hz" in capsys.readouterr().out


def test_too_many_points_is_one_clear_error():
    with pytest.raises(ValueError, match="grid points"):
        max_plus_law([1e-7, 0.5], [1.0, 2.0], [0.0, 0.0], max_points=1000)
    with pytest.raises(ValueError, match="grid points"):
        max_plus_mean([1e-7, 1e-7], [1.0, 2.0], [0.0, 0.0], max_points=1000)
    with pytest.raises(ValueError, match="offsets_s"):
        max_plus_law([0.5], [1.0], [-1.0])
