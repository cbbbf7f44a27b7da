"""Purification at noisy nodes: the closed forms (physics.dejmps / purification_rounds with gate
and readout error, physics.purified_link.step_tensor with the same noise) against an exact
density-matrix simulation of the library's circuits under the project's noise pass
(qnet_circuits.noise.noisy_circuit, Aer density_matrix, no sampling): the flag measurements are
replaced by a projection onto agreeing recorded flags after the pass has put its readout flips
before them, so every number is exact up to float rounding (checked to 1e-10)."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.quantum_info import random_density_matrix
from qiskit_aer import AerSimulator

from qnet_circuits import physics
from qnet_circuits.library.purification import append_purification_step, purification_circuit
from qnet_circuits.network import Fiber, Link, Network, Node
from qnet_circuits.noise import noisy_circuit
from qnet_circuits.physics.purified_link import SIGMA, pauli_vector, step_tensor

TOL = 1e-10
NOISE = {"gate": (0.03, 0.07), "readout": (0.02, 0.11)}  # (Alice's, Bob's): unequal nodes


def two_nodes(gate=(0.0, 0.0), readout=(0.0, 0.0)) -> Network:
    nodes = (Node("alice", gate_error=gate[0], readout_error=readout[0]),
             Node("bob", gate_error=gate[1], readout_error=readout[1]))
    return Network(nodes, (Link("alice", "bob", Fiber(0.0)),))


def exact_accepted(qc: QuantumCircuit, network: Network, pair: list[int],
                   initial: np.ndarray | None = None) -> np.ndarray:
    """Unnormalized state of the ``pair`` qubits (little-endian, ``pair[0]`` = qubit 0) on the
    shots whose recorded flags agree in every 2-bit register, by exact density-matrix evolution.
    Each measured qubit must be untouched after its measurement (``reuse=False`` circuits)."""
    noisy = noisy_circuit(qc, network)
    flags: dict[int, int] = {}  # qubit index -> (register index) of its flag
    body = QuantumCircuit(*noisy.qregs)
    if initial is not None:
        body.set_density_matrix(initial)
    for inst in noisy.data:
        if inst.operation.name == "measure":
            reg = noisy.find_bit(inst.clbits[0]).registers[0][0]
            flags[noisy.find_bit(inst.qubits[0]).index] = noisy.cregs.index(reg)
            continue
        assert inst.operation.name != "if_else"
        body.append(inst.operation, [body.qubits[noisy.find_bit(q).index] for q in inst.qubits])
    body.save_density_matrix()
    sim = AerSimulator(method="density_matrix")
    result = sim.run(transpile(body, sim, optimization_level=0)).result()
    assert result.success
    rho = np.asarray(result.data(0)["density_matrix"])
    n = body.num_qubits
    diag = np.ones(2**n, dtype=bool)
    idx = np.arange(2**n)
    for reg in set(flags.values()):
        q0, q1 = (q for q, r in flags.items() if r == reg)
        diag &= ((idx >> q0) & 1) == ((idx >> q1) & 1)
    rho = rho * np.outer(diag, diag)  # flags diagonal: projection
    keep = list(pair)
    rest = [q for q in range(n) if q not in keep]
    t = rho.reshape([2] * (2 * n))
    # axes: row qubit q at n-1-q, column qubit q at 2n-1-q
    order = [n - 1 - q for q in reversed(keep)] + [n - 1 - q for q in rest]
    order += [2 * n - 1 - q for q in reversed(keep)] + [2 * n - 1 - q for q in rest]
    t = t.transpose(order).reshape(4, 2 ** len(rest), 4, 2 ** len(rest))
    return np.einsum("iaja->ij", t)


def from_vector(r: np.ndarray) -> np.ndarray:
    return np.einsum("k,kij->ij", r, SIGMA) / 4.0


@pytest.mark.parametrize("protocol", ["dejmps", "bbpssw"])
def test_noisy_step_tensor_is_the_noisy_library_step(protocol):
    """Arbitrary (not Bell-diagonal) inputs: the 16x16x16 map with unequal node noise."""
    regs = [QuantumRegister(1, n) for n in ("a1", "b1", "a2", "b2")]
    qc = QuantumCircuit(*regs, ClassicalRegister(2, "flags"))
    qc.metadata = {"nodes": {"a1": "alice", "a2": "alice", "b1": "bob", "b2": "bob"}}
    append_purification_step(qc, (qc.qubits[0], qc.qubits[1]), (qc.qubits[2], qc.qubits[3]),
                             qc.clbits, protocol, reset=False)
    net = two_nodes(NOISE["gate"], NOISE["readout"])
    tensor = step_tensor(protocol, NOISE["gate"], NOISE["readout"])
    ideal = step_tensor(protocol)
    for seed in (3, 4):
        kept = random_density_matrix(4, seed=seed).data
        sac = random_density_matrix(4, seed=seed + 20).data
        want = exact_accepted(qc, net, [0, 1], np.kron(sac, kept))
        got = from_vector(np.einsum("oij,i,j->o", tensor, pauli_vector(kept), pauli_vector(sac)))
        np.testing.assert_allclose(got, want, atol=TOL)
        base = from_vector(np.einsum("oij,i,j->o", ideal, pauli_vector(kept), pauli_vector(sac)))
        assert np.abs(base - want).max() > 1e-3  # the noise matters: the check can fail


@pytest.mark.parametrize("gate,readout", [((0.0, 0.0), (0.05, 0.05)), ((0.04, 0.04), (0.0, 0.0)),
                                          (NOISE["gate"], NOISE["readout"]),
                                          ((0.0, 0.0), (1.0, 0.0))])
def test_dejmps_closed_form_is_the_noisy_circuit(gate, readout):
    c1, c2 = (0.6, 0.25, 0.1, 0.05), (0.8, 0.03, 0.12, 0.05)
    qc = purification_circuit([c1, c2], protocol="dejmps", rounds=1, reuse=False)
    sim = exact_accepted(qc, two_nodes(gate, readout), qc.metadata["pair"])
    p = float(np.trace(sim).real)
    coeffs, n = physics.dejmps(c1, c2, cnot_depolarizing=gate, readout_error=readout)
    assert n == pytest.approx(p, abs=TOL)
    np.testing.assert_allclose(physics.bell_coefficients(sim / p), coeffs, atol=TOL)
    # the output stays Bell-diagonal (off-diagonal Bell elements vanish)
    np.testing.assert_allclose(physics.bell_diagonal_density_matrix(coeffs), sim / p, atol=TOL)


@pytest.mark.parametrize("protocol,rounds,pumping,inputs", [
    ("dejmps", 2, False, [(0.8, 0.1, 0.06, 0.04), (0.75, 0.05, 0.12, 0.08),
                          (0.85, 0.05, 0.05, 0.05), (0.7, 0.2, 0.06, 0.04)]),
    ("bbpssw", 2, False, [0.8]),
    ("dejmps", 3, True, [(0.9, 0.05, 0.03, 0.02), *[(0.7, 0.2, 0.06, 0.04)] * 3]),
    ("bbpssw", 2, True, [(0.85, 0.05, 0.06, 0.04), *[(0.75, 0.1, 0.1, 0.05)] * 2]),
])
def test_rounds_closed_form_is_the_noisy_circuit(protocol, rounds, pumping, inputs):
    """Several rounds: every step's conditional success and the kept pair, unequal node noise
    (twirls between BBPSSW rounds; the raw pairs of BBPSSW twirled when not Werner)."""
    qc = purification_circuit(inputs, protocol=protocol, rounds=rounds, pumping=pumping,
                              reuse=False)
    raw = [tuple(c) for c in qc.metadata["inputs"]]
    per_round = physics.purification_rounds(protocol, raw, rounds, pumping, NOISE["gate"],
                                            NOISE["readout"])
    p_total = float(np.prod([p for steps in per_round for _, p in steps]))
    sim = exact_accepted(qc, two_nodes(NOISE["gate"], NOISE["readout"]), qc.metadata["pair"])
    p = float(np.trace(sim).real)
    assert p == pytest.approx(p_total, abs=TOL)
    np.testing.assert_allclose(physics.bell_coefficients(sim / p), per_round[-1][0][0], atol=TOL)
    ideal = physics.purification_rounds(protocol, raw, rounds, pumping)[-1][0][0]
    assert abs(ideal[0] - per_round[-1][0][0][0]) > 1e-3  # the noise matters


def test_node_noise_arguments_are_checked():
    with pytest.raises(ValueError, match="readout_error"):
        physics.dejmps((0.7, 0.1, 0.1, 0.1), readout_error=1.5)
    with pytest.raises(ValueError, match="cnot_depolarizing"):
        physics.dejmps((0.7, 0.1, 0.1, 0.1), cnot_depolarizing=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="gate_error"):
        step_tensor("dejmps", (0.1, -0.1))


@pytest.mark.parametrize("protocol,rounds,scheme", [("dejmps", 2, "recurrence"),
                                                    ("bbpssw", 2, "pumping")])
def test_purified_link_law_with_ideal_memories_is_the_noisy_closed_form(protocol, rounds, scheme):
    """The delivery-time law's total state and per-level success with node noise equal the
    closed form (a flag flipped by readout error restarts a step like a true failure)."""
    from qnet_circuits.physics.purified_link import purified_link_law

    c0 = (0.8, 0.1, 0.06, 0.04)
    inf = (float("inf"), float("inf"))
    law = purified_link_law(physics.bell_diagonal_density_matrix(c0), 0.5, 1, 1, inf, inf,
                            protocol, rounds, scheme, twirl_raw=protocol == "bbpssw",
                            gate_error=NOISE["gate"], readout_error=NOISE["readout"])
    raw = [c0] * (2**rounds if scheme == "recurrence" else rounds + 1)
    want = physics.purification_rounds(protocol, raw, rounds, scheme == "pumping",
                                       NOISE["gate"], NOISE["readout"])
    total = law["measure"].sum(axis=0)
    assert total[0] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(physics.bell_coefficients(from_vector(total)), want[-1][0][0],
                               atol=1e-12)
    np.testing.assert_allclose(law["success"], [steps[0][1] for steps in want], atol=1e-12)
