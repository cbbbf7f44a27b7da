"""A batch of UBQC runs: draw the client's secrets, run the server's circuit once per draw, decode.

A UBQC experiment is many *runs*, each with fresh client secrets (theta, r, trap positions,
dummy bits). The server's circuit is the same for all of them
(:func:`~qnet_circuits.library.blind.blind_circuit`) and the secrets are its Parameters, so
:func:`run_bound` runs the whole batch as one binding table (``Runner.run_bindings``) instead of
compiling one circuit per run. Exact references: :func:`ideal_distribution` (the program's
reference circuit) and :func:`exact_output_distribution` / :func:`exact_acceptance` (the
deferred server circuit's Statevector for each secret draw, no sampling).

>>> import math
>>> from qnet_circuits.analysis import distribution
>>> from qnet_circuits.library.blind import line_program
>>> batch = run_batch(line_program(math.pi / 2, math.pi / 2), 20, shots_per_run=5, seed=3)
>>> distribution(batch.outputs_flat())
{'0': 1.0}
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.quantum_info import Statevector

from qnet_circuits import physics
from qnet_circuits.analysis import proportion
from qnet_circuits.library.blind import (
    ROLE_DUMMY,
    ROLE_TRAP,
    BlindProgram,
    ClientRuns,
    Correction,
    blind_circuit,
    draw_runs,
)
from qnet_circuits.results import Estimate, ShotData


def run_bound(
    circuit: QuantumCircuit,
    bindings: Mapping,
    *,
    shots: int = 1,
    runner=None,
    seed: int | None = None,
    network=None,
) -> list[ShotData]:
    """Run ``circuit`` once per row of ``bindings`` (``{Parameter: [values]}``), ``shots`` shots
    each: one :class:`ShotData` per row.

    The runner's :meth:`~qnet_circuits.run.Runner.run_bindings` runs the template and the whole
    table (Aer: prepared once, the rows in as few calls as memory allows; seeds as its docstring
    says); a runner with only ``run`` gets the bound circuits.
    """
    from qnet_circuits.protocols.base import resolve_runner
    from qnet_circuits.run import binding_table

    runner = resolve_runner(runner)
    if hasattr(runner, "run_bindings"):
        return runner.run_bindings(circuit, bindings, shots=shots, seed=seed, network=network)
    table = binding_table(circuit, bindings)
    bound = [circuit.assign_parameters(table.row(k)) for k in range(table.rows)]
    return runner.run(bound, shots=shots, seed=seed, network=network)


def fraction(mask: np.ndarray) -> Estimate:
    """Fraction of True in ``mask`` with its binomial standard error."""
    mask = np.asarray(mask, dtype=bool).reshape(-1)
    if mask.size == 0:
        raise ValueError("cannot estimate a proportion from zero samples")
    return proportion(int(mask.sum()), mask.size)


@dataclass(frozen=True)
class BlindBatch:
    """A batch of UBQC runs: the client's secrets, the reported bits and their decoding.

    Attributes:
        runs: the client's secrets (:class:`~qnet_circuits.library.blind.ClientRuns`).
        bits: reported bits ``server_b``, shape (runs, shots per run, nodes).
        outputs: decoded output bits, shape (runs, shots, outputs).
        accepted: the client accepts (all traps gave b = r), shape (runs, shots).
        circuit: the server's circuit (with Parameters).
    """

    runs: ClientRuns
    bits: np.ndarray
    outputs: np.ndarray
    accepted: np.ndarray
    circuit: QuantumCircuit

    def outputs_flat(self, accepted_only: bool = False) -> np.ndarray:
        """Output bits as (samples, outputs), optionally only from accepted shots."""
        out = self.outputs.reshape(-1, self.outputs.shape[-1])
        if accepted_only:
            out = out[self.accepted.reshape(-1)]
        return out

    def acceptance(self) -> Estimate:
        """Fraction of accepted shots (runs are independent draws)."""
        return fraction(self.accepted)

    def deltas(self) -> np.ndarray:
        """The angles the server received, k of delta = k pi/4, shape (runs, shots, measured)."""
        return self.runs.deltas(self.bits)

    def trap_detection(self) -> Estimate:
        """Fraction of shots with at least one failed trap, among runs that hold traps."""
        has = (self.runs.role == ROLE_TRAP).any(axis=1)
        return fraction(~self.accepted[has])


def run_batch(
    program: BlindProgram,
    runs: int | ClientRuns,
    *,
    shots_per_run: int = 1,
    traps: int = 0,
    attack: str | None = None,
    attack_on="uniform",
    link_fidelity: float | None = None,
    correction: Correction = "dynamic",
    reuse: bool = True,
    runner=None,
    seed: int | None = None,
    network=None,
    nodes: tuple[str, str] = ("client", "server"),
) -> BlindBatch:
    """Draw secrets (or take ``runs`` as given), run the server's circuit, decode.

    ``seed`` seeds both the client's secrets and the simulator (independent streams). With a
    ``network``, ``nodes`` names the (client, server) nodes whose gate/readout errors act.
    """
    seq = np.random.SeedSequence(seed)
    client_seed, sim_seed = (int(s) for s in seq.generate_state(2))
    if isinstance(runs, ClientRuns):
        client = runs
    else:
        client = draw_runs(
            program, runs, np.random.default_rng(client_seed), traps=traps, attack=attack,
            attack_on=attack_on,
        )
    qc = blind_circuit(
        client.program.pattern,
        correction=correction,
        reuse=reuse,
        link_fidelity=link_fidelity,
        deviating=client.attack is not None,
        nodes=nodes,
    )
    data = run_bound(
        qc, client.bindings(qc), shots=shots_per_run, runner=runner,
        seed=None if seed is None else sim_seed, network=network,
    )
    if len(data) < client.runs:  # Ctrl-C inside progress.partial_ok(): the finished runs
        client = _first_runs(client, len(data))
    bits = np.stack([d.bits["server_b"] for d in data]).astype(np.int64)
    return BlindBatch(client, bits, client.decode(bits), client.accepted(bits), qc)


def _first_runs(client: ClientRuns, runs: int) -> ClientRuns:
    """The first ``runs`` secret draws of ``client`` (iid draws: an honest smaller batch)."""
    cut = {name: getattr(client, name)[:runs]
           for name in ("theta", "r", "role", "d", "dummy_delta")}
    if client.attack_node is not None:
        cut["attack_node"] = client.attack_node[:runs]
    return dataclasses.replace(client, **cut)


# ---------------------------------------------------------------------------------------------
# exact references (Statevector; small patterns)
# ---------------------------------------------------------------------------------------------


def ideal_distribution(program: BlindProgram) -> dict[str, float]:
    """Exact output distribution of the program's reference circuit (Qiskit key order)."""
    if program.reference is None:
        raise ValueError("this program has no reference circuit; use exact_output_distribution")
    probs = Statevector(program.reference).probabilities_dict()
    return {str(k): float(v) for k, v in sorted(probs.items()) if v > 1e-12}


