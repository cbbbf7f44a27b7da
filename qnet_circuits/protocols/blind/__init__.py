"""Blind quantum computation (UBQC) with trap verification, over an ideal or a noisy link.

:func:`run` draws fresh client secrets for every run (theta, r, trap positions, dummy bits),
runs the one server circuit for all of them, decodes, and reports the output distribution of
the accepted runs against the ideal one, the acceptance rate against the closed form of the
traps (link noise and a dishonest server included), and a uniformity test of the angles the
server saw (blindness). ``batch`` holds the lower-level pieces: :func:`run_batch` (any program,
any secrets, any network) and the exact references.

>>> params = BlindParams(program="line", angles="pi/2,pi/2")
>>> result = run(params, shots=40, seed=3)
>>> result.output_distribution, result.theory["p0"]
({'0': 1.0}, 1.0)
>>> result.to_dict()["accepted_fraction"], result.provenance.protocol
(1.0, 'blind')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from qnet_circuits import physics
from qnet_circuits.analysis import chi_square_uniform, classical_fidelity, distribution, tvd
from qnet_circuits.library.blind import (
    BlindProgram,
    blind_circuit,
    brickwork_program,
    draw_runs,
    line_program,
    parse_angle,
    place_traps,
)
from qnet_circuits.library.options import BLIND_LINE, BLIND_PROGRAMS, BLIND_SERVERS, CORRECTIONS
from qnet_circuits.protocols.base import Provenance, check_int, resolve_shots
from qnet_circuits.protocols.blind.batch import (
    BlindBatch,
    delta_counts,
    exact_acceptance,
    exact_output_distribution,
    fraction,
    ideal_distribution,
    run_acceptance,
    run_batch,
    run_bound,
)
from qnet_circuits.results import Estimate
from qnet_circuits.run import progress

#: shots when ``run`` is given none (``qnet blind``'s default)
DEFAULT_SHOTS = 4000
#: at most this many independent secret draws; more shots become shots per run
MAX_RUNS = 1000
#: the line's angles when none are given (radians)
DEFAULT_LINE_ANGLES = (math.pi / 2, math.pi / 4)
#: trap region sizes when traps are asked for and none is given: extra brickwork rows, or
#: measured positions of a separate path next to the line
DEFAULT_TRAP_ROWS, DEFAULT_TRAP_PATH = 2, 5


def _angles(value: Any) -> tuple[float, float]:
    """The line's two angles from ``"PHI1,PHI2"`` or a pair of numbers / angle strings."""
    if isinstance(value, str):
        parts = [p for p in value.split(",") if p.strip()]
    elif isinstance(value, Sequence):
        parts = list(value)
    else:
        parts = [value]
    if len(parts) != 2:
        raise ValueError(f"--angles needs two angles PHI1,PHI2 for the line, got {value!r}")
    return tuple(parse_angle(p) if isinstance(p, str) else float(p) for p in parts)


