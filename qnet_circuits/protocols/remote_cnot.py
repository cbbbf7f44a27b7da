"""A CNOT between Alice and Bob from one Bell pair and two classical bits.

Runs the truth table (inputs 00, 01, 10, 11, read in Z) and the entangling case |+>|0>, whose
Phi+ fidelity (from XX/YY/ZZ parities) is the process fidelity A of the gate for a Bell-diagonal
resource (reference section 13: the resource adds I/Z_cX_t/X_t/Z_c with probabilities A/B/C/D).
Each computational input gives the right output with probability A + D. Noise: ``gate_error``
after the local CNOTs and ``readout_error`` on every measurement, at both nodes (no closed form
then: ``theory`` is empty).

>>> result = run(RemoteCnotParams(fidelity=0.9), shots=2000, seed=4)
>>> round(result.theory["fidelity"], 6), round(result.theory["average_gate_fidelity"], 6)
(0.9, 0.92)
>>> result.fidelity.within(0.9, k=4)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qiskit.circuit import ClassicalRegister

from qnet_circuits import physics
from qnet_circuits.analysis import bell_fidelity, proportion
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.options import CORRECTIONS
from qnet_circuits.library.swapping import IDEAL
from qnet_circuits.library.teleportation import remote_cnot_circuit
from qnet_circuits.protocols import plots
from qnet_circuits.protocols.base import Provenance, resolve_runner, resolve_shots
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
from qnet_circuits.run import progress

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.results import Estimate
    from qnet_circuits.run import Runner

#: shots per circuit when ``run`` is given none (``qnet remote-cnot``'s default)
DEFAULT_SHOTS = 4000
#: truth-table inputs: control bit, target bit
INPUTS = ("00", "01", "10", "11")


@dataclass(frozen=True)
class RemoteCnotParams:
    """A remote CNOT over one shared pair (validated; messages use the command's flag names).

    Attributes:
        fidelity: Werner fidelity of the shared pair (one value), or None.
        bell_diagonal: (A, B, C, D) of the shared pair instead (one row), or None (ideal pair).
        gate_error: two-qubit depolarizing lambda after the local CNOTs, at both nodes.
        readout_error: bit-flip probability of every measurement, at both nodes.
        correction: ``"dynamic"`` (if_test) or ``"deferred"`` (controlled gates).
        resource: the resolved coefficients of the shared pair (derived).
    """

    fidelity: float | Sequence[float] | None = None
    bell_diagonal: Sequence[Sequence[float]] | None = None
    gate_error: float = 0.0
    readout_error: float = 0.0
    correction: str = "dynamic"
    resource: Coefficients = field(init=False)

    def __post_init__(self) -> None:
        lam, eps = check_noise(self.gate_error, self.readout_error)
        object.__setattr__(self, "gate_error", lam)
        object.__setattr__(self, "readout_error", eps)
        object.__setattr__(self, "fidelity", normalize_fidelities(self.fidelity))
        object.__setattr__(self, "bell_diagonal", normalize_bell_diagonal(self.bell_diagonal))
        pairs = resolve_pairs(self.fidelity, self.bell_diagonal, (IDEAL,))
        object.__setattr__(self, "resource", single_pair(pairs, "remote-cnot", "shared pair"))
        check_choice("--correction", self.correction, CORRECTIONS)

    @property
    def closed_form(self) -> bool:
        """True when a closed form exists (no gate or readout error)."""
        return self.gate_error == 0.0 and self.readout_error == 0.0


def circuits(params: RemoteCnotParams) -> list[QuantumCircuit]:
    """The entangling case |+>|0> (unmeasured), then the four truth-table circuits (Z readout
    into ``out``)."""
    bell = remote_cnot_circuit("+", "0", params.resource, correction=params.correction)
    truth = []
    for label in INPUTS:
        qc = remote_cnot_circuit(label[0], label[1], params.resource, correction=params.correction)
        out = ClassicalRegister(2, "out")
        qc.add_register(out)
        qc.measure(qc.metadata["pair"], out)
        truth.append(qc)
    return [bell, *truth]


def theory(params: RemoteCnotParams) -> dict[str, float]:
    """Closed forms (ideal nodes): process ``fidelity`` (= A), ``average_gate_fidelity`` and the
    probability ``p_correct`` (= A + D) of each truth-table row; empty with node noise."""
    if not params.closed_form:
        return {}
    process = physics.remote_cnot_process_fidelity(params.resource)
    return {"fidelity": process, "average_gate_fidelity": physics.average_gate_fidelity(process),
            "p_correct": physics.remote_cnot_flip_probability(params.resource)}


@dataclass(frozen=True)
class TruthRow:
    """One truth-table input: the expected output and the frequency of getting it."""

    expected: str
    p_correct: Estimate


@dataclass(frozen=True)
class RemoteCnotResult:
    """The remote CNOT's truth table and process fidelity beside the closed forms.

    Attributes:
        params: what was run.
        truth_table: input label (control, target) -> expected output and its frequency.
        fidelity: Phi+ fidelity of the |+>|0> output (the process fidelity).
        method: the simulation method the runner chose.
        theory: see :func:`theory`.
        provenance: seed, shots per circuit, backend, runner options, versions.
    """

    params: RemoteCnotParams
    truth_table: Mapping[str, TruthRow]
    fidelity: Estimate
    method: str | None
    theory: Mapping[str, float]
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet remote-cnot`` (plus ``provenance``)."""
        p, th = self.params, self.theory
        flip = self.truth_table["10"].p_correct
        return {
            "command": "remote-cnot",
            "resource": list(p.resource),
            "correction": p.correction,
            "gate_error": p.gate_error,
            "readout_error": p.readout_error,
            "fidelity": self.fidelity.value,
            "fidelity_stderr": self.fidelity.stderr,
            "theory": th.get("fidelity"),
            "theory_average_gate_fidelity": th.get("average_gate_fidelity"),
            "truth_table": {label: {"expected": row.expected, "p_correct": row.p_correct.value,
                                    "p_correct_stderr": row.p_correct.stderr,
                                    "theory": th.get("p_correct")}
                            for label, row in self.truth_table.items()},
            "flip_probability": flip.value,
            "flip_probability_stderr": flip.stderr,
            "theory_note": None if p.closed_form else "no closed form with gate or readout error",
            "shots": self.provenance.shots,
            "seed": self.provenance.seed,
            "method": self.method,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Each truth-table row and the process fidelity beside their closed forms."""
        labels = [f"{k}→{r.expected}" for k, r in self.truth_table.items()] + ["|+0⟩→Φ+"]
        simulated = [r.p_correct for r in self.truth_table.values()] + [self.fidelity]
        th = self.theory
        expected = [th.get("p_correct")] * len(self.truth_table) + [th.get("fidelity")]
        return plots.compare_bars(ax, labels, simulated, expected, ylabel="probability / fidelity",
                                  title="remote CNOT")


def run(params: RemoteCnotParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> RemoteCnotResult:
    """Run the truth table and the |+>|0> case in XX/YY/ZZ (``shots`` each), with theory."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    bell, *truth = circuits(params)
    bases = pauli_basis_circuits(bell, bell.metadata["pair"])
    network = node_network(["alice", "bob"], ["alice", "bob"], params.gate_error,
                           params.readout_error)
    backend = resolve_runner(runner)
    with progress.partial_ok():  # after Ctrl-C: the finished shots of every circuit (d.shots)
        data = backend.run([*truth, *bases.values()], shots=shots, seed=seed, network=network)
    table = {}
    for label, d in zip(INPUTS, data[:4], strict=True):
        c, t = int(label[0]), int(label[1])
        bits = d["out"]
        hits = int(((bits[:, 0] == c) & (bits[:, 1] == (t ^ c))).sum())
        table[label] = TruthRow(f"{c}{t ^ c}", proportion(hits, d.shots))
    return RemoteCnotResult(
        params=params,
        truth_table=table,
        fidelity=bell_fidelity(dict(zip(bases, data[4:], strict=True))),
        method=data[0].metadata.get("method"),
        theory=theory(params),
        provenance=Provenance.collect("remote_cnot", backend, seed=seed, shots=shots),
    )


__all__ = [
    "DEFAULT_SHOTS",
    "INPUTS",
    "RemoteCnotParams",
    "RemoteCnotResult",
    "TruthRow",
    "circuits",
    "run",
    "theory",
]
