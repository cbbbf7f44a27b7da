"""Secret-key length for a finite number of rounds, with the penalty written out.

BBM92 (entanglement-based BB84) after Tomamichel, Lim, Gisin and Renner, Nat. Commun. 3, 634
(2012) (TLGR), Theorem 2, Eq. (2), for a source of preparation quality q = 1:

    l = floor( n (1 - h(e_ph)) - leak_EC - log2(2 / (eps_sec^2 eps_cor)) )

Term by term against the paper:

* **Sampling deviation** (Supplementary Note 2). Serfling's bound for sampling without
  replacement, Eq. (S10), gives ``Pr[L_key >= L + mu] <= eps^2`` (Eq. (S14), ``eps`` the smoothing
  parameter of Lemma 3) for ``mu = sqrt((n + k)/(n k) * (k + 1)/k * ln(1/eps))`` (Eq. (S15), the
  logarithm inside the root: ``n k^2 mu^2 / ((n + k)(k + 1)) = ln(1/eps)``). Theorem 2 splits
  ``eps_sec = 2 eps + eps_PA`` with ``eps = eps_sec / 4`` and ``eps_PA = eps_sec / 2``, hence the
  paper's ``mu = sqrt((n + k)/(n k) * (k + 1)/k * ln(4/eps_sec))``: :func:`sampling_deviation`
  with ``bases=1``. (Until this version the code used ``ln(2/eps_sec)``, which is smaller than the
  paper's constant: a slightly optimistic key.)
* **Two key bases** (our symmetric BBM92 keeps key bits from Z and from X; the paper's protocol
  keeps one key basis). The uncertainty relation (Eq. (4)) holds position by position, so each
  key basis ``b`` (``n_b`` bits) has its phase errors bounded by the sample of the conjugate basis
  (``k_c`` bits), a random partition of the same gedanken population. The two sampling events fail
  with probability at most ``eps_Z^2 + eps_X^2``, so ``eps_b = eps / sqrt(m)`` for ``m`` key bases
  keeps the smoothing at ``eps``: the logarithm becomes ``ln(4 sqrt(m) / eps_sec)``. The max-entropy
  of the combined string is at most ``sum_b n_b h(e_b + mu_b)`` (Eq. (S19) per block); the code
  uses ``n h(e_ph)`` with ``e_ph`` the bit-weighted mean of the bounds, which is never smaller
  (``h`` is concave): conservative.
* **Hashing and verification** (Eqs. (S2), (S3), (S6)): the leftover hash lemma costs
  ``2 log2(1/(2 eps_PA)) = log2(1/eps_sec^2)`` and the ``ceil(log2(1/eps_cor))``-bit tag at most
  ``log2(2/eps_cor)``: together ``log2(2 / (eps_sec^2 eps_cor))``. Defaults: eps_sec = 1e-10,
  eps_cor = 1e-15 (117.3 bits).
* ``leak_EC`` is the number of bits that error correction really disclosed (Cascade parities).
* The tolerated QBER ``Q_tol`` of the paper is the measured one here (a variable-length use of the
  fixed-length formula, as is common in simulations; a rigorous variable-length protocol needs
  the refinements of later work).

Relative to the asymptotic rate ``n (1 - h(Q_bit) - h(Q_phase))`` (Shor-Preskill, point
estimates) the penalty is the sum of three documented terms, returned separately:
``sampling = n (h(e_ph) - h(Q_phase))``, ``ec_inefficiency = leak_EC - n h(Q_bit)`` and
``overhead = log2(2 / (eps_sec^2 eps_cor))``.

E91 (device-independent bound of Acin et al., PRL 98, 230501 (2007), collective attacks):

    l = floor( n (1 - chi(S_low)) - leak_EC - log2(2 / (eps_sec^2 eps_cor)) ),
    chi(S) = h((1 + sqrt((S/2)^2 - 1)) / 2),  S_low = S - z * stderr(S),  z = Phi^-1(1 - eps_sec/2)

The DI finite-size step (lowering S by z standard errors) is a Gaussian-confidence heuristic,
not a composable DI proof (that needs entropy accumulation); it is labelled as such.

>>> round(sampling_deviation(10**6, 10**5, 1e-10), 5)   # TLGR Eq. (2): ln(4 / eps_sec)
0.01639
>>> round(overhead_bits(1e-10, 1e-15), 2)
117.27
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from scipy.stats import norm

from qnet_circuits.keys.estimation import QberEstimate
from qnet_circuits.physics import binary_entropy

EPS_SEC = 1e-10
EPS_COR = 1e-15
TSIRELSON = 2.0 * math.sqrt(2.0)


def _check_eps(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")


def sampling_deviation(n: int, k: int, eps_sec: float, bases: int = 1) -> float:
    """Deviation ``mu`` between a sample's error rate (k bits) and the rest's (n bits).

    ``mu = sqrt((n + k)/(n k) * (k + 1)/k * ln(4 sqrt(bases) / eps_sec))``: TLGR 2012 Eq. (2)
    for one key basis (``bases=1``), with the union bound of the module doc for ``bases`` key
    bases sharing the smoothing parameter ``eps_sec / 4``; dimensionless.
    """
    if n < 1 or k < 1:
        raise ValueError(f"n and k must be >= 1 (key and sample sizes), got n={n}, k={k}")
    _check_eps("eps_sec", eps_sec)
    if not isinstance(bases, int) or bases < 1:
        raise ValueError(f"bases must be an int >= 1 (key bases), got {bases!r}")
    smoothing = eps_sec / (4.0 * math.sqrt(bases))
    return math.sqrt((n + k) / (n * k) * (k + 1) / k * math.log(1.0 / smoothing))


def overhead_bits(eps_sec: float, eps_cor: float) -> float:
    """``log2(2 / (eps_sec^2 eps_cor))``: privacy-amplification and verification cost in bits."""
    _check_eps("eps_sec", eps_sec)
    _check_eps("eps_cor", eps_cor)
    return math.log2(2.0) - 2.0 * math.log2(eps_sec) - math.log2(eps_cor)


def verification_tag_bits(eps_cor: float) -> int:
    """Length ``ceil(log2(1/eps_cor))`` of the error-verification hash tag."""
    _check_eps("eps_cor", eps_cor)
    return math.ceil(-math.log2(eps_cor))


def holevo_chsh(s: float) -> float:
    """Eve's Holevo information bound ``h((1 + sqrt((S/2)^2 - 1))/2)`` (1 for S <= 2)."""
    if s <= 2.0:
        return 1.0
    s = min(s, TSIRELSON)
    return binary_entropy((1.0 + math.sqrt((s / 2.0) ** 2 - 1.0)) / 2.0)


