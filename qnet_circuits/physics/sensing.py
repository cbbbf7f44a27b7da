"""GHZ-based distributed sensing: parity signals and estimator variances (reference section 12)."""

from __future__ import annotations

import math

from qnet_circuits.physics._checks import _count, _finite, _prob, _prob_open_low
from qnet_circuits.physics.states import validate_bell_diagonal

__all__ = [
    "ghz_dephased_variance",
    "ghz_parity",
    "heisenberg_variance",
    "network_ghz_contrast",
    "pair_parity_factor",
    "parity_estimator_moments",
    "parity_estimator_variance",
    "product_dephased_variance",
    "sensing_advantage",
    "sensing_crossover",
    "sql_variance",
]

# ---------------------------------------------------------------------------------------------
# 12. GHZ-based distributed sensing
# ---------------------------------------------------------------------------------------------


def ghz_parity(n: int, phi: float) -> float:
    """Parity ``<X^{(x)N}> = cos(N phi)`` of an N-qubit GHZ state after phase phi per qubit.

    >>> round(ghz_parity(2, 0.1), 6)
    0.980067
    """
    nn = _count("n", n, minimum=1)
    return math.cos(nn * _finite("phi", phi))


def heisenberg_variance(n: int, nu: int = 1) -> float:
    """Heisenberg-limit phase variance ``1/(nu N^2)`` (rad^2).

    >>> heisenberg_variance(4)
    0.0625
    """
    return 1.0 / (_count("nu", nu, minimum=1) * _count("n", n, minimum=1) ** 2)


def sql_variance(n: int, nu: int = 1) -> float:
    """Standard-quantum-limit phase variance ``1/(nu N)`` (rad^2).

    >>> sql_variance(4)
    0.25
    """
    return 1.0 / (_count("nu", nu, minimum=1) * _count("n", n, minimum=1))


def parity_estimator_variance(n: int, phi: float, contrast: float = 1.0, nu: int = 1) -> float:
    """Variance of the GHZ parity estimator with contrast C:
    ``(1 - C^2 cos^2 N phi) / (nu C^2 N^2 sin^2 N phi)`` (rad^2).

    >>> parity_estimator_variance(4, math.pi / 8, 0.5)
    0.25
    """
    nn = _count("n", n, minimum=1)
    c = _prob("contrast", contrast)
    k = _count("nu", nu, minimum=1)
    x = nn * _finite("phi", phi)
    s2 = math.sin(x) ** 2
    if c == 0.0 or s2 < 1e-300:
        raise ValueError(
            "parity_estimator_variance: the parity is insensitive here (contrast 0 or "
            "sin(N phi) = 0); choose phi with N phi away from multiples of pi"
        )
    return (1.0 - c * c * math.cos(x) ** 2) / (k * c * c * nn * nn * s2)


def ghz_dephased_variance(n: int, coherence: float, nu: int = 1) -> float:
    """Best GHZ variance ``1/(nu (lambda^N N)^2)`` with per-qubit coherence lambda.

    >>> round(ghz_dephased_variance(4, 0.99), 5)
    0.06773
    """
    nn = _count("n", n, minimum=1)
    la = _prob_open_low("coherence", coherence)
    return 1.0 / (_count("nu", nu, minimum=1) * (la**nn * nn) ** 2)


def product_dephased_variance(n: int, coherence: float, nu: int = 1) -> float:
    """Product-state variance ``1/(nu lambda^2 N)`` with per-qubit coherence lambda.

    >>> round(product_dephased_variance(4, 0.99), 5)
    0.25508
    """
    nn = _count("n", n, minimum=1)
    la = _prob_open_low("coherence", coherence)
    return 1.0 / (_count("nu", nu, minimum=1) * la * la * nn)


# ---------------------------------------------------------------------------------------------
# 12b. GHZ from network Bell pairs: contrast, finite-repetition variance, crossover
# ---------------------------------------------------------------------------------------------


def pair_parity_factor(coefficients) -> float:
    """Factor ``A + C - B - D`` a Bell-diagonal link pair puts on the GHZ parity ``<X^{(x)N}>``
    (Werner: ``(4F - 1)/3``): the pair's I and X parts keep the parity of the fused GHZ state,
    its Y and Z parts flip it (X errors commute with ``X^{(x)N}``; CNOT fusion keeps Pauli type).

    >>> round(pair_parity_factor((0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3)), 6)
    0.866667
    """
    a, b, c, d = validate_bell_diagonal(coefficients, name="coefficients")
    return a + c - b - d