@dataclass(frozen=True)
class BlindParams:
    """What ``qnet blind`` asks for (validated; messages use the command's flag names).

    Attributes:
        program: ``"line"`` (the 3-qubit line), a built-in name (``BLIND_PROGRAMS``: cnot, bell,
            rotations, deep) or gates like ``"h 0; t 0; cx 0 1"`` (1-2 qubits, angles k pi/4),
            compiled to a brickwork.
        angles: the line's measurement angles (PHI1, PHI2) in radians, multiples of pi/4; also
            ``"pi/2,pi/4"``. Default (pi/2, pi/4) for the line; only the line takes angles.
        traps: trap qubits per run (>= 0).
        trap_region: room for traps: extra brickwork rows (default 2), or measured positions of
            a separate path for the line (default 5); only with traps.
        server: ``"honest"``, ``"deviate-x"``/``-y``/``-z`` (a Pauli on one uniformly chosen
            position) or ``"misreport"`` (one flipped bit); a dishonest server needs traps.
        link_fidelity: Werner fidelity in [0.25, 1] of the client-server link (teleported
            states), or None for an ideal channel.
        correction: ``"dynamic"`` (if_test) or ``"deferred"`` (controlled phases).
    """

    program: str = BLIND_LINE
    angles: tuple[float, float] | None = None
    traps: int = 0
    trap_region: int | None = None
    server: str = "honest"
    link_fidelity: float | None = None
    correction: str = "dynamic"
    blind_program: BlindProgram = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        traps = check_int("--traps", self.traps, minimum=0)
        object.__setattr__(self, "traps", traps)
        if self.link_fidelity is not None:
            try:
                f = float(self.link_fidelity)
            except (TypeError, ValueError):
                raise ValueError(f"--link-fidelity must be a number in [0.25, 1], got "
                                 f"{self.link_fidelity!r}") from None
            if not 0.25 <= f <= 1.0:
                raise ValueError(
                    f"--link-fidelity must be in [0.25, 1] (Werner), got {self.link_fidelity}")
            object.__setattr__(self, "link_fidelity", f)
        if not isinstance(self.server, str) or self.server not in BLIND_SERVERS:
            raise ValueError(
                f"--server must be one of {', '.join(BLIND_SERVERS)}, got {self.server!r}")
        if BLIND_SERVERS[self.server] is not None and traps == 0:
            raise ValueError(
                f"--server {self.server} is only detectable with traps; add --traps 1 or more")
        if self.correction not in CORRECTIONS:
            raise ValueError(
                f"--correction must be one of {', '.join(CORRECTIONS)}, got {self.correction!r}")
        program = self._program()
        if self.trap_region is not None:
            if not traps:
                raise ValueError("--trap-region needs --traps >= 1")
            region = check_int("--trap-region", self.trap_region, minimum=1)
            object.__setattr__(self, "trap_region", region)
        if traps:
            region = self.trap_region
            if region is None:
                region = DEFAULT_TRAP_ROWS if program.rows is not None else DEFAULT_TRAP_PATH
            program = program.with_trap_region(region)
            place_traps(program, traps, np.random.default_rng(0))  # ValueError if they do not fit
        object.__setattr__(self, "blind_program", program)

    def _program(self) -> BlindProgram:
        """The program without trap room; normalizes ``program`` and ``angles``."""
        if not isinstance(self.program, str) or not self.program.strip():
            raise ValueError("--program is empty: give line, cnot, bell, rotations, deep or gates")
        name = self.program.strip()
        object.__setattr__(self, "program", name)
        if name == BLIND_LINE:
            angles = DEFAULT_LINE_ANGLES if self.angles is None else _angles(self.angles)
            object.__setattr__(self, "angles", angles)
            try:
                return line_program(*angles)
            except ValueError as exc:
                raise ValueError(f"--angles: {exc}") from None
        if self.angles is not None:
            raise ValueError("--angles applies to --program line only; put angles in the gates, "
                             "e.g. 'rz(pi/4) 0'")
        try:
            return brickwork_program(self.gates)
        except ValueError as exc:
            raise ValueError(f"--program: {exc}") from None

    @property
    def gates(self) -> str:
        """The program as gates (a built-in name resolved), or ``"line"``."""
        return BLIND_PROGRAMS.get(self.program, self.program)

    @property
    def attack(self) -> str | None:
        """The server's deviation (``library.blind.ATTACKS``), or None when honest."""
        return BLIND_SERVERS[self.server]


