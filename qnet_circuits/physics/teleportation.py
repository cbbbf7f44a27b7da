"""Teleportation and the remote CNOT with Bell-diagonal resources (reference sections 6, 13)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from qnet_circuits.physics._checks import _fidelity
from qnet_circuits.physics.states import validate_bell_diagonal

__all__ = [
    "CLASSICAL_TELEPORT_FIDELITY",
    "average_gate_fidelity",
    "pauli_channel_fidelity",
    "remote_cnot_fidelities",
    "remote_cnot_flip_probability",
    "remote_cnot_process_fidelity",
    "teleport_fidelities_bell_diagonal",
    "teleport_fidelity_werner",
]

# ---------------------------------------------------------------------------------------------
# 6. Teleportation
# ---------------------------------------------------------------------------------------------

#: Best average fidelity of measure-and-prepare (classical) teleportation of a qubit.
CLASSICAL_TELEPORT_FIDELITY = 2.0 / 3.0


def teleport_fidelity_werner(f: float) -> float:
    """Teleportation fidelity ``(2F + 1)/3`` with a Werner resource (same for every input).

    >>> round(teleport_fidelity_werner(0.95), 6)
    0.966667
    """
    x = _fidelity("f", f)
    return (2.0 * x + 1.0) / 3.0


def teleport_fidelities_bell_diagonal(coeffs: Sequence[float]) -> dict[str, float]:
    """Per-basis teleportation fidelities with a Bell-diagonal resource (standard protocol).

    Keys: ``"Z"`` (|0>,|1>) = A + D, ``"X"`` (|+>,|->) = A + C, ``"Y"`` (|+-i>) = A + B,
    ``"average"`` = (2A + 1)/3 (Haar average = mean over the 6 cardinal states).

    >>> teleport_fidelities_bell_diagonal((0.9, 0, 0, 0.1))["Z"]
    1.0
    """
    a, b, c, d = validate_bell_diagonal(coeffs)
    return {"Z": a + d, "X": a + c, "Y": a + b, "average": (2.0 * a + 1.0) / 3.0}


# ---------------------------------------------------------------------------------------------
# 13. Remote CNOT
# ---------------------------------------------------------------------------------------------


def remote_cnot_fidelities(f: float) -> tuple[float, float]:
    """(process, average gate) fidelity of a remote CNOT with a Werner resource F:
    ``(F, (4F + 1)/5)``.

    >>> remote_cnot_fidelities(0.95)
    (0.95, 0.96)
    """
    x = _fidelity("f", f)
    return x, (4.0 * x + 1.0) / 5.0


def remote_cnot_process_fidelity(coeffs: Sequence[float]) -> float:
    """Process fidelity ``A`` of the remote CNOT with a Bell-diagonal resource.

    The resource gives CNOT followed by a Pauli channel: C -> X_t, D -> Z_c, B -> Z_c X_t.

    >>> remote_cnot_process_fidelity((0.9, 0.05, 0.03, 0.02))
    0.9
    """
    return validate_bell_diagonal(coeffs)[0]


def remote_cnot_flip_probability(coeffs: Sequence[float]) -> float:
    """Probability that input |c=1, t=0> gives |c=1, t=1>: ``A + D`` (X_t errors unflip).

    >>> from qnet_circuits.physics import werner_coefficients
    >>> round(remote_cnot_flip_probability(werner_coefficients(0.7)), 6)
    0.8
    """
    a, _, _, d = validate_bell_diagonal(coeffs)
    return a + d


def pauli_channel_fidelity(coeffs: Sequence[float], theta: float, phi: float) -> float:
    """Fidelity of U(theta, phi, 0)|0> (radians) through the Pauli channel I/Y/X/Z = A/B/C/D
    (reference section 6).

    >>> round(pauli_channel_fidelity((0.85, 0.05, 0.07, 0.03), math.pi / 2, math.pi / 2), 6)
    0.9
    """
    n = (math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi), math.cos(theta))
    a, b, c, d = validate_bell_diagonal(coeffs)
    keep = {  # n . n_P for P = X, Y, Z (components anticommuting with P flip sign)
        "X": n[0] ** 2 - n[1] ** 2 - n[2] ** 2,
        "Y": -(n[0] ** 2) + n[1] ** 2 - n[2] ** 2,
        "Z": -(n[0] ** 2) - n[1] ** 2 + n[2] ** 2,
    }
    return a + c * (1 + keep["X"]) / 2 + b * (1 + keep["Y"]) / 2 + d * (1 + keep["Z"]) / 2


def average_gate_fidelity(process_fidelity: float, dimension: int = 4) -> float:
    """``(d F_pro + 1) / (d + 1)`` for a channel on a ``dimension``-level system (Horodecki et al.
    1999; d = 4 for two qubits).

    >>> round(average_gate_fidelity(0.9), 6)
    0.92
    """
    return (dimension * process_fidelity + 1) / (dimension + 1)
