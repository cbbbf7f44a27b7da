"""Argument checks shared by the closed forms: a bad value raises ValueError naming it."""

from __future__ import annotations

import math

import numpy as np

_TOL = 1e-9

# ---------------------------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------------------------


def _real(name: str, value: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if math.isnan(x):
        raise ValueError(f"{name} must be a real number, got NaN")
    return x


def _finite(name: str, value: float) -> float:
    x = _real(name, value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def _nonneg(name: str, value: float, allow_inf: bool = False) -> float:
    x = _real(name, value) if allow_inf else _finite(name, value)
    if x < 0:
        raise ValueError(f"{name} must be >= 0, got {x}; pass a non-negative value")
    return x


def _positive(name: str, value: float, allow_inf: bool = False) -> float:
    x = _real(name, value) if allow_inf else _finite(name, value)
    if x <= 0:
        raise ValueError(f"{name} must be > 0, got {x}; pass a positive value")
    return x


def _prob(name: str, value: float) -> float:
    x = _finite(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {x}")
    return x


def _prob_open_low(name: str, value: float) -> float:
    """Probability in (0, 1] (a success probability that has to be non-zero)."""
    x = _prob(name, value)
    if x == 0.0:
        raise ValueError(f"{name} must be > 0 (a success probability of 0 never succeeds)")
    return x


def _fidelity(name: str, value: float) -> float:
    x = _finite(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be a fidelity in [0, 1], got {x}")
    return x


def _werner_param(name: str, value: float) -> float:
    x = _finite(name, value)
    if not -1.0 / 3.0 - _TOL <= x <= 1.0 + _TOL:
        raise ValueError(
            f"{name} must be a Werner parameter in [-1/3, 1] (fidelity in [0, 1]), got {x}"
        )
    return min(max(x, -1.0 / 3.0), 1.0)


def _count(name: str, value: int, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)
