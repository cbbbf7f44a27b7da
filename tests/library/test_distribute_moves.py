"""Qubit moves (library.distributed.moves): exactness over the moved qubits' final slots, the
ebit choice (auto <= gates, auto < gates where moving is cheaper), node capacity."""

import random

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit
from qiskit.circuit.random import random_circuit
from qiskit.quantum_info import Statevector

from qnet_circuits.library.distributed import distribute
from qnet_circuits.library.distributed.moves import capacities, plan_moves
from qnet_circuits.library.distributed.rewrite import _lower


def alternating(rounds: int = 3) -> QuantumCircuit:
    """Qubit 0 (node 0) talks to qubits 1, 2 (node 1) as control, then as target, with H
    between: no two of its non-local gates can share a cat-entangled ebit."""
    qc = QuantumCircuit(3)
    qc.ry(1.1, 0)
    qc.ry(0.3, 1)
    qc.rx(0.8, 2)
    for _ in range(rounds):
        qc.cx(0, 1)
        qc.h(0)
        qc.cx(2, 0)
        qc.h(0)
    return qc


PLACE = {0: 0, 1: 1, 2: 1}


def reduced(dist) -> np.ndarray:
    """Density matrix of the logical qubits (little-endian) from their final physical slots."""
    psi = Statevector(dist.circuit).data
    n_all = dist.circuit.num_qubits
    axes = [n_all - 1 - k for k in reversed(dist.output_qubits)]
    rest = [a for a in range(n_all) if a not in axes]
    t = np.transpose(psi.reshape([2] * n_all), axes + rest).reshape(2 ** len(axes), -1)
    return t @ t.conj().T


def exact(qc, dist) -> bool:
    return np.allclose(reduced(dist), Statevector(qc).to_operator().data, atol=1e-9)


@pytest.mark.parametrize("reuse", [False, True])
@pytest.mark.parametrize("remote", ["moves", "auto"])
def test_moved_circuit_equals_the_monolithic_one(remote, reuse):
    qc = alternating()
    d = distribute(qc, 2, PLACE, deferred=True, reuse=reuse, remote=remote)
    assert d.moves and d.output_qubits[0] != 0      # qubit 0 ends away from home
    assert exact(qc, d)


def test_moving_is_strictly_cheaper_where_cat_grouping_cannot_help():
    qc = alternating(3)
    gates = distribute(qc, 2, PLACE, remote="gates")
    auto = distribute(qc, 2, PLACE, remote="auto")
    # gates: each cx(0, 1) is its own group (H on 0 between), the cx(2, 0) share control 2
    assert (gates.ebits, auto.ebits) == (4, 1)
    assert auto.gates_only_ebits == gates.ebits
    (move,) = auto.moves
    assert (move["move"], move["from"], move["to"]) == (0, 0, 1)
    first = auto.lowered.data[move["at"]]      # just before qubit 0's first non-local gate
    assert first.operation.name == "cx" and auto.lowered.find_bit(first.qubits[0]).index == 0
    assert auto.final_placement == {0: 1, 1: 1, 2: 1}
    row = auto.to_dict()
    assert (row["ebits_moves"], row["ebits_teleported_gates"], row["gates_only_ebits"]) == (1, 0, 4)
    assert auto.classical_bits == 2 * auto.ebits


def test_a_wrong_move_breaks_exactness():
    """The check can fail: drop the move's Z correction (the CZ(q, b) of the deferred form)."""
    qc = alternating(1)
    d = distribute(qc, 2, PLACE, deferred=True, remote="moves")
    assert exact(qc, d)
    broken = d.circuit.copy_empty_like()
    seen = False
    for inst in d.circuit.data:
        if inst.operation.name == "cz" and not seen:
            seen = True
            continue
        broken.append(inst)
    assert seen
    assert not exact(qc, type(d)(**{**d.__dict__, "circuit": broken}))


@pytest.mark.parametrize("seed", [3, 7, 12, 21])
def test_random_circuits_exact_with_moves(seed):
    qc = random_circuit(5, 6, max_operands=2, seed=seed)
    for remote in ("moves", "auto"):
        d = distribute(qc, 2, seed=seed, deferred=True, reuse=True, remote=remote)
        assert exact(qc, d), remote


def test_some_random_circuits_really_move():
    moved = [len(distribute(random_circuit(5, 6, max_operands=2, seed=s), 2, seed=s).moves)
             for s in range(12)]
    assert sum(1 for m in moved if m) >= 3


