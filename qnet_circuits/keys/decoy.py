"""Decoy-state BB84 keys: the single-photon bounds with statistical fluctuations, the key length
and the distillation of real key bits (Cascade, verification, Toeplitz hashing).

Key length (asymptotic GLLP-decoy formula with the statistical-fluctuation analysis of Ma, Qi,
Zhao and Lo, PRA 72, 012326 (2005), Section V; NOT a composable finite-key proof such as Lim,
Curty, Walenta, Xu and Zbinden, PRA 89, 022307 (2014)):

    l = floor( s_1 [1 - h(e_1^U)] - leak_EC - log2(2 / (eps_sec^2 eps_cor)) ),
    s_1 = n_sift Q_1^L / Q_mu

``n_sift`` the sifted signal bits (both bases; all of them are error corrected), ``Q_1^L =
Y_1^L mu e^-mu`` the single-photon gain bound, ``leak_EC`` the parities Cascade really disclosed,
and the last term the hashing and verification cost of :mod:`~qnet_circuits.keys.finite_key`.

Fluctuations (Ma et al. Section V): every measured rate ``X = k / N`` (``k`` counts among ``N``
pulses of one intensity) is replaced by ``X (1 -+ u_alpha / sqrt(N X)) = (k -+ u_alpha sqrt(k)) / N``,
``u_alpha`` standard deviations (default :data:`U_ALPHA` = Phi^-1(1 - eps_sec) = 6.36, a one-sided
Gaussian tail of eps_sec = 1e-10 per bound), each in the direction that lowers the key: for
vacuum + weak decoy (Ma et al. eqs. (34), (37))

    Y_1^L = mu / (mu nu - nu^2) [Q_nu^L e^nu - Q_mu^U e^mu nu^2 / mu^2 - (mu^2 - nu^2) / mu^2 Y_0^U],
    e_1^U = [(E_nu Q_nu)^U e^nu - e0 Y_0^L] / (Y_1^L nu);

without decoys (GLLP) ``Q_1^L = Q_mu^L - P_multi(mu)``, ``e_1^U = (E_mu Q_mu)^U / Q_1^L``; in
the infinite-decoy limit (an idealization: the simulator's own single-photon tallies stand for
what infinitely many decoys would reveal) ``Y_1`` and ``e_1`` bounded the same way from those
tallies. ``k = 0`` uses ``sqrt(1)`` so that an unseen event still has a width.

>>> c = DecoyCounts((0.5, 0.1, 0.0), (8_000_000, 1_000_000, 1_000_000), (16_500, 420, 2),
...                 (8_250, 210, 1), (290, 8, 1))
>>> b = single_photon_bounds(c, "vacuum-weak")
>>> 0.0 < b.q1 < 16_500 / 8e6, 0.0 < b.e1 < 0.5
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from qnet_circuits.keys.cascade import CascadeResult, cascade
from qnet_circuits.keys.finite_key import EPS_COR, EPS_SEC, overhead_bits, verification_tag_bits
from qnet_circuits.keys.privacy import toeplitz_hash
from qnet_circuits.physics import binary_entropy

#: standard deviations of every fluctuation bound: Phi^-1(1 - eps_sec), 6.36 for eps_sec = 1e-10
U_ALPHA = float(norm.isf(EPS_SEC))
#: decoy methods whose bounds this module computes
METHODS = ("none", "vacuum-weak", "infinite")
#: the length method, as reported in outputs
LENGTH_METHOD = "gllp-decoy-ma2005-sec5"


@dataclass(frozen=True)
class DecoyCounts:
    """What Alice and Bob count per intensity (tuples indexed like ``intensities``).

    Attributes:
        intensities: mean photon numbers, the signal first (then the weak decoy and vacuum).
        pulses, detections, sifted, errors: pulses sent, pulses with a click, clicks with matching
            bases, sifted bits in error.
        single: ``(sent, detections, sifted, errors)`` of the signal's one-photon pulses (the
            infinite-decoy idealization only; zeros otherwise).
    """

    intensities: tuple[float, ...]
    pulses: tuple[int, ...]
    detections: tuple[int, ...]
    sifted: tuple[int, ...]
    errors: tuple[int, ...]
    single: tuple[int, int, int, int] = (0, 0, 0, 0)

    def __post_init__(self) -> None:
        k = len(self.intensities)
        for name in ("pulses", "detections", "sifted", "errors"):
            if len(getattr(self, name)) != k:
                raise ValueError(f"{name} must have one count per intensity ({k}), got "
                                 f"{getattr(self, name)!r}")
        if min(self.pulses) < 1:
            raise ValueError(f"pulses must be >= 1 per intensity, got {self.pulses!r}")


@dataclass(frozen=True)
class SinglePhotonBounds:
    """``Y_1^L``, ``e_1^U`` and ``Q_1^L = Y_1^L mu e^-mu`` (per signal pulse), and ``u_alpha``."""

    y1: float
    e1: float
    q1: float
    u_alpha: float
    method: str


def _rate(k: int, n: int, u: float, sign: int) -> float:
    """``(k + sign u sqrt(max(k, 1))) / n``, clipped at 0: a fluctuation bound on ``k / n``."""
    return max(0.0, (k + sign * u * math.sqrt(max(k, 1))) / n)


def single_photon_bounds(c: DecoyCounts, method: str, u_alpha: float = U_ALPHA,
                         e0: float = 0.5) -> SinglePhotonBounds:
    """The single-photon bounds of the module doc for ``method`` (``(0, 1/2, 0)`` when the
    bound on ``Y_1`` or ``Q_1`` is not positive)."""
    if method not in METHODS:
        raise ValueError(f"decoy method must be one of {METHODS}, got {method!r}")
    if not (isinstance(u_alpha, (int, float)) and math.isfinite(u_alpha) and u_alpha >= 0):
        raise ValueError(f"u_alpha must be a finite number of standard deviations >= 0, got "
                         f"{u_alpha!r}")
    mu = float(c.intensities[0])
    p1 = mu * math.exp(-mu)
    if method == "vacuum-weak":
        if len(c.intensities) != 3 or c.intensities[2] != 0.0:
            raise ValueError("vacuum-weak needs three intensities (mu, nu, 0)")
        nu = float(c.intensities[1])
        q_mu_up = _rate(c.detections[0], c.pulses[0], u_alpha, +1)
        q_nu_low = _rate(c.detections[1], c.pulses[1], u_alpha, -1)
        eq_nu_up = _rate(c.errors[1], c.pulses[1], u_alpha, +1) * (
            c.detections[1] / max(c.sifted[1], 1))  # errors per sifted bit, per detected pulse
        y0_up = _rate(c.detections[2], c.pulses[2], u_alpha, +1)
        y0_low = _rate(c.detections[2], c.pulses[2], u_alpha, -1)
        y1 = mu / (mu * nu - nu**2) * (q_nu_low * math.exp(nu) - q_mu_up * math.exp(mu) * nu**2
                                       / mu**2 - (mu**2 - nu**2) / mu**2 * y0_up)
        if y1 <= 0:
            return SinglePhotonBounds(0.0, 0.5, 0.0, u_alpha, method)
        e1 = (eq_nu_up * math.exp(nu) - e0 * y0_low) / (y1 * nu)
        return SinglePhotonBounds(y1, min(max(e1, 0.0), 0.5), y1 * p1, u_alpha, method)
    if method == "none":
        q_mu_low = _rate(c.detections[0], c.pulses[0], u_alpha, -1)
        eq_mu_up = _rate(c.errors[0], c.pulses[0], u_alpha, +1) * (
            c.detections[0] / max(c.sifted[0], 1))
        q1 = q_mu_low - (1.0 - math.exp(-mu) * (1.0 + mu))
        if q1 <= 0:
            return SinglePhotonBounds(0.0, 0.5, 0.0, u_alpha, method)
        return SinglePhotonBounds(q1 / p1, min(eq_mu_up / q1, 0.5), q1, u_alpha, method)
    sent, det, sift, err = c.single
    if sent < 1 or sift < 1:
        return SinglePhotonBounds(0.0, 0.5, 0.0, u_alpha, method)
    y1 = _rate(det, sent, u_alpha, -1)
    e1 = min(_rate(err, sift, u_alpha, +1), 0.5)
    return SinglePhotonBounds(y1, e1, y1 * p1, u_alpha, method)


@dataclass(frozen=True)
class DecoyKeyLength:
    """The key length of the module doc and its parts (bits unless stated).

    Attributes:
        length: ``l`` (>= 0); n: sifted signal bits hashed; single_photon_bits: ``s_1``.
        leak_ec: bits Cascade disclosed; overhead: hashing and verification cost.
        bounds: the single-photon bounds used; method: :data:`LENGTH_METHOD`.
    """

    length: int
    n: int
    single_photon_bits: float
    leak_ec: int
    overhead: float
    bounds: SinglePhotonBounds
    method: str = LENGTH_METHOD


def decoy_key_length(n_sifted: int, q_mu: float, bounds: SinglePhotonBounds, leak_ec: int, *,
                     eps_sec: float = EPS_SEC, eps_cor: float = EPS_COR) -> DecoyKeyLength:
    """``l = floor(s_1 (1 - h(e_1^U)) - leak_EC - log2(2/(eps_sec^2 eps_cor)))`` (module doc).

    >>> b = SinglePhotonBounds(0.004, 0.03, 0.001, 10.0, "vacuum-weak")
    >>> decoy_key_length(100_000, 0.002, b, 15_000).length
    25163
    """
    if leak_ec < 0 or n_sifted < 0:
        raise ValueError(f"n_sifted and leak_ec must be >= 0, got {n_sifted}, {leak_ec}")
    s1 = n_sifted * min(bounds.q1 / q_mu, 1.0) if q_mu > 0 else 0.0
    ovh = overhead_bits(eps_sec, eps_cor)
    raw = s1 * (1.0 - binary_entropy(min(bounds.e1, 0.5))) - leak_ec - ovh
    return DecoyKeyLength(max(0, math.floor(raw)), int(n_sifted), s1, int(leak_ec), ovh, bounds)


@dataclass(frozen=True, eq=False)
class DecoyKey:
    """A distilled decoy-state key.

    Attributes:
        alice_key, bob_key: final keys (uint8; empty when no key).
        cascade: the error correction (None when nothing was sifted).
        verified: whether the verification tags agreed.
        length: the key-length computation (None when nothing was sifted).
        note: why no key came out, or "".
    """

    alice_key: np.ndarray
    bob_key: np.ndarray
    cascade: CascadeResult | None
    verified: bool
    length: DecoyKeyLength | None
    note: str

    @property
    def final_key_bits(self) -> int:
        """Length of the final key (0 when none)."""
        return int(self.alice_key.size)

    @property
    def keys_match(self) -> bool:
        """A non-empty key was produced and Alice's equals Bob's."""
        return self.final_key_bits > 0 and bool(np.array_equal(self.alice_key, self.bob_key))


def correct_and_verify(alice: np.ndarray, bob: np.ndarray, qber: float, rng: np.random.Generator,
                       *, cascade_passes: int = 4, eps_cor: float = EPS_COR
                       ) -> tuple[CascadeResult, bool]:
    """Cascade (first block from ``qber``), then compare ``ceil(log2(1/eps_cor))``-bit Toeplitz
    tags: ``(cascade result, tags agree)``."""
    cas = cascade(alice, bob, min(max(qber, 1e-3), 0.25), seed=rng, passes=cascade_passes)
    tag_bits = verification_tag_bits(eps_cor)
    tag_seed = rng.integers(0, 2, alice.size + tag_bits - 1, dtype=np.uint8)
    tags = toeplitz_hash(np.stack([alice, cas.corrected]), tag_bits, tag_seed)
    return cas, bool(np.array_equal(tags[0], tags[1]))


def finish_key(alice: np.ndarray, cas: CascadeResult, verified: bool, fk: Any,
               rng: np.random.Generator) -> DecoyKey:
    """Hash to ``fk.length`` bits when verified and positive, else an empty key with the reason."""
    empty = np.zeros(0, dtype=np.uint8)
    if not verified:
        return DecoyKey(empty, empty, cas, False, fk, "no key: error verification failed")
    if fk.length <= 0:
        return DecoyKey(empty, empty, cas, True, fk,
                        f"no key: {fk.method} length {fk.length} <= 0 ({alice.size} key bits, "
                        f"single-photon bound {fk.single_photon_bits:.0f} bits); send more "
                        "pulses or shorten the hop")
    pa_seed = rng.integers(0, 2, alice.size + fk.length - 1, dtype=np.uint8)
    keys = toeplitz_hash(np.stack([alice, cas.corrected]), fk.length, pa_seed)
    return DecoyKey(keys[0], keys[1], cas, True, fk, "")


def distill_decoy_key(alice_bits: np.ndarray, bob_bits: np.ndarray, counts: DecoyCounts,
                      method: str, *, seed: int, u_alpha: float = U_ALPHA, cascade_passes: int = 4,
                      eps_sec: float = EPS_SEC, eps_cor: float = EPS_COR) -> DecoyKey:
    """Correct, verify and hash the sifted signal bits to the length of :func:`decoy_key_length`.

    Cascade's first block size comes from the decoy's QBER (its bits are disclosed; they are not
    key) or, without decoys, from the signal's error count (which error correction reveals).
    """
    alice = np.asarray(alice_bits, dtype=np.uint8)
    bob = np.asarray(bob_bits, dtype=np.uint8)
    empty = np.zeros(0, dtype=np.uint8)
    if alice.size != bob.size:
        raise ValueError("alice_bits and bob_bits must have the same length")
    if alice.size == 0:
        return DecoyKey(empty, empty, None, False, None, "no key: no sifted signal bits")
    rng = np.random.default_rng([int(seed), 0xDEC0])
    j = 1 if len(counts.intensities) > 1 and counts.sifted[1] > 0 else 0
    qber = counts.errors[j] / max(counts.sifted[j], 1)
    cas, verified = correct_and_verify(alice, bob, qber, rng, cascade_passes=cascade_passes,
                                       eps_cor=eps_cor)
    q_mu = counts.detections[0] / counts.pulses[0]
    fk = decoy_key_length(alice.size, q_mu, single_photon_bounds(counts, method, u_alpha),
                          cas.leaked_bits, eps_sec=eps_sec, eps_cor=eps_cor)
    return finish_key(alice, cas, verified, fk, rng)


__all__ = [
    "LENGTH_METHOD",
    "METHODS",
    "U_ALPHA",
    "correct_and_verify",
    "finish_key",
    "DecoyCounts",
    "DecoyKey",
    "DecoyKeyLength",
    "SinglePhotonBounds",
    "decoy_key_length",
    "distill_decoy_key",
    "single_photon_bounds",
]