@dataclass(frozen=True)
class BlindResult:
    """One UBQC experiment: outputs and acceptance beside their references.

    Attributes:
        params: what was asked for.
        runs, shots_per_run: independent secret draws and shots of each.
        seed: the seed of the client's secrets and (derived) of the simulator.
        output_distribution: decoded outputs of the accepted shots ({} when none accepted).
        ideal_distribution: the program's exact output distribution (reference circuit).
        accepted: fraction of accepted shots (all traps gave b = r), with its standard error.
        acceptance_theory: mean over the drawn runs of the closed-form acceptance
            (``run_acceptance``: link noise and the drawn attack positions).
        detection_formula: detection probability of one attack on a uniformly chosen position
            (``physics.single_attack_detection``), None for an honest server.
        delta_counts: histogram of the angles the server received (first shot of each run).
        delta_uniformity: chi-square statistic (7 dof) and p-value of those angles' uniformity.
        theory: the line's closed forms, P(out = 0) ideal and over the link ({} otherwise).
        provenance: seed, shots, backend, runner options, versions.
        batch: the secrets, the reported bits and the server's circuit.
        runs_requested: the secret draws asked for when Ctrl-C kept only the first ``runs``
            (a partial result, issue 13); None for a complete run.
    """

    params: BlindParams
    runs: int
    shots_per_run: int
    seed: int | None
    output_distribution: Mapping[str, float]
    ideal_distribution: Mapping[str, float]
    accepted: Estimate
    acceptance_theory: float
    detection_formula: float | None
    delta_counts: tuple[int, ...]
    delta_uniformity: tuple[float, float]
    theory: Mapping[str, float]
    provenance: Provenance
    batch: BlindBatch = field(repr=False, compare=False)
    runs_requested: int | None = None

    @property
    def shots(self) -> int:
        return self.runs * self.shots_per_run

    @property
    def tvd(self) -> float | None:
        """TVD of the accepted outputs to the ideal distribution (None when none accepted)."""
        if not self.output_distribution:
            return None
        return tvd(self.output_distribution, self.ideal_distribution)

    @property
    def classical_fidelity(self) -> float | None:
        """Classical fidelity of the accepted outputs to the ideal (None when none accepted)."""
        if not self.output_distribution:
            return None
        return classical_fidelity(self.output_distribution, self.ideal_distribution)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet blind`` (plus ``provenance``)."""
        prog, p = self.params.blind_program, self.params
        chi2, chi2_p = self.delta_uniformity
        out: dict[str, Any] = {
            "program": p.gates,
            "pattern": prog.pattern.name,
            "rows": prog.rows,
            "columns": prog.columns,
            "vertices": prog.pattern.num_nodes,
            "measured_positions": prog.pattern.num_measured,
            "circuit_qubits": self.batch.circuit.num_qubits,
            "angles": None if p.angles is None else list(p.angles),
            "traps": p.traps,
            "server": p.server,
            "link_fidelity": p.link_fidelity,
            "correction": p.correction,
            "runs": self.runs,
            "shots_per_run": self.shots_per_run,
            "shots": self.shots,
            "seed": self.seed,
            "output_distribution": dict(self.output_distribution),
            "ideal_distribution": dict(self.ideal_distribution),
            "tvd": self.tvd,
            "classical_fidelity": self.classical_fidelity,
            "accepted_fraction": self.accepted.value,
            "accepted_fraction_stderr": self.accepted.stderr,
            "acceptance_theory": self.acceptance_theory,
            "detection_probability": 1.0 - self.accepted.value,
            "detection_probability_theory": 1.0 - self.acceptance_theory,
            "detection_probability_formula": self.detection_formula,
            "delta_counts": list(self.delta_counts),
            "delta_uniformity_chi2": chi2,
            "delta_uniformity_p": chi2_p,
        }
        if self.theory:
            out["theory"] = dict(self.theory)
        if self.runs_requested is not None:  # Ctrl-C: the finished runs, each with all its shots
            out.update(partial=True, shots_done=self.shots,
                       shots_requested=self.runs_requested * self.shots_per_run,
                       runs_requested=self.runs_requested)
        out["provenance"] = self.provenance.to_dict()
        return out

    def plot(self, ax=None):
        """Bars: the accepted output distribution (binomial error bars) beside the ideal one;
        the title gives the acceptance against its closed form. Returns the axis."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3))
        keys = sorted(set(self.ideal_distribution) | set(self.output_distribution))
        x = np.arange(len(keys))
        measured = np.array([self.output_distribution.get(k, 0.0) for k in keys])
        n = max(int(round(self.accepted.value * self.shots)), 1)
        ax.bar(x - 0.2, measured, 0.4, yerr=np.sqrt(measured * (1 - measured) / n),
               capsize=3, label="measured (accepted)")
        ax.bar(x + 0.2, [self.ideal_distribution.get(k, 0.0) for k in keys], 0.4, label="ideal")
        ax.set_xticks(x, keys)
        ax.set_xlabel("output")
        ax.set_ylabel("probability")
        ax.set_title(f"UBQC {self.params.program}: accepted {self.accepted.value:.3f} "
                     f"(theory {self.acceptance_theory:.3f})", fontsize=9)
        ax.legend(fontsize=8)
        return ax


