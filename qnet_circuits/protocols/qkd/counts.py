"""QKD outcome counts: from runner shots, or exact distributions sampled with a seeded multinomial.

An outcome code packs one round's bits (Alice's, Bob's, and Eve's attack, basis and outcome) as
in :mod:`qnet_circuits.keys.rounds`; a setting circuit's counts are ``{code: count}``.

>>> import numpy as np
>>> sample_counts(np.array([0.5, 0.5]), 10, np.random.default_rng(1))
{0: 5, 1: 5}
"""

from __future__ import annotations

import numpy as np
from qiskit.circuit import QuantumCircuit

from qnet_circuits.analysis import heralded_mask
from qnet_circuits.keys.rounds import (
    ALICE_BIT,
    BOB_BIT,
    EVE_ATTACK_BIT,
    EVE_BASIS_BIT,
    EVE_OUTCOME_BIT,
)
from qnet_circuits.network import Network
from qnet_circuits.results import ShotData
from qnet_circuits.run import heralded_density_matrix

#: number of outcome codes (5 bits)
N_CODES = 32


def counts_from_shots(data: ShotData) -> dict[int, int]:
    """Heralded shots of a setting circuit as ``{outcome code: count}`` (codes: keys.rounds)."""
    mask = heralded_mask(data)
    code = data["alice"][:, 0].astype(np.int64) << ALICE_BIT
    code |= data["bob"][:, 0].astype(np.int64) << BOB_BIT
    if "eve" in data.bits:
        eve = data["eve"].astype(np.int64)
        code |= eve[:, 0] << EVE_ATTACK_BIT
        code |= eve[:, 1] << EVE_BASIS_BIT
        code |= eve[:, 2] << EVE_OUTCOME_BIT
    hist = np.bincount(code[mask], minlength=N_CODES)
    return {int(k): int(v) for k, v in enumerate(hist) if v}


def exact_probabilities(circuit: QuantumCircuit, network: Network | None = None) -> np.ndarray:
    """Exact distribution of the outcome code of an unmeasured round circuit (length 32).

    ``circuit`` comes from ``qkd_round(..., measure=False)`` bound to one setting; its
    ``metadata["measured_qubits"]`` lists alice, bob and Eve's qubits in code-bit order.
    """
    qubits = list((circuit.metadata or {}).get("measured_qubits", []))
    if len(qubits) not in (2, 5):
        raise ValueError("circuit.metadata['measured_qubits'] must list 2 or 5 qubits (qkd_round)")
    rho, _p_herald = heralded_density_matrix(circuit, network, qubits=qubits)
    probs = np.clip(np.real(np.diag(rho.data)), 0.0, None)
    out = np.zeros(N_CODES)
    out[: probs.size] = probs / probs.sum()
    return out


def sample_counts(
    probabilities: np.ndarray, shots: int, rng: np.random.Generator
) -> dict[int, int]:
    """A multinomial draw of ``shots`` outcomes from ``probabilities``, as ``{code: count}``."""
    hist = rng.multinomial(int(shots), probabilities / probabilities.sum())
    return {int(k): int(v) for k, v in enumerate(hist) if v}


__all__ = ["N_CODES", "counts_from_shots", "exact_probabilities", "sample_counts"]
