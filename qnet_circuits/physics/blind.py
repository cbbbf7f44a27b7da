"""Blind quantum computation: the 3-qubit line and trap detection (reference section 11), and the
closed forms for UBQC with traps over a noisy link (beyond section 11).

**Link model.** Each of the client's qubits reaches the server by teleportation over a Werner
pair of fidelity F, so the server holds ``w rho + (1 - w) I/2`` with ``w = (4F - 1)/3``
(reference section 6): a depolarizing channel, i.e. the identity with probability
(1 + 3w)/4 and each of X, Y, Z with probability (1 - w)/4, independently per qubit.

**Trap outcomes under noise (derivation).** A trap t holds ``Z^{D_t}|+_theta>`` (D_t: xor of
the bits of its dummy neighbours) and is measured at ``theta + (r + D_t) pi``, so the honest
outcome is b = r. Noise flips it through (i) the trap's own depolarization:
``w |+_theta><+_theta| + (1 - w) I/2`` gives the wrong outcome with probability (1 - w)/2 for
every theta, E[(-1)^flip] = w; (ii) an X or Y on a dummy neighbour (its bit d flips,
so the CZ applies Z^(d xor 1) instead of Z^d): probability (1 - w)/2, E[(-1)^flip] = w. Z on a
dummy and everything on computation qubits leave the trap alone (traps are isolated). With
T traps and support ``A_t = {t} union dummies(t)``, the flips are independent, so

    P(all traps pass) = E prod_t (1 + (-1)^{e_t})/2 = 2^-T sum_{S subset traps} w^{|xor_{t in S} A_t|}

(the xor is the symmetric difference: a qubit shared by an even number of traps in S cancels).
For one trap with k dummy neighbours: (1 + w^(k+1))/2.

**Deviations.** An attack on trap t multiplies every term containing t by g_t:
misreport or Z before the measurement: g = -1 (always detected alone); X: the trap's state
|+_theta'> becomes |+_-theta'>, flipped with probability sin^2(theta'), so g = cos(2 theta)
(theta' = theta + D pi); Y ~ XZ: flipped with probability cos^2(theta'), g = -cos(2 theta).
Averaged over the 8 angles g = 0, i.e. detection 1/2.

**The 3-qubit line under link noise (derivation).** Qubit 3 (Z-measured output): a Z is
harmless; an X = X_3 Z_2 after the CZs flips m_3 and b_2 together, so out = m_3 xor s_2 is
unchanged. Qubit 2: Z flips b_2, hence out (P -> 1 - P); X (or Y) turns theta_2 into -theta_2,
i.e. adds 2 theta_2 (uniform on multiples of pi/2) to the implemented angle, and the average of
sin(phi_2 + k pi/2) over k is 0: P -> 1/2. Qubit 1: Z flips b_1, the client then uses the wrong
sign for phi_2: P -> (1 - sin phi1 sin phi2)/2; X or Y randomizes phi_1 the same way: 1/2. Each
noisy qubit therefore multiplies c = sin phi1 sin phi2 by p_I - p_Z = (1 + 3w)/4 - (1 - w)/4 = w
(the X and Y terms average to 0 over theta):

    P(out = 0) = (1 + w^2 sin phi1 sin phi2)/2,   w = (4F - 1)/3.

(Not the teleportation fidelity (2F + 1)/3 = (1 + w)/2 per qubit: that is the probability of a
correct single-qubit outcome; the +-1 correlation c shrinks by 2 (1 + w)/2 - 1 = w.) Checked
exactly by enumerating the 16 Pauli errors on qubits 1, 2 and the 64 (theta_1, theta_2).

>>> [round(line_p0_link(math.pi / 2, math.pi / 2, f), 6) for f in (1.0, 0.85)]
[1.0, 0.82]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from qnet_circuits.physics._checks import _count, _finite

__all__ = [
    "detection_given_hit",
    "line_p0_link",
    "link_w",
    "single_attack_detection",
    "trap_detection_probability",
    "trap_pass_probability",
    "ubqc_line_p0",
]

# ---------------------------------------------------------------------------------------------
# 11. Blind quantum computation
# ---------------------------------------------------------------------------------------------


def ubqc_line_p0(phi1: float, phi2: float) -> float:
    """P(output 0) of the 3-qubit UBQC line measured at phi1, phi2 (radians):
    ``(1 + sin(phi1) sin(phi2))/2``.

    >>> round(ubqc_line_p0(math.pi / 2, math.pi / 4), 6)
    0.853553
    """
    f1 = _finite("phi1", phi1)
    f2 = _finite("phi2", phi2)
    return (1.0 + math.sin(f1) * math.sin(f2)) / 2.0


def trap_detection_probability(n_positions: int, runs: int) -> float:
    """Detection probability ``1 - (1 - 1/N)^k`` of the one-trap toy model after k runs.

    >>> round(trap_detection_probability(5, 10), 4)
    0.8926
    """
    n = _count("n_positions", n_positions, minimum=1)
    k = _count("runs", runs)
    return 1.0 - (1.0 - 1.0 / n) ** k


def link_w(link_fidelity: float | None) -> float:
    """Depolarizing parameter w = (4F - 1)/3 of a state teleported over a Werner-F pair
    (1 for an ideal link, ``None``).

    >>> link_w(0.85)
    0.8
    """
    if link_fidelity is None:
        return 1.0
    f = float(link_fidelity)
    if not 0.25 <= f <= 1.0:
        raise ValueError(f"link_fidelity must be in [0.25, 1], got {link_fidelity!r}")
    return round((4 * f - 1) / 3, 15)


def line_p0_link(phi1: float, phi2: float, link_fidelity: float | None = None) -> float:
    """P(out = 0) of the 3-qubit UBQC line when every qubit crosses a Werner-F link:
    ``(1 + w^2 sin phi1 sin phi2)/2`` with w = (4F - 1)/3 (derivation in the module docstring).
    """
    w = link_w(link_fidelity)
    return (1 + w * w * math.sin(phi1) * math.sin(phi2)) / 2


def trap_pass_probability(
    supports: Sequence[Iterable[int]], w: float, signs: Sequence[float] | None = None
) -> float:
    """P(every trap passes) = 2^-T sum_S prod_{t in S} g_t w^{|xor_{t in S} A_t|}.

    Args:
        supports: for each trap, the qubits whose depolarization flips it (the trap and its
            dummy neighbours).
        w: per-qubit depolarizing parameter (1 = noiseless).
        signs: g_t per trap (1 none, -1 Z or misreport, cos(2 theta) for X or Y); default all 1.

    >>> trap_pass_probability([{0, 1, 2}], 0.8)   # one trap, two dummies: (1 + w^3)/2
    0.756
    """
    sets = [frozenset(s) for s in supports]
    t = len(sets)
    if not 0.0 <= w <= 1.0:
        raise ValueError(f"w must be in [0, 1], got {w!r}")
    g = [1.0] * t if signs is None else [float(x) for x in signs]
    if len(g) != t:
        raise ValueError("signs must have one entry per trap")
    if t > 20:
        raise ValueError(f"at most 20 traps for the exact sum, got {t}")
    total = 0.0
    for mask in range(1 << t):
        sym: frozenset[int] = frozenset()
        coeff = 1.0
        for k in range(t):
            if mask >> k & 1:
                sym = sym ^ sets[k]
                coeff *= g[k]
        if coeff:
            total += coeff * w ** len(sym)
    return round(total / (1 << t), 15)


def detection_given_hit(attack: str, theta: float | None = None) -> float:
    """Probability that a trap hit by ``attack`` fails (noiseless): 1 for ``"z"`` and
    ``"misreport"``; sin^2(theta) for ``"x"``, cos^2(theta) for ``"y"``; 1/2 for both averaged
    over the 8 angles (theta=None).

    >>> detection_given_hit("x"), detection_given_hit("z")
    (0.5, 1.0)
    """
    if attack in ("z", "misreport"):
        return 1.0
    if attack in ("x", "y"):
        if theta is None:
            return 0.5
        return math.sin(theta) ** 2 if attack == "x" else math.cos(theta) ** 2
    raise ValueError(f"attack must be one of x, y, z, misreport, got {attack!r}")


def single_attack_detection(attack: str, n_traps: int, n_positions: int) -> float:
    """Noiseless detection probability of one run whose server attacks one uniformly chosen
    position out of ``n_positions`` measured ones, with ``n_traps`` traps placed independently
    of the attack: ``n_traps / n_positions * detection_given_hit(attack)``. With one trap this
    is the toy model's 1/N (reference section 11)."""
    if n_positions < 1 or not 0 <= n_traps <= n_positions:
        raise ValueError("need n_positions >= 1 and 0 <= n_traps <= n_positions")
    return n_traps / n_positions * detection_given_hit(attack)
