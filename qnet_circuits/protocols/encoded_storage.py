"""Stage 5: a Bell pair stored bare or in repetition blocks, beside the closed forms.

Alice and Bob share a Werner pair of fidelity ``fidelity``; both store it ``wait_s`` seconds in
memories with ``t2_s`` dephasing, either bare or with each half encoded in the 3-qubit phase-flip
repetition code (:mod:`qnet_circuits.library.codes`), decoded by a coherent majority vote. Every
CNOT at a node carries the node's ``gate_error`` (two-qubit depolarizing). The fidelities are
estimated from XX/YY/ZZ parities, beside :mod:`qnet_circuits.physics.codes` (exact for ideal
gates) and the exact density matrix of both circuits (always; it includes the gate errors).

>>> r = run(EncodedStorageParams(fidelity=0.95, wait_s=0.2, t2_s=1.0), shots=2000, seed=2)
>>> round(r.theory["bare"], 6), round(r.theory["encoded"], 6)
(0.796149, 0.907778)
>>> r.bare.within(r.theory["bare"], k=5), r.encoded.within(r.theory["encoded"], k=5)
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.library.codes import stored_pair
from qnet_circuits.network import Fiber, Link, Memory, Network, Node
from qnet_circuits.protocols.base import (
    Provenance,
    check_finite,
    check_nonnegative,
    check_positive,
    check_probability,
    resolve_runner,
    resolve_shots,
)
from qnet_circuits.protocols.pairs import pair_estimates, run_bases
from qnet_circuits.results import Estimate

if TYPE_CHECKING:
    from qnet_circuits.run import Runner

#: shots per basis when ``run`` is given none
DEFAULT_SHOTS = 4000


@dataclass(frozen=True)
class EncodedStorageParams:
    """A stored pair (validated; units in the names).

    Attributes:
        fidelity: Werner fidelity of the heralded pair, in [0.25, 1].
        wait_s: storage time in s (>= 0).
        t2_s: memory dephasing time in s (> 0; inf: ideal memory); T1 is infinite.
        gate_error: two-qubit depolarizing probability of every CNOT at a node, in [0, 1].
    """

    fidelity: float = 0.95
    wait_s: float = 0.1
    t2_s: float = 1.0
    gate_error: float = 0.0

    def __post_init__(self) -> None:
        f = check_finite("--fidelity", self.fidelity)
        if not 0.25 <= f <= 1.0:
            raise ValueError(f"--fidelity must be in [0.25, 1] (Werner fidelity), got {f}")
        object.__setattr__(self, "fidelity", f)
        object.__setattr__(self, "wait_s", check_nonnegative("--wait", self.wait_s))
        object.__setattr__(self, "t2_s", check_positive("--t2", self.t2_s, allow_inf=True))
        object.__setattr__(self, "gate_error", check_probability("--gate-error", self.gate_error))

    @property
    def network(self) -> Network:
        """Two nodes with the memory and gate error of the parameters."""
        memory = Memory(t1_s=math.inf, t2_s=self.t2_s)
        nodes = tuple(Node(n, "end", memory=memory, gate_error=self.gate_error)
                      for n in ("alice", "bob"))
        return Network(nodes, (Link("alice", "bob", Fiber(0.0)),))

    @property
    def coefficients(self) -> tuple[float, float, float, float]:
        """Bell-diagonal coefficients of the Werner pair."""
        rest = (1.0 - self.fidelity) / 3.0
        return (self.fidelity, rest, rest, rest)


@dataclass(frozen=True)
class EncodedStorageResult:
    """Bare and encoded fidelities with standard errors, closed forms and exact values."""

    params: EncodedStorageParams
    bare: Estimate
    encoded: Estimate
    theory: dict[str, Any]
    exact: dict[str, float]
    provenance: Provenance

    @property
    def code_helps(self) -> bool:
        """True when the exact encoded fidelity beats the bare one."""
        return self.exact["encoded"] > self.exact["bare"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        p = self.params
        return {"fidelity": p.fidelity, "wait_s": p.wait_s, "t2_s": p.t2_s,
                "gate_error": p.gate_error, **self.bare.to_dict("bare_fidelity"),
                **self.encoded.to_dict("encoded_fidelity"), "theory": dict(self.theory),
                "exact": dict(self.exact), "code_helps": self.code_helps,
                "provenance": self.provenance.to_dict()}


def circuits(params: EncodedStorageParams) -> list:
    """The bare and the encoded storage circuits (ideal; Delays carry the waits)."""
    return [stored_pair(params.coefficients, wait_s=params.wait_s, code_size=n) for n in (1, 3)]


def exact_fidelities(params: EncodedStorageParams) -> dict[str, float]:
    """Phi+ fidelities of the bare and encoded pairs from the exact noisy density matrix."""
    from qnet_circuits.run.exact import heralded_density_matrix

    phi = np.array([1.0, 0.0, 0.0, 1.0]) / math.sqrt(2.0)
    out = {}
    for name, qc in zip(("bare", "encoded"), circuits(params)):
        rho, _ = heralded_density_matrix(qc, params.network)
        out[name] = float(np.real(phi @ rho.data @ phi))
    return out


def run(params: EncodedStorageParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> EncodedStorageResult:
    """Simulate both storage forms (XX/YY/ZZ, ``shots`` each) and attach theory and exact values."""
    runner, shots = resolve_runner(runner), resolve_shots(shots, DEFAULT_SHOTS)
    bare_data, enc_data = run_bases(runner, circuits(params), params.network, shots=shots, seed=seed)
    p = physics.dephasing_flip_probability(params.wait_s, params.t2_s)
    theory: dict[str, Any] = {
        "flip_probability": p,
        "logical_flip_probability": physics.repetition_failure(p, 3),
        "bare": physics.stored_werner_fidelity(params.fidelity, p),
        "encoded": (physics.encoded_werner_fidelity(params.fidelity, p, 3)
                    if params.gate_error == 0 else None),
        "encoded_ideal_gates": physics.encoded_werner_fidelity(params.fidelity, p, 3),
    }
    return EncodedStorageResult(
        params, pair_estimates(bare_data).fidelity, pair_estimates(enc_data).fidelity, theory,
        exact_fidelities(params),
        Provenance.collect("encoded_storage", runner, seed=seed, shots=shots))
