"""Fiber loss and delays, heralded entanglement generation (reference sections 1 and 2), and one
link's closed forms with the herald-wait decay of its memories (sections 2 and 7 together).

>>> from qnet_circuits.network import chain
>>> net = chain(1, 20.0, scheme="double-click")
>>> th = link_theory(net.links[0], net)
>>> round(th["p_success"], 6), th["fidelity"]
(0.199054, 1.0)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from qnet_circuits.physics._checks import _count, _nonneg, _positive, _prob, _prob_open_low
from qnet_circuits.physics.memory import relax_density_matrix
from qnet_circuits.physics.states import BellCoefficients, bell_diagonal_density_matrix, fidelity_phi_plus

if TYPE_CHECKING:  # physics reads a Link's and a Network's fields; it never builds them
    from qnet_circuits.network import Link, Network

__all__ = [
    "link_theory",
    "multiplexed_expected_rounds",
    "multiplexed_rate_hz",
    "multiplexed_success",
    "raw_heralded_state",
    "raw_heralded_states",
    "arm_efficiency",
    "attempts_std",
    "attenuation_length_km",
    "double_click",
    "double_click_bell_diagonal",
    "double_click_components",
    "expected_attempts",
    "expected_wait_time_s",
    "midpoint_cycle_time_s",
    "midpoint_source",
    "one_way_delay_s",
    "rate_hz",
    "single_click",
    "single_click_bell_diagonal",
    "single_click_components",
    "transmissivity",
]

# ---------------------------------------------------------------------------------------------
# 1. Fiber: loss and delays
# ---------------------------------------------------------------------------------------------


def transmissivity(length_km: float, attenuation_db_per_km: float = 0.2) -> float:
    """Fiber transmissivity ``eta = 10**(-alpha L / 10)`` (dimensionless, in [0, 1]).

    >>> round(transmissivity(25.0), 6)
    0.316228
    """
    length = _nonneg("length_km", length_km)
    alpha = _nonneg("attenuation_db_per_km", attenuation_db_per_km)
    return 10.0 ** (-alpha * length / 10.0)


def attenuation_length_km(attenuation_db_per_km: float = 0.2) -> float:
    """Attenuation length ``L_att = 10 / (alpha ln 10)`` in km, so that ``eta = exp(-L/L_att)``.

    >>> round(attenuation_length_km(0.2), 3)
    21.715
    """
    alpha = _positive("attenuation_db_per_km", attenuation_db_per_km)
    return 10.0 / (alpha * math.log(10.0))


def one_way_delay_s(length_km: float, speed_km_per_s: float = 2e5) -> float:
    """One-way signal delay ``L / c_f`` in seconds (default c_f = 2e5 km/s = 5 us/km).

    >>> one_way_delay_s(100.0)
    0.0005
    """
    length = _nonneg("length_km", length_km)
    speed = _positive("speed_km_per_s", speed_km_per_s)
    return length / speed


def midpoint_cycle_time_s(length_km: float, speed_km_per_s: float = 2e5) -> float:
    """Heralding cycle of a midpoint station between nodes ``length_km`` apart, in seconds.

    Photon flight L/2 plus herald return L/2, so ``tau = L / c_f``.

    >>> midpoint_cycle_time_s(10.0)
    5e-05
    """
    return one_way_delay_s(length_km, speed_km_per_s)


# ---------------------------------------------------------------------------------------------
# 2. Heralded entanglement generation
# ---------------------------------------------------------------------------------------------


def arm_efficiency(
    length_km: float, attenuation_db_per_km: float = 0.2, detector_efficiency: float = 1.0
) -> float:
    """Per-arm efficiency of a midpoint link: fiber over ``length_km / 2`` times detector.

    ``length_km`` is the node-to-node distance.

    >>> round(arm_efficiency(50.0, detector_efficiency=0.3), 5)
    0.09487
    """
    det = _prob("detector_efficiency", detector_efficiency)
    length = _nonneg("length_km", length_km)
    return transmissivity(length / 2.0, attenuation_db_per_km) * det


def single_click_components(alpha: float, eta: float, dark_count: float = 0.0) -> dict[str, float]:
    """Herald probabilities of the single-click scheme, split by heralded state (section 2a).

    ``alpha``: bright-state population; ``eta``: per-arm efficiency; ``dark_count``: dark-count
    probability per detector per window. Keys: ``"correct"`` (P_c, Psi+-), ``"mixed"`` (P_m,
    incoherent |01>,|10>), ``"both"`` (P_11, |11>), ``"none"`` (P_00, |00>, dark counts only).

    >>> round(single_click_components(0.1, 0.1)["correct"], 6)
    0.018
    """
    a = _prob("alpha", alpha)
    e = _prob("eta", eta)
    pd = _prob("dark_count", dark_count)
    s0 = 2.0 * pd * (1.0 - pd)
    return {
        "correct": 2.0 * a * (1.0 - a) * e * (1.0 - pd),
        "mixed": 2.0 * a * (1.0 - a) * (1.0 - e) * s0,
        "both": a * a * ((1.0 - (1.0 - e) ** 2) * (1.0 - pd) + (1.0 - e) ** 2 * s0),
        "none": (1.0 - a) ** 2 * s0,
    }


def single_click(alpha: float, eta: float, dark_count: float = 0.0) -> tuple[float, float]:
    """Single-click (Cabrillo et al.) herald probability and fidelity to the heralded Psi+-.

    Returns ``(p_success, fidelity)``; ``F = (P_c + P_m/2) / p``.

    >>> p, f = single_click(0.1, 0.1)
    >>> round(p, 6), round(f, 6)
    (0.0199, 0.904523)
    """
    c = single_click_components(alpha, eta, dark_count)
    p = c["correct"] + c["mixed"] + c["both"] + c["none"]
    if p <= 0.0:
        raise ValueError(
            "single_click: herald probability is 0 (alpha, eta and dark_count all give no "
            "click); use alpha > 0 and eta > 0, or dark_count > 0"
        )
    return p, (c["correct"] + 0.5 * c["mixed"]) / p


def single_click_bell_diagonal(
    alpha: float, eta: float, dark_count: float = 0.0
) -> BellCoefficients:
    """Bell-diagonal part (A, B, C, D) of the heralded single-click state, in the Phi+ frame.

    After the X correction that maps Psi+ to Phi+: the mixed term contributes half to A and
    half to D, the |11> and |00> terms half to B and half to C.

    >>> tuple(round(x, 6) for x in single_click_bell_diagonal(0.1, 0.1))
    (0.904523, 0.047739, 0.047739, 0.0)
    """
    c = single_click_components(alpha, eta, dark_count)
    p, f = single_click(alpha, eta, dark_count)
    d = 0.5 * c["mixed"] / p
    bc = 0.5 * (c["both"] + c["none"]) / p
    return (f, bc, bc, d)


def double_click_components(eta: float, dark_count: float = 0.0) -> dict[str, float]:
    """Barrett-Kok (double-click) herald probabilities by heralded state (section 2b).

    Keys ``"correct"`` (P_g), ``"mixed"`` (P_m, incoherent |01>,|10>), ``"bad"`` (P_b, |00>
    or |11>). ``eta``: per-arm efficiency; ``dark_count``: per detector per window.

    >>> double_click_components(0.1)["correct"]  # doctest: +ELLIPSIS
    0.005000...
    """
    e = _prob("eta", eta)
    pd = _prob("dark_count", dark_count)
    s0 = 2.0 * pd * (1.0 - pd)
    s1 = e * (1.0 - pd) + (1.0 - e) * s0
    s2 = (1.0 - (1.0 - e) ** 2) * (1.0 - pd) + (1.0 - e) ** 2 * s0
    return {
        "correct": 0.5 * (e * (1.0 - pd)) ** 2,
        "mixed": 0.5 * e * (1.0 - pd) * (1.0 - e) * s0 + 0.5 * (1.0 - e) * s0 * s1,
        "bad": 0.5 * s0 * s2,
    }


def double_click(eta: float, dark_count: float = 0.0) -> tuple[float, float]:
    """Barrett-Kok herald probability and fidelity ``(p_success, F)``; ideal ``p = eta**2/2``.

    >>> p, f = double_click(0.01, 1e-5)
    >>> round(p * 1e5, 6), round(f, 6)
    (5.039638, 0.994081)
    """
    c = double_click_components(eta, dark_count)
    p = c["correct"] + c["mixed"] + c["bad"]
    if p <= 0.0:
        raise ValueError(
            "double_click: herald probability is 0; use eta > 0 or dark_count > 0"
        )
    return p, (c["correct"] + 0.5 * c["mixed"]) / p


def double_click_bell_diagonal(eta: float, dark_count: float = 0.0) -> BellCoefficients:
    """Bell-diagonal part (A, B, C, D) of the heralded Barrett-Kok state in the Phi+ frame.

    >>> double_click_bell_diagonal(0.1)
    (1.0, 0.0, 0.0, 0.0)
    """
    c = double_click_components(eta, dark_count)
    p, f = double_click(eta, dark_count)
    return (f, 0.5 * c["bad"] / p, 0.5 * c["bad"] / p, 0.5 * c["mixed"] / p)


def midpoint_source(
    eta_arm: float,
    pair_probability: float = 1.0,
    bsm_efficiency: float = 0.5,
    node_efficiency: float = 1.0,
) -> float:
    """Success probability of a midpoint-source (MSM) link, ideal fidelity 1.

    ``p = p_pair * (p_BSM * eta_node * eta_arm)**2``; ``eta_arm`` is fiber over L/2.

    >>> round(midpoint_source(transmissivity(25.0)), 6)
    0.025
    """
    e = _prob("eta_arm", eta_arm)
    pp = _prob("pair_probability", pair_probability)
    pb = _prob("bsm_efficiency", bsm_efficiency)
    pn = _prob("node_efficiency", node_efficiency)
    return pp * (pb * pn * e) ** 2


def expected_attempts(p: float) -> float:
    """Mean number of attempts ``1/p`` of a geometric process with success probability p.

    >>> expected_attempts(0.05)
    20.0
    """
    return 1.0 / _prob_open_low("p", p)


def attempts_std(p: float) -> float:
    """Standard deviation ``sqrt(1-p)/p`` of the number of attempts.

    >>> round(attempts_std(0.05), 2)
    19.49
    """
    x = _prob_open_low("p", p)
    return math.sqrt(1.0 - x) / x


def expected_wait_time_s(p: float, cycle_time_s: float) -> float:
    """Mean waiting time ``tau / p`` in seconds for cycle time ``cycle_time_s``.

    >>> expected_wait_time_s(0.05, 250e-6)
    0.005
    """
    tau = _positive("cycle_time_s", cycle_time_s)
    return tau / _prob_open_low("p", p)


def rate_hz(p: float, cycle_time_s: float) -> float:
    """Generation rate ``1 / E[T] = p / tau`` in Hz.

    >>> rate_hz(0.05, 250e-6)
    200.0
    """
    return 1.0 / expected_wait_time_s(p, cycle_time_s)

# ---------------------------------------------------------------------------------------------
# One link's closed forms (sections 2 and 7 together): herald wait decays the memories
# ---------------------------------------------------------------------------------------------

_BASIS = {"00": 0, "10": 1, "01": 2, "11": 3}  # "<a><b>" -> little-endian index a + 2 b


def _projector(label: str) -> np.ndarray:
    vec = np.zeros(4)
    vec[_BASIS[label]] = 1.0
    return np.outer(vec, vec)


_PSI_PLUS = np.array([0, 1, 1, 0]) / math.sqrt(2)


def raw_heralded_state(link: Link) -> tuple[float, np.ndarray]:
    """Closed-form (p_success, state) of the heralded pair before the final X on b (Psi+ frame).

    Single-click and double-click herald Psi+ (after the '-' detector Z correction); the
    midpoint scheme's local corrections already give Phi+, returned as is.
    """
    eta = link.arm_efficiency
    pd = link.detector.dark_count_prob
    psi = np.outer(_PSI_PLUS, _PSI_PLUS)
    if link.scheme == "single-click":
        c = single_click_components(link.alpha, eta, pd)
        rho = (
            c["correct"] * psi
            + c["mixed"] * (_projector("10") + _projector("01")) / 2
            + c["both"] * _projector("11")
            + c["none"] * _projector("00")
        )
    elif link.scheme == "double-click":
        c = double_click_components(eta, pd)
        rho = (
            c["correct"] * psi
            + c["mixed"] * (_projector("10") + _projector("01")) / 2
            + c["bad"] * (_projector("00") + _projector("11")) / 2
        )
    else:
        p = midpoint_source(
            eta, link.pair_probability, link.bsm_efficiency, node_efficiency=1.0
        )
        return p, bell_diagonal_density_matrix((1.0, 0.0, 0.0, 0.0))
    p = float(np.trace(rho).real)
    return p, rho / p


_MIXED = (_projector("10") + _projector("01")) / 2
_PSI = np.outer(_PSI_PLUS, _PSI_PLUS)
_PHI = bell_diagonal_density_matrix((1.0, 0.0, 0.0, 0.0)).real


def raw_heralded_states(links) -> tuple[np.ndarray, np.ndarray]:
    """:func:`raw_heralded_state` of many links at once: (p of shape (L,), states (L, 4, 4)).

    >>> from qnet_circuits.network import chain
    >>> links = chain(2, 30.0).links
    >>> p, rho = raw_heralded_states(links)
    >>> bool(np.allclose(rho[1], raw_heralded_state(links[1])[1])), p.shape
    (True, (2,))
    """
    n = len(links)
    w = np.zeros((n, 5))  # weights of psi, mixed, |11>, |00>, phi (unnormalised)
    for i, lk in enumerate(links):
        eta, pd = lk.arm_efficiency, lk.detector.dark_count_prob
        if lk.scheme == "single-click":
            c = single_click_components(lk.alpha, eta, pd)
            w[i, :4] = c["correct"], c["mixed"], c["both"], c["none"]
        elif lk.scheme == "double-click":
            c = double_click_components(eta, pd)
            w[i, :4] = c["correct"], c["mixed"], c["bad"] / 2, c["bad"] / 2
        else:
            w[i, 4] = midpoint_source(eta, lk.pair_probability, lk.bsm_efficiency,
                                      node_efficiency=1.0)
    mats = np.stack([_PSI, _MIXED, _projector("11"), _projector("00"), _PHI])
    p = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.einsum("lk,kij->lij", w / p[:, None], mats)
    return p, rho


_X_B = np.kron(np.array([[0, 1], [1, 0]]), np.eye(2))  # X on qubit 1 (little-endian: high factor)


# multiplexing: m memory modes attempt in parallel each round (issue 14 item 5)


def multiplexed_success(p: float, modes: int) -> float:
    """Per-round success ``1 - (1 - p)^m`` of a link with m modes of success p each.

    >>> multiplexed_success(0.5, 1), multiplexed_success(0.0, 5)
    (0.5, 0.0)
    >>> multiplexed_success(0.1, 3)
    0.271
    """
    q = _prob("p", p)
    m = _count("modes", modes, minimum=1)
    return -math.expm1(m * math.log1p(-q)) if q < 1.0 else 1.0


def multiplexed_expected_rounds(p: float, modes: int) -> float:
    """Mean rounds ``1 / (1 - (1 - p)^m)`` until the first success of a multiplexed link.

    >>> round(multiplexed_expected_rounds(0.1, 10), 6)
    1.53534
    """
    s = multiplexed_success(p, modes)
    if s == 0.0:
        raise ValueError("multiplexed_expected_rounds: p = 0 never succeeds; give p > 0")
    return 1.0 / s


def multiplexed_rate_hz(p: float, modes: int, cycle_time_s: float) -> float:
    """Rate ``(1 - (1 - p)^m) / tau`` in Hz of a multiplexed link with round time tau (s).

    >>> round(multiplexed_rate_hz(0.01, 100, 1e-3), 3)
    633.968
    """
    if not (isinstance(cycle_time_s, (int, float)) and cycle_time_s > 0 and math.isfinite(cycle_time_s)):
        raise ValueError(f"cycle_time_s must be a finite time > 0 (s), got {cycle_time_s!r}")
    return multiplexed_success(p, modes) / cycle_time_s



def link_theory(link: Link, network: Network) -> dict[str, float | None | str]:
    """p_success, heralded fidelity and rate of one link, with memory decay during the herald wait.

    ``p_success`` is per attempt of one mode; ``p_round = 1 - (1 - p)^modes`` per round of the
    link's ``modes`` parallel modes, and ``rate_hz = p_round / tau``.

    Memory decay: the memories wait ``L/c`` after their last emission (see :func:`heralded_link`).
    The memory channel acts on the memories only, after every photonic operation on them, so it
    commutes with the photon measurements: the exact heralded state is the closed-form state
    (reference section 2) relaxed for that wait (section 7 channel), then frame-corrected.
    """
    p, rho = raw_heralded_state(link)
    mem_a = network.node(link.a).memory
    mem_b = network.node(link.b).memory
    wait = link.fiber.delay_s
    p_round = multiplexed_success(p, link.modes)
    out: dict[str, float | None | str] = {
        "p_success": p,
        "cycle_time_s": link.cycle_time_s,
        "rate_hz": rate_hz(p_round, link.cycle_time_s) if link.cycle_time_s > 0 else math.inf,
        "herald_wait_s": wait,
        "modes": link.modes,
        "p_round": p_round,
    }
    if wait > 0:
        rho = relax_density_matrix(rho, 0, wait, mem_a.t1_s, mem_a.t2_s)
        rho = relax_density_matrix(rho, 1, wait, mem_b.t1_s, mem_b.t2_s)
    if link.scheme != "midpoint":
        rho = _X_B @ rho @ _X_B
    out["fidelity"] = fidelity_phi_plus(rho)
    return out
