"""Input pairs, node noise and Pauli-basis runs shared by swap, purify, teleport and remote-cnot.

These protocols consume prepared Bell-diagonal pairs (given as Werner fidelities or as
coefficients (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-)) and model imperfect nodes with two numbers:
a two-qubit depolarizing ``gate_error`` after each two-qubit gate and a bit-flip ``readout_error``
on each measurement, at the nodes the protocol names. Messages use the command-line spelling of
the fields (``--fidelity``, ``--gate-error``), which is how users meet them first.

>>> [round(c, 4) for c in resolve_pairs(fidelity=(0.9,), bell_diagonal=None, default=(0.8,))[0]]
[0.9, 0.0333, 0.0333, 0.0333]
>>> resolve_pairs(fidelity=None, bell_diagonal=None, default=((1.0, 0.0, 0.0, 0.0),))
((1.0, 0.0, 0.0, 0.0),)
>>> node_network(["alice", "bob"], ["alice"], 0.0, 0.0) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qnet_circuits import physics
from qnet_circuits.analysis import bell_coefficients_from_parities, bell_fidelity
from qnet_circuits.network import Fiber, Link, Network, Node
from qnet_circuits.results import Estimate

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.results import ShotData
    from qnet_circuits.run import Runner

#: Bell-diagonal coefficients (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-)
Coefficients = tuple[float, float, float, float]


# ---------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------


def normalize_fidelities(fidelity: Any) -> tuple[float, ...] | None:
    """``fidelity`` (None, one number or a sequence) as a tuple of floats, each checked in [0, 1]."""
    if fidelity is None:
        return None
    values = [fidelity] if isinstance(fidelity, (int, float)) else list(fidelity)
    out = []
    for i, f in enumerate(values, start=1):
        if isinstance(f, bool) or not isinstance(f, (int, float)):
            raise ValueError(f"--fidelity must be a number in [0, 1], got {f!r} for pair {i}")
        if not (math.isfinite(f) and 0.0 <= f <= 1.0):
            raise ValueError(
                f"--fidelity must be in [0, 1] (Werner fidelity to Phi+), got {f} for pair {i}"
            )
        out.append(float(f))
    if not out:
        raise ValueError("--fidelity must list at least one fidelity")
    return tuple(out)


def normalize_bell_diagonal(bell_diagonal: Any) -> tuple[tuple[float, ...], ...] | None:
    """``bell_diagonal`` (None or a sequence of (A, B, C, D)) as a tuple of float tuples."""
    if bell_diagonal is None:
        return None
    try:
        rows = tuple(tuple(float(v) for v in row) for row in bell_diagonal)
    except (TypeError, ValueError):
        raise ValueError(
            f"--bell-diagonal must list pairs of 4 numbers (A, B, C, D), got {bell_diagonal!r}"
        ) from None
    if not rows:
        raise ValueError("--bell-diagonal must list at least one pair (A, B, C, D)")
    return rows


def resolve_pairs(fidelity: tuple[float, ...] | None, bell_diagonal: Sequence[Sequence[float]] | None,
                  default: Sequence[Any]) -> tuple[Coefficients, ...]:
    """Validated coefficients of the given pairs: Werner ``fidelity`` values, ``bell_diagonal``
    rows, or ``default`` (fidelities or coefficient tuples) when neither is given."""
    if fidelity is not None and bell_diagonal is not None:
        raise ValueError("give either --fidelity or --bell-diagonal, not both")
    if fidelity is not None:
        return tuple(physics.werner_coefficients(f) for f in fidelity)
    if bell_diagonal is not None:
        return tuple(
            physics.validate_bell_diagonal(c, name=f"--bell-diagonal (pair {i})")
            for i, c in enumerate(bell_diagonal, start=1)
        )
    return tuple(physics.werner_coefficients(d) if isinstance(d, float) else tuple(d)
                 for d in default)


def single_pair(pairs: Sequence[Coefficients], command: str, role: str) -> Coefficients:
    """The one pair a protocol consumes; more than one is an error naming the command."""
    if len(pairs) != 1:
        raise ValueError(
            f"{command} uses one {role}: give one --fidelity or --bell-diagonal, got {len(pairs)}"
        )
    return pairs[0]


def check_noise(gate_error: Any, readout_error: Any) -> tuple[float, float]:
    """(gate_error, readout_error) as floats, each checked to lie in [0, 1]."""
    out = []
    for flag, value in (("--gate-error", gate_error), ("--readout-error", readout_error)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{flag} must be a probability in [0, 1], got {value!r}")
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"{flag} must be a probability in [0, 1], got {value}")
        out.append(float(value))
    return out[0], out[1]


def check_choice(flag: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; ValueError naming ``flag`` otherwise."""
    if value not in choices:
        raise ValueError(f"{flag} must be one of {', '.join(choices)}, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------
# noise and runs
# ---------------------------------------------------------------------------------------------


def node_network(names: Sequence[str], noisy: Sequence[str], gate_error: float,
                 readout_error: float) -> Network | None:
    """A path network over ``names`` where only the ``noisy`` nodes have gate/readout error.

    ``None`` when there is no noise (the runner then skips the noise passes).
    """
    if gate_error == 0.0 and readout_error == 0.0:
        return None
    nodes = tuple(
        Node(
            n,
            "end" if i in (0, len(names) - 1) else "repeater",
            gate_error=gate_error if n in noisy else 0.0,
            readout_error=readout_error if n in noisy else 0.0,
        )
        for i, n in enumerate(names)
    )
    links = tuple(Link(names[i], names[i + 1], Fiber(0.0)) for i in range(len(names) - 1))
    return Network(nodes, links)


def run_bases(runner: Runner, circuits: Sequence[QuantumCircuit], network: Network | None, *,
              shots: int, seed: int | None) -> list[dict[str, ShotData]]:
    """Run XX/YY/ZZ copies of every circuit in one runner call; a basis->data dict per circuit.
    After a Ctrl-C under a progress monitor every copy holds the same, smaller number of shots
    (``ShotData.shots``; the estimates use it)."""
    from qnet_circuits.library.measurement import pauli_basis_circuits
    from qnet_circuits.run import progress

    batches = [pauli_basis_circuits(qc, qc.metadata["pair"]) for qc in circuits]
    flat = [c for b in batches for c in b.values()]
    with progress.partial_ok():
        data = runner.run(flat, shots=shots, seed=seed, network=network)
    return [dict(zip(b, data[3 * i: 3 * i + 3], strict=True)) for i, b in enumerate(batches)]


# ---------------------------------------------------------------------------------------------
# estimates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairEstimates:
    """Phi+ fidelity and Bell-diagonal coefficients (A, B, C, D) of a pair, from XX/YY/ZZ."""

    fidelity: Estimate
    coefficients: tuple[Estimate, Estimate, Estimate, Estimate]

    def to_dict(self) -> dict[str, Any]:
        """The JSON keys ``fidelity``, ``fidelity_stderr``, ``coefficients``, ``coefficients_stderr``."""
        return {
            "fidelity": self.fidelity.value,
            "fidelity_stderr": self.fidelity.stderr,
            "coefficients": [c.value for c in self.coefficients],
            "coefficients_stderr": [c.stderr for c in self.coefficients],
        }


def pair_estimates(by_basis: Mapping[str, ShotData]) -> PairEstimates:
    """Fidelity and Bell-diagonal coefficients (with standard errors) from XX/YY/ZZ data."""
    coeffs = bell_coefficients_from_parities(by_basis)
    return PairEstimates(bell_fidelity(by_basis), tuple(coeffs[k] for k in "ABCD"))


__all__ = [
    "Coefficients",
    "PairEstimates",
    "check_choice",
    "check_noise",
    "node_network",
    "normalize_bell_diagonal",
    "normalize_fidelities",
    "pair_estimates",
    "resolve_pairs",
    "run_bases",
    "single_pair",
]