def network_ghz_contrast(links, coherence: float = 1.0) -> float:
    """Parity contrast ``lambda^N prod_j (A_j + C_j - B_j - D_j)`` of an N-node GHZ state fused
    from the N - 1 chain ``links`` (Bell-diagonal coefficient tuples) whose N sensor qubits each
    keep coherence ``lambda`` (memory dephasing during distribution: ``exp(-t/T2)``).

    >>> round(network_ghz_contrast([(1, 0, 0, 0)] * 3, 0.9), 6)
    0.6561
    """
    la = _prob("coherence", coherence)
    out = la ** (len(links) + 1)
    for link in links:
        out *= pair_parity_factor(link)
    return out


def _log_binom_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + k * math.log(p) + (n - k) * math.log1p(-p))


def parity_estimator_moments(n: int, total_phase: float, contrast: float, nu: int) -> tuple[float, float]:
    """Exact mean and variance (rad, rad^2) of ``phi_hat = arccos(clip(P_hat / C)) / N`` from
    ``nu`` parity shots with ``P = C cos(total_phase)`` (sum over the binomial distribution;
    ``phi_hat`` estimates ``total_phase / N``; the delta method gives
    :func:`parity_estimator_variance` as nu grows).

    >>> m, v = parity_estimator_moments(2, math.pi / 2, 1.0, 400)
    >>> round(m, 4), round(v * 400 * 4, 2)
    (0.7854, 1.0)
    """
    nn = _count("n", n, minimum=1)
    c = _prob("contrast", contrast)
    k = _count("nu", nu, minimum=1)
    if c == 0.0:
        raise ValueError("parity_estimator_moments: contrast 0 carries no phase information")
    p_even = 0.5 * (1.0 + c * math.cos(_finite("total_phase", total_phase)))
    mean = second = 0.0
    for m in range(k + 1):
        w = math.exp(_log_binom_pmf(m, k, p_even))
        if w == 0.0:
            continue
        g = math.acos(max(-1.0, min(1.0, (2.0 * m / k - 1.0) / c))) / nn
        mean += w * g
        second += w * g * g
    return mean, max(second - mean * mean, 0.0)


def sensing_advantage(n: int, link_factor: float, coherence: float = 1.0) -> float:
    """Variance ratio ``Var_independent / Var_GHZ = N C_N^2`` at the best operating points, for
    an N-node GHZ from N - 1 equal links (parity factor q each) with per-sensor coherence lambda
    (``C_N = lambda^N q^(N-1)``) against N noiseless independent sensors (``1/(nu N)``).

    >>> sensing_advantage(4, 1.0)
    4.0
    """
    nn = _count("n", n, minimum=1)
    q = _real_unit("link_factor", link_factor)
    c = _prob("coherence", coherence) ** nn * q ** (nn - 1)
    return nn * c * c


def sensing_crossover(link_factor: float, coherence: float = 1.0, max_nodes: int = 10_000) -> int | None:
    """The crossover N: the smallest N >= 2 from which on GHZ sensing never beats independent
    sensors (``sensing_advantage(M) <= 1`` for every M >= N); 2 when it never helps; None when it
    still helps at ``max_nodes``. ``log`` of the advantage ``N lambda^(2N) q^(2N-2)`` is concave
    in N, so once it is past its peak and <= 1 it stays there.

    >>> sensing_crossover(0.9), sensing_crossover(0.8), sensing_crossover(0.7)
    (14, 5, 2)
    >>> sensing_crossover(1.0) is None
    True
    """
    top = _count("max_nodes", max_nodes, minimum=2)
    last_win = 1
    r = sensing_advantage(2, link_factor, coherence)
    for nn in range(2, top + 1):
        nxt = sensing_advantage(nn + 1, link_factor, coherence)
        if r > 1.0:
            last_win = nn
        elif nxt <= r:
            return last_win + 1
        r = nxt
    return None


def _real_unit(name: str, value: float) -> float:
    x = _finite(name, value)
    if not -1.0 <= x <= 1.0:
        raise ValueError(f"{name} must lie in [-1, 1], got {value!r}")
    return x
