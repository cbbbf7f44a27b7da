"""Repeater chains: waiting times and delivered fidelity (reference section 10)."""

from __future__ import annotations

import math

import numpy as np

from qnet_circuits.physics._checks import _TOL, _count, _finite, _nonneg, _prob, _prob_open_low, _werner_param

__all__ = [
    "doubling_expected_time",
    "expected_max_geometric",
    "pauli_chain_fidelity",
    "three_halves_rule",
    "two_link_expected_fidelity",
    "two_link_expected_time",
    "two_link_mean_abs_difference",
    "two_link_mean_dephasing",
]

# ---------------------------------------------------------------------------------------------
# 10. Repeater chains: waiting time and delivered fidelity
# ---------------------------------------------------------------------------------------------


def expected_max_geometric(n: int, p: float) -> float:
    """``E[max]`` of n iid Geometric(p) variables (support 1, 2, ...), in attempts.

    Inclusion-exclusion ``sum_j C(n,j) (-1)^(j+1) / (1 - (1-p)^j)`` for n <= 20, otherwise
    the direct sum ``sum_k [1 - (1 - q^k)^n]``.

    >>> round(expected_max_geometric(4, 0.1), 6)
    20.273378
    """
    nn = _count("n", n, minimum=1)
    pp = _prob_open_low("p", p)
    q = 1.0 - pp
    if nn <= 20:
        return math.fsum(
            math.comb(nn, j) * (-1) ** (j + 1) / -math.expm1(j * math.log1p(-pp))
            if pp < 1.0
            else math.comb(nn, j) * (-1) ** (j + 1)
            for j in range(1, nn + 1)
        )
    if pp == 1.0:
        return 1.0
    kmax = int(math.ceil((math.log(1e-18) - math.log(nn)) / math.log(q))) + 1
    if kmax > 50_000_000:
        raise ValueError(f"p={pp} is too small for n={nn} > 20; use n <= 20 or a larger p")
    k = np.arange(1, kmax, dtype=float)
    return 1.0 + float(np.sum(-np.expm1(nn * np.log1p(-(q**k)))))  # k = 0 term is 1


def two_link_expected_time(p: float) -> float:
    """Mean attempts until both of two links succeed: ``(3 - 2p)/(p (2 - p))``.

    >>> round(two_link_expected_time(0.1), 4)
    14.7368
    """
    x = _prob_open_low("p", p)
    return (3.0 - 2.0 * x) / (x * (2.0 - x))


def two_link_mean_abs_difference(p: float) -> float:
    """``E|N1 - N2| = 2(1-p)/(p(2-p))`` for two iid Geometric(p) link times (attempts).

    >>> round(two_link_mean_abs_difference(0.0045), 1)
    221.7
    """
    x = _prob_open_low("p", p)
    return 2.0 * (1.0 - x) / (x * (2.0 - x))


def two_link_mean_dephasing(p: float, q: float) -> float:
    """``E[q^|N1-N2|] = p/(2-p) [1 + 2q(1-p)/(1 - q(1-p))]`` (q = per-attempt coherence factor).

    >>> round(two_link_mean_dephasing(0.5, math.exp(-0.02)), 6)
    0.974111
    """
    x = _prob_open_low("p", p)
    qq = _prob("q", q)
    val = x / (2.0 - x) * (1.0 + 2.0 * qq * (1.0 - x) / (1.0 - qq * (1.0 - x)))
    return min(max(val, 0.0), 1.0)  # an average of q**k in [0, 1]; clip rounding


def pauli_chain_fidelity(W: float, Lam: float) -> float:  # noqa: N803 (names of the formula)
    """Fidelity ``(1 - W)/4 + W (1 + Lam)/2`` of a Werner-parameter-W pair with total dephasing
    factor ``Lam = exp(-sum t/T2)`` over stored qubits (all noise Pauli).

    >>> round(pauli_chain_fidelity(0.9 * 0.85, math.exp(-0.7)), 6)
    0.631194
    """
    ww = _werner_param("W", W)
    la = _finite("Lam", Lam)
    if not -1.0 - _TOL <= la <= 1.0 + _TOL:
        raise ValueError(f"Lam (dephasing factor) must be in [-1, 1], got {la}")
    la = min(max(la, -1.0), 1.0)
    return (1.0 - ww) / 4.0 + ww * (1.0 + la) / 2.0


