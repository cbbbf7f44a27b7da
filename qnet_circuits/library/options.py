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

#: Every form of a Bell-state measurement's correction (library.swapping.append_bell_measurement):
#: the CORRECTIONS, ``"measured"`` (controlled gates from the measured qubits, after measuring) and
#: ``"frame"`` (no correction: the outcomes are the Pauli frame, corrected in software).
BSM_FORMS: tuple[str, ...] = (*CORRECTIONS, "measured", "frame")

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

#: Blind-computation servers (protocols.blind): name -> its deviation in BLIND_ATTACKS, or None.
BLIND_SERVERS: dict[str, str | None] = {
    "honest": None,
    "deviate-x": "x",
    "deviate-y": "y",
    "deviate-z": "z",
    "misreport": "misreport",
}
#: The blind protocol's 3-qubit line program (measurement angles PHI1, PHI2).
BLIND_LINE = "line"
#: Built-in blind programs (protocols.blind): name -> gates compiled to the brickwork.
BLIND_PROGRAMS: dict[str, str] = {
    "cnot": "x 0; cx 0 1",
    "bell": "h 0; cx 0 1",
    "rotations": "h 0; t 0; h 0",
    "deep": "h 0; t 0; cx 0 1; h 1; s 1; cx 1 0; t 0; h 0; rx(pi/4) 1; cx 0 1; h 0",
}

#: Repeater-chain link levels (closed-form heralded states, or photonic attempts), estimators of
#: the delivered pair, and the purification choices of ``qnet chain --purify``.
CHAIN_LINK_LEVELS: tuple[str, ...] = ("state", "photonic")
CHAIN_ESTIMATORS: tuple[str, ...] = ("parities", "density_matrix")
CHAIN_PURIFICATIONS: tuple[str, ...] = ("none", *PURIFICATION_PROTOCOLS)

#: QKD counts (protocols.qkd): runner shots, or the exact distribution sampled (Aer only).
QKD_SAMPLINGS: tuple[str, ...] = ("shots", "exact")
#: QKD pair sources (protocols.qkd): a Werner pair, or the link's heralded state.
QKD_SOURCES: tuple[str, ...] = ("werner", "link")

__all__ = [
    "BLIND_ATTACKS",
    "BLIND_LINE",
    "BLIND_PROGRAMS",
    "BLIND_SERVERS",
    "BSM_FORMS",
    "CARDINAL_STATES",
    "CHAIN_ESTIMATORS",
    "CHAIN_LINK_LEVELS",
    "CHAIN_PURIFICATIONS",
    "CORRECTIONS",
    "EAVESDROPPERS",
    "PURIFICATION_PROTOCOLS",
    "QKD_PROTOCOLS",
    "QKD_SAMPLINGS",
    "QKD_SOURCES",
]
