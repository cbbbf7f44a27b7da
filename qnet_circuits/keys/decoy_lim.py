"""Composable finite-key length of decoy-state BB84: Lim, Curty, Walenta, Xu and Zbinden,
"Concise security bounds for practical decoy-state quantum key distribution", PRA 89, 022307
(2014), three intensities ``mu1 > mu2 + mu3``, ``mu2 > mu3 >= 0`` (here signal, weak decoy and
vacuum) sent with probabilities ``p_k``; the key from the X basis (every intensity), the phase
errors bounded from the Z basis. In the paper's notation, with ``n_{X,k}`` the X-basis events of
intensity ``k`` (``n_X`` their sum), ``m_{Z,k}`` the Z-basis errors and
``tau_n = sum_k p_k e^-k k^n / n!``:

* Hoeffding deviations (the paper's eq. before (2)):
  ``n^±_{X,k} = e^k / p_k [n_{X,k} ± sqrt(n_X / 2 ln(21 / eps_sec))]`` (``m^±_{Z,k}`` alike,
  with ``m_Z``);
* vacuum events, eq. (2): ``s_{X,0} >= tau_0 (mu2 n^-_{X,mu3} - mu3 n^+_{X,mu2}) / (mu2 - mu3)``;
* single-photon events, eq. (3): ``s_{X,1} >= tau_1 mu1 [n^-_{X,mu2} - n^+_{X,mu3}
  - (mu2^2 - mu3^2) / mu1^2 (n^+_{X,mu1} - s_{X,0} / tau_0)] / [mu1 (mu2 - mu3) - mu2^2 + mu3^2]``
  (``s_{Z,0}``, ``s_{Z,1}`` likewise from the Z counts);
* single-photon Z errors, eq. (4): ``v_{Z,1} <= tau_1 (m^+_{Z,mu2} - m^-_{Z,mu3}) / (mu2 - mu3)``;
* phase-error rate, eq. (5): ``phi_X <= v_{Z,1}/s_{Z,1} + gamma(eps_sec, v_{Z,1}/s_{Z,1},
  s_{Z,1}, s_{X,1})``, ``gamma(a, b, c, d) = sqrt((c + d)(1 - b) b / (c d ln 2)
  log2((c + d) / (c d (1 - b) b) 21^2 / a^2))``;
* key length, eq. (1): ``l = floor(s_{X,0} + s_{X,1} - s_{X,1} h(phi_X) - lambda_EC
  - 6 log2(21 / eps_sec) - log2(2 / eps_cor))``, ``lambda_EC`` the bits error correction
  disclosed (here Cascade's count), ``eps_sec``-secret and ``eps_cor``-correct.

>>> b = lim_bounds(_demo_counts(), (0.5, 0.1, 0.0), (0.6, 0.2, 0.2), eps_sec=1e-10)
>>> 0.0 < b.s_x1 < 2_500_000 and 0.0 < b.phi_x < 0.1
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qnet_circuits.keys.decoy import DecoyKey, correct_and_verify, finish_key
from qnet_circuits.keys.finite_key import EPS_COR, EPS_SEC
from qnet_circuits.physics import binary_entropy

#: the length method, as reported in outputs
LENGTH_METHOD = "lim2014"


@dataclass(frozen=True)
class BasisCounts:
    """Events and errors per intensity in one basis (both parties chose it)."""

    events: tuple[int, ...]
    errors: tuple[int, ...]


@dataclass(frozen=True)
class LimBounds:
    """The bounds of the module doc (events, or rates for ``phi_x``)."""

    s_x0: float
    s_x1: float
    s_z0: float
    s_z1: float
    v_z1: float
    phi_x: float


def _tau(n: int, mus: Sequence[float], probs: Sequence[float]) -> float:
    return sum(p * math.exp(-k) * k**n / math.factorial(n) for k, p in zip(mus, probs))


def _hoeffding(counts: Sequence[int], mus, probs, eps_sec: float) -> tuple[list, list]:
    """``(n^-_k, n^+_k)`` per intensity."""
    delta = math.sqrt(sum(counts) / 2.0 * math.log(21.0 / eps_sec))
    lo = [math.exp(k) / p * (n - delta) for n, k, p in zip(counts, mus, probs)]
    hi = [math.exp(k) / p * (n + delta) for n, k, p in zip(counts, mus, probs)]
    return lo, hi


def _vacuum_single(counts: Sequence[int], mus, probs, eps_sec: float) -> tuple[float, float]:
    """``(s_0, s_1)`` lower bounds, eqs. (2) and (3), clipped at 0."""
    m1, m2, m3 = mus
    lo, hi = _hoeffding(counts, mus, probs, eps_sec)
    t0, t1 = _tau(0, mus, probs), _tau(1, mus, probs)
    s0 = max(0.0, t0 * (m2 * lo[2] - m3 * hi[1]) / (m2 - m3))
    s1 = t1 * m1 * (lo[1] - hi[2] - (m2**2 - m3**2) / m1**2 * (hi[0] - s0 / t0)) / (
        m1 * (m2 - m3) - m2**2 + m3**2)
    return s0, max(0.0, s1)


def gamma(a: float, b: float, c: float, d: float) -> float:
    """Lim et al.'s ``gamma(a, b, c, d)`` (module doc); ``inf`` where undefined."""
    if not (0.0 < b < 1.0 and c > 0 and d > 0):
        return math.inf
    inner = (c + d) / (c * d * (1.0 - b) * b) * 21.0**2 / a**2
    return math.sqrt((c + d) * (1.0 - b) * b / (c * d * math.log(2.0)) * math.log2(inner))


