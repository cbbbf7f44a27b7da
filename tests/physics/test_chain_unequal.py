"""``physics.chain_unequal``: E[F] of a chain whose links have unequal cycle times, no cutoff.
Equal cycle times give the existing exact oracle to 1e-10; unequal (commensurate and
incommensurate) ones give the brute-force sum over every tuple of attempt counts through the
scheduler's own timeline; the size limit is one clear error."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qnet_circuits.physics.chain_expected import (
    chain_fidelity_from_waits,
    expected_chain_fidelity,
    pair_correlations_werner,
    swap_noise_factors,
)
from qnet_circuits.physics.chain_unequal import unequal_chain_fidelity
from qnet_circuits.timeline import ChainGeometry, chain_timeline

STRATEGIES = ("sequential", "nested", "asap")
# generic stored pairs: unequal XX, -YY, ZZ and local Z (amplitude damping matters)
CORR = [(0.8, 0.75, 0.85, 0.05, -0.03), (0.9, 0.85, 0.9, -0.02, 0.04), (0.85, 0.8, 0.88, 0.0, 0.02),
        (0.95, 0.9, 0.93, 0.01, 0.0)]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_equal_cycle_times_reproduce_the_exact_oracle(n, strategy):
    rng = np.random.default_rng(100 * n + STRATEGIES.index(strategy))
    corr = [CORR[i % 4] for i in range(n)]
    p = list(rng.uniform(0.2, 0.7, n))
    delays = list(np.cumsum([0.0, *rng.uniform(0.0, 3e-4, n)]))
    t1, t2 = list(rng.uniform(5e-3, 2e-2, n + 1)), list(rng.uniform(2e-3, 1e-2, n + 1))
    factors = [swap_noise_factors(0.02, 0.01)] * (n - 1)
    ref = expected_chain_fidelity(corr, p, 1e-3, delays, t1, t2, strategy, factors)
    assert ref["method"] == "exact"
    got = unequal_chain_fidelity(corr, p, [1e-3] * n, delays, t1, t2, strategy, factors)
    assert got["method"] == "exact" and got["mass_dropped"] < 1e-14
    assert got["fidelity"] == pytest.approx(ref["fidelity"], abs=1e-10)


def _brute_force(corr, p, taus, delays, t1, t2, strategy, factors, kmax):
    """Sum over every count tuple up to ``kmax``: the scheduler's timeline, then F of its waits."""
    n = len(p)
    ks = np.array(list(itertools.product(range(1, kmax + 1), repeat=n)), dtype=float)
    w = np.prod([p[i] * (1 - p[i]) ** (ks[:, i] - 1) for i in range(n)], axis=0)
    tl = chain_timeline(ks * np.array(taus)[None, :], ChainGeometry(tuple(taus), tuple(delays)),
                        strategy)
    f = np.array([chain_fidelity_from_waits(corr, tl.left_wait_s[r], tl.right_wait_s[r], t1, t2,
                                            factors) for r in range(w.size)])
    return float(np.dot(w, f) / w.sum()), 1.0 - float(w.sum())


@pytest.mark.parametrize("taus,kmax", [
    ([1.0, math.sqrt(2)], 60),                   # incommensurate
    ([1.0, 2.0, 1.0], 22),                       # commensurate (20 / 40 / 20 km)
    ([1.0, 1.5, 0.7], 22),
    ([1.0, math.pi / 2, 1.0, math.e / 2], 11),   # four links: nested differs from sequential
])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_unequal_cycle_times_equal_the_brute_force_sum(taus, kmax, strategy):
    n = len(taus)
    p = [0.6, 0.7, 0.65, 0.8][:n] if n < 4 else [0.85, 0.9, 0.85, 0.9]
    delays = list(np.cumsum([0.0, 0.3, 0.45, 0.2, 0.35][:n + 1]))
    t1, t2 = [8.0, 5.0, 12.0, 9.0, 7.0][:n + 1], [4.0, 3.0, 6.0, 5.0, 4.5][:n + 1]
    factors = [swap_noise_factors(0.02, 0.01)] * (n - 1)
    ref, dropped = _brute_force(CORR[:n], p, taus, delays, t1, t2, strategy, factors, kmax)
    got = unequal_chain_fidelity(CORR[:n], p, taus, delays, t1, t2, strategy, factors)
    assert dropped < 1e-7
    assert got["fidelity"] == pytest.approx(ref, abs=4 * dropped + 1e-12)


def test_unequal_cycle_times_change_the_answer():
    corr = [pair_correlations_werner(0.97)] * 3
    args = ([0.3] * 3, [0.0, 1e-4, 2e-4, 3e-4], [4e-3] * 4, [2e-3] * 4, "asap")
    equal = unequal_chain_fidelity(corr, args[0], [1e-4] * 3, *args[1:])["fidelity"]
    slow = unequal_chain_fidelity(corr, args[0], [1e-4, 2e-4, 1e-4], *args[1:])["fidelity"]
    assert slow < equal - 0.01  # the 40 km link keeps the others waiting


def test_blocks_of_attempts_beyond_the_work_limit():
    corr = [pair_correlations_werner(0.97)] * 3
    args = (corr, [0.1, 0.05, 0.1], [1e-4, 2e-4, 1e-4], [0.0, 1e-4, 3e-4, 4e-4], [5e-2] * 4,
            [2e-2] * 4, "asap")
    exact = unequal_chain_fidelity(*args)
    assert exact["method"] == "exact" and exact["block"] == 1
    approx = unequal_chain_fidelity(*args, max_work=2_000_000)
    assert approx["method"] == "approx" and approx["block"] > 1
    assert 0 < abs(approx["fidelity"] - exact["fidelity"]) <= approx["approx_error"] < 0.01


def test_size_limit_is_one_clear_error():
    corr = [pair_correlations_werner(0.97)] * 4
    with pytest.raises(ValueError, match="lattice cells even with blocks.*raise p"):
        unequal_chain_fidelity(corr, [1e-9] * 4, [1.0, 2.0, 1.0, 3.0], [0.0] * 5, [1.0] * 5,
                               [1.0] * 5, "asap", max_work=10_000)
    with pytest.raises(ValueError, match="cycle_time_s"):
        unequal_chain_fidelity(corr, [0.5] * 4, [1.0, 2.0], [0.0] * 5, [1.0] * 5, [1.0] * 5,
                               "asap")