def _random_cx(n, m, seed):
    rng = random.Random(seed)
    qc = QuantumCircuit(n)
    for _ in range(m):
        a, b = rng.sample(range(n), 2)
        qc.u(rng.uniform(0, 3), rng.uniform(0, 6), rng.uniform(0, 6), a)
        (qc.cx if rng.random() < 0.8 else qc.cz)(a, b)
    return qc


@pytest.mark.parametrize("seed", range(40))
def test_auto_never_uses_more_ebits_than_gates(seed):
    rng = random.Random(1000 + seed)
    n = rng.randint(3, 9)
    k = rng.randint(2, min(4, n))
    qc = _random_cx(n, rng.randint(5, 40), seed)
    max_open = rng.choice([None, 1, 2])
    cap = rng.choice([None, n])
    d = {r: distribute(qc, k, seed=seed, max_open=max_open, capacity=cap, remote=r)
         for r in ("gates", "moves", "auto")}
    assert d["auto"].ebits <= d["gates"].ebits
    assert d["auto"].ebits <= d["moves"].ebits
    assert d["auto"].gates_only_ebits == d["gates"].ebits
    plan = plan_moves(_lower(qc), d["auto"].placement, "auto", cap, max_open)
    assert plan.ebits == d["auto"].ebits    # the planner's count is what the builder spends


def test_capacity_is_respected_and_validated():
    qc = alternating(3)
    full = distribute(qc, 2, PLACE, capacity=[1, 2], remote="auto")   # no free slot anywhere
    assert full.moves == () and full.ebits == full.gates_only_ebits == 4
    assert distribute(qc, 2, PLACE, capacity=[1, 2], remote="moves").moves == ()
    # the default: one spare slot per node; node 1 then holds 3 data qubits
    d = distribute(qc, 2, PLACE)
    assert d.capacity == (2, 3)
    slots = [r.name for r in d.circuit.qregs if "_slot" in r.name]
    assert slots == ["n1_slot0"]
    with pytest.raises(ValueError, match="capacity of node 1"):
        distribute(qc, 2, PLACE, capacity=[2, 1])
    with pytest.raises(ValueError, match="one per node"):
        capacities(PLACE, 2, [3])
    with pytest.raises(ValueError, match="remote must be one of gates, moves, auto"):
        distribute(qc, 2, PLACE, remote="teleport")


def test_capacity_bounds_the_data_slots_of_every_node():
    for seed in range(6):
        qc = _random_cx(8, 40, seed)
        d = distribute(qc, 3, seed=seed, capacity=4, remote="moves")
        homes = [sum(1 for v in d.placement.values() if v == n) for n in range(3)]
        extra = [sum(1 for r in d.circuit.qregs if r.name.startswith(f"n{n}_slot")) for n in range(3)]
        assert all(h + e <= 4 for h, e in zip(homes, extra)), (homes, extra)
        assert d.moves


def test_dynamic_moves_match_the_monolithic_distribution_on_aer():
    """The emitted if_test circuit with moves: sampled TVD to the exact output law."""
    from qnet_circuits.run import AerRunner

    qc = alternating(2)
    d = distribute(qc, 2, PLACE, reuse=True, remote="auto")
    assert d.moves and any(i.operation.name == "if_else" for i in d.circuit.data)
    circ = d.circuit.copy()
    out = ClassicalRegister(3, "out")
    circ.add_register(out)
    circ.measure(list(d.output_qubits), out)
    shots = 4000
    counts = AerRunner().counts([circ], shots=shots, seed=11)[0]
    emp: dict = {}
    for key, n in counts.items():
        emp[key.split(" ")[0]] = emp.get(key.split(" ")[0], 0) + n / shots
    law = Statevector(qc).probabilities_dict()
    tvd = 0.5 * sum(abs(emp.get(k, 0.0) - law.get(k, 0.0)) for k in set(emp) | set(law))
    assert tvd < 4 * 0.5 * sum(np.sqrt(p * (1 - p) / shots) for p in law.values()) + 1e-3


@pytest.mark.parametrize("remote", ["moves", "auto"])
def test_dynamic_reused_form_is_exact_with_perfect_links(remote):
    """The if_test circuit with measured-and-reset communication qubits: its exact density matrix
    on the final slots equals the monolithic state."""
    from qnet_circuits.run import heralded_density_matrix

    qc = alternating(2)
    d = distribute(qc, 2, PLACE, reuse=True, remote=remote)
    assert d.moves and any(i.operation.name == "reset" for i in d.circuit.data)
    rho, p = heralded_density_matrix(d.circuit, None, qubits=list(d.output_qubits))
    assert p == pytest.approx(1.0)
    assert np.allclose(rho.data, Statevector(qc).to_operator().data, atol=1e-9)