def server_circuit(params: BlindParams) -> QuantumCircuit:
    """The server's circuit for ``params``, the client's secrets as Parameters (the template
    every run binds)."""
    return blind_circuit(params.blind_program.pattern, correction=params.correction,
                         link_fidelity=params.link_fidelity, deviating=params.attack is not None)


def circuits(params: BlindParams, *, seed: int | None = None) -> list[QuantumCircuit]:
    """The ideal protocol circuit: the server's circuit bound with one draw of the client's
    secrets (``default_rng(seed)``), as ``qnet blind --qasm`` writes it."""
    qc = server_circuit(params)
    one = draw_runs(params.blind_program, 1, np.random.default_rng(seed), traps=params.traps,
                    attack=params.attack)
    return [qc.assign_parameters({p: v[0] for p, v in one.bindings(qc).items()})]


def _line_theory(params: BlindParams) -> dict[str, float]:
    """P(out = 0) of the line, ideal and over the link (closed forms), or {} for other programs."""
    if params.program != BLIND_LINE:
        return {}
    return {"p0_ideal": physics.ubqc_line_p0(*params.angles),
            "p0": physics.line_p0_link(*params.angles, params.link_fidelity)}


def run(params: BlindParams, *, runner=None, shots: int | None = None,
        seed: int | None = None) -> BlindResult:
    """Run ``params``: min(shots, 1000) secret draws, ceil(shots / draws) shots each.

    ``seed`` draws the client's secrets (``default_rng(seed)``); the simulator's seed derives
    from ``seed + 1``. None: fresh entropy for both.
    """
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    prog = params.blind_program
    runs = min(shots, MAX_RUNS)
    per_run = math.ceil(shots / runs)
    client = draw_runs(prog, runs, np.random.default_rng(seed), traps=params.traps,
                       attack=params.attack)
    try:
        with progress.partial_ok():  # Ctrl-C: the runs finished (whole) before it
            batch = run_batch(prog, client, shots_per_run=per_run,
                              link_fidelity=params.link_fidelity, correction=params.correction,
                              runner=runner, seed=None if seed is None else seed + 1)
    except progress.Interrupted:
        raise progress.Interrupted(f"no secret draw had finished its {per_run} shots (0 of "
                                   f"{runs} runs)") from None
    requested, runs, client = runs, batch.runs.runs, batch.runs
    accepted = batch.acceptance()
    out_dist = distribution(batch.outputs_flat(accepted_only=True)) if batch.accepted.any() else {}
    counts = delta_counts(batch.deltas()[:, 0, :])  # one shot per run: independent draws
    formula = None
    if params.attack is not None:
        formula = physics.single_attack_detection(params.attack, params.traps,
                                                       prog.pattern.num_measured)
    return BlindResult(
        params=params,
        runs=runs,
        shots_per_run=per_run,
        seed=seed,
        output_distribution=out_dist,
        ideal_distribution=ideal_distribution(prog),
        accepted=accepted,
        acceptance_theory=float(run_acceptance(client, params.link_fidelity).mean()),
        detection_formula=formula,
        delta_counts=tuple(int(c) for c in counts),
        delta_uniformity=chi_square_uniform(counts),
        theory=_line_theory(params),
        provenance=Provenance.collect("blind", runner, seed=seed, shots=runs * per_run),
        batch=batch,
        runs_requested=requested if runs < requested else None,
    )


__all__ = [
    "DEFAULT_SHOTS",
    "MAX_RUNS",
    "BlindBatch",
    "BlindParams",
    "BlindResult",
    "circuits",
    "delta_counts",
    "exact_acceptance",
    "exact_output_distribution",
    "fraction",
    "ideal_distribution",
    "run",
    "run_acceptance",
    "run_batch",
    "run_bound",
    "server_circuit",
]