def two_link_expected_fidelity(
    p: float,
    tau_over_t2: float,
    w: float = 1.0,
    herald_wait: bool = False,
    w_b: float | None = None,
) -> float:
    """``E[F]`` of two Werner links (``w``, ``w_b``; default equal) swapped when both are ready,
    with pure dephasing: ``(1-W)/4 + W (1 + E[Lambda])/2``, ``W = w w_b``,
    ``E[Lambda] = E[q^|N1-N2|]``, ``q = exp(-2 tau/T2)``. ``herald_wait=True`` multiplies
    Lambda by ``exp(-4 tau/T2)`` (each of the four stored qubits waits tau for its herald).

    >>> round(two_link_expected_fidelity(0.5, 0.01, w=0.9), 6)
    0.847015
    """
    r = _nonneg("tau_over_t2", tau_over_t2)
    wa = _werner_param("w", w)
    wb = wa if w_b is None else _werner_param("w_b", w_b)
    lam = two_link_mean_dephasing(p, math.exp(-2.0 * r))
    if herald_wait:
        lam *= math.exp(-4.0 * r)
    return pauli_chain_fidelity(wa * wb, lam)


def three_halves_rule(levels: int, p: float, a: float = 1.0) -> float:
    """Sangouard et al.'s approximation ``(3/2)^n / (p a^n)`` of the doubling waiting time.

    >>> three_halves_rule(2, 0.1)
    22.5
    """
    n = _count("levels", levels)
    return 1.5**n / (_prob_open_low("p", p) * _prob_open_low("a", a) ** n)


def doubling_expected_time(levels: int, p: float, a: float = 1.0) -> float:
    """Mean completion time (attempts) of the doubling scheme with 2**levels links.

    Level 0 is Geometric(p). Level n waits for two iid level-(n-1) pairs, then swaps with
    success ``a``; a failure discards both and restarts them, so
    ``K_n = E[max(T_{n-1}, T'_{n-1})] / a``. Computed exactly by distribution arithmetic on a
    grid of attempts (the renewal equation for the retries solved by FFT); the grid is doubled
    until the probability mass in its last quarter is below 1e-13.

    This is the model of Shchukin, Schmidt, van Loock, PRA 100, 032322 (2019): for two and four
    links it equals their ``K = (3 - 2p) / (a p (2 - p))`` and their four-segment closed form
    (eq. (64) as numbered by a transcription, not checked against the paper's text) to 1e-10
    for every ``a`` (tests/physics/test_published_chain_numbers.py, docs/chain-papers.md).

    >>> round(doubling_expected_time(2, 0.1, 0.5), 4)
    84.8176
    """
    n = _count("levels", levels)
    pp = _prob_open_low("p", p)
    aa = _prob_open_low("a", a)
    if n == 0:
        return 1.0 / pp
    size = 1 << max(10, math.ceil(math.log2(40.0 * three_halves_rule(n, pp, aa) + 64)))
    while True:
        pmf = _doubling_pmf(n, pp, aa, size)
        tail = math.fsum(pmf[-size // 4 :])  # mass near the grid end (and aliased by the FFT)
        if tail < 1e-13:
            lost = abs(1.0 - math.fsum(pmf))  # only rounding of the cumulative sums remains
            if lost > 1e-8:
                raise ValueError(
                    f"doubling_expected_time: lost probability {lost:.1e} for p={pp}, a={aa}, "
                    f"levels={n}; use a larger p or a, or fewer levels"
                )
            t = np.arange(size, dtype=float)
            return float(np.sum(t * pmf))
        if size >= 1 << 24:
            raise ValueError(
                f"doubling_expected_time: p={pp}, a={aa}, levels={n} need a grid beyond 2**24 "
                "attempts; use a larger p or a, or fewer levels"
            )
        size *= 2


def _doubling_pmf(levels: int, p: float, a: float, size: int) -> np.ndarray:
    t = np.arange(size, dtype=float)
    q = 1.0 - p
    with np.errstate(under="ignore"):
        cdf = np.where(t >= 1, -np.expm1(t * math.log1p(-p)) if q > 0 else 1.0, 0.0)
    pmf = np.diff(np.concatenate(([0.0], cdf)))
    for _ in range(levels):
        cdf = np.cumsum(pmf)
        cdf_max = cdf * cdf
        pmf_max = np.diff(np.concatenate(([0.0], cdf_max)))
        if a == 1.0:
            pmf = pmf_max
        else:
            fm = np.fft.rfft(pmf_max)
            pmf = np.fft.irfft(a * fm / (1.0 - (1.0 - a) * fm), n=size)
            pmf = np.where(np.abs(pmf) < 1e-18, 0.0, pmf)
    return pmf