def _check_intensities(mus: Sequence[float], probs: Sequence[float]) -> None:
    if len(mus) != 3 or len(probs) != 3:
        raise ValueError("Lim et al. (2014) needs three intensities (mu1, mu2, mu3) and their "
                         "probabilities")
    m1, m2, m3 = mus
    if not (m1 > m2 + m3 and m2 > m3 >= 0):
        raise ValueError(f"Lim et al. (2014) needs mu1 > mu2 + mu3 and mu2 > mu3 >= 0, got {mus}")
    if min(probs) <= 0:
        raise ValueError(f"every intensity must be sent (p_k > 0), got {probs}")


def lim_bounds(counts: dict[str, BasisCounts], mus: Sequence[float], probs: Sequence[float], *,
               eps_sec: float = EPS_SEC) -> LimBounds:
    """The bounds of eqs. (2)-(5) from ``counts`` (``{"X": .., "Z": ..}``)."""
    _check_intensities(mus, probs)
    x, z = counts["X"], counts["Z"]
    s_x0, s_x1 = _vacuum_single(x.events, mus, probs, eps_sec)
    s_z0, s_z1 = _vacuum_single(z.events, mus, probs, eps_sec)
    lo, hi = _hoeffding(z.errors, mus, probs, eps_sec)
    v_z1 = max(0.0, _tau(1, mus, probs) * (hi[1] - lo[2]) / (mus[1] - mus[2]))
    if s_z1 <= 0 or s_x1 <= 0:
        return LimBounds(s_x0, s_x1, s_z0, s_z1, v_z1, 0.5)
    ratio = min(v_z1 / s_z1, 0.5)
    phi = ratio + gamma(eps_sec, ratio, s_z1, s_x1)
    return LimBounds(s_x0, s_x1, s_z0, s_z1, v_z1, min(phi, 0.5))


@dataclass(frozen=True)
class LimKeyLength:
    """Eq. (1) and its parts (bits): ``length``, ``n`` (X-basis key bits), ``leak_ec``,
    ``overhead`` = ``6 log2(21/eps_sec) + log2(2/eps_cor)``, the bounds; ``method``."""

    length: int
    n: int
    leak_ec: int
    overhead: float
    bounds: LimBounds
    method: str = LENGTH_METHOD

    @property
    def single_photon_bits(self) -> float:
        """``s_{X,1}``."""
        return self.bounds.s_x1


