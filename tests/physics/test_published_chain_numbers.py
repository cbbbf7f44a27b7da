"""The repeater-chain oracles against the published waiting-time and fidelity results (issue 13
item 6; the mappings and the differences are derived in docs/chain-papers.md).

* Shchukin, Schmidt, van Loock, PRA 100, 032322 (2019), arXiv:1710.06214: two segments
  ``K = (3 - 2p) / (a p (2 - p))`` and the four-segment doubling formula (the paper's eq. (64),
  numbered so by the public code of Mor-Ruiz et al., arXiv:2502.04450, zenodo 14824315, which
  transcribes it; the number was not checked against the paper's text), for every swap
  probability ``a`` against :func:`qnet_circuits.physics.chain.doubling_expected_time`, and at
  ``a = 1`` against the scheduler's delivery-time law for every strategy.
* Brand, Coopmans, Elkouss, IEEE JSAC 38, 619 (2020), arXiv:1912.07688: their level recursion
  (``T = max(T_A, T_B)``, ``w = w_A w_B exp(-|t_A - t_B| / T_coh)``, ``p_swap = 1``), written
  here independently, against the nested chain oracle with ``T2 = 2 T_coh``.
* Three segments, asap, repeater memories dephasing: a closed form derived here against the
  asap oracle and a direct sum.
* Two segments with a memory cutoff: the closed form of the project's semantics (derived in
  docs/chain-papers.md) against the exact cutoff oracle, and the step-model closed form of
  Luong et al. / Kamin et al. (a stored qubit waits at most ``m`` steps) against a sampled
  simulation of that model; the two differ by one attempt per discard.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.physics.chain import doubling_expected_time
from qnet_circuits.physics.chain_cutoff import cutoff_chain_oracle
from qnet_circuits.physics.chain_delivery import delivery_time_distribution
from qnet_circuits.physics.chain_exact import mean_delivery_time
from qnet_circuits.physics.chain_expected import expected_chain_fidelity, pair_correlations_werner
from qnet_circuits.protocols.chain.theory import classical_offsets
from qnet_circuits.timeline import STRATEGIES, ChainGeometry
from tests.physics.helpers import printed

INF = math.inf


def shchukin_two_segments(p: float, a: float) -> float:
    """Mean waiting time (attempts) of two segments, swap success ``a``."""
    return (3.0 - 2.0 * p) / (a * p * (2.0 - p))


def shchukin_four_segments(p: float, a: float) -> float:
    """Mean waiting time (attempts) of four segments, doubling, swap success ``a`` (a failed
    swap discards the two pairs it consumed); Shchukin et al. eq. (64), regrouped."""
    num = (3.0 * (3.0 - 2.0 * p) ** 2 * (2.0 * p * p - 3.0 * p + 2.0)
           - a * (20 * p**5 - 72 * p**4 + 93 * p**3 - 53 * p**2 + 10 * p + 4)
           + 2.0 * a * a * p**4 * (p - 1.0) * (2.0 * p - 3.0))
    den = (a * a * p * (2.0 - p) * (3.0 - (a + 2.0) * p + a * p * p)
           * (4.0 - 6.0 * p + 4.0 * p * p - a * p**3))
    return num / den


@pytest.mark.parametrize("a", [0.2, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("p", [0.05, 0.3, 0.7, 1.0])
def test_shchukin_two_and_four_segments_any_swap_probability(p, a):
    assert doubling_expected_time(1, p, a) == pytest.approx(shchukin_two_segments(p, a), rel=1e-10)
    assert doubling_expected_time(2, p, a) == pytest.approx(shchukin_four_segments(p, a),
                                                            rel=1e-10)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_shchukin_deterministic_swaps_equal_the_scheduler_law(p):
    """a = 1: every strategy of the scheduler (zero classical delay) delivers at the last herald,
    so its exact delivery law has the published mean for 2 and 4 segments (and, for 3, the
    a = 1 value of every three-segment scheme: the mean of the largest of 3 geometrics)."""
    q = 1.0 - p
    three = 3.0 / p - 3.0 / (1.0 - q * q) + 1.0 / (1.0 - q**3)  # E[max of 3 geometric]
    for n, ref in ((2, shchukin_two_segments(p, 1.0)), (3, three),
                   (4, shchukin_four_segments(p, 1.0))):
        assert mean_delivery_time([p] * n, [0.0] * n, 1.0) == pytest.approx(ref, rel=1e-10)
        for strategy in STRATEGIES:
            offs = classical_offsets(ChainGeometry.uniform(n, 1.0, 0.0), strategy)
            d = delivery_time_distribution([p] * n, offs, 1.0)
            assert d["mean_s"] == pytest.approx(ref, rel=1e-10)


def test_shchukin_four_segments_printed_values():
    """The values of physics-reference section 10 (p = 0.1, 0.01; a = 1, 0.5) to their digits."""
    for p, a, text in ((0.1, 1.0, "20.2734"), (0.1, 0.5, "84.8176"), (0.01, 1.0, "207.790"),
                       (0.01, 0.5, "864.882")):
        assert shchukin_four_segments(p, a) == printed(text)


def _brand_levels(p: float, w0: float, t_coh: float, levels: int, trunc: int):
    """Brand et al.'s recursion with p_swap = 1 on attempts ``0..trunc``: per level the pmf of
    ``T`` and the joint moment ``E[w; T = t]``; returns (pmf, moment, dropped mass)."""
    t = np.arange(trunc + 1)
    pmf = np.where(t >= 1, p * (1.0 - p) ** np.maximum(t - 1, 0), 0.0)
    mom = w0 * pmf
    for _ in range(levels):
        tt = np.maximum.outer(t, t)
        decay = np.exp(-np.abs(np.subtract.outer(t, t)) / t_coh)
        pmf = np.bincount(tt.ravel(), np.outer(pmf, pmf).ravel(), minlength=trunc + 1)
        mom = np.bincount(tt.ravel(), (np.outer(mom, mom) * decay).ravel(), minlength=trunc + 1)
    return pmf, mom, 1.0 - pmf.sum()


@pytest.mark.parametrize("levels, p, t_coh", [(1, 0.3, 5.0), (2, 0.3, 5.0), (2, 0.6, 1.5)])
def test_brand_recursion_equals_the_nested_oracle(levels, p, t_coh):
    """Their Werner parameter is the product of the links' w and of exp(-|t_A - t_B| / T_coh) per
    swap; in the project the earlier segment's two end memories wait |t_A - t_B| each, so with
    T1 = inf and T2 = 2 T_coh the X correlation of every realization is the same number, and
    ``E[w] = (4 E[F] - 1 - w0^N) / 2`` (Z is untouched by dephasing)."""
    n, w0 = 2**levels, 0.95
    pmf, mom, dropped = _brand_levels(p, w0, t_coh, levels, 160)
    assert dropped < 1e-13
    out = expected_chain_fidelity([pair_correlations_werner((3 * w0 + 1) / 4)] * n, [p] * n, 1.0,
                                  [0.0] * (n + 1), [INF] * (n + 1), [2 * t_coh] * (n + 1),
                                  "nested")
    assert out["method"] == "exact"
    assert (4 * out["fidelity"] - 1 - w0**n) / 2 == pytest.approx(mom.sum(), abs=1e-10)
    d = delivery_time_distribution([p] * n, [0.0] * n, 1.0)
    k = d["cycles"].astype(int)
    assert np.allclose(d["pmf"][k <= 160], pmf[k[k <= 160]], atol=1e-14, rtol=0)


def _brand_time_samples(p, levels, comm, size, rng):
    """Brand et al.'s Monte Carlo time recursion (p_swap = 1): ``T_k = max(T_A, T_B) + comm[k-1]``."""
    t = rng.geometric(p, size=(size, 2**levels)).astype(float)
    for k in range(levels):
        t = np.maximum(t[:, 0::2], t[:, 1::2]) + comm[k]
    return t[:, 0]


