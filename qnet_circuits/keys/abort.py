"""Abort rules of the QKD protocols.

* Any key basis with estimated QBER above ``qber_threshold`` aborts (default 11%, where the
  BBM92 / Shor-Preskill rate ``1 - 2h(Q)`` reaches zero for symmetric errors).
* E91 aborts when the measured CHSH value does not violate the local bound: ``S <= 2``.
* Later steps add: no positive finite-key length, or a failed error-verification tag.

>>> check_abort("e91", {"X": 0.02}, chsh=1.9).reasons
('S = 1.9000 <= 2 (no Bell violation)',)
>>> check_abort("bbm92", {"Z": 0.01, "X": 0.30}).aborted
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: Default QBER abort threshold (the 11% zero of 1 - 2h(Q)).
QBER_THRESHOLD = 0.11
PROTOCOLS = ("e91", "bbm92")


@dataclass(frozen=True)
class AbortDecision:
    """Whether to abort, with the reasons (empty when the protocol goes on)."""

    aborted: bool
    reasons: tuple[str, ...]


def check_abort(
    protocol: str,
    qber: Mapping[str, float],
    *,
    chsh: float | None = None,
    qber_threshold: float = QBER_THRESHOLD,
) -> AbortDecision:
    """Apply the QBER and CHSH abort rules.

    Args:
        protocol: ``"e91"`` or ``"bbm92"``.
        qber: estimated QBER per key basis.
        chsh: measured CHSH value S (required for E91).
        qber_threshold: abort when any basis QBER exceeds it, in (0, 0.5].
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    if not 0.0 < qber_threshold <= 0.5:
        raise ValueError(f"qber_threshold must be in (0, 0.5], got {qber_threshold!r}")
    reasons: list[str] = []
    for basis, q in qber.items():
        if q > qber_threshold:
            reasons.append(f"QBER_{basis} = {q:.4f} > threshold {qber_threshold:.4f}")
    if protocol == "e91":
        if chsh is None:
            raise ValueError("chsh is required for protocol 'e91' (pass the measured S)")
        if chsh <= 2.0:
            reasons.append(f"S = {chsh:.4f} <= 2 (no Bell violation)")
    return AbortDecision(bool(reasons), tuple(reasons))
