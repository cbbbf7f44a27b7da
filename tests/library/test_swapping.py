"""Entanglement swapping circuits against physics-reference section 4.

Exact checks use Aer's density-matrix method (dynamic form; every measurement branch gives the
same corrected pair, so the branch average is exact) and the core's ``heralded_density_matrix``
(deferred form). Statistical checks use the core runner and parity fidelity, 4 standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit_aer import AerSimulator

from qnet_circuits import physics
from qnet_circuits.analysis import bell_fidelity
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.swapping import (
    append_swap,
    pair_coefficients,
    swap_chain_circuit,
    swap_circuit,
)
from qnet_circuits.network import Fiber, Link, Network, Node
from qnet_circuits.noise import noisy_circuit
from qnet_circuits.run import AerRunner, heralded_density_matrix

K_SIGMA = 4.0
DM = AerSimulator(method="density_matrix")


def aer_pair_state(qc: QuantumCircuit, network: Network | None = None) -> np.ndarray:
    """Pair density matrix averaged over measurement branches (exact when branches agree)."""
    noisy = noisy_circuit(qc, network)
    noisy.save_density_matrix(qubits=qc.metadata["pair"], label="rho")
    result = DM.run(transpile(noisy, DM, optimization_level=0), shots=32, seed_simulator=3).result()
    assert result.success
    return np.asarray(result.data()["rho"])


def repeater_network(n_links: int, gate_error: float, readout_error: float) -> Network:
    """alice - r1 - ... - bob with noise only at the repeaters (the BSM), ideal end nodes."""
    names = ["alice", *[f"r{i}" for i in range(1, n_links)], "bob"]
    nodes = tuple(
        Node(name, "end", gate_error=0.0, readout_error=0.0)
        if name in ("alice", "bob")
        else Node(name, "repeater", gate_error=gate_error, readout_error=readout_error)
        for name in names
    )
    links = tuple(Link(names[i], names[i + 1], Fiber(1.0)) for i in range(n_links))
    return Network(nodes, links)


def fidelities(circuits: list[QuantumCircuit], shots: int, seed: int, network=None):
    """Parity fidelity of each circuit's pair, all bases of all circuits in one runner call."""
    batches = [pauli_basis_circuits(qc, qc.metadata["pair"]) for qc in circuits]
    flat = [c for b in batches for c in b.values()]
    data = AerRunner().run(flat, shots=shots, seed=seed, network=network)
    out = []
    for i, b in enumerate(batches):
        chunk = data[3 * i : 3 * i + 3]
        out.append(bell_fidelity(dict(zip(b, chunk, strict=True))))
    return out


# ------------------------------------------------------------------------------- exact checks


@pytest.mark.parametrize("correction", ["dynamic", "deferred"])
def test_ideal_swap_gives_phi_plus_exactly(correction):
    qc = swap_circuit(correction=correction)
    rho = aer_pair_state(qc)
    assert np.allclose(rho, physics.bell_diagonal_density_matrix((1, 0, 0, 0)), atol=1e-12)


@pytest.mark.parametrize(
    ("c1", "c2", "expected"),
    [
        ((0.9, 0.05, 0.03, 0.02), (0.8, 0.1, 0.06, 0.04), (0.7276, 0.1324, 0.082, 0.058)),
        # two single-click states F = 0.9: 0.815, not the Werner value 0.81333
        ((0.9, 0.05, 0.05, 0.0), (0.9, 0.05, 0.05, 0.0), (0.815, 0.09, 0.09, 0.005)),
    ],
)
def test_bell_diagonal_swap_is_the_pauli_convolution(c1, c2, expected):
    dyn = physics.bell_coefficients(aer_pair_state(swap_circuit(c1, c2)))
    rho, p = heralded_density_matrix(swap_circuit(c1, c2, correction="deferred"))
    deferred = physics.bell_coefficients(rho.data)
    theory = physics.swap_bell_diagonal(c1, c2)
    assert p == pytest.approx(1.0)
    assert np.allclose(dyn, theory, atol=1e-9)
    assert np.allclose(deferred, theory, atol=1e-9)
    assert np.allclose(dyn, expected, atol=5e-7)


