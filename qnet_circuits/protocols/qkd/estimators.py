"""QKD estimators on per-round records (:class:`~qnet_circuits.keys.rounds.Rounds`).

* :func:`correlator` ``E = <(-1)^(a xor b)>`` for one setting pair, stderr ``sqrt((1 - E^2)/n)``;
* :func:`chsh` ``S = E00 + E01 + E10 - E11`` at the settings' CHSH terms, variances added;
* :func:`qber_by_basis` over all sifted rounds of each key basis (binomial stderr);
* :func:`asymptotic_key_rate` per sifted bit (BBM92: ``1 - h(Q_Z) - h(Q_X)``; E91: the
  device-independent ``1 - h(Q) - h((1 + sqrt((S/2)^2 - 1))/2)``), and
  :func:`key_rate_per_second` from a delivery rate;
* :func:`eve_guess_probability` Eve's chance of guessing each sifted bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from qnet_circuits import physics
from qnet_circuits.keys.rounds import Rounds
from qnet_circuits.keys.sifting import SiftedKey
from qnet_circuits.library.qkd import QkdSettings
from qnet_circuits.results import Estimate


def correlator(rounds: Rounds, pair: tuple[int, int]) -> Estimate:
    """``E = <(-1)^(a xor b)>`` over the rounds of setting ``pair``; stderr ``sqrt((1-E^2)/n)``."""
    sel = (rounds.alice_setting == pair[0]) & (rounds.bob_setting == pair[1])
    n = int(np.count_nonzero(sel))
    if n == 0:
        raise ValueError(f"too few pairs: no round used setting {pair}; increase pairs")
    agree = int(np.count_nonzero(rounds.alice_bit[sel] == rounds.bob_bit[sel]))
    e = (2 * agree - n) / n
    return Estimate(e, math.sqrt(max(1.0 - e * e, 0.0) / n))


def chsh(rounds: Rounds, settings: QkdSettings) -> Estimate:
    """CHSH ``S = sum sign E(pair)`` at ``settings.chsh_terms``; the four terms are independent
    rounds, so their variances add."""
    if not settings.chsh_terms:
        raise ValueError(f"protocol {settings.protocol!r} has no CHSH settings (use e91)")
    terms = [(correlator(rounds, pair), sign) for pair, sign in settings.chsh_terms]
    value = sum(sign * e.value for e, sign in terms)
    return Estimate(value, math.sqrt(sum(e.stderr**2 for e, _ in terms)))


def qber_by_basis(sifted: SiftedKey) -> dict[str, Estimate]:
    """QBER over all sifted bits of each key basis, with binomial stderr."""
    out: dict[str, Estimate] = {}
    for b, name in enumerate(sifted.basis_names):
        sel = sifted.basis == b
        n = int(np.count_nonzero(sel))
        if n == 0:
            raise ValueError(f"too few pairs: no sifted bit in basis {name}; increase pairs")
        q = int(np.count_nonzero(sifted.alice[sel] != sifted.bob[sel])) / n
        out[name] = Estimate(q, math.sqrt(q * (1.0 - q) / n))
    return out


def asymptotic_key_rate(protocol: str, qber: Mapping[str, float], s: float | None = None) -> float:
    """Asymptotic secret-key rate per sifted bit (clipped at 0).

    BBM92: ``1 - h(Q_Z) - h(Q_X)`` (Shor-Preskill); E91: device-independent
    ``1 - h(Q) - h((1 + sqrt((S/2)^2 - 1))/2)`` with Q the mean QBER of the key bases.

    >>> round(asymptotic_key_rate("bbm92", {"Z": 0.05, "X": 0.05}), 6)
    0.427206
    """
    if protocol == "bbm92":
        return physics.key_rate_bbm92(min(qber["Z"], 0.5), min(qber["X"], 0.5))
    if protocol == "e91":
        if s is None:
            raise ValueError("E91 key rate needs the CHSH value s")
        q = float(np.mean(list(qber.values())))
        return physics.key_rate_di(min(q, 0.5), max(-4.0, min(4.0, s)))
    raise ValueError(f"protocol must be 'e91' or 'bbm92', got {protocol!r}")


def key_rate_per_second(rate_per_pair: float, delivery_rate_hz: float) -> float:
    """Secret-key rate in bit/s: ``rate per delivered pair * pairs per second``."""
    if delivery_rate_hz < 0 or rate_per_pair < 0:
        raise ValueError("rate_per_pair and delivery_rate_hz must be >= 0")
    return rate_per_pair * delivery_rate_hz


def eve_guess_probability(rounds: Rounds, sifted: SiftedKey) -> float:
    """Probability that Eve guesses a sifted key bit: her outcome where she intercepted (whatever
    her basis), a coin flip (1/2) elsewhere. 1/2 means she learned nothing."""
    if sifted.n == 0:
        return 0.5
    idx = sifted.round_index
    attacked = rounds.eve_attack[idx].astype(bool)
    right = rounds.eve_bit[idx] == rounds.alice_bit[idx]
    return float(np.mean(np.where(attacked, right.astype(float), 0.5)))


__all__ = [
    "asymptotic_key_rate",
    "chsh",
    "correlator",
    "eve_guess_probability",
    "key_rate_per_second",
    "qber_by_basis",
]
