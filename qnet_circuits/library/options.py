"""The vocabularies of the builders' options, importable without Qiskit.

The command line offers these as choices while it builds its parsers, before anything imports
Qiskit (``qnet --help`` stays fast); the builders validate against the same tuples.

>>> CORRECTIONS
('dynamic', 'deferred')
>>> sorted(CARDINAL_STATES)
['+', '+i', '-', '-i', '0', '1']
"""

from __future__ import annotations

import math

#: Pauli-frame corrections: ``if_test`` feed-forward, or controlled gates before the measurement.
CORRECTIONS: tuple[str, ...] = ("dynamic", "deferred")

#: Purification protocols (library.purification).
PURIFICATION_PROTOCOLS: tuple[str, ...] = ("bbpssw", "dejmps")

#: Entanglement-based QKD protocols and eavesdroppers (library.qkd).
QKD_PROTOCOLS: tuple[str, ...] = ("e91", "bbm92")
EAVESDROPPERS: tuple[str, ...] = ("none", "intercept-resend", "intercept-resend-z")

#: The six cardinal states as (theta, phi) of U(theta, phi, 0)|0> (radians; library.teleportation).
CARDINAL_STATES: dict[str, tuple[float, float]] = {
    "0": (0.0, 0.0),
    "1": (math.pi, 0.0),
    "+": (math.pi / 2, 0.0),
    "-": (math.pi / 2, math.pi),
    "+i": (math.pi / 2, math.pi / 2),
    "-i": (math.pi / 2, -math.pi / 2),
}

#: Blind-server deviations: a Pauli on one position before its measurement, or a flipped report.
BLIND_ATTACKS: tuple[str, ...] = ("x", "y", "z", "misreport")

# protocol-level vocabularies

#: QKD counts (protocols.qkd): runner shots, or the exact distribution sampled (Aer only).
QKD_SAMPLINGS: tuple[str, ...] = ("shots", "exact")
#: QKD pair sources (protocols.qkd): a Werner pair, or the link's heralded state.
QKD_SOURCES: tuple[str, ...] = ("werner", "link")

__all__ = [
    "BLIND_ATTACKS",
    "CARDINAL_STATES",
    "CORRECTIONS",
    "EAVESDROPPERS",
    "PURIFICATION_PROTOCOLS",
    "QKD_PROTOCOLS",
    "QKD_SAMPLINGS",
    "QKD_SOURCES",
]
