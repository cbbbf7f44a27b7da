"""Teleportation and the remote CNOT with Bell-diagonal resources (reference sections 6, 13)."""

from __future__ import annotations

from collections.abc import Sequence

from qnet_circuits.physics._checks import _fidelity
from qnet_circuits.physics.states import validate_bell_diagonal

__all__ = [
    "CLASSICAL_TELEPORT_FIDELITY",
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
