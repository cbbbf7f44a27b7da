"""physics.chain_expected: the expected chain fidelity with memory T1/T2 against brute-force sums
over the joint herald times (the scheduler's own timeline functions), the two-link dephasing
formula (section 10), the ideal-memory chain (section 4) and the per-realization formula against
Aer's density matrix; cutoff for two links; the approximate (blocked) mode."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.physics.chain_expected import (
    chain_fidelity_from_waits,
    expected_chain_fidelity,
    pair_correlations,
    pair_correlations_werner,
    swap_noise_factors,
)
from qnet_circuits.timeline import ChainGeometry, chain_timeline

STRATEGIES = ("sequential", "nested", "asap")


def brute_force(corr, p, delays, t1, t2, strategy, factors, kmax, cutoff=None):
    """Sum over all attempt counts <= kmax of every link (tau = 1) with the timeline module."""
    n = len(corr)
    geo = ChainGeometry(tuple([1.0] * n), tuple(delays))
    ks = np.array(list(itertools.product(range(1, kmax + 1), repeat=n)), dtype=float)
    pr = np.prod([p[i] * (1 - p[i]) ** (ks[:, i] - 1) for i in range(n)], axis=0)
    if cutoff is not None:  # two links: the older memory must be used before the cutoff
        pr = pr * (np.abs(ks[:, 0] - ks[:, 1]) < cutoff - 1e-9)
    tl = chain_timeline(ks, geo, strategy)
    f = np.array([chain_fidelity_from_waits(corr, tl.left_wait_s[r], tl.right_wait_s[r], t1, t2,
                                            factors) for r in range(len(ks))])
    return float((pr * f).sum() / pr.sum())


def random_chain(rng, n):
    corr = [tuple(rng.uniform(0.5, 1.0, 3)) + tuple(rng.uniform(-0.3, 0.3, 2)) for _ in range(n)]
    p = list(rng.uniform(0.45, 0.7, n))
    delays = np.concatenate([[0.0], np.cumsum(rng.uniform(0.0, 0.8, n))]).tolist()
    t1 = list(rng.uniform(3.0, 10.0, n + 1))
    t2 = [min(2 * a, b) for a, b in zip(t1, rng.uniform(2.0, 8.0, n + 1), strict=True)]
    factors = [swap_noise_factors(0.05, 0.02)] * (n - 1)
    return corr, p, delays, t1, t2, factors


@pytest.mark.parametrize("n,kmax", [(2, 60), (3, 36)])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_matches_brute_force_sum_over_herald_times(n, kmax, strategy):
    rng = np.random.default_rng(100 * n + STRATEGIES.index(strategy))
    corr, p, delays, t1, t2, factors = random_chain(rng, n)
    exact = expected_chain_fidelity(corr, p, 1.0, delays, t1, t2, strategy, factors)
    assert exact["method"] == "exact"
    # truncation of the brute-force sum: every link beyond kmax attempts has mass < n q^kmax
    assert exact["fidelity"] == pytest.approx(brute_force(corr, p, delays, t1, t2, strategy,
                                                          factors, kmax), abs=1e-8)


def test_four_links_brute_force_all_strategies():
    rng = np.random.default_rng(7)
    corr, p, delays, t1, t2, factors = random_chain(rng, 4)
    p = [0.7, 0.65, 0.75, 0.7]
    for strategy in STRATEGIES:
        exact = expected_chain_fidelity(corr, p, 1.0, delays, t1, t2, strategy, factors)
        assert exact["fidelity"] == pytest.approx(
            brute_force(corr, p, delays, t1, t2, strategy, factors, 18), abs=1e-7)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_two_links_equal_the_two_link_dephasing_formula(strategy):
    for p, r, w in [(0.5, 0.01, 0.9), (0.1, 0.003, 0.8), (0.9, 0.2, 1.0)]:
        corr = pair_correlations_werner((3 * w + 1) / 4)
        out = expected_chain_fidelity([corr] * 2, [p] * 2, 1.0, [0.0] * 3, [math.inf] * 3,
                                      [1 / r] * 3, strategy)
        assert out["fidelity"] == pytest.approx(physics.two_link_expected_fidelity(p, r, w=w),
                                                abs=1e-12)


def test_ideal_memories_equal_the_bell_diagonal_chain():
    coeffs = [(0.9, 0.05, 0.03, 0.02), (0.85, 0.1, 0.0, 0.05), (0.95, 0.0, 0.05, 0.0)]
    corr = [pair_correlations(physics.bell_diagonal_density_matrix(c)) for c in coeffs]
    for strategy in STRATEGIES:
        out = expected_chain_fidelity(corr, [0.2] * 3, 1e-3, [0.0, 1e-4, 2e-4, 3e-4],
                                      [math.inf] * 4, [math.inf] * 4, strategy,
                                      [swap_noise_factors(0.03, 0.01)] * 2)
        ref = physics.chain_bell_diagonal(coeffs, 0.03, 0.01)[0]
        assert out["fidelity"] == pytest.approx(ref, abs=1e-12)


def test_waits_formula_equals_relaxed_swapped_density_matrix():
    # one link: the formula is the storage fidelity of a relaxed Werner pair (section 7)
    f = chain_fidelity_from_waits([pair_correlations_werner(0.925)], [0.3], [0.2], [1.0, 2.0],
                                  [1.5, 1.0])
    assert f == pytest.approx(physics.storage_fidelity(0.3, 0.2, 1.0, 1.5, 2.0, 1.0, w=0.9),
                              abs=1e-12)


def test_two_link_cutoff_conditions_on_no_discard():
    """Conditioning the no-cutoff process on no discard is exact only for a cutoff of one cycle:
    beyond, a partner heralding at the very instant of a discard is kept, so the restart is not a
    fresh race (the Markov chain of the event loop, tests/physics/test_chain_cutoff_oracle.py,
    checks the event loop itself)."""
    rng = np.random.default_rng(3)
    corr, p, delays, t1, t2, _ = random_chain(rng, 2)
    delays = [round(4 * d) / 4 for d in delays]  # on the oracle's grid (tau / 4)
    for strategy in STRATEGIES:
        out = expected_chain_fidelity(corr, p, 1.0, delays, t1, t2, strategy, cutoff_s=1.0)
        assert out["method"] == "exact"
        ref = brute_force(corr, p, delays, t1, t2, strategy, None, 60, 1.0)
        assert out["fidelity"] == pytest.approx(ref, abs=1e-9)
    out = expected_chain_fidelity(corr, p, 1.0, delays, t1, t2, "asap", cutoff_s=3.0)
    assert abs(out["fidelity"] - brute_force(corr, p, delays, t1, t2, "asap", None, 60, 3.0)) > 1e-4
    assert expected_chain_fidelity(corr, p, 1.0, delays, t1, t2, "asap",
                                   cutoff_s=2.5)["method"] == "exact"  # on a grid of tau / 2
    out = expected_chain_fidelity(corr * 2, p * 2, 1.0, [0.0] * 5, [1.0] * 5, [1.0] * 5, "asap",
                                  cutoff_s=2.0)
    assert out["method"] == "exact" and 0.25 < out["fidelity"] < 1.0


@pytest.mark.parametrize("strategy,n,p", [("sequential", 5, 3e-4), ("nested", 5, 3e-4),
                                          ("asap", 4, 0.04)])
def test_large_lattices_use_blocks_with_an_error_estimate(strategy, n, p, monkeypatch):
    from qnet_circuits.physics import chain_expected as cf

    args = ([pair_correlations_werner(0.95)] * n, [p] * n, 1.0, [0.3 * k for k in range(n + 1)],
            [20 / p] * (n + 1), [10 / p] * (n + 1), strategy)
    out = expected_chain_fidelity(*args)
    assert out["method"] == "approx" and out["block"] > 1
    assert 0.0 < out["approx_error"] < 2e-3
    monkeypatch.setattr(cf, "MAX_LATTICE_CELLS", 10**10)  # force the exact lattice
    exact = expected_chain_fidelity(*args)
    assert exact["method"] == "exact"
    assert abs(exact["fidelity"] - out["fidelity"]) <= out["approx_error"]


def test_bad_input_names_the_field():
    corr = [pair_correlations_werner(0.9)] * 2
    with pytest.raises(ValueError, match="strategy"):
        expected_chain_fidelity(corr, [0.5] * 2, 1.0, [0.0] * 3, [1.0] * 3, [1.0] * 3, "fast")
    with pytest.raises(ValueError, match="p must be"):
        expected_chain_fidelity(corr, [0.0] * 2, 1.0, [0.0] * 3, [1.0] * 3, [1.0] * 3, "asap")
    with pytest.raises(ValueError, match="one entry per node"):
        expected_chain_fidelity(corr, [0.5] * 2, 1.0, [0.0] * 2, [1.0] * 3, [1.0] * 3, "asap")
    with pytest.raises(ValueError, match="swap_factors"):
        expected_chain_fidelity(corr, [0.5] * 2, 1.0, [0.0] * 3, [1.0] * 3, [1.0] * 3, "asap",
                                swap_factors=[])


def test_module_does_not_shadow_physics_chain_fidelity():
    import qnet_circuits.physics.chain_expected  # noqa: F401

    assert callable(physics.chain_fidelity)


@pytest.mark.parametrize("f_link,t2,expected", [
    (1.0, 10e-3, 0.53744), (1.0, 0.1, 0.73477), (1.0, 1.0, 0.94965), (1.0, 10.0, 0.99447),
    (0.95, 1.0, 0.85947), (0.95, math.inf, 0.90333),
])
def test_reference_worked_example_two_50km_links(f_link, t2, expected):
    # physics-reference section 10: p = 4.5e-3, tau = 250 us, each memory waits tau for its herald
    p, tau = 4.5e-3, 250e-6
    rho = physics.bell_diagonal_density_matrix(physics.werner_coefficients(f_link))
    rho = physics.relax_density_matrix(rho, 0, tau, math.inf, t2)
    rho = physics.relax_density_matrix(rho, 1, tau, math.inf, t2)
    out = expected_chain_fidelity([pair_correlations(rho)] * 2, [p] * 2, tau, [0.0] * 3,
                                  [math.inf] * 3, [t2] * 3, "asap")
    assert out["method"] == "exact"
    assert round(out["fidelity"], 5) == expected
