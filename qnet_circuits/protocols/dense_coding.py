"""Superdense coding: two classical bits per ebit over a noisy pair, beside the closed forms.

Alice and Bob share a Werner or Bell-diagonal pair; Alice encodes each of the four messages
(x, z) as ``X^x Z^z`` on her qubit and sends it; Bob decodes with a Bell measurement (CX, H,
Z readout). From the 4 x 4 table of sent versus decoded messages the protocol estimates the
decoding success and the information per pair, beside :mod:`qnet_circuits.physics.dense_coding`:
success ``A`` (Werner: F) and ``2 - H(A, B, C, D)`` bits (the Holevo quantity of the encoding,
attained by the Bell measurement).

Two capacity estimates: ``capacity`` is ``2 - H(e)`` of the pooled error distribution e (the
error is independent of the message for a Bell-diagonal pair), with its delta-method standard
error ``sqrt((sum p log2^2 p - H^2) / n)``; ``mutual_information`` is the plug-in mutual
information of the full table (biased up by about ``9 / (2 n ln 2)`` bits; no stderr).

>>> result = run(DenseCodingParams(fidelity=0.9), shots=2000, seed=3)
>>> round(result.theory["success"], 6), round(result.theory["holevo_bits"], 6)
(0.9, 1.372508)
>>> result.success.within(0.9, k=4), result.capacity.within(result.theory["holevo_bits"], k=4)
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qnet_circuits import physics
from qnet_circuits.analysis import mutual_information, proportion
from qnet_circuits.library.swapping import IDEAL, prepare_pair
from qnet_circuits.protocols import plots
from qnet_circuits.protocols.base import Provenance, resolve_runner, resolve_shots
from qnet_circuits.protocols.pairs import (
    Coefficients,
    normalize_bell_diagonal,
    normalize_fidelities,
    resolve_pairs,
    single_pair,
)
from qnet_circuits.results import Estimate
from qnet_circuits.run import progress

if TYPE_CHECKING:
    from qnet_circuits.run import Runner

#: shots per message when ``run`` is given none (``qnet dense-coding``'s default)
DEFAULT_SHOTS = 4000
#: the four messages "xz": Alice applies X^x Z^z
MESSAGES = ("00", "01", "10", "11")


@dataclass(frozen=True)
class DenseCodingParams:
    """A superdense-coding experiment (validated; messages use the command's flag names).

    Attributes:
        fidelity: Werner fidelity of the shared pair, or None.
        bell_diagonal: (A, B, C, D) of the shared pair instead (one row), or None (ideal pair).
        resource: the resolved coefficients of the shared pair (derived).
    """

    fidelity: float | Sequence[float] | None = None
    bell_diagonal: Sequence[Sequence[float]] | None = None
    resource: Coefficients = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fidelity", normalize_fidelities(self.fidelity))
        object.__setattr__(self, "bell_diagonal", normalize_bell_diagonal(self.bell_diagonal))
        pairs = resolve_pairs(self.fidelity, self.bell_diagonal, (IDEAL,))
        object.__setattr__(self, "resource", single_pair(pairs, "dense-coding", "shared pair"))


def encode_decode(message: str, resource: Sequence[float]) -> QuantumCircuit:
    """One message ``"xz"`` over the pair ``resource``: decoded x in ``out[1]``, z in ``out[0]``
    (Bob's Bell measurement: CX(alice, bob), H(alice), read alice -> out[0], bob -> out[1])."""
    if message not in MESSAGES:
        raise ValueError(f"message must be one of {', '.join(MESSAGES)}, got {message!r}")
    alice, bob = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "bob_mem")
    anc = QuantumRegister(2, "pair_anc")
    out = ClassicalRegister(2, "out")
    qc = QuantumCircuit(alice, bob, anc, out, name=f"dense_coding_{message}")
    prepare_pair(qc, alice[0], bob[0], anc, resource)
    qc.barrier()
    if message[0] == "1":
        qc.x(alice[0])
    if message[1] == "1":
        qc.z(alice[0])
    qc.barrier()  # Alice's qubit travels to Bob
    qc.cx(alice[0], bob[0])
    qc.h(alice[0])
    qc.measure(alice[0], out[0])
    qc.measure(bob[0], out[1])
    qc.metadata = {"protocol": "dense_coding", "message": message, "heralds": [],
                   "nodes": {"alice_mem": "alice", "bob_mem": "bob", "pair_anc": "alice"}}
    return qc


def circuits(params: DenseCodingParams) -> list[QuantumCircuit]:
    """The four message circuits, in :data:`MESSAGES` order."""
    return [encode_decode(m, params.resource) for m in MESSAGES]


def theory(params: DenseCodingParams) -> dict[str, Any]:
    """Closed forms: ``success`` (A), ``holevo_bits`` (2 - H), ``capacity_bits`` (max(1, 2 - H)),
    the error distribution ``error_probabilities`` by decoded XOR sent label ("xz": I 00, Z 01,
    X 10, Y 11) and the Werner threshold ``werner_advantage``."""
    a, b, c, d = params.resource
    return {"success": physics.dense_coding_success(params.resource),
            "holevo_bits": physics.dense_coding_holevo(params.resource),
            "capacity_bits": physics.dense_coding_capacity(params.resource),
            "error_probabilities": {"00": a, "01": d, "10": c, "11": b},
            "werner_advantage": physics.WERNER_ADVANTAGE}


def entropy_estimate(counts: Sequence[int]) -> Estimate:
    """Plug-in Shannon entropy (bits) of ``counts`` with its delta-method standard error."""
    n = int(sum(counts))
    if n <= 0:
        raise ValueError("counts must have a positive total")
    p = np.asarray(counts, dtype=float) / n
    p = p[p > 0]
    h = float(-(p * np.log2(p)).sum())
    var = float((p * np.log2(p) ** 2).sum()) - h * h
    return Estimate(h + 0.0, math.sqrt(max(var, 0.0) / n))


@dataclass(frozen=True)
class DenseCodingResult:
    """Decoding table, success and bits per pair beside the closed forms.

    Attributes:
        params: what was run.
        table: 4 x 4 counts, row = sent message, column = decoded message (:data:`MESSAGES`).
        success: fraction of shots decoded correctly (all messages pooled).
        capacity: ``2 - H(error distribution)`` in bits per pair, with delta-method stderr.
        mutual_information: plug-in mutual information of ``table`` (bits).
        theory: see :func:`theory`.
        provenance: seed, shots per message, backend, runner options, versions.
    """

    params: DenseCodingParams
    table: np.ndarray
    success: Estimate
    capacity: Estimate
    mutual_information: float
    theory: Mapping[str, Any]
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet dense-coding`` (plus ``provenance``)."""
        th = self.theory
        return {
            "command": "dense-coding",
            "resource": list(self.params.resource),
            **self.success.to_dict("success"),
            "theory_success": th["success"],
            **self.capacity.to_dict("capacity_bits"),
            "theory_holevo_bits": th["holevo_bits"],
            "mutual_information_bits": self.mutual_information,
            "theory_capacity_bits": th["capacity_bits"],
            "beats_plain_qubit": th["holevo_bits"] > 1.0,
            "werner_advantage_fidelity": th["werner_advantage"],
            "table": {m: {d: int(self.table[i, j]) for j, d in enumerate(MESSAGES)}
                      for i, m in enumerate(MESSAGES)},
            "shots": self.provenance.shots,
            "seed": self.provenance.seed,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Bits per pair against Werner fidelity (closed form) with this run's estimate."""
        ax = plots.axis(ax)
        f = np.linspace(0.25, 1.0, 151)
        ax.plot(f, [physics.dense_coding_holevo(x) for x in f], label="2 - H (Holevo)")
        ax.axhline(1.0, color="gray", ls=":", label="one plain qubit")
        ax.errorbar([self.params.resource[0]], [self.capacity.value], yerr=[self.capacity.stderr],
                    fmt="o", capsize=3, label="simulated")
        ax.set(xlabel="pair fidelity F", ylabel="bits per pair", title="superdense coding")
        ax.legend()
        return ax


def run(params: DenseCodingParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> DenseCodingResult:
    """Send each message ``shots`` times, decode, compare with the closed forms."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    backend = resolve_runner(runner)
    with progress.partial_ok():  # after Ctrl-C: the finished shots of every message
        data = backend.run(circuits(params), shots=shots, seed=seed)
    table = np.zeros((4, 4), dtype=int)
    errors = np.zeros(4, dtype=int)
    for i, d in enumerate(data):
        bits = d["out"]
        decoded = 2 * bits[:, 1].astype(int) + bits[:, 0].astype(int)  # index of "xz"
        table[i] = np.bincount(decoded, minlength=4)
        errors += np.bincount(decoded ^ i, minlength=4)
    total = int(table.sum())
    h = entropy_estimate(errors)
    return DenseCodingResult(
        params=params, table=table,
        success=proportion(int(np.trace(table)), total),
        capacity=Estimate(2.0 - h.value, h.stderr),
        mutual_information=mutual_information(table)[0],
        theory=theory(params),
        provenance=Provenance.collect("dense_coding", backend, seed=seed, shots=shots),
    )


__all__ = [
    "DEFAULT_SHOTS",
    "MESSAGES",
    "DenseCodingParams",
    "DenseCodingResult",
    "circuits",
    "encode_decode",
    "entropy_estimate",
    "run",
    "theory",
]