@pytest.mark.parametrize("levels, seed", [(2, 8080), (3, 123457)])
def test_brand_communication_time_maps_to_hop_delays(levels, seed):
    """Their per-level communication time ``c_k = 2^(k-1) h`` gives the project's nested delivery
    law with hop delay ``h`` (offsets ``(2^n - 1) h`` for every link); their decoherence during
    ``c_k`` (all four input memories) does not map: see docs/chain-papers.md."""
    n, h, p = 2**levels, 0.25, 0.4
    offs = classical_offsets(ChainGeometry.uniform(n, 1.0, h), "nested")
    assert offs == pytest.approx([(n - 1) * h] * n, abs=1e-12)
    d = delivery_time_distribution([p] * n, offs, 1.0)
    t = _brand_time_samples(p, levels, [h * 2**k for k in range(levels)], 100_000,
                            np.random.default_rng(seed))
    assert abs(t.mean() - d["mean_s"]) < 4.5 * t.std(ddof=1) / math.sqrt(t.size)
    assert np.isin(np.round(t, 9), np.round(d["times_s"], 9)).all()
    for x, q in zip(d["times_s"][:6], d["pmf"][:6], strict=True):
        hits = np.count_nonzero(np.isclose(t, x))
        assert abs(hits - q * t.size) < 4.5 * math.sqrt(q * (1 - q) * t.size)


