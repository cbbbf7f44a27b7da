"""Teleport one-qubit states over a noisy resource pair; each fidelity against the closed form.

By default the six cardinal states are teleported (a 3-design: their mean fidelity is the Haar
average); each fidelity is the frequency of 0 after Bob undoes the state's preparation.
Resource: a Werner fidelity or Bell-diagonal coefficients. Noise: ``gate_error`` (after Alice's
BSM CNOT) and ``readout_error`` (each BSM bit) at Alice; Bob's check is ideal.

Theory: the teleportation channel is the Pauli channel whose Choi coefficients are those of
swapping an ideal pair with the resource through the (noisy) BSM (reference section 4 map); a
Bloch vector n then has fidelity sum_P p_P (1 + n . n_P)/2, i.e. A+D, A+C, A+B for Z, X, Y
states and (2F+1)/3 for every state with a Werner resource (section 6).

>>> result = run(TeleportParams(fidelity=0.9, states=("0", "+")), shots=2000, seed=2)
>>> round(result.theory["fidelity"], 6)
0.933333
>>> all(s.fidelity.within(s.theory, k=4) for s in result.states.values())
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qnet_circuits import physics
from qnet_circuits.analysis import proportion
from qnet_circuits.library.options import CARDINAL_STATES, CORRECTIONS
from qnet_circuits.library.swapping import IDEAL
from qnet_circuits.library.teleportation import state_angles, teleport_circuit
from qnet_circuits.protocols import plots
from qnet_circuits.protocols.base import Provenance, check_finite, resolve_runner, resolve_shots
from qnet_circuits.protocols.pairs import (
    Coefficients,
    check_choice,
    check_noise,
    node_network,
    normalize_bell_diagonal,
    normalize_fidelities,
    resolve_pairs,
    single_pair,
)
from qnet_circuits.results import Estimate
from qnet_circuits.run import progress

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.run import Runner

#: shots per state when ``run`` is given none (``qnet teleport``'s default)
DEFAULT_SHOTS = 4000


@dataclass(frozen=True)
class TeleportParams:
    """Teleportation of cardinal states or one U(theta, phi, 0)|0> state (validated).

    Attributes:
        fidelity: Werner fidelity of the resource pair (one value), or None.
        bell_diagonal: (A, B, C, D) of the resource instead (one row), or None (ideal pair).
        gate_error: two-qubit depolarizing lambda after Alice's BSM CNOT.
        readout_error: bit-flip probability of each BSM bit.
        states: cardinal labels to teleport (default: all six), or None.
        theta, phi: teleport U(theta, phi, 0)|0> instead (radians); not with ``states``.
        correction: ``"dynamic"`` (if_test) or ``"deferred"`` (controlled gates).
        resource: the resolved coefficients of the resource pair (derived).
    """

    fidelity: float | Sequence[float] | None = None
    bell_diagonal: Sequence[Sequence[float]] | None = None
    gate_error: float = 0.0
    readout_error: float = 0.0
    states: Sequence[str] | None = None
    theta: float | None = None
    phi: float = 0.0
    correction: str = "dynamic"
    resource: Coefficients = field(init=False)

    def __post_init__(self) -> None:
        lam, eps = check_noise(self.gate_error, self.readout_error)
        object.__setattr__(self, "gate_error", lam)
        object.__setattr__(self, "readout_error", eps)
        object.__setattr__(self, "fidelity", normalize_fidelities(self.fidelity))
        object.__setattr__(self, "bell_diagonal", normalize_bell_diagonal(self.bell_diagonal))
        pairs = resolve_pairs(self.fidelity, self.bell_diagonal, (IDEAL,))
        object.__setattr__(self, "resource", single_pair(pairs, "teleport", "resource pair"))
        if self.theta is not None:
            if self.states:
                raise ValueError("use either --state or --theta/--phi, not both")
            object.__setattr__(self, "theta", check_finite("--theta", self.theta))
        object.__setattr__(self, "phi", check_finite("--phi", self.phi))
        if self.states is not None:
            try:
                states = (self.states,) if isinstance(self.states, str) else tuple(self.states)
            except TypeError:
                raise ValueError(f"--state must be a cardinal state name or a list of them, "
                                 f"got {self.states!r}") from None
            for s in states:
                check_choice("--state", s, tuple(CARDINAL_STATES))
            object.__setattr__(self, "states", states or None)
        check_choice("--correction", self.correction, CORRECTIONS)

    @property
    def targets(self) -> dict[str, Any]:
        """label -> state spec of every state to teleport (a label, or (theta, phi))."""
        if self.theta is not None:
            return {f"theta={self.theta:g},phi={self.phi:g}": (self.theta, self.phi)}
        return {s: s for s in (self.states or list(CARDINAL_STATES))}


def circuits(params: TeleportParams) -> list[QuantumCircuit]:
    """One teleportation circuit per state (preparation, BSM, correction, Bob's check)."""
    return [teleport_circuit(s, params.resource, correction=params.correction)
            for s in params.targets.values()]


def choi(params: TeleportParams) -> Coefficients:
    """Pauli-channel coefficients (I, Y, X, Z) = (A, B, C, D) of the noisy teleportation."""
    eps_eff = params.readout_error if params.correction == "dynamic" else 0.0
    return physics.swap_bell_diagonal(IDEAL, params.resource, params.gate_error, eps_eff)


@dataclass(frozen=True)
class TeleportedState:
    """One teleported state: its fidelity (frequency of Bob's check = 0) and theory."""

    fidelity: Estimate
    theory: float


@dataclass(frozen=True)
class TeleportResult:
    """Teleportation fidelities beside their closed forms.

    Attributes:
        params: what was run.
        states: label -> fidelity and theory of each state.
        fidelity: mean over the states (standard errors combined).
        method: the simulation method the runner chose.
        theory: ``fidelity`` (mean theory), ``per_basis`` (Z, X, Y state fidelities),
            ``channel`` (the Pauli channel), ``classical_limit`` (2/3).
        provenance: seed, shots per state, backend, runner options, versions.
    """

    params: TeleportParams
    states: Mapping[str, TeleportedState]
    fidelity: Estimate
    method: str | None
    theory: Mapping[str, Any]
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet teleport`` (plus ``provenance``)."""
        p = self.params
        return {
            "command": "teleport",
            "resource": list(p.resource),
            "correction": p.correction,
            "gate_error": p.gate_error,
            "readout_error": p.readout_error,
            "fidelity": self.fidelity.value,
            "fidelity_stderr": self.fidelity.stderr,
            "theory": self.theory["fidelity"],
            "states": {label: {"fidelity": s.fidelity.value, "fidelity_stderr": s.fidelity.stderr,
                               "theory": s.theory} for label, s in self.states.items()},
            "theory_per_basis": dict(self.theory["per_basis"]),
            "classical_limit": self.theory["classical_limit"],
            "shots": self.provenance.shots,
            "seed": self.provenance.seed,
            "method": self.method,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Each state's fidelity beside its theory, with the classical limit 2/3."""
        labels = list(self.states)
        ax = plots.compare_bars(ax, [f"|{s}⟩" for s in labels],
                                [self.states[s].fidelity for s in labels],
                                [self.states[s].theory for s in labels], ylabel="fidelity",
                                title="teleportation")
        ax.axhline(self.theory["classical_limit"], color="k", ls="--", lw=1)
        return ax


def run(params: TeleportParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> TeleportResult:
    """Teleport every state (``shots`` each) and compare each fidelity with theory."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    targets = params.targets
    network = node_network(["alice", "bob"], ["alice"], params.gate_error, params.readout_error)
    backend = resolve_runner(runner)
    with progress.partial_ok():  # after Ctrl-C: the finished shots of every state (d.shots)
        data = backend.run(circuits(params), shots=shots, seed=seed, network=network)
    channel = choi(params)
    states = {}
    for (label, spec), d in zip(targets.items(), data, strict=True):
        check = d[d.metadata["verify_register"]][:, 0]
        theta, phi = state_angles(spec)
        states[label] = TeleportedState(proportion(int((check == 0).sum()), d.shots),
                                        physics.pauli_channel_fidelity(channel, theta, phi))
    k = len(states)
    mean = sum(s.fidelity.value for s in states.values()) / k
    stderr = math.sqrt(sum(s.fidelity.stderr ** 2 for s in states.values())) / k
    return TeleportResult(
        params=params,
        states=states,
        fidelity=Estimate(mean, stderr),
        method=data[0].metadata.get("method"),
        theory={"fidelity": sum(s.theory for s in states.values()) / k,
                "per_basis": physics.teleport_fidelities_bell_diagonal(channel),
                "channel": channel, "classical_limit": physics.CLASSICAL_TELEPORT_FIDELITY},
        provenance=Provenance.collect("teleport", backend, seed=seed, shots=shots),
    )


__all__ = [
    "DEFAULT_SHOTS",
    "TeleportParams",
    "TeleportResult",
    "TeleportedState",
    "choi",
    "circuits",
    "run",
]