# section 4 table, noisy rows: (F1, F2, lambda, epsilon) -> (A, B, C, D)
NOISY_ROWS = [
    (0.95, 0.95, 0.02, 0.0, (0.890267, 0.036578, 0.036578, 0.036578)),
    (0.95, 0.95, 0.0, 0.01, (0.885998, 0.032309, 0.040846, 0.040846)),
    (0.95, 0.95, 0.02, 0.01, (0.873278, 0.036663, 0.045029, 0.045029)),
    (0.9, 0.9, 0.05, 0.02, (0.75691, 0.071897, 0.085597, 0.085597)),
]


@pytest.mark.parametrize(("f1", "f2", "lam", "eps", "row"), NOISY_ROWS)
def test_noisy_bsm_table_exact(f1, f2, lam, eps, row):
    """Repeater gate error lambda (after its CNOT) and readout flips epsilon: section 4 table."""
    net = repeater_network(2, lam, eps)
    coeffs = physics.bell_coefficients(aer_pair_state(swap_circuit(f1, f2), net))
    assert np.allclose(coeffs, row, atol=5e-7)
    rho, _ = heralded_density_matrix(swap_circuit(f1, f2), net)  # dynamic form, deferred exactly
    assert np.allclose(physics.bell_coefficients(rho.data), row, atol=5e-7)
    assert coeffs[0] == pytest.approx(physics.swap_werner(f1, f2, lam, eps), abs=1e-9)


def test_deferred_form_is_immune_to_readout_flips():
    """In the deferred form the correction is quantum-controlled before the measurement, so a
    readout flip corrupts only the record: F = swap_werner(F1, F2, lambda, 0)."""
    net = repeater_network(2, 0.02, 0.01)
    rho, _ = heralded_density_matrix(swap_circuit(0.95, 0.95, correction="deferred"), net)
    assert physics.fidelity_phi_plus(rho.data) == pytest.approx(
        physics.swap_werner(0.95, 0.95, 0.02, 0.0), abs=1e-9
    )


def test_forms_agree_exactly_with_gate_noise():
    net = repeater_network(2, 0.05, 0.0)
    c1, c2 = (0.9, 0.05, 0.03, 0.02), (0.8, 0.1, 0.06, 0.04)
    rho_dyn, _ = heralded_density_matrix(swap_circuit(c1, c2), net)
    rho_def, _ = heralded_density_matrix(swap_circuit(c1, c2, correction="deferred"), net)
    assert np.allclose(rho_dyn.data, rho_def.data, atol=1e-9)
    assert np.allclose(aer_pair_state(swap_circuit(c1, c2), net), rho_def.data, atol=1e-9)
    assert physics.bell_coefficients(rho_def.data) == pytest.approx(
        physics.swap_bell_diagonal(c1, c2, 0.05), abs=1e-9
    )


def test_three_link_chain_exact_and_not_dur_product():
    """Section 4 multi-link row: 0.95, 0.9, 0.93 with lambda 0.02, epsilon 0.01."""
    net = repeater_network(3, 0.02, 0.01)
    f = physics.fidelity_phi_plus(aer_pair_state(swap_chain_circuit([0.95, 0.9, 0.93]), net))
    assert f == pytest.approx(0.75064655, abs=1e-8)
    assert f == pytest.approx(physics.chain_fidelity([0.95, 0.9, 0.93], 0.02, 0.01), abs=1e-9)
    assert abs(f - physics.chain_fidelity_dur_approx([0.95, 0.9, 0.93], 0.02, 0.01)) > 1e-5


def test_append_swap_on_a_flat_circuit_with_reset():
    """The scheduler's use: two swaps appended to one flat circuit, measured qubits reset."""
    qc = QuantumCircuit(6, 4)
    for a, b in ((0, 1), (2, 3), (4, 5)):
        qc.h(a)
        qc.cx(a, b)
    append_swap(qc, 1, 2, 3, [0, 1], reset=True)
    append_swap(qc, 3, 4, 5, [2, 3], reset=True)
    qc.metadata = {"pair": [0, 5]}
    assert np.allclose(aer_pair_state(qc), physics.bell_diagonal_density_matrix((1, 0, 0, 0)))
    qc.metadata = {"pair": [1, 2]}
    reset_pair = aer_pair_state(qc)
    assert reset_pair[0, 0].real == pytest.approx(1.0)