def project_two_link_cutoff(p: float, m: int, x: float) -> tuple[float, float]:
    """Mean delivery time (attempts) and ``E[x^D]`` (D: attempts the early pair waited) of two
    links, zero classical delay, cutoff ``m tau`` with the scheduler's semantics (a wait of
    exactly the cutoff is discarded; the discarded link restarts at that instant; a partner
    heralding then is kept). States: F both attempting, S one pair just stored."""
    q = 1.0 - p
    hold = q ** (m - 1)  # partner failed the m - 1 attempts that may still swap
    # E_F = 1 + q^2 E_F + 2pq E_S ;  E_S = (1 - q^m)/p + hold (p E_S + q E_F)
    mat = np.array([[1 - q * q, -2 * p * q], [-hold * q, 1 - hold * p]])
    e_f, _ = np.linalg.solve(mat, [1.0, (1.0 - q**m) / p])
    gain = sum(p * q ** (j - 1) * x**j for j in range(1, m))
    l_f, _ = np.linalg.solve(mat, [p * p, gain])
    return float(e_f), float(l_f)


def step_model_two_segment_cutoff(p: float, m: int, x: float) -> tuple[float, float]:
    """The same for the step model of Luong et al. (2016) / Kamin et al. (2023): a stored qubit
    waits at most ``m`` steps; then both segments restart together in the next step."""
    q = 1.0 - p
    e_f = (1.0 + 2.0 * q * (1.0 - q**m)) / (1.0 - q * q - 2.0 * p * q ** (m + 1))
    gain = sum(p * q ** (j - 1) * x**j for j in range(1, m + 1))
    l_f = (p * p + 2 * p * q * gain) / (1.0 - q * q - 2.0 * p * q ** (m + 1))
    return e_f, l_f


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("m", [1, 2, 4])
def test_project_cutoff_closed_form_equals_the_oracle(p, m):
    t2, w = 6.0, 0.9
    x = math.exp(-2.0 / t2)
    mean, lam = project_two_link_cutoff(p, m, x)
    out = cutoff_chain_oracle([pair_correlations_werner((3 * w + 1) / 4)] * 2, [p] * 2, 1.0,
                              [0.0] * 3, [INF] * 3, [t2] * 3, "asap", cutoff_s=float(m))
    assert out["mean_delivery_time_s"] == pytest.approx(mean, rel=1e-10)
    assert out["fidelity"] == pytest.approx((1 + w * w + 2 * w * w * lam) / 4, abs=1e-10)
    if m == 1:
        assert mean == pytest.approx((1 + 2 * p) / p**2, rel=1e-12)
    step_mean, _ = step_model_two_segment_cutoff(p, m, x)
    assert mean > step_mean  # one attempt lost per discard


