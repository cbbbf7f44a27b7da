"""What every UBQC module shares: angles in units of pi/4, vertex roles, option vocabularies.

UBQC needs every measurement angle in {k pi/4}; modules store angles as the integer k (0..7)
and convert with :data:`QUARTER`.

>>> angle_index(math.pi / 2), round(parse_angle("-pi/4"), 6)
(2, -0.785398)
"""

from __future__ import annotations

import math
import re
from typing import Literal

from qnet_circuits.library.options import BLIND_ATTACKS

QUARTER = math.pi / 4
#: Server deviations: a Pauli on one position just before its measurement, or a flipped report.
ATTACKS = BLIND_ATTACKS
Attack = Literal["x", "y", "z", "misreport"]
Correction = Literal["dynamic", "deferred"]

ROLE_COMPUTE, ROLE_TRAP, ROLE_DUMMY = 0, 1, 2


def angle_index(value: float, name: str = "angle") -> int:
    """The k in ``value = k pi/4 (mod 2 pi)``, k in 0..7; ``ValueError`` if not such a multiple.

    UBQC needs every measurement angle in {k pi/4}: only then is delta uniform on that set.

    >>> angle_index(3 * math.pi / 4), angle_index(-math.pi / 2)
    (3, 6)
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number (radians), got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    k = round(x / QUARTER)
    if abs(x - k * QUARTER) > 1e-9 * max(1.0, abs(x)):
        raise ValueError(
            f"{name} must be a multiple of pi/4 (UBQC angles lie in {{k pi/4}}), got {x!r}; "
            f"use e.g. {k}*pi/4"
        )
    return k % 8


_ANGLE_RE = re.compile(
    r"^\s*(?P<sign>[+-])?\s*(?P<num>\d+(\.\d*)?|\.\d+)?\s*\*?\s*pi\s*(/\s*(?P<den>\d+(\.\d*)?))?\s*$"
)


def parse_angle(text: str) -> float:
    """Parse ``"pi/4"``, ``"3pi/4"``, ``"-3*pi/2"``, ``"pi"``, ``"0"`` or a float (radians).

    >>> round(parse_angle("3pi/4"), 6), parse_angle("0.5")
    (2.356194, 0.5)
    """
    if not isinstance(text, str):
        raise ValueError(f"angle must be a string like 'pi/4' or '0.785', got {text!r}")
    m = _ANGLE_RE.match(text.lower())
    if m:
        num = float(m.group("num")) if m.group("num") else 1.0
        den = float(m.group("den")) if m.group("den") else 1.0
        if den == 0:
            raise ValueError(f"angle {text!r} divides by zero")
        value = num * math.pi / den
        return -value if m.group("sign") == "-" else value
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"cannot parse angle {text!r}; use radians or forms like 'pi/4', '3pi/4', '-pi/2'"
        ) from None


def delta_multiset(phi: float, s_x: int = 0, s_z: int = 0) -> dict[int, int]:
    """Exact multiset of delta = phi' + theta + r pi over the 16 (theta, r): {k: count}.

    Blindness: every k in 0..7 occurs exactly twice, whatever phi and the corrections.

    >>> delta_multiset(math.pi / 4, s_x=1) == {k: 2 for k in range(8)}
    True
    """
    k = angle_index(phi, "phi")
    if s_x not in (0, 1) or s_z not in (0, 1):
        raise ValueError("s_x and s_z must be 0 or 1")
    phi_prime = ((-k if s_x else k) + 4 * s_z) % 8
    out = {j: 0 for j in range(8)}
    for theta in range(8):
        for r in range(2):
            out[(phi_prime + theta + 4 * r) % 8] += 1
    return out


__all__ = [
    "ATTACKS",
    "QUARTER",
    "ROLE_COMPUTE",
    "ROLE_DUMMY",
    "ROLE_TRAP",
    "Attack",
    "Correction",
    "angle_index",
    "delta_multiset",
    "parse_angle",
]