def test_metadata_and_registers():
    qc = swap_circuit(0.9, (0.8, 0.1, 0.06, 0.04))
    meta = qc.metadata
    assert meta["nodes"] == {"alice_mem": "alice", "r1_mem": "r1", "bob_mem": "bob"}
    assert meta["bsm_registers"] == ["r1_bsm"]
    assert [qc.qubits[i] for i in meta["pair"]] == [qc.qregs[0][0], qc.qregs[2][0]]
    assert meta["links"][1] == [0.8, 0.1, 0.06, 0.04]
    assert "src_anc" not in [r.name for r in swap_circuit().qregs]  # ideal pairs need no ancilla


# -------------------------------------------------------------------------- statistical checks


def test_werner_swap_statistics_within_4_sigma():
    """F_out = F1 F2 + (1-F1)(1-F2)/3, not F1 F2; both correction forms."""
    cases = [(0.9, 0.9, "dynamic"), (0.95, 0.8, "dynamic"), (0.7, 0.7, "dynamic"),
             (0.9, 0.9, "deferred")]
    circuits = [swap_circuit(f1, f2, correction=c) for f1, f2, c in cases]
    estimates = fidelities(circuits, shots=8000, seed=40_001)
    for (f1, f2, _), est in zip(cases, estimates, strict=True):
        theory = physics.swap_werner(f1, f2)
        assert est.within(theory, K_SIGMA), (f1, f2, est, theory)
    # (0.7, 0.7): 0.52 vs the wrong product 0.49, many standard errors apart
    assert not estimates[2].within(0.7 * 0.7, K_SIGMA)


def test_noisy_bsm_statistics_and_forms_agree():
    """A section 4 noisy row through the runner's noise pass; with gate noise only, the dynamic
    and deferred forms agree within 4 combined standard errors."""
    (est,) = fidelities([swap_circuit(0.9, 0.9)], 6000, 50_000, repeater_network(2, 0.05, 0.02))
    assert est.within(physics.swap_werner(0.9, 0.9, 0.05, 0.02), K_SIGMA), est
    assert est.within(0.756910, K_SIGMA)
    dyn, dfr = fidelities(
        [swap_circuit(0.9, 0.9), swap_circuit(0.9, 0.9, correction="deferred")],
        shots=6000, seed=61_000, network=repeater_network(2, 0.05, 0.0),
    )
    combined = float(np.hypot(dyn.stderr, dfr.stderr))
    assert abs(dyn.value - dfr.value) <= K_SIGMA * combined
    assert dyn.within(physics.swap_werner(0.9, 0.9, 0.05), K_SIGMA)


# --------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pair1": 1.2}, "link 1 fidelity must be in"),
        ({"pair2": -0.1}, "link 2 fidelity must be in"),
        ({"pair1": (0.9, -0.1, 0.1, 0.1)}, ">= 0"),
        ({"pair1": (0.5, 0.1, 0.1, 0.1)}, "sum to 1"),
        ({"pair1": (0.5, 0.5)}, "4 entries"),
        ({"correction": "eager"}, "correction must be"),
    ],
)
def test_bad_input_raises_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        swap_circuit(**kwargs)


def test_append_swap_validates_qubits_and_bits():
    qc = QuantumCircuit(4, 2)
    with pytest.raises(ValueError, match="three different qubits"):
        append_swap(qc, 1, 1, 3, [0, 1])
    with pytest.raises(ValueError, match="2 classical bits"):
        append_swap(qc, 1, 2, 3, [0])
    with pytest.raises(ValueError, match="out of range"):
        append_swap(qc, 1, 2, 7, [0, 1])
    with pytest.raises(ValueError, match="links must list"):
        swap_chain_circuit([])
    assert pair_coefficients(None) == (1.0, 0.0, 0.0, 0.0)
