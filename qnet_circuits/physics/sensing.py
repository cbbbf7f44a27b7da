"""GHZ-based distributed sensing: parity signals and estimator variances (reference section 12)."""

from __future__ import annotations

import math

from qnet_circuits.physics._checks import _count, _finite, _prob, _prob_open_low

__all__ = [
    "ghz_dephased_variance",
    "ghz_parity",
    "heisenberg_variance",
    "parity_estimator_variance",
    "product_dephased_variance",
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