def _exact_runs(runs: ClientRuns, run: int | None):
    """Yield (single-run ClientRuns, basis-state probabilities, node bits per basis state)."""
    p = runs.program.pattern
    if p.num_nodes > 20:
        raise ValueError(f"exact computations need <= 20 vertices, got {p.num_nodes}")
    qc = blind_circuit(p, correction="deferred", reuse=False, measure=False,
                       deviating=runs.attack is not None)
    values = runs.bindings(qc)
    node_qubit = qc.metadata["node_qubit"]
    idx = np.arange(2 ** qc.num_qubits)
    bits = np.stack([(idx >> node_qubit[i]) & 1 for i in range(p.num_nodes)], axis=-1)
    for k in range(runs.runs) if run is None else [run]:
        bound = qc.assign_parameters({prm: v[k] for prm, v in values.items()})
        probs = Statevector(bound).probabilities()
        single = ClientRuns(
            runs.program, runs.theta[k : k + 1], runs.r[k : k + 1], runs.role[k : k + 1],
            runs.d[k : k + 1], runs.dummy_delta[k : k + 1], runs.attack,
            None if runs.attack_node is None else runs.attack_node[k : k + 1],
        )
        yield single, probs, bits[None, :, :]


def exact_output_distribution(runs: ClientRuns, run: int | None = None) -> list[dict[str, float]]:
    """Exact decoded output distribution of each run (or only ``run``), from the deferred
    circuit's Statevector: no sampling. Small patterns only (every vertex a qubit at once).
    Bitstring keys in Qiskit order (output bit 0 rightmost)."""
    out = []
    for single, probs, bits in _exact_runs(runs, run):
        outs = single.decode(bits)[0]
        width = outs.shape[1]
        codes = outs.astype(np.int64) @ (1 << np.arange(width))
        acc = np.bincount(codes, weights=probs, minlength=2**width)
        out.append({format(c, f"0{width}b"): float(v) for c, v in enumerate(acc) if v > 1e-12})
    return out


def exact_acceptance(runs: ClientRuns, run: int | None = None) -> np.ndarray:
    """Exact probability that the client accepts (all traps give b = r), per run."""
    return np.array(
        [float(probs @ single.accepted(bits)[0]) for single, probs, bits in _exact_runs(runs, run)]
    )


def delta_counts(deltas: np.ndarray) -> np.ndarray:
    """Histogram of delta indices (k of k pi/4) over the 8 angles.

    >>> delta_counts(np.array([[0, 7], [7, 3]])).tolist()
    [1, 0, 0, 1, 0, 0, 0, 2]
    """
    d = np.asarray(deltas).reshape(-1)
    if d.size and (d.min() < 0 or d.max() > 7):
        raise ValueError("delta indices must be in 0..7")
    return np.bincount(d.astype(np.int64), minlength=8)



def run_acceptance(runs: ClientRuns, link_fidelity: float | None = None) -> np.ndarray:
    """Exact acceptance probability of each run given its secrets (trap and dummy positions,
    theta of an attacked trap, the attack), under the link's depolarization: the closed form
    ``physics.trap_pass_probability`` on the run's trap supports.

    ``runs`` is a :class:`qnet_circuits.library.blind.ClientRuns`. Runs without traps accept
    with probability 1.
    """
    w = physics.link_w(link_fidelity)
    pattern = runs.program.pattern
    out = np.ones(runs.runs)
    for k in range(runs.runs):
        traps = [int(t) for t in np.flatnonzero(runs.role[k] == ROLE_TRAP)]
        if not traps:
            continue
        supports = [
            {t} | {j for j in pattern.neighbours(t) if runs.role[k, j] == ROLE_DUMMY} for t in traps
        ]
        signs = [1.0] * len(traps)
        node = -1 if runs.attack_node is None else int(runs.attack_node[k])
        if runs.attack is not None and node in traps:
            pos = traps.index(node)
            if runs.attack in ("z", "misreport"):
                signs[pos] = -1.0
            else:
                g = math.cos(2 * runs.theta[k, node] * math.pi / 4)
                signs[pos] = g if runs.attack == "x" else -g
        out[k] = physics.trap_pass_probability(supports, w, signs)
    return out


__all__ = [
    "BlindBatch",
    "delta_counts",
    "exact_acceptance",
    "exact_output_distribution",
    "fraction",
    "ideal_distribution",
    "run_acceptance",
    "run_batch",
    "run_bound",
]
