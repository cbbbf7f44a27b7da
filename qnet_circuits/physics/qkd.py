"""CHSH, QBER and key rates of entanglement-based QKD (reference section 8)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from qnet_circuits.physics._checks import _finite, _prob, _werner_param
from qnet_circuits.physics.link import raw_heralded_state
from qnet_circuits.physics.states import validate_bell_diagonal, werner_w

if TYPE_CHECKING:
    from qnet_circuits.network import Link

__all__ = [
    "TSIRELSON_BOUND",
    "binary_entropy",
    "chsh_max_bell_diagonal",
    "chsh_werner",
    "correlation_matrix_bell_diagonal",
    "intercept_resend_chsh",
    "intercept_resend_qber",
    "key_rate_bbm92",
    "key_rate_di",
    "qber_bell_diagonal",
    "qber_werner",
    "source_correlations",
]

# ---------------------------------------------------------------------------------------------
# 8. CHSH, QBER and key rates
# ---------------------------------------------------------------------------------------------

TSIRELSON_BOUND = 2.0 * math.sqrt(2.0)


def chsh_werner(w: float) -> float:
    """CHSH value ``S = 2 sqrt(2) w`` of a Werner state at the optimal settings.

    >>> round(chsh_werner(0.8), 5)
    2.26274
    """
    return TSIRELSON_BOUND * _werner_param("w", w)


def correlation_matrix_bell_diagonal(coeffs: Sequence[float]) -> tuple[float, float, float]:
    """Diagonal correlations ``(<XX>, <YY>, <ZZ>)`` of a Bell-diagonal state.

    ``tx = A-B+C-D``, ``ty = -A-B+C+D``, ``tz = A-B-C+D``.

    >>> tuple(round(x, 6) for x in correlation_matrix_bell_diagonal((0.9, .05, .03, .02)))
    (0.86, -0.9, 0.84)
    """
    a, b, c, d = validate_bell_diagonal(coeffs)
    return (a - b + c - d, -a - b + c + d, a - b - c + d)


def chsh_max_bell_diagonal(coeffs: Sequence[float]) -> float:
    """Maximal CHSH value (Horodecki): ``2 sqrt(t1^2 + t2^2)`` over the two largest ``|t_i|``.

    >>> round(chsh_max_bell_diagonal((0.85, 0, 0, 0.15)), 6)
    2.441311
    """
    t = sorted((abs(x) for x in correlation_matrix_bell_diagonal(coeffs)), reverse=True)
    return 2.0 * math.sqrt(t[0] ** 2 + t[1] ** 2)


def qber_werner(w: float) -> float:
    """QBER ``(1 - w)/2`` of a Werner state in either basis.

    >>> round(qber_werner(0.8), 12)
    0.1
    """
    return (1.0 - _werner_param("w", w)) / 2.0


def qber_bell_diagonal(coeffs: Sequence[float]) -> tuple[float, float]:
    """QBERs ``(Q_Z, Q_X) = (B + C, B + D)`` of a Bell-diagonal pair measured ZZ and XX.

    >>> qber_bell_diagonal((0.85, 0.05, 0.07, 0.03))
    (0.12000000000000001, 0.08)
    """
    a, b, c, d = validate_bell_diagonal(coeffs)
    return (b + c, b + d)


def binary_entropy(p: float) -> float:
    """Binary entropy ``h(p) = -p log2 p - (1-p) log2(1-p)`` in bits (h(0) = h(1) = 0).

    >>> binary_entropy(0.5)
    1.0
    """
    x = _prob("p", p)
    if x in (0.0, 1.0):
        return 0.0
    return -x * math.log2(x) - (1.0 - x) * math.log2(1.0 - x)


def key_rate_bbm92(q_z: float, q_x: float | None = None) -> float:
    """Asymptotic BBM92/BB84 (Shor-Preskill) key rate per sifted bit: ``1 - h(Q_Z) - h(Q_X)``,
    clipped at 0. ``q_x`` defaults to ``q_z``.

    >>> round(key_rate_bbm92(0.05), 6)
    0.427206
    """
    qz = _prob("q_z", q_z)
    qx = qz if q_x is None else _prob("q_x", q_x)
    return max(0.0, 1.0 - binary_entropy(qz) - binary_entropy(qx))


def key_rate_di(qber: float, s: float) -> float:
    """Device-independent key rate (Acin et al. 2007, collective attacks), clipped at 0:
    ``1 - h(Q) - h((1 + sqrt((S/2)^2 - 1))/2)``; 0 for ``S <= 2``; S above 2 sqrt(2) (shot
    noise) is clipped to 2 sqrt(2).

    >>> round(key_rate_di(0.05, 2.545584), 6)
    0.22495
    """
    q = _prob("qber", qber)
    sv = _finite("s", s)
    if not -4.0 <= sv <= 4.0:
        raise ValueError(f"s must be a CHSH value in [-4, 4], got {sv}")
    if sv <= 2.0:
        return 0.0
    sv = min(sv, TSIRELSON_BOUND)
    x = (1.0 + math.sqrt((sv / 2.0) ** 2 - 1.0)) / 2.0
    return max(0.0, 1.0 - binary_entropy(q) - binary_entropy(min(x, 1.0)))


def intercept_resend_chsh(w: float = 1.0) -> float:
    """CHSH value at the standard settings when Eve measures Bob's qubit in a random Z/X
    basis and resends: ``sqrt(2) w`` (source Werner parameter ``w``).

    >>> round(intercept_resend_chsh(0.9), 6)
    1.272792
    """
    return math.sqrt(2.0) * _werner_param("w", w)


def intercept_resend_qber(w: float = 1.0) -> float:
    """QBER (either basis) under random-basis Z/X intercept-resend: ``(2 - w)/4``.

    >>> intercept_resend_qber(0.9)
    0.275
    """
    return (2.0 - _werner_param("w", w)) / 4.0


_XX = np.kron([[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]])
_ZZ = np.diag([1.0, -1.0, -1.0, 1.0])


def source_correlations(fidelity: float | None, link: Link | None) -> tuple[float, float]:
    """Closed-form ``(<XX>, <ZZ>)`` of a QKD source pair (reference section 2).

    A Werner pair of ``fidelity`` gives ``(w, w)`` with ``w = (4F - 1)/3``; with ``fidelity=None``
    the pair is ``link``'s heralded state, after the X on b that maps Psi+ to Phi+ (which keeps
    <XX> and flips the sign of <ZZ>; the midpoint scheme already delivers Phi+).

    >>> source_correlations(0.97, None)
    (0.96, 0.96)
    """
    if fidelity is not None:
        w = werner_w(fidelity)
        return w, w
    if link is None:
        raise ValueError("give a source fidelity (Werner source) or a link (heralded source)")
    _p, rho = raw_heralded_state(link)
    xx = float(np.real(np.trace(rho @ _XX)))
    zz = float(np.real(np.trace(rho @ _ZZ)))
    return xx, (zz if link.scheme == "midpoint" else -zz)