@dataclass(frozen=True)
class FiniteKeyLength:
    """Secret-key length and the terms it is made of (all in bits unless stated).

    Attributes:
        length: final key length ``l`` (>= 0).
        n: key bits hashed.
        leak_ec: bits disclosed by error correction.
        overhead: ``log2(2 / (eps_sec^2 eps_cor))``.
        asymptotic_length: ``n * r`` at the point estimates (BBM92: ``1 - h(Q_bit) - h(Q_ph)``;
            E91: ``1 - h(Q) - chi(S)``).
        sampling_penalty: ``n (h(bound) - h(point estimate))`` of the phase error (BBM92) or of
            chi(S) (E91).
        ec_penalty: ``leak_ec - n h(Q_bit)`` (error-correction inefficiency).
        phase_error_bound: upper bound on the phase-error rate (BBM92; NaN for E91).
        chsh_lower: S lowered by z standard errors (E91; NaN for BBM92).
        mu: sampling deviation per key basis (BBM92).
        method: ``"bbm92-tlgr2012"`` or ``"di-chsh-gaussian"``.
    """

    length: int
    n: int
    leak_ec: int
    overhead: float
    asymptotic_length: float
    sampling_penalty: float
    ec_penalty: float
    phase_error_bound: float
    chsh_lower: float
    mu: Mapping[str, float] = field(default_factory=dict)
    method: str = "bbm92-tlgr2012"

    @property
    def penalty(self) -> float:
        """Total finite-size penalty ``sampling + ec + overhead`` (asymptotic minus raw length)."""
        return self.sampling_penalty + self.ec_penalty + self.overhead


def _bit_entropy(n_by_basis: Mapping[str, int], qber: Mapping[str, QberEstimate]) -> float:
    """``sum_b n_b h(Q_b)``: Shannon limit of the error-correction leak."""
    return sum(n_b * binary_entropy(min(qber[b].value, 0.5)) for b, n_b in n_by_basis.items())