def lim_key_length(counts: dict[str, BasisCounts], mus: Sequence[float], probs: Sequence[float],
                   leak_ec: int, *, eps_sec: float = EPS_SEC, eps_cor: float = EPS_COR
                   ) -> LimKeyLength:
    """Eq. (1) of Lim et al. (2014) (module doc)."""
    if leak_ec < 0:
        raise ValueError(f"leak_ec must be >= 0, got {leak_ec}")
    b = lim_bounds(counts, mus, probs, eps_sec=eps_sec)
    ovh = 6.0 * math.log2(21.0 / eps_sec) + math.log2(2.0 / eps_cor)
    raw = b.s_x0 + b.s_x1 - b.s_x1 * binary_entropy(b.phi_x) - leak_ec - ovh
    return LimKeyLength(max(0, math.floor(raw)), sum(counts["X"].events), int(leak_ec), ovh, b)


def basis_counts(bits: Sequence[np.ndarray]) -> dict[str, BasisCounts]:
    """Per-basis events and errors per intensity from each intensity's sifted bits (rows:
    Alice's bit, Bob's bit, basis 0 = X (key) or 1 = Z (test))."""
    out = {}
    for name, basis in (("X", 0), ("Z", 1)):
        sel = [b[:, b[2] == basis] for b in bits]
        out[name] = BasisCounts(tuple(int(s.shape[1]) for s in sel),
                                tuple(int((s[0] != s[1]).sum()) for s in sel))
    return out


def distill_lim_key(bits: Sequence[np.ndarray], mus: Sequence[float], probs: Sequence[float], *,
                    seed: int, cascade_passes: int = 4, eps_sec: float = EPS_SEC,
                    eps_cor: float = EPS_COR) -> DecoyKey:
    """The key of every intensity's X-basis bits, Cascade-corrected, verified and hashed to the
    length of eq. (1). ``bits``: per intensity, the sifted bits (:func:`basis_counts` rows).
    Cascade's first block comes from the Z-basis error rate (disclosed test bits)."""
    _check_intensities(mus, probs)
    counts = basis_counts(bits)
    key = np.concatenate([b[:, b[2] == 0] for b in bits], axis=1)
    alice, bob = key[0].astype(np.uint8), key[1].astype(np.uint8)
    empty = np.zeros(0, dtype=np.uint8)
    if alice.size == 0:
        return DecoyKey(empty, empty, None, False, None, "no key: no X-basis bits")
    rng = np.random.default_rng([int(seed), 0x2014])
    z = counts["Z"]
    qber = sum(z.errors) / max(sum(z.events), 1)
    cas, verified = correct_and_verify(alice, bob, qber, rng, cascade_passes=cascade_passes,
                                       eps_cor=eps_cor)
    fk = lim_key_length(counts, mus, probs, cas.leaked_bits, eps_sec=eps_sec, eps_cor=eps_cor)
    return finish_key(alice, cas, verified, fk, rng)


def _demo_counts() -> dict[str, BasisCounts]:
    """Expected counts of 1e10 pulses at 50 km of the GYS channel (for the doctest)."""
    from qnet_circuits.physics.decoy import GYS, wcp_gain, wcp_qber, wcp_transmittance

    eta = wcp_transmittance(50.0, GYS)
    ev, er = [], []
    for k, p in zip((0.5, 0.1, 0.0), (0.6, 0.2, 0.2)):
        n = 1e10 * p * wcp_gain(k, eta, GYS) / 4.0
        ev.append(round(n))
        er.append(round(n * wcp_qber(k, eta, GYS)))
    return {"X": BasisCounts(tuple(ev), tuple(er)), "Z": BasisCounts(tuple(ev), tuple(er))}


__all__ = ["LENGTH_METHOD", "BasisCounts", "LimBounds", "LimKeyLength", "basis_counts",
           "distill_lim_key", "gamma", "lim_bounds", "lim_key_length"]
