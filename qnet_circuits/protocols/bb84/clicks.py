"""Weak-coherent-pulse BB84 sampled at the cost of the detections, not of the pulses.

The same model as :func:`~qnet_circuits.protocols.bb84.pulses.simulate_pulses` (honest channel,
no attack), sampled exactly in another order. A pulse of intensity ``x`` holds Poisson(x)
photons; binomial thinning splits them into independent Poisson counts: ``R`` reaching the
detector Alice's bit points to, ``W`` reaching the other one, and ``lost``. With matching bases
``R ~ Poisson(eta x (1 - e_d))``, ``W ~ Poisson(eta x e_d)``; otherwise both ``Poisson(eta x / 2)``;
``lost ~ Poisson(x (1 - eta))``. Each detector also fires a dark count with probability
``p_d``, so detector ``r`` clicks with probability ``c_r = 1 - (1 - p_d) e^{-lambda_r}`` (``w``
likewise), independently. Hence, per intensity and basis-match group of ``N`` pulses:

1. the number of clicked pulses is Binomial(N, 1 - (1 - c_r)(1 - c_w));
2. each clicked pulse's pattern (r only, w only, both) is a categorical draw, and its photon
   number class (0, 1, >= 2 of ``R``, ``W`` and ``lost``) is drawn conditionally on its pattern;
3. pulses that did not click have ``R = W = 0`` and an independent ``lost``, so their one-photon
   count is Binomial(N - clicked, x (1 - eta) e^{-x (1 - eta)}).

That is the exact joint distribution of every tally of :class:`PulseTally` (and of the sifted
signal bits), in time proportional to the detections: 10^10 pulses cost what their ~10^7 clicks
cost. The PNS attack is sampled by ``simulate_pulses`` only.

>>> from qnet_circuits.physics.decoy import GYS, wcp_transmittance
>>> t = sample_clicks(10**9, 50.0, GYS, intensities=(0.48, 0.1, 0.0), seed=1)
>>> int(t.pulses.sum()), bool(abs(t.detections[0] / t.pulses[0] - 1.93e-3) < 2e-5)
(1000000000, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qnet_circuits.physics.decoy import DecoyChannel, wcp_transmittance
from qnet_circuits.protocols.bb84.pulses import PulseTally, dark_count_probability

#: largest number of pulses one call samples (counts stay exact int64)
MAX_PULSES = 10**15


def _classes(lam: float, clicked: np.ndarray, pd: float, rng) -> np.ndarray:
    """Photon class 0, 1 or 2 (>= 2) of one detector's Poisson(lam) count, given whether it
    clicked (a click with 0 photons is a dark count)."""
    e = math.exp(-lam)
    c = 1.0 - (1.0 - pd) * e
    out = np.zeros(clicked.size, dtype=np.int8)
    idx = np.flatnonzero(clicked)
    if idx.size and c > 0:
        p0, p1 = e * pd / c, lam * e / c
        u = rng.random(idx.size)
        out[idx] = np.where(u < p0, 0, np.where(u < p0 + p1, 1, 2))
    return out


def _group(size: int, lam_r: float, lam_w: float, lam_lost: float, pd: float, rng
           ) -> tuple[int, np.ndarray, np.ndarray, int]:
    """Clicked pulses of ``size`` pulses: their r/w clicks, whether each held one photon, and
    the one-photon pulses among those that did not click."""
    c_r = 1.0 - (1.0 - pd) * math.exp(-lam_r)
    c_w = 1.0 - (1.0 - pd) * math.exp(-lam_w)
    p_any = 1.0 - (1.0 - c_r) * (1.0 - c_w)
    k = int(rng.binomial(size, p_any)) if p_any > 0 else 0
    pattern = np.array([c_r * (1 - c_w), (1 - c_r) * c_w, c_r * c_w]) / p_any if k else None
    which = rng.choice(3, size=k, p=pattern) if k else np.zeros(0, dtype=np.int64)
    click_r, click_w = which != 1, which != 0
    n_r, n_w = _classes(lam_r, click_r, pd, rng), _classes(lam_w, click_w, pd, rng)
    e_l = math.exp(-lam_lost)
    u = rng.random(k)
    n_l = np.where(u < e_l, 0, np.where(u < e_l * (1.0 + lam_lost), 1, 2))
    total = n_r.astype(np.int64) + n_w + n_l
    single = (total == 1) & (n_r < 2) & (n_w < 2)
    p1_idle = lam_lost * e_l
    idle_single = int(rng.binomial(size - k, p1_idle)) if size > k else 0
    return k, np.stack([click_r, click_w]), single, idle_single


def _intensity(size: int, x: float, eta: float, ch: DecoyChannel, pd: float, rng) -> dict:
    """Tallies and the sifted bits of ``size`` pulses of intensity ``x``."""
    matched = int(rng.binomial(size, 0.5))
    lost = x * (1.0 - eta)
    km, clicks, single_m, idle_m = _group(matched, eta * x * (1 - ch.e_detector),
                                          eta * x * ch.e_detector, lost, pd, rng)
    ku, _, single_u, idle_u = _group(size - matched, eta * x / 2, eta * x / 2, lost, pd, rng)
    click_r, click_w = clicks
    err = (click_w & ~click_r) | (click_r & click_w & (rng.integers(0, 2, km) == 1))
    a_bit = rng.integers(0, 2, km, dtype=np.uint8)
    bits = np.stack([a_bit, a_bit ^ err.astype(np.uint8), rng.integers(0, 2, km, dtype=np.uint8),
                     np.zeros(km, dtype=np.uint8)])
    n_single_m, n_single_u = int(single_m.sum()), int(single_u.sum())
    return {"pulses": size, "detections": km + ku, "sifted": km, "errors": int(err.sum()),
            "single_sent": n_single_m + n_single_u + idle_m + idle_u,
            "single_detections": n_single_m + n_single_u, "single_sifted": n_single_m,
            "single_errors": int((err & single_m).sum()), "eve_known": 0, "bits": bits}


def _check(n_pulses, intensities, probabilities, length_km, ch, eta):
    if not isinstance(n_pulses, (int, np.integer)) or not 1 <= n_pulses <= MAX_PULSES:
        raise ValueError(f"pulses must be an integer in [1, {MAX_PULSES:.0e}], got {n_pulses!r}")
    mus = np.asarray(intensities, dtype=float)
    probs = np.full(mus.size, 1.0 / mus.size) if probabilities is None else np.asarray(
        probabilities, dtype=float)
    if probs.shape != mus.shape or np.any(probs < 0) or not math.isclose(probs.sum(), 1.0):
        raise ValueError("intensity probabilities must be >= 0, one per intensity, summing to 1")
    eta = wcp_transmittance(length_km, ch) if eta is None else float(eta)
    if not 0.0 <= eta <= 1.0:
        raise ValueError(f"eta must be a transmittance in [0, 1], got {eta!r}")
    return mus, probs / probs.sum(), eta


_KEYS = ("pulses", "detections", "sifted", "errors", "single_sent", "single_detections",
         "single_sifted", "single_errors", "eve_known")


def sample_click_records(n_pulses: int, length_km: float, ch: DecoyChannel, *,
                         intensities: Sequence[float], probabilities: Sequence[float] | None = None,
                         seed: int | None = None, eta: float | None = None) -> list[dict]:
    """Per intensity: the tallies of :class:`PulseTally` and ``bits``, the sifted bits of every
    intensity (rows: Alice's bit, Bob's bit, basis, Eve's flag), for protocols whose key uses
    every intensity (Lim et al. 2014). Arguments as :func:`sample_clicks`."""
    mus, probs, eta = _check(n_pulses, intensities, probabilities, length_km, ch, eta)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    pd = dark_count_probability(ch.y0)
    return [_intensity(int(count), float(mus[j]), eta, ch, pd, rng)
            for j, count in enumerate(rng.multinomial(int(n_pulses), probs))]


def tally_of(records: list[dict], intensities: Sequence[float], keep_bits: int) -> PulseTally:
    """The :class:`PulseTally` of :func:`sample_click_records` (the signal's bits kept)."""
    total = {key: np.array([r[key] for r in records], dtype=np.int64) for key in _KEYS}
    return PulseTally(intensities=np.asarray(intensities, dtype=float),
                      signal_bits=records[0]["bits"][:, :keep_bits], **total)


def sample_clicks(n_pulses: int, length_km: float, ch: DecoyChannel, *,
                  intensities: Sequence[float], probabilities: Sequence[float] | None = None,
                  seed: int | None = None, keep_bits: int = 20_000_000,
                  eta: float | None = None) -> PulseTally:
    """Send ``n_pulses`` pulses and tally what Bob detects (module doc; same result type and
    arguments as :func:`~qnet_circuits.protocols.bb84.pulses.simulate_pulses`, no attack).

    ``eta`` (overall transmittance, optional) replaces ``10^(-alpha L/10) eta_bob``: a
    free-space channel passes its own.
    """
    records = sample_click_records(n_pulses, length_km, ch, intensities=intensities,
                                   probabilities=probabilities, seed=seed, eta=eta)
    return tally_of(records, intensities, keep_bits)