def bbm92_key_length(
    n_by_basis: Mapping[str, int],
    qber: Mapping[str, QberEstimate],
    leak_ec: int,
    *,
    conjugate: Mapping[str, str] | None = None,
    eps_sec: float = EPS_SEC,
    eps_cor: float = EPS_COR,
) -> FiniteKeyLength:
    """Finite-key length for BBM92 (see the module doc for the formula).

    Args:
        n_by_basis: key bits per basis (after the sample was removed), e.g. ``{"Z": .., "X": ..}``.
        qber: sampled QBER per basis.
        leak_ec: bits disclosed by error correction.
        conjugate: basis whose sample bounds each key basis's phase errors (default Z <-> X).
        eps_sec, eps_cor: secrecy and correctness parameters, in (0, 1).
    """
    conj = dict(conjugate) if conjugate is not None else {"Z": "X", "X": "Z"}
    n = int(sum(n_by_basis.values()))
    if n < 1:
        raise ValueError("n_by_basis must hold at least one key bit")
    if leak_ec < 0:
        raise ValueError(f"leak_ec must be >= 0, got {leak_ec}")
    mu: dict[str, float] = {}
    weighted_bound = 0.0
    weighted_point = 0.0
    for b, n_b in n_by_basis.items():
        if b not in conj or conj[b] not in qber:
            raise ValueError(f"no conjugate-basis sample for key basis {b!r}; pass conjugate=")
        est = qber[conj[b]]
        mu[b] = sampling_deviation(max(n_b, 1), est.sample_size, eps_sec, len(n_by_basis))
        weighted_bound += n_b * min(est.value + mu[b], 0.5)
        weighted_point += n_b * est.value
    e_ph = weighted_bound / n
    e_point = weighted_point / n
    ovh = overhead_bits(eps_sec, eps_cor)
    shannon_ec = _bit_entropy(n_by_basis, qber)
    asym = n - shannon_ec - n * binary_entropy(min(e_point, 0.5))
    raw = n * (1.0 - binary_entropy(e_ph)) - leak_ec - ovh
    return FiniteKeyLength(
        length=max(0, math.floor(raw)),
        n=n,
        leak_ec=int(leak_ec),
        overhead=ovh,
        asymptotic_length=asym,
        sampling_penalty=n * (binary_entropy(e_ph) - binary_entropy(min(e_point, 0.5))),
        ec_penalty=leak_ec - shannon_ec,
        phase_error_bound=e_ph,
        chsh_lower=float("nan"),
        mu=mu,
        method="bbm92-tlgr2012",
    )


def di_key_length(
    n_by_basis: Mapping[str, int],
    qber: Mapping[str, QberEstimate],
    leak_ec: int,
    chsh: float,
    chsh_stderr: float,
    *,
    eps_sec: float = EPS_SEC,
    eps_cor: float = EPS_COR,
) -> FiniteKeyLength:
    """Finite-key length for E91 from the device-independent CHSH bound (module doc)."""
    n = int(sum(n_by_basis.values()))
    if n < 1:
        raise ValueError("n_by_basis must hold at least one key bit")
    if chsh_stderr < 0 or not math.isfinite(chsh_stderr):
        raise ValueError(f"chsh_stderr must be finite and >= 0, got {chsh_stderr!r}")
    z = float(norm.isf(eps_sec / 2.0))
    s_low = chsh - z * chsh_stderr
    chi_low = holevo_chsh(s_low)
    chi_point = holevo_chsh(chsh)
    ovh = overhead_bits(eps_sec, eps_cor)
    shannon_ec = _bit_entropy(n_by_basis, qber)
    raw = n * (1.0 - chi_low) - leak_ec - ovh
    return FiniteKeyLength(
        length=max(0, math.floor(raw)),
        n=n,
        leak_ec=int(leak_ec),
        overhead=ovh,
        asymptotic_length=n - shannon_ec - n * chi_point,
        sampling_penalty=n * (chi_low - chi_point),
        ec_penalty=leak_ec - shannon_ec,
        phase_error_bound=float("nan"),
        chsh_lower=s_low,
        mu={},
        method="di-chsh-gaussian",
    )