def _sample_step_model(p, m, x, size, seed, lost_attempt=False):
    """Direct simulation of the step model: per realization (delivery step, x^D).
    ``lost_attempt``: the discarded segment's first attempt after a discard always fails."""
    rng = np.random.default_rng(seed)
    t = np.zeros(size)
    val = np.zeros(size)
    alive = np.ones(size, dtype=bool)
    age = np.full(size, -1)  # -1: nothing stored; else steps the stored qubit has waited
    lost = np.zeros(size, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += 1
        a = rng.random(idx.size) < p
        b = (rng.random(idx.size) < p) & ~lost[idx]  # b: the segment discarded last step
        lost[idx] = False
        stored = age[idx] >= 0
        done = np.where(stored, a, a & b)  # stored: only the missing segment attempts
        val[idx[done]] = np.where(stored[done], x ** (age[idx[done]] + 1), 1.0)
        one = ~stored & (a ^ b)
        age[idx[one]] = 0
        keep = stored & ~done
        age[idx[keep]] += 1
        gone = idx[keep & (age[idx] >= m)]
        age[gone] = -1  # waited m steps: discarded, both restart
        lost[gone] = lost_attempt
        alive[idx[done]] = False
    return t, val


@pytest.mark.parametrize("p, m, seed", [(0.3, 2, 2718), (0.6, 3, 31415)])
def test_step_model_closed_form_matches_its_simulation(p, m, seed):
    x = math.exp(-0.4)
    mean, lam = step_model_two_segment_cutoff(p, m, x)
    t, val = _sample_step_model(p, m, x, 40_000, seed)
    k = 4.5
    assert abs(t.mean() - mean) < k * t.std(ddof=1) / math.sqrt(t.size)
    assert abs(val.mean() - lam) < k * val.std(ddof=1) / math.sqrt(val.size)
    assert step_model_two_segment_cutoff(p, 10_000, x)[0] == pytest.approx(
        shchukin_two_segments(p, 1.0), rel=1e-12)


@pytest.mark.parametrize("p, m, seed", [(0.3, 2, 60221), (0.6, 1, 1618)])
def test_project_cutoff_is_the_step_model_with_one_lost_attempt(p, m, seed):
    """The oracle at cutoff (m + 1) tau against the step model with m waiting steps in which the
    discarded segment's first attempt always fails (sampled); the plain step model is off."""
    t2, w = 6.0, 0.9
    x = math.exp(-2.0 / t2)
    out = cutoff_chain_oracle([pair_correlations_werner((3 * w + 1) / 4)] * 2, [p] * 2, 1.0,
                              [0.0] * 3, [INF] * 3, [t2] * 3, "asap", cutoff_s=float(m + 1))
    t, val = _sample_step_model(p, m, x, 40_000, seed, lost_attempt=True)
    f = (1 + w * w + 2 * w * w * val) / 4
    k = 4.5
    assert abs(t.mean() - out["mean_delivery_time_s"]) < k * t.std(ddof=1) / math.sqrt(t.size)
    assert abs(f.mean() - out["fidelity"]) < k * f.std(ddof=1) / math.sqrt(f.size)
    t0, _ = _sample_step_model(p, m, x, 40_000, seed)
    assert abs(t0.mean() - out["mean_delivery_time_s"]) > k * t0.std(ddof=1) / math.sqrt(t0.size)


def three_segment_asap_dephasing(p: float, y: float) -> float:
    """``E[y^(|R_1 - R_2| + |R_2 - R_3|)]``: three segments, swaps as soon as possible, zero
    classical delay, only the two repeaters' memories dephasing (``y = exp(-tau / T2)``; the end
    nodes measure at once). Given ``R_2 = r`` the two waits are independent with
    ``E[y^|R - r|] = a y^r + b q^(r-1)``; summing over ``r`` gives three geometric series."""
    q = 1.0 - p
    a = p / (y - q)
    b = p * (1.0 / (1.0 - q * y) - y / (y - q))
    return p * (a * a * y * y / (1.0 - q * y * y) + 2.0 * a * b * y / (1.0 - q * q * y)
                + b * b / (1.0 - q**3))


@pytest.mark.parametrize("p, t2", [(0.3, 4.0), (0.5, 1.5), (0.8, 10.0)])
def test_three_segment_asap_dephasing_closed_form(p, t2):
    """The closed form (derived here) against the asap oracle with T2 = inf at the end nodes, and
    against a direct sum over the three herald counts."""
    y = math.exp(-1.0 / t2)
    ref = three_segment_asap_dephasing(p, y)
    out = expected_chain_fidelity([pair_correlations_werner(1.0)] * 3, [p] * 3, 1.0, [0.0] * 4,
                                  [INF] * 4, [INF, t2, t2, INF], "asap")
    assert out["method"] == "exact"
    assert 2.0 * out["fidelity"] - 1.0 == pytest.approx(ref, abs=1e-10)
    k = np.arange(1, 120)
    w = p * (1.0 - p) ** (k - 1)
    dist = y ** np.abs(np.subtract.outer(k, k))
    assert float(np.einsum("i,j,l,ij,jl->", w, w, w, dist, dist)) == pytest.approx(ref, abs=1e-12)
    assert three_segment_asap_dephasing(p, 1.0 - 1e-15) == pytest.approx(1.0, abs=1e-9)
