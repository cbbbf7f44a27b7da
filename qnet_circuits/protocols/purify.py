"""BBPSSW or DEJMPS purification (recurrence or pumping), post-selected on the flags.

Raw pairs: one Werner fidelity or Bell-diagonal spec for every raw pair, or the list of raw pairs
(recurrence: 2**rounds in leaf order, e.g. kept then sacrificed for one round; pumping: the
initial pair then one fresh pair per round, or two specs = initial and the fresh pair of every
round). Noise: ``gate_error`` after each local CNOT and ``readout_error`` on each flag
measurement, at both nodes. The closed form is exact with both (:func:`qnet_circuits.physics.dejmps`:
each depolarized CNOT fully randomizes both pairs; a flipped flag keeps a pair whose true flags
differ, or discards one whose flags agree). The XX/YY/ZZ readout that estimates the kept pair
is a verification measurement without readout error (``metadata["ideal_measurements"]``), so the
estimate is of the state.

>>> result = run(PurifyParams(protocol="dejmps", fidelity=0.8), shots=2000, seed=5)
>>> round(result.theory["fidelity"], 6), round(result.theory["p_success"], 6)
(0.83815, 0.768889)
>>> result.fidelity.within(result.theory["fidelity"], k=4)
True
>>> noisy = theory(PurifyParams(fidelity=0.8, readout_error=0.02), circuits(PurifyParams())[0])
>>> round(noisy["fidelity"], 6), round(noisy["p_success"], 6)
(0.831025, 0.747808)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.analysis import herald_rule_mask, heralded_mask, proportion
from qnet_circuits.library.options import PURIFICATION_PROTOCOLS
from qnet_circuits.library.purification import purification_circuit
from qnet_circuits.protocols import plots
from qnet_circuits.protocols.base import Provenance, resolve_runner, resolve_shots
from qnet_circuits.protocols.pairs import (
    Coefficients,
    PairEstimates,
    check_choice,
    check_noise,
    node_network,
    normalize_bell_diagonal,
    normalize_fidelities,
    pair_estimates,
    resolve_pairs,
    run_bases,
)
from qnet_circuits.results import Estimate

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.results import ShotData
    from qnet_circuits.run import Runner

#: shots per basis when ``run`` is given none (``qnet purify``'s default)
DEFAULT_SHOTS = 4000
#: the raw pairs when none are given (Werner fidelity)
DEFAULT_PAIRS = (0.8,)


# ---------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------


def _expand(inputs: tuple[Coefficients, ...], rounds: int, pumping: bool) -> tuple:
    if pumping and len(inputs) == 2 and rounds > 1:
        return (inputs[0],) + (inputs[1],) * rounds
    needed = rounds + 1 if pumping else 2**rounds
    if len(inputs) == 1:
        return inputs * needed
    if len(inputs) != needed:
        scheme = "pumping: 1, 2 (initial, fresh) or rounds+1" if pumping else "1 or 2**rounds"
        raise ValueError(
            f"--fidelity/--bell-diagonal must give {scheme} pairs ({needed} for "
            f"--rounds {rounds}), got {len(inputs)}"
        )
    return inputs


@dataclass(frozen=True)
class PurifyParams:
    """A purification experiment (validated; messages use the command's flag names).

    Attributes:
        fidelity: Werner fidelity of the raw pairs (one value: every pair), or None.
        bell_diagonal: (A, B, C, D) of the raw pairs instead, or None (neither: Werner 0.8).
        gate_error: two-qubit depolarizing lambda after each local CNOT, at both nodes.
        readout_error: bit-flip probability of each measurement at both nodes.
        protocol: ``"bbpssw"`` (twirl to Werner between rounds) or ``"dejmps"``.
        rounds: purification rounds, >= 1.
        pumping: a fresh pair purifies the kept pair every round (default: recurrence).
        inputs: the resolved coefficients of every raw pair (derived).
    """

    fidelity: float | Sequence[float] | None = None
    bell_diagonal: Sequence[Sequence[float]] | None = None
    gate_error: float = 0.0
    readout_error: float = 0.0
    protocol: str = "dejmps"
    rounds: int = 1
    pumping: bool = False
    inputs: tuple[Coefficients, ...] = field(init=False)

    def __post_init__(self) -> None:
        lam, eps = check_noise(self.gate_error, self.readout_error)
        object.__setattr__(self, "gate_error", lam)
        object.__setattr__(self, "readout_error", eps)
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or self.rounds < 1:
            raise ValueError(f"--rounds must be an integer >= 1, got {self.rounds}")
        from qnet_circuits.protocols.limits import check_purification_pairs

        check_purification_pairs(self.rounds, bool(self.pumping))
        object.__setattr__(self, "fidelity", normalize_fidelities(self.fidelity))
        object.__setattr__(self, "bell_diagonal", normalize_bell_diagonal(self.bell_diagonal))
        pairs = resolve_pairs(self.fidelity, self.bell_diagonal, DEFAULT_PAIRS)
        object.__setattr__(self, "inputs", _expand(pairs, self.rounds, bool(self.pumping)))
        check_choice("--protocol", self.protocol, PURIFICATION_PROTOCOLS)
        object.__setattr__(self, "pumping", bool(self.pumping))

    @property
    def scheme(self) -> str:
        """``"pumping"`` or ``"recurrence"``."""
        return "pumping" if self.pumping else "recurrence"

    @property
    def closed_form(self) -> bool:
        """True: the closed form is exact with gate and readout error too (kept for callers)."""
        return True


def circuits(params: PurifyParams) -> list[QuantumCircuit]:
    """The ideal purification circuit (flags post-selected through ``metadata["heralds"]``)."""
    return [purification_circuit(params.inputs, protocol=params.protocol, rounds=params.rounds,
                                 pumping=params.pumping)]


def theory(params: PurifyParams, circuit: QuantumCircuit) -> dict[str, Any]:
    """Closed forms: output ``fidelity``, ``coefficients``, overall ``p_success``, and per flag
    register of ``circuit`` its conditional success (``steps``) and output fidelity
    (``step_fidelity``)."""
    per_round = physics.purification_rounds(params.protocol, params.inputs, params.rounds,
                                            params.pumping, params.gate_error,
                                            params.readout_error)
    steps, step_fidelity = {}, {}
    for k, outputs in enumerate(per_round, start=1):
        names = [s["register"] for s in circuit.metadata["steps"] if s["round"] == k]
        for name, (coeffs, p) in zip(names, outputs, strict=True):
            steps[name] = p
            step_fidelity[name] = coeffs[0]
    kept = per_round[-1][0][0]
    return {"fidelity": kept[0], "coefficients": tuple(kept),
            "p_success": float(np.prod(list(steps.values()))), "steps": steps,
            "step_fidelity": step_fidelity}


# ---------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurifyStep:
    """One step (flag register): its round and its success given its inputs' flags agreed."""

    register: str
    round: int
    p_success: Estimate
    theory: float | None


@dataclass(frozen=True)
class PurifyResult:
    """The purified pair and every step's success beside the closed forms.

    Attributes:
        params: what was run.
        estimates: Phi+ fidelity and Bell-diagonal coefficients of the kept pair.
        p_success: fraction of shots in which every flag agreed (pooled over the bases).
        kept_shots: those shots, over the three bases.
        steps: each step's conditional success.
        method: the simulation method the runner chose.
        theory: see :func:`theory` (gate and readout error included).
        provenance: seed, shots per basis, backend, runner options, versions.
    """

    params: PurifyParams
    estimates: PairEstimates
    p_success: Estimate
    kept_shots: int
    steps: tuple[PurifyStep, ...]
    method: str | None
    theory: Mapping[str, Any]
    provenance: Provenance

    @property
    def fidelity(self) -> Estimate:
        """Phi+ fidelity of the kept pair."""
        return self.estimates.fidelity

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet purify`` (plus ``provenance``)."""
        p, th = self.params, self.theory
        return {
            "command": "purify",
            "protocol": p.protocol,
            "scheme": p.scheme,
            "rounds": p.rounds,
            "raw_pairs": len(p.inputs),
            "inputs": [list(c) for c in p.inputs],
            "gate_error": p.gate_error,
            "readout_error": p.readout_error,
            **self.estimates.to_dict(),
            "p_success": self.p_success.value,
            "p_success_stderr": self.p_success.stderr,
            "kept_shots": self.kept_shots,
            "theory": th["fidelity"],
            "theory_coefficients": list(th["coefficients"]),
            "theory_p_success": th["p_success"],
            "theory_note": None,
            "steps": [{"register": s.register, "round": s.round, "p_success": s.p_success.value,
                       "p_success_stderr": s.p_success.stderr, "theory": s.theory}
                      for s in self.steps],
            "shots": self.provenance.shots,
            "seed": self.provenance.seed,
            "method": self.method,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Theory fidelity after each round (every step's output), the raw input fidelity at
        round 0, and the simulated fidelity of the kept pair after the last round."""
        ax = plots.axis(ax)
        p = self.params
        inputs = [c[0] for c in p.inputs]
        ax.plot([0] * len(inputs), inputs, "s", color="gray", label="raw pairs")
        if self.theory:
            rounds = [s.round for s in self.steps]
            fids = [self.theory["step_fidelity"][s.register] for s in self.steps]
            ax.plot(rounds, fids, "_", ms=20, mew=2, label="theory per step")
        ax.errorbar([p.rounds], [self.fidelity.value], yerr=[self.fidelity.stderr], fmt="o",
                    capsize=3, label="simulated (kept pair)")
        ax.set_xticks(range(p.rounds + 1))
        ax.set(xlabel="round", ylabel="fidelity to Φ+",
               title=f"{p.protocol.upper()} {p.scheme}")
        ax.legend()
        return ax


def step_success(by_basis: Mapping[str, ShotData], register: str,
                 depends_on: Sequence[str]) -> Estimate:
    """Conditional success of one step: its flags agree, given its inputs' flags agreed
    (pooled over the three basis runs, which are independent)."""
    hits = trials = 0
    for data in by_basis.values():
        given = np.ones(data.shots, dtype=bool)
        for reg in depends_on:
            given &= herald_rule_mask(data[reg], "equal")
        ok = herald_rule_mask(data[register], "equal")
        trials += int(given.sum())
        hits += int((given & ok).sum())
    return proportion(hits, trials)


def run(params: PurifyParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> PurifyResult:
    """Purify, measure the kept pair in XX/YY/ZZ (``shots`` each), compare with theory."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    (qc,) = circuits(params)
    network = node_network(["alice", "bob"], ["alice", "bob"], params.gate_error,
                           params.readout_error)
    backend = resolve_runner(runner)
    (by_basis,) = run_bases(backend, [qc], network, shots=shots, seed=seed)
    kept = sum(int(heralded_mask(d).sum()) for d in by_basis.values())
    th = theory(params, qc)
    steps = tuple(
        PurifyStep(s["register"], s["round"], step_success(by_basis, s["register"], s["depends_on"]),
                   th["steps"][s["register"]])
        for s in qc.metadata["steps"]
    )
    return PurifyResult(
        params=params,
        estimates=pair_estimates(by_basis),
        p_success=proportion(kept, sum(d.shots for d in by_basis.values())),
        kept_shots=kept,
        steps=steps,
        method=by_basis["XX"].metadata.get("method"),
        theory=th,
        provenance=Provenance.collect("purify", backend, seed=seed, shots=shots),
    )


__all__ = [
    "DEFAULT_SHOTS",
    "PurifyParams",
    "PurifyResult",
    "PurifyStep",
    "circuits",
    "run",
    "step_success",
    "theory",
]
