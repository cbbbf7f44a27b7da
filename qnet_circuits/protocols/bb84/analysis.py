"""Decoy-state estimates from a pulse tally, and the closed forms beside them.

:func:`estimates` turns a :class:`~qnet_circuits.protocols.bb84.pulses.PulseTally` into gains and
QBERs per intensity (binomial standard errors), the single-photon yield and error rate that the
chosen decoy method infers from them, and the key rate per pulse that follows. :func:`theory`
gives the same numbers from Ma et al.'s closed forms (and, under the PNS attack, from the
attacked channel of :func:`~qnet_circuits.physics.decoy.pns_attack`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qnet_circuits.physics import binary_entropy
from qnet_circuits.physics.decoy import (
    DECOY_METHODS,
    DecoyChannel,
    PnsAttack,
    decoy_bounds,
    decoy_max_distance_km,
    decoy_optimal_mu,
    gllp_single_photon,
    plob_per_pulse,
    pns_gain_qber,
    rate_from_estimates,
    single_photon_yield,
    wcp_gain,
    wcp_qber,
    wcp_transmittance,
)
from qnet_circuits.protocols.bb84.pulses import PulseTally
from qnet_circuits.results import Estimate

LABELS = ("signal", "decoy", "vacuum")


def _ratio(k: int, n: int) -> Estimate:
    """``k/n`` with its binomial standard error; at ``k = 0`` or ``k = n`` (where that error
    would be 0) the error of the Laplace estimate ``(k+1)/(n+2)``, so a rare event that did not
    occur is not reported as exact."""
    if n <= 0:
        return Estimate(float("nan"), float("nan"))
    p = k / n
    if k in (0, n):
        pl = (k + 1) / (n + 2)
        return Estimate(p, math.sqrt(pl * (1.0 - pl) / (n + 3)))
    return Estimate(p, math.sqrt(p * (1.0 - p) / n))


def single_photon_from(method: str, q_mu: float, e_mu: float, q_nu: float, e_nu: float,
                       y0: float, mu: float, nu: float, ch: DecoyChannel,
                       exact_y1_e1: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """``(Y1, e1, Q1)`` that ``method`` infers (``exact_y1_e1``: the infinite-decoy values)."""
    if method == "none":
        q1, e1 = gllp_single_photon(q_mu, e_mu, mu)
        return q1 / (mu * math.exp(-mu)), e1, q1
    if method == "vacuum-weak":
        y1, e1 = decoy_bounds(q_mu, e_mu, q_nu, e_nu, y0, mu, nu, ch.e0)
    elif method == "infinite":
        if exact_y1_e1 is None:
            raise ValueError("the infinite-decoy method needs the exact (Y1, e1)")
        y1, e1 = exact_y1_e1
    else:
        raise ValueError(f"decoy must be one of {DECOY_METHODS}, got {method!r}")
    return y1, e1, y1 * mu * math.exp(-mu)


def estimates(t: PulseTally, method: str, ch: DecoyChannel) -> dict[str, Any]:
    """Simulated gains, QBERs, single-photon estimates and key rate per pulse."""
    k = len(t.intensities)
    gains = [_ratio(int(t.detections[i]), int(t.pulses[i])) for i in range(k)]
    qbers = [_ratio(int(t.errors[i]), int(t.sifted[i])) for i in range(k)]
    mu = float(t.intensities[0])
    nu = float(t.intensities[1]) if k > 1 else 0.0
    y0 = gains[2].value if k > 2 else ch.y0
    y1_exact = (_ratio(int(t.single_detections[0]), int(t.single_sent[0])).value,
                _ratio(int(t.single_errors[0]), int(t.single_sifted[0])).value)
    q_nu = gains[1].value if k > 1 else float("nan")
    e_nu = qbers[1].value if k > 1 else float("nan")
    e_s = qbers[0].value
    inputs = (gains[0].value, e_s) + ((q_nu, e_nu, y0) if method == "vacuum-weak" else ())
    if not all(math.isfinite(x) for x in inputs) or not all(math.isfinite(x) for x in y1_exact):
        # too few detections to estimate anything (e.g. far beyond the maximal distance)
        y1, e1, q1, rate = float("nan"), float("nan"), float("nan"), 0.0
        e_s = 0.5
    else:
        y1, e1, q1 = single_photon_from(method, gains[0].value, e_s, q_nu, e_nu, y0, mu, nu, ch,
                                        y1_exact)
        rate = rate_from_estimates(gains[0].value, e_s, q1, e1, ch)
    return {
        "gains": {LABELS[i]: gains[i] for i in range(k)},
        "qbers": {LABELS[i]: qbers[i] for i in range(k)},
        "y1": y1, "e1": e1, "q1": q1, "key_rate": rate,
        "eve_known_fraction": float(t.eve_known[0] / max(t.sifted[0], 1)),
        "naive_key_fraction": max(0.0, 1.0 - (1.0 + ch.f) * binary_entropy(min(e_s, 0.5))),
    }


def theory(length_km: float, mu: float, nu: float, method: str, ch: DecoyChannel,
           attack: PnsAttack | None = None) -> dict[str, Any]:
    """Closed forms at ``mu`` (and the optimum of every method), PLOB, and the attacked channel."""
    eta = wcp_transmittance(length_km, ch)
    y1, e1 = single_photon_yield(eta, ch)
    out: dict[str, Any] = {"eta": eta, "y0": ch.y0, "y1": y1, "e1": e1, "mu": mu, "nu": nu}
    for label, x in zip(LABELS, (mu, nu, 0.0)):
        out[f"gain_{label}"] = wcp_gain(x, eta, ch)
        out[f"qber_{label}"] = wcp_qber(x, eta, ch)
    est_y1, est_e1, q1 = single_photon_from(
        method, out["gain_signal"], out["qber_signal"], out["gain_decoy"], out["qber_decoy"],
        ch.y0, mu, nu, ch, (y1, e1))
    out.update(y1_estimated=est_y1, e1_estimated=est_e1, q1=q1,
               key_rate=rate_from_estimates(out["gain_signal"], out["qber_signal"], q1, est_e1, ch))
    best = {m: decoy_optimal_mu(length_km, ch, m, nu) for m in DECOY_METHODS}
    out["optimal_mu"] = {m: (None if math.isnan(v[0]) else v[0]) for m, v in best.items()}
    out["key_rate_optimal"] = {m: v[1] for m, v in best.items()}
    out["max_distance_km"] = decoy_max_distance_km(ch, method, nu)
    out["plob_fiber"], out["plob_with_eta_bob"] = plob_per_pulse(length_km, ch)
    if attack is not None:
        out["attack"] = _attacked(mu, nu, method, ch, attack)
    return out


def _attacked(mu: float, nu: float, method: str, ch: DecoyChannel,
              attack: PnsAttack) -> dict[str, Any]:
    """What Alice and Bob would see (and infer) under the PNS attack, in closed form."""
    qs, es, known = pns_gain_qber(mu, attack, ch)
    qd, ed, _ = pns_gain_qber(nu, attack, ch)
    y1_true = ch.y0 + attack.s * attack.eta_bob
    y1, e1, q1 = single_photon_from(method, qs, es, qd, ed, ch.y0, mu, nu, ch,
                                    (y1_true, ch.e0 if y1_true <= ch.y0 else
                                     (ch.e0 * ch.y0 + ch.e_detector * attack.s * attack.eta_bob)
                                     / y1_true))
    return {"s": attack.s, "t": attack.t, "gain_signal": qs, "qber_signal": es,
            "gain_decoy": qd, "qber_decoy": ed, "eve_known_fraction": known,
            "y1_estimated": y1, "e1_estimated": e1,
            "key_rate": rate_from_estimates(qs, es, q1, e1, ch),
            "naive_key_fraction": max(0.0, 1.0 - (1.0 + ch.f) * binary_entropy(min(es, 0.5)))}


def to_plain(value: Any) -> Any:
    """Estimates -> {value, stderr}; numpy scalars -> floats; NaN and inf -> None (JSON)."""
    if isinstance(value, Estimate):
        return {"value": to_plain(float(value.value)), "stderr": to_plain(float(value.stderr))}
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
