"""Entanglement swapping of input pairs at repeaters: end-to-end pair against the closed form.

Input pairs are Werner fidelities or Bell-diagonal coefficients, one per link (one value is used
for both links of a two-link swap); more than two pairs make a chain swapped at r1, r2, ....
Noise: ``gate_error`` (two-qubit depolarizing after the BSM CNOT) and ``readout_error`` (flip of
each BSM bit) at the repeaters; the end nodes' readout (the fidelity measurement) is ideal.
Theory: :func:`qnet_circuits.physics.chain_bell_diagonal` (reference section 4); in the deferred
form the correction acts before the measurement, so readout flips only touch the recorded bits.

>>> result = run(SwapParams(fidelity=0.9), shots=2000, seed=3)
>>> round(result.theory["fidelity"], 6)
0.813333
>>> result.fidelity.within(result.theory["fidelity"], k=4)
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qnet_circuits import physics
from qnet_circuits.library.options import CORRECTIONS
from qnet_circuits.library.swapping import swap_chain_circuit
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

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.results import Estimate
    from qnet_circuits.run import Runner

#: shots per basis when ``run`` is given none (``qnet swap``'s default)
DEFAULT_SHOTS = 4000
#: the link pairs when none are given (Werner fidelity of both links)
DEFAULT_PAIRS = (0.9,)


@dataclass(frozen=True)
class SwapParams:
    """Swapping over ``len(links)`` links (validated; messages use the command's flag names).

    Attributes:
        fidelity: Werner fidelity to Phi+ of each link (one value: both links; k values: a k-link
            chain), or None.
        bell_diagonal: (A, B, C, D) of each link instead, or None (neither: Werner 0.9 links).
        gate_error: two-qubit depolarizing lambda (Qiskit convention) after the BSM CNOT.
        readout_error: bit-flip probability of each BSM outcome bit.
        correction: ``"dynamic"`` (if_test feed-forward) or ``"deferred"`` (controlled gates).
        links: the resolved coefficients of every link (derived).
    """

    fidelity: float | Sequence[float] | None = None
    bell_diagonal: Sequence[Sequence[float]] | None = None
    gate_error: float = 0.0
    readout_error: float = 0.0
    correction: str = "dynamic"
    links: tuple[Coefficients, ...] = field(init=False)

    def __post_init__(self) -> None:
        lam, eps = check_noise(self.gate_error, self.readout_error)
        object.__setattr__(self, "gate_error", lam)
        object.__setattr__(self, "readout_error", eps)
        object.__setattr__(self, "fidelity", normalize_fidelities(self.fidelity))
        object.__setattr__(self, "bell_diagonal", normalize_bell_diagonal(self.bell_diagonal))
        links = resolve_pairs(self.fidelity, self.bell_diagonal, DEFAULT_PAIRS)
        object.__setattr__(self, "links", links * 2 if len(links) == 1 else links)
        check_choice("--correction", self.correction, CORRECTIONS)
        from qnet_circuits.protocols.limits import MAX_STATEVECTOR_QUBITS, check_width

        check_width(f"a swap chain of {len(self.links)} pairs", 2 * len(self.links) + 2,
                    f"at most {(MAX_STATEVECTOR_QUBITS - 2) // 2} pairs per run; a longer chain is "
                    "`qnet chain --links N`, whose circuits reuse qubits")


def circuits(params: SwapParams) -> list[QuantumCircuit]:
    """The ideal swap (chain) circuit: pairs prepared, BSMs at the repeaters, corrections."""
    return [swap_chain_circuit(params.links, correction=params.correction)]


def theory(params: SwapParams) -> dict[str, Any]:
    """Closed forms: end-to-end ``fidelity`` and ``coefficients`` (A, B, C, D) of the swapped
    pair, and the ``product_of_fidelities`` (the naive guess, not the answer)."""
    eps_eff = params.readout_error if params.correction == "dynamic" else 0.0
    coeffs = physics.chain_bell_diagonal(params.links, params.gate_error, eps_eff)
    return {"fidelity": coeffs[0], "coefficients": tuple(coeffs),
            "product_of_fidelities": math.prod(c[0] for c in params.links)}


@dataclass(frozen=True)
class SwapResult:
    """The swapped pair beside its closed form.

    Attributes:
        params: what was run.
        estimates: Phi+ fidelity and Bell-diagonal coefficients with standard errors.
        method: the simulation method the runner chose.
        theory: see :func:`theory`.
        provenance: seed, shots per basis, backend, runner options, versions.
    """

    params: SwapParams
    estimates: PairEstimates
    method: str | None
    theory: Mapping[str, Any]
    provenance: Provenance

    @property
    def fidelity(self) -> Estimate:
        """Phi+ fidelity of the end-to-end pair."""
        return self.estimates.fidelity

    @property
    def coefficients(self) -> tuple[Estimate, ...]:
        """Bell-diagonal coefficients (A, B, C, D) of the end-to-end pair."""
        return self.estimates.coefficients

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet swap`` (plus ``provenance``)."""
        p = self.params
        return {
            "command": "swap",
            "links": len(p.links),
            "inputs": [list(c) for c in p.links],
            "correction": p.correction,
            "gate_error": p.gate_error,
            "readout_error": p.readout_error,
            **self.estimates.to_dict(),
            "theory": self.theory["fidelity"],
            "theory_coefficients": list(self.theory["coefficients"]),
            "product_of_fidelities": self.theory["product_of_fidelities"],
            "shots": self.provenance.shots,
            "seed": self.provenance.seed,
            "method": self.method,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Simulated (A, B, C, D) of the swapped pair beside the closed form."""
        return plots.compare_bars(ax, plots.BELL_LABELS, self.coefficients,
                                  self.theory["coefficients"], ylabel="Bell-diagonal weight",
                                  title=f"swap over {len(self.params.links)} links")


def run(params: SwapParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> SwapResult:
    """Swap the pairs, measure the end pair in XX/YY/ZZ (``shots`` each), compare with theory."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    (qc,) = circuits(params)
    names = list(qc.metadata["nodes"].values())
    network = node_network(names, names[1:-1], params.gate_error, params.readout_error)
    backend = resolve_runner(runner)
    (by_basis,) = run_bases(backend, [qc], network, shots=shots, seed=seed)
    return SwapResult(
        params=params,
        estimates=pair_estimates(by_basis),
        method=by_basis["XX"].metadata.get("method"),
        theory=theory(params),
        provenance=Provenance.collect("swap", backend, seed=seed, shots=shots),
    )


__all__ = ["DEFAULT_SHOTS", "SwapParams", "SwapResult", "circuits", "run", "theory"]
