"""The exact chain oracle with a cutoff and the delivery-time law (issue 13 item 6).

Checks: the Markov chain of the event loop against brute-force enumeration of the geometric
attempts (no cutoff), against a closed form derived by hand (two links, cutoff = tau), against the
event loop itself (k standard errors, fixed seeds); the delivery-time pmf against brute force and
the published mean ``(3 - 2p) / (p (2 - p))`` (Shchukin, Schmidt, van Loock, PRA 100, 032322
(2019), two segments, deterministic swaps), and against sampled histograms (chi-square).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from qnet_circuits.physics.chain_cutoff import cutoff_chain_oracle, grid_denominator
from qnet_circuits.physics.chain_delivery import delivery_quantile, delivery_time_distribution
from qnet_circuits.physics.chain_expected import (
    chain_fidelity_from_waits,
    expected_chain_fidelity,
    pair_correlations_werner,
)
from qnet_circuits.timeline import ChainGeometry, chain_timeline, chain_timeline_cutoff

CORR = [(0.9, 0.85, 0.95, 0.1, -0.05), (0.92, 0.9, 0.97, -0.08, 0.12),
        (0.88, 0.86, 0.9, 0.05, 0.0), (0.91, 0.9, 0.93, 0.02, -0.03)]
INF = math.inf


def _brute(n, p, hop, strategy, m_max):
    """E[F] and the delivery pmf by enumerating every attempt count up to ``m_max``."""
    g = ChainGeometry.uniform(n, 1.0, hop)
    grid = np.array(list(itertools.product(range(1, m_max + 1), repeat=n)), dtype=float)
    w = np.prod(p * (1 - p) ** (grid - 1), axis=1)
    tl = chain_timeline(grid, g, strategy)
    f = [chain_fidelity_from_waits(CORR[:n], tl.left_wait_s[r], tl.right_wait_s[r],
                                   [7.0] * (n + 1), [5.0] * (n + 1)) for r in range(len(w))]
    return float(np.dot(w, f) / w.sum()), tl.delivery_s, w


@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
@pytest.mark.parametrize("hop", [0.0, 1.0])
def test_no_cutoff_oracle_matches_brute_force(strategy, hop):
    f_brute, _, _ = _brute(2, 0.6, hop, strategy, 60)
    nd = [hop * k for k in range(3)]
    out = cutoff_chain_oracle(CORR[:2], [0.6] * 2, 1.0, nd, [7.0] * 3, [5.0] * 3, strategy)
    assert out["fidelity"] == pytest.approx(f_brute, abs=1e-9)


@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
def test_lattice_dp_ties_match_brute_force(strategy):
    """Audit "D6": ties (two links heralding in the same attempt) in the lattice DP: exact."""
    for hop in (0.0, 0.5, 1.0):
        f_brute, _, _ = _brute(3, 0.6, hop, strategy, 40)
        out = expected_chain_fidelity(CORR[:3], [0.6] * 3, 1.0, [hop * k for k in range(4)],
                                      [7.0] * 4, [5.0] * 4, strategy)
        assert out["fidelity"] == pytest.approx(f_brute, abs=1e-10)


@pytest.mark.parametrize("p", [0.3, 0.5, 0.8])
def test_two_links_cutoff_one_cycle_closed_form(p):
    """cutoff = tau: from 'both attempting', E[T] = (1 + 2p) / p^2 cycles (derived in
    :mod:`qnet_circuits.physics.chain_cutoff`); every delivered pair waited 0."""
    w = [pair_correlations_werner(0.9)] * 2
    out = cutoff_chain_oracle(w, [p] * 2, 1.0, [0.0] * 3, [1.0] * 3, [1.0] * 3, "asap",
                              cutoff_s=1.0)
    assert out["mean_delivery_time_s"] == pytest.approx((1 + 2 * p) / p**2, rel=1e-9)
    assert out["fidelity"] == pytest.approx((1 + 3 * ((4 * 0.9 - 1) / 3) ** 2) / 4, abs=1e-12)


def _event_loop(n, p, hop, strategy, cutoff, realizations, seed):
    rng = np.random.default_rng(seed)

    def gen(i, t):
        k = int(rng.geometric(p))
        return t + k, k, k

    tl = chain_timeline_cutoff(gen, ChainGeometry.uniform(n, 1.0, hop), strategy, cutoff,
                               realizations)
    f = np.array([chain_fidelity_from_waits(CORR[:n], tl.left_wait_s[r], tl.right_wait_s[r],
                                            [7.0] * (n + 1), [5.0] * (n + 1))
                  for r in range(realizations)])
    return f, tl.delivery_s


@pytest.mark.parametrize("n, strategy, hop, cutoff, seed", [
    (2, "sequential", 0.0, 2.0, 11), (2, "asap", 1.0, 3.0, 1234),
    (3, "asap", 1.0, 3.0, 98765), (3, "sequential", 1.0, 4.0, 5550), (3, "nested", 0.0, 2.5, 77),
])
def test_cutoff_oracle_matches_event_loop(n, strategy, hop, cutoff, seed):
    nd = [hop * k for k in range(n + 1)]
    out = cutoff_chain_oracle(CORR[:n], [0.4] * n, 1.0, nd, [7.0] * (n + 1), [5.0] * (n + 1),
                              strategy, cutoff_s=cutoff)
    f, t = _event_loop(n, 0.4, hop, strategy, cutoff, 4000, seed)
    k = 4.0
    assert abs(f.mean() - out["fidelity"]) < k * f.std(ddof=1) / math.sqrt(f.size)
    assert abs(t.mean() - out["mean_delivery_time_s"]) < k * t.std(ddof=1) / math.sqrt(t.size)
    # the whole law: chi-square of the sampled histogram against the pmf
    _chi_square(t, out["delivery_times_s"], out["delivery_pmf"])


def _chi_square(samples, times, pmf, alpha=1e-4):
    """Pooled bins with >= 5 expected counts; p-value above ``alpha`` (fixed seeds)."""
    edges, expected, acc, lo = [], [], 0.0, 0
    for i, q in enumerate(pmf):
        acc += q
        if acc * samples.size >= 5 and (1.0 - np.cumsum(pmf)[i]) * samples.size >= 5:
            edges.append(times[i])
            expected.append(acc)
            acc = 0.0
            lo = i
    expected.append(acc)
    del lo
    idx = np.searchsorted(np.asarray(edges) + 1e-9, samples)
    observed = np.bincount(idx, minlength=len(expected))
    chi = stats.chisquare(observed, np.asarray(expected) * samples.size / sum(expected))
    assert chi.pvalue > alpha


def test_delivery_law_matches_brute_force_and_published_mean():
    for p in (0.3, 0.7):
        d = delivery_time_distribution([p, p], [0.0, 0.0], 1.0)
        assert d["mean_s"] == pytest.approx((3 - 2 * p) / (p * (2 - p)), rel=1e-12)
    for strategy, hop in (("sequential", 1.0), ("asap", 0.5), ("nested", 1.0)):
        _, t, w = _brute(3, 0.6, hop, strategy, 40)
        from qnet_circuits.protocols.chain.theory import classical_offsets

        offs = classical_offsets(ChainGeometry.uniform(3, 1.0, hop), strategy)
        d = delivery_time_distribution([0.6] * 3, offs, 1.0)
        for x, q in zip(d["times_s"][:30], d["pmf"][:30], strict=True):
            assert q == pytest.approx(w[np.isclose(t, x)].sum(), abs=1e-12)


@pytest.mark.parametrize("strategy, seed", [("sequential", 3), ("nested", 40404), ("asap", 9)])
def test_delivery_law_matches_sampled_histogram(strategy, seed):
    from qnet_circuits.protocols.chain.theory import classical_offsets

    g = ChainGeometry.uniform(6, 1.0, 0.5)
    rng = np.random.default_rng(seed)
    ready = rng.geometric(0.3, size=(20000, 6)).astype(float)
    t = chain_timeline(ready, g, strategy).delivery_s
    d = delivery_time_distribution([0.3] * 6, classical_offsets(g, strategy), 1.0)
    _chi_square(t, d["times_s"], d["pmf"])
    for q in (0.5, 0.9):
        assert delivery_quantile(d["times_s"], d["pmf"], q) == pytest.approx(
            float(np.quantile(t, q, method="inverted_cdf")), abs=1.0)


def test_grid_and_bad_input():
    assert grid_denominator(1.0, [3.0, 0.5]) == 2
    assert grid_denominator(1.0, [math.pi]) is None
    with pytest.raises(ValueError, match="multiples of tau"):
        cutoff_chain_oracle(CORR[:2], [0.5] * 2, 1.0, [0.0, 0.1, 0.2], [INF] * 3, [INF] * 3,
                            "asap", cutoff_s=math.pi)
    with pytest.raises(ValueError, match="p must be in"):
        delivery_time_distribution([0.0], [0.0], 1.0)
    with pytest.raises(ValueError, match="q must be"):
        delivery_quantile([1.0], [1.0], 0.0)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_mean_waiting_time_of_parallel_links(n):
    """Shchukin, Schmidt, van Loock, PRA 100, 032322 (2019): deterministic swaps, no cutoff,
    ``E[K_n] = sum_k (-1)^(k+1) C(n, k) / (1 - q^k)``; for n = 2, ``(3 - 2p) / (p (2 - p))``."""
    for p in (0.1, 0.5):
        q = 1 - p
        ref = sum((-1) ** (k + 1) * math.comb(n, k) / (1 - q**k) for k in range(1, n + 1))
        d = delivery_time_distribution([p] * n, [0.0] * n, 1.0)
        assert d["mean_s"] == pytest.approx(ref, rel=1e-10)


def test_a_closed_set_of_states_without_delivery_is_found_before_any_solve():
    """A state set the chain cannot leave and never delivers from makes ``I - P`` singular and the
    delivery-time law never decay (spsolve returns NaN, and the pmf loop ran forever): the
    reachability check sees it exactly, and a chain where every state can deliver passes."""
    from scipy import sparse

    from qnet_circuits.physics.chain_cutoff import _every_state_can_deliver

    # 0 -> 1 (delivers) or 0 -> 2 <-> 3 (closed, never delivers)
    stuck = sparse.csr_matrix(([0.5, 0.5, 1.0, 1.0], ([0, 0, 2, 3], [1, 2, 3, 2])), shape=(4, 4))
    assert not _every_state_can_deliver(stuck, np.array([0.0, 1.0, 0.0, 0.0]))
    # the same chain with a leak from 3 back to 0: every state reaches 1
    leaky = sparse.csr_matrix(([0.5, 0.5, 1.0, 0.5, 0.5], ([0, 0, 2, 3, 3], [1, 2, 3, 2, 0])),
                              shape=(4, 4))
    assert _every_state_can_deliver(leaky, np.array([0.0, 1.0, 0.0, 0.0]))
