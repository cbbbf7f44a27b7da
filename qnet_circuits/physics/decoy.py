"""Weak-coherent-pulse BB84 with and without decoy states (Ma, Qi, Zhao, Lo, PRA 72, 012326 (2005)).

Channel model and names of Ma et al., Section II (all rates are per pulse Alice sends):

* ``eta = 10^(-alpha L / 10) eta_bob``: overall wcp_transmittance (fiber of ``alpha`` dB/km over
  ``L`` km, then Bob's optics and detector efficiency ``eta_bob``);
* ``Y_n = Y0 + 1 - (1 - eta)^n``: yield of an n-photon pulse (``Y0``: background / dark yield);
* ``e_n Y_n = e0 Y0 + e_detector (1 - (1 - eta)^n)``, ``e0 = 1/2``;
* ``Q_mu = Y0 + 1 - exp(-eta mu)`` and ``E_mu Q_mu = e0 Y0 + e_detector (1 - exp(-eta mu))``:
  gain and QBER of a Poisson(mu) pulse;
* key rate ``R = q {-Q_mu f H2(E_mu) + Q1 [1 - H2(e1)]}``, ``q = 1/2`` (BB84 sifting),
  ``Q1 = Y1 mu exp(-mu)``; ``f`` is the error-correction inefficiency.

Single-photon quantities ``(Y1, e1)`` per method: ``"none"`` (GLLP: every multi-photon pulse is
assumed detected and insecure), ``"vacuum-weak"`` (vacuum + one weak decoy of intensity ``nu``,
Ma et al. eqs. (34) and (37)) and ``"infinite"`` (the exact ``Y1``, ``e1``). The mean photon
number is optimized numerically (:func:`decoy_optimal_mu`). The preset :data:`GYS` is the Gobby-Yuan-
Shields experiment of Ma et al.'s Table I (alpha 0.21 dB/km, e_detector 3.3 %, Y0 1.7e-6,
eta_bob 4.5 %) with ``f = 1.22``.

>>> round(wcp_transmittance(50.0, GYS), 6)
0.004011
>>> r = decoy_key_rate(0.5, 50.0, GYS, "infinite")
>>> 1e-4 < r < plob(wcp_transmittance(50.0, GYS))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qnet_circuits.physics.bounds import plob
from qnet_circuits.physics.qkd import binary_entropy

# scipy (optimize, special) is imported inside the functions that use it: importing physics
# loads numpy only.

__all__ = [
    "DECOY_METHODS",
    "DecoyChannel",
    "GYS",
    "PnsAttack",
    "decoy_bounds",
    "decoy_key_rate",
    "decoy_key_rate_curve",
    "decoy_max_distance_km",
    "decoy_optimal_mu",
    "gllp_single_photon",
    "photon_number_probability",
    "plob_per_pulse",
    "pns_attack",
    "pns_gain_qber",
    "rate_from_estimates",
    "single_photon_detection",
    "single_photon_yield",
    "wcp_gain",
    "wcp_qber",
    "wcp_transmittance",
    "wcp_yield",
]

#: decoy methods: no decoys (GLLP), vacuum + weak decoy, infinitely many decoys
DECOY_METHODS = ("none", "vacuum-weak", "infinite")
#: largest mean photon number accepted (beyond it nothing physical is left to optimize)
MU_MAX = 10.0


@dataclass(frozen=True)
class DecoyChannel:
    """The experiment of Ma et al. Section II (validated).

    Attributes:
        alpha_db_per_km: fiber loss in dB/km.
        eta_bob: wcp_transmittance of Bob's optics times detector efficiency, in (0, 1].
        y0: background yield per pulse (both detectors), in [0, 1).
        e_detector: probability that a photon hits the wrong detector, in [0, 1/2].
        f: error-correction inefficiency (>= 1).
        e0: error rate of background counts (1/2).
        q: sifting factor (1/2 for BB84).
        name: preset name ("" for a custom channel).
    """

    alpha_db_per_km: float = 0.21
    eta_bob: float = 0.045
    y0: float = 1.7e-6
    e_detector: float = 0.033
    f: float = 1.22
    e0: float = 0.5
    q: float = 0.5
    name: str = ""

    def __post_init__(self) -> None:
        checks = [
            ("alpha_db_per_km", self.alpha_db_per_km, 0.0, math.inf),
            ("eta_bob", self.eta_bob, 1e-300, 1.0),
            ("y0", self.y0, 0.0, 1.0 - 1e-12),
            ("e_detector", self.e_detector, 0.0, 0.5),
            ("f", self.f, 1.0, math.inf),
            ("e0", self.e0, 0.0, 1.0),
            ("q", self.q, 1e-300, 1.0),
        ]
        for name, value, low, high in checks:
            if not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
                raise ValueError(f"{name} must be a finite number in [{low:g}, {high:g}], got {value!r}")


#: GYS (Gobby, Yuan, Shields, APL 84, 3762 (2004)) as in Ma et al. (2005) Table I, f = 1.22
GYS = DecoyChannel(0.21, 0.045, 1.7e-6, 0.033, 1.22, name="gys")


def _mu(mu: float, name: str = "mu") -> float:
    if not isinstance(mu, (int, float)) or not math.isfinite(mu) or not 0.0 < mu <= MU_MAX:
        raise ValueError(f"{name} must be a mean photon number in (0, {MU_MAX:g}], got {mu!r}")
    return float(mu)


def _length(length_km: float) -> float:
    if not isinstance(length_km, (int, float)) or not math.isfinite(length_km) or length_km < 0:
        raise ValueError(f"length_km must be a finite distance >= 0 in km, got {length_km!r}")
    return float(length_km)


def wcp_transmittance(length_km: float, ch: DecoyChannel) -> float:
    """Overall wcp_transmittance ``eta = 10^(-alpha L/10) eta_bob`` (dimensionless)."""
    return 10.0 ** (-ch.alpha_db_per_km * _length(length_km) / 10.0) * ch.eta_bob


def photon_number_probability(n: int | np.ndarray, mu: float) -> np.ndarray:
    """Poisson probability ``exp(-mu) mu^n / n!`` of ``n`` photons in a pulse of mean ``mu``."""
    n = np.asarray(n, dtype=float)
    from scipy.special import gammaln

    return np.exp(-mu + n * math.log(mu) - gammaln(n + 1.0)) if mu > 0 else (n == 0) * 1.0


def wcp_yield(n: int | np.ndarray, eta: float, ch: DecoyChannel) -> np.ndarray:
    """Yield ``Y_n = Y0 + 1 - (1 - eta)^n`` and error rate ``e_n`` of n-photon pulses.

    Returns ``(Y_n, e_n)`` as arrays (``e_0 = e0``).
    """
    eta_n = 1.0 - (1.0 - eta) ** np.asarray(n, dtype=float)
    y = ch.y0 + eta_n
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(y > 0, (ch.e0 * ch.y0 + ch.e_detector * eta_n) / np.where(y > 0, y, 1), ch.e0)
    return y, e


def wcp_gain(mu: float, eta: float, ch: DecoyChannel) -> float:
    """Gain ``Q_mu = Y0 + 1 - exp(-eta mu)`` (detections per pulse; ``mu = 0``: ``Y0``)."""
    return ch.y0 + 1.0 - math.exp(-eta * mu)


def wcp_qber(mu: float, eta: float, ch: DecoyChannel) -> float:
    """QBER ``E_mu = (e0 Y0 + e_detector (1 - exp(-eta mu))) / Q_mu``."""
    q = wcp_gain(mu, eta, ch)
    return (ch.e0 * ch.y0 + ch.e_detector * (1.0 - math.exp(-eta * mu))) / q if q > 0 else ch.e0


def single_photon_yield(eta: float, ch: DecoyChannel) -> tuple[float, float]:
    """The exact single-photon yield and error rate ``(Y1, e1)`` (infinite-decoy limit)."""
    y, e = wcp_yield(1, eta, ch)
    return float(y), float(e)


def decoy_bounds(q_mu: float, e_mu: float, q_nu: float, e_nu: float, y0: float, mu: float,
                 nu: float, e0: float = 0.5) -> tuple[float, float]:
    """Vacuum + weak decoy bounds ``(Y1^L, e1^U)`` from measured gains and QBERs.

    Ma et al. (2005) eq. (34): ``Y1^L = mu/(mu nu - nu^2) (Q_nu e^nu - Q_mu e^mu nu^2/mu^2
    - (mu^2 - nu^2)/mu^2 Y0)``; eq. (37): ``e1^U = (E_nu Q_nu e^nu - e0 Y0)/(Y1^L nu)``.
    ``Y1^L`` is clipped at 0 and ``e1^U`` to [0, 1/2] (``e1^U = 1/2`` when ``Y1^L = 0``);
    ``e_mu`` is accepted for symmetry (the bound uses the weak decoy's errors).
    """
    del e_mu
    _mu(mu)
    _mu(nu, "nu")
    if not nu < mu:
        raise ValueError(f"decoy intensity nu must be below the signal's mu, got nu={nu}, mu={mu}")
    y1 = mu / (mu * nu - nu**2) * (q_nu * math.exp(nu) - q_mu * math.exp(mu) * nu**2 / mu**2
                                   - (mu**2 - nu**2) / mu**2 * y0)
    if y1 <= 0:
        return 0.0, 0.5
    e1 = (e_nu * q_nu * math.exp(nu) - e0 * y0) / (y1 * nu)
    return y1, min(max(e1, 0.0), 0.5)


def _h2(x: float) -> float:
    return binary_entropy(min(max(x, 0.0), 1.0))


def _single_photon_estimate(mu: float, eta: float, ch: DecoyChannel, method: str,
                            nu: float) -> tuple[float, float]:
    """``(Q1, e1)`` that the key-rate formula uses for ``method``."""
    q_mu, e_mu = wcp_gain(mu, eta, ch), wcp_qber(mu, eta, ch)
    if method == "infinite":
        y1, e1 = single_photon_yield(eta, ch)
        return y1 * mu * math.exp(-mu), e1
    if method == "vacuum-weak":
        y1, e1 = decoy_bounds(q_mu, e_mu, wcp_gain(nu, eta, ch), wcp_qber(nu, eta, ch), ch.y0, mu, nu,
                              ch.e0)
        return y1 * mu * math.exp(-mu), e1
    if method == "none":  # GLLP: all multi-photon pulses detected and known to Eve
        return gllp_single_photon(q_mu, e_mu, mu)
    raise ValueError(f"decoy method must be one of {DECOY_METHODS}, got {method!r}")


def decoy_key_rate(mu: float, length_km: float, ch: DecoyChannel, method: str = "infinite",
             nu: float = 0.1) -> float:
    """Asymptotic secret-key rate per pulse ``q {-Q_mu f H2(E_mu) + Q1 [1 - H2(e1)]}``, >= 0.

    Args:
        mu: signal mean photon number.
        length_km: fiber length in km.
        ch: channel (e.g. :data:`GYS`).
        method: one of :data:`DECOY_METHODS`.
        nu: weak decoy intensity (``"vacuum-weak"`` only), below ``mu``.
    """
    _mu(mu)
    eta = wcp_transmittance(length_km, ch)
    if method == "vacuum-weak":
        _mu(nu, "nu")
        if not nu < mu:
            raise ValueError(f"decoy intensity nu must be below the signal's mu, got nu={nu}, mu={mu}")
    q1, e1 = _single_photon_estimate(mu, eta, ch, method, nu)
    return rate_from_estimates(wcp_gain(mu, eta, ch), wcp_qber(mu, eta, ch), q1, e1, ch)


def rate_from_estimates(q_mu: float, e_mu: float, q1: float, e1: float, ch: DecoyChannel) -> float:
    """``max(0, q {-Q_mu f H2(E_mu) + Q1 [1 - H2(e1)]})`` from (measured or exact) inputs.

    >>> rate_from_estimates(1e-3, 0.03, 0.0, 0.5, GYS)
    0.0
    """
    rate = ch.q * (-q_mu * ch.f * _h2(e_mu) + max(q1, 0.0) * (1.0 - _h2(e1)))
    return max(rate, 0.0)


def gllp_single_photon(q_mu: float, e_mu: float, mu: float) -> tuple[float, float]:
    """GLLP without decoys: ``Q1 = Q_mu - P_multi(mu)``, ``e1 = E_mu Q_mu / Q1`` (worst case:
    every multi-photon pulse detected); ``(0, 1/2)`` when ``Q1 <= 0``."""
    p_multi = 1.0 - math.exp(-mu) * (1.0 + mu)
    q1 = q_mu - p_multi
    if q1 <= 0:
        return 0.0, 0.5
    return q1, min(e_mu * q_mu / q1, 0.5)


def decoy_optimal_mu(length_km: float, ch: DecoyChannel, method: str = "infinite",
               nu: float = 0.1) -> tuple[float, float]:
    """The mean photon number that maximizes :func:`decoy_key_rate`, and that rate: ``(mu, R)``.

    A bounded scalar search (scipy) on a log grid's best bracket; ``(nan, 0.0)`` when no mu
    gives a key (beyond the maximal distance).
    """
    from scipy.optimize import minimize_scalar  # imported on use: physics loads no scipy

    low = nu * 1.0001 if method == "vacuum-weak" else 1e-5
    grid = np.geomspace(low, 1.5, 60)
    rates = np.array([decoy_key_rate(m, length_km, ch, method, nu) for m in grid])
    k = int(np.argmax(rates))
    if rates[k] <= 0:
        return math.nan, 0.0
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = minimize_scalar(lambda m: -decoy_key_rate(m, length_km, ch, method, nu), bounds=(a, b),
                          method="bounded", options={"xatol": 1e-7})
    mu_best, r_best = (float(res.x), -float(res.fun)) if -res.fun >= rates[k] else (grid[k], rates[k])
    return float(mu_best), float(r_best)


def decoy_max_distance_km(ch: DecoyChannel, method: str = "infinite", nu: float = 0.1,
                    upper_km: float = 400.0) -> float:
    """Largest distance (km) with a positive optimized key rate (a root search on ``L``)."""
    from scipy.optimize import brentq

    def f(length: float) -> float:
        return decoy_optimal_mu(length, ch, method, nu)[1] - 1e-30

    grid = np.linspace(0.0, upper_km, 81)
    values = [f(x) for x in grid]
    if values[0] <= 0:
        return 0.0
    for x0, x1, v1 in zip(grid[:-1], grid[1:], values[1:]):
        if v1 <= 0:
            return float(brentq(f, x0, x1, xtol=1e-4))
    return math.inf


def plob_per_pulse(length_km: float, ch: DecoyChannel) -> tuple[float, float]:
    """PLOB bound ``-log2(1 - eta)`` (bits per pulse) of the fiber alone and of fiber x eta_bob."""
    eta_fiber = wcp_transmittance(length_km, ch) / ch.eta_bob
    return plob(min(eta_fiber, 1.0)), plob(wcp_transmittance(length_km, ch))


def decoy_key_rate_curve(lengths_km: np.ndarray, ch: DecoyChannel, method: str,
                         nu: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Optimal ``(mu, R)`` at each length (arrays; mu is NaN where R = 0)."""
    out = np.array([decoy_optimal_mu(float(x), ch, method, nu) for x in np.asarray(lengths_km)])
    return out[:, 0], out[:, 1]


# ---------------------------------------------------------------------------------------------
# Photon-number-splitting attack (Brassard, Luetkenhaus, Mor, Sanders, PRL 85, 1330 (2000))
# ---------------------------------------------------------------------------------------------

_N_MAX = 80  # photon numbers summed (Poisson tails below 1e-60 for mu <= 10)


@dataclass(frozen=True)
class PnsAttack:
    """Eve's photon-number-splitting strategy, tuned to keep the signal gain ``Q_mu``.

    She replaces the fiber by a lossless one and measures each pulse's photon number (QND).
    Single photons she forwards with probability ``s``; from an n >= 2 pulse she keeps one
    photon and forwards the other n - 1 with probability ``t`` (she learns those bits after the
    basis announcement, without errors). ``s = 0`` whenever blocking all single photons still
    lets her match the gain.

    Attributes:
        s: forwarding probability of single-photon pulses.
        t: forwarding probability of multi-photon pulses.
        eta_bob: Bob's efficiency (her forwarded photons still meet it).
    """

    s: float
    t: float
    eta_bob: float

    def forward_probability(self, n: np.ndarray) -> np.ndarray:
        """Probability that Eve forwards an n-photon pulse."""
        n = np.asarray(n)
        return np.where(n == 1, self.s, np.where(n >= 2, self.t, 0.0))

    def photons_forwarded(self, n: np.ndarray) -> np.ndarray:
        """Photons she forwards from a pulse she passes (n for n = 1, n - 1 for n >= 2)."""
        n = np.asarray(n)
        return np.where(n >= 2, n - 1, n)


def _attacked_click(x: float, attack: PnsAttack) -> tuple[float, float]:
    """``(sum_n P_x(n) fwd_n eta_n', that part from n >= 2)`` for intensity ``x``."""
    n = np.arange(_N_MAX)
    p = photon_number_probability(n, x) if x > 0 else (n == 0) * 1.0
    click = attack.forward_probability(n) * (1.0 - (1.0 - attack.eta_bob) ** attack.photons_forwarded(n))
    return float((p * click).sum()), float((p * click)[2:].sum())


def pns_attack(mu: float, eta: float, ch: DecoyChannel) -> PnsAttack:
    """The PNS strategy that reproduces ``Q_mu`` of the lossy channel (``eta``) exactly.

    Raises:
        ValueError: when even forwarding every pulse cannot reach the gain (no lossy channel).
    """
    from scipy.optimize import brentq

    target = wcp_gain(_mu(mu), eta, ch) - ch.y0

    def excess(s: float, t: float) -> float:
        return _attacked_click(mu, PnsAttack(s, t, ch.eta_bob))[0] - target

    if excess(0.0, 1.0) >= 0.0:
        t = brentq(lambda t: excess(0.0, t), 0.0, 1.0, xtol=1e-15, rtol=1e-13)
        return PnsAttack(0.0, float(t), ch.eta_bob)
    if excess(1.0, 1.0) < 0.0:
        raise ValueError("a PNS attack cannot keep this gain (the channel is nearly lossless)")
    s = brentq(lambda s: excess(s, 1.0), 0.0, 1.0, xtol=1e-15, rtol=1e-13)
    return PnsAttack(float(s), 1.0, ch.eta_bob)


def pns_gain_qber(x: float, attack: PnsAttack, ch: DecoyChannel) -> tuple[float, float, float]:
    """Gain, QBER and Eve's known fraction of the detections at intensity ``x`` under attack.

    Same model as the channel: ``Q = Y0 + sum_n P_x(n) fwd_n (1 - (1 - eta_bob)^m_n)``,
    ``E Q = e0 Y0 + e_detector (Q - Y0)``; Eve knows the bits of the n >= 2 detections.
    """
    click, multi = _attacked_click(x, attack)
    q = ch.y0 + click
    return q, (ch.e0 * ch.y0 + ch.e_detector * click) / q, multi / q


def single_photon_detection(eta: float, y0: float, e_detector: float,
                            intercept_resend: bool = False) -> tuple[float, float]:
    """Exact ``(gain, QBER)`` of one photon at two threshold detectors (random bit on a double
    click), with dark probability ``pd = 1 - sqrt(1 - Y0)`` per detector:

    ``Q = 1 - (1 - eta)(1 - pd)^2``,
    ``E Q = eta [e (1 - pd) + pd/2] + (1 - eta)(1 - (1 - pd)^2)/2``, where ``e = e_detector``,
    or ``e = 1/4 + e_detector/2`` when Eve intercepts every photon in a random Z/X basis and
    resends (the 25 % of BB84 intercept-resend). To first order this is Ma et al.'s
    ``Y1 = Y0 + eta``, ``e1 Y1 = Y0/2 + e_detector eta``.

    >>> q, e = single_photon_detection(1.0, 0.0, 0.0, intercept_resend=True)
    >>> q, e
    (1.0, 0.25)
    """
    for name, value in (("eta", eta), ("y0", y0)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    pd = 1.0 - math.sqrt(1.0 - y0)
    e = 0.25 + e_detector / 2.0 if intercept_resend else e_detector
    q = 1.0 - (1.0 - eta) * (1.0 - pd) ** 2
    eq = eta * (e * (1.0 - pd) + pd / 2.0) + (1.0 - eta) * (1.0 - (1.0 - pd) ** 2) / 2.0
    return q, (eq / q if q > 0 else 0.5)
