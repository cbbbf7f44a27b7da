"""Runner.run_bindings and Runner.counts on the local Aer runner: same results as binding by hand,
seeds honoured, one ShotData per row, saved data per row, and the counts-only path."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit_aer.library import SaveDensityMatrix

from qnet_circuits.network import Memory, Network, Node
from qnet_circuits.run import AerRunner, Runner, counts_from_bits
from qnet_circuits.run import aer as aer_module

K = 5.0  # tolerance in standard errors


def rotation() -> tuple[QuantumCircuit, Parameter]:
    theta = Parameter("theta")
    qc = QuantumCircuit(1, 1)
    qc.ry(theta, 0)
    qc.measure(0, 0)
    return qc, theta


def decay_circuit(save: bool = False) -> tuple[QuantumCircuit, Parameter]:
    """A memory prepared in |1> waits ``t`` (a Parameter, in s) and is read out (after saving its
    density matrix as ``rho`` when ``save``)."""
    t = Parameter("t")
    mem, anc = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "src_anc")
    qc = QuantumCircuit(mem, anc, ClassicalRegister(1, "m"),
                        metadata={"nodes": {"alice_mem": "alice"}, "dilation_ancilla": 1})
    qc.x(0)
    qc.delay(t, 0, unit="s")
    if save:
        qc.append(SaveDensityMatrix(1, label="rho"), [0])
    qc.measure(0, 0)
    return qc, t


def memory_network(t1_s: float, t2_s: float) -> Network:
    return Network((Node("alice", memory=Memory(t1_s, t2_s)), Node("bob")), ())


def test_aer_runner_is_a_runner():
    assert isinstance(AerRunner(), Runner)


def test_one_shotdata_per_row_in_order_and_exact_rows():
    qc, theta = rotation()
    values = [0.0, math.pi, 0.0, math.pi, math.pi]
    rows = AerRunner().run_bindings(qc, {theta: values}, shots=40, seed=1)
    assert len(rows) == len(values)
    assert [r.metadata["row"] for r in rows] == list(range(5))
    for r, v in zip(rows, values):
        assert r.shots == 40 and r.bits["c"].shape == (40, 1)
        assert (r.bits["c"] == (1 if v else 0)).all()  # theta = 0 or pi: deterministic


def test_rows_equal_binding_by_hand_statistically():
    """Row k has the statistics of the circuit bound by hand with row k (P(1) = sin^2(theta/2))."""
    qc, theta = rotation()
    values = [0.4, 1.3, 2.2]
    shots = 4000
    rows = AerRunner().run_bindings(qc, {theta: values}, shots=shots, seed=11)
    by_hand = AerRunner().run([qc.assign_parameters({theta: v}) for v in values], shots=shots, seed=12)
    for r, h, v in zip(rows, by_hand, values):
        p = math.sin(v / 2) ** 2
        se = math.sqrt(p * (1 - p) / shots)
        assert abs(r.bits["c"].mean() - p) <= K * se
        assert abs(r.bits["c"].mean() - h.bits["c"].mean()) <= K * math.sqrt(2) * se


def test_parameterized_waits_get_the_memory_decay():
    """A |1> memory waiting t decays to P(1) = exp(-t/T1): the dilated template (angles from each
    row's wait) agrees with the closed form and with the bound circuit's thermal relaxation."""
    qc, t = decay_circuit()
    net = memory_network(1.0, 1.5)
    waits = [0.1, 0.7, 2.0]
    shots = 3000
    rows = AerRunner().run_bindings(qc, {t: waits}, shots=shots, seed=5, network=net)
    by_hand = AerRunner().run([qc.assign_parameters({t: w}) for w in waits], shots=shots, seed=6,
                              network=net)
    for r, h, w in zip(rows, by_hand, waits):
        p = math.exp(-w / 1.0)
        se = math.sqrt(p * (1 - p) / shots)
        assert abs(r.bits["m"].mean() - p) <= K * se, (w, r.bits["m"].mean(), p)
        assert abs(h.bits["m"].mean() - p) <= K * se


def test_seeds_are_honoured():
    qc, theta = rotation()
    table = {theta: [0.5, 1.0, 1.5, 2.0]}
    runner = AerRunner()
    a = runner.run_bindings(qc, table, shots=200, seed=7)
    b = runner.run_bindings(qc, table, shots=200, seed=7)
    c = runner.run_bindings(qc, table, shots=200, seed=8)
    d = runner.run_bindings(qc, table, shots=200, seed=np.random.SeedSequence(7))
    assert all((x.bits["c"] == y.bits["c"]).all() for x, y in zip(a, b))
    assert all((x.bits["c"] == y.bits["c"]).all() for x, y in zip(a, d))  # SeedSequence(7) == 7
    assert any((x.bits["c"] != y.bits["c"]).any() for x, y in zip(a, c))
    # rows of one call are not copies of each other (Aer seeds binding b 2113 further on)
    assert any((a[0].bits["c"] != r.bits["c"]).any() for r in a[1:])


def test_large_tables_run_in_chunks_seeded_per_row(monkeypatch):
    qc, theta = rotation()
    monkeypatch.setattr(aer_module, "MAX_BOUND_OPERATIONS", 2 * qc.size())
    values = [0.0, math.pi, math.pi, 0.0, math.pi]
    rows = AerRunner().run_bindings(qc, {theta: values}, shots=10, seed=3)
    assert [int(r.bits["c"].sum()) for r in rows] == [0, 10, 10, 0, 10]
    seeds = [r.metadata["seed"] for r in rows]
    # chunks of two rows, each row seeded as in one call (tests/run/test_chunk_independence.py)
    assert [s - seeds[0] for s in seeds] == [0, 2113, 4226, 6339, 8452]


def test_many_shots_per_row_never_reuse_another_rows_seeds():
    qc, theta = rotation()
    rows = AerRunner().run_bindings(qc, {theta: [1.0, 1.0]}, shots=2500, seed=4)
    assert rows[0].metadata["seed"] != rows[1].metadata["seed"]  # one Aer call per row
    assert (rows[0].bits["c"] != rows[1].bits["c"]).any()


def test_saved_density_matrix_per_row():
    qc, t = decay_circuit(save=True)
    net = memory_network(1.0, 2.0)
    waits = [0.2, 0.9]
    rows = AerRunner(method="density_matrix").run_bindings(qc, {t: waits}, shots=1, seed=2,
                                                           network=net)
    for r, w in zip(rows, waits):
        rho = np.asarray(r.saved["rho"])
        assert rho[1, 1].real == pytest.approx(math.exp(-w), abs=1e-9)
        assert "memory" not in r.saved


def test_parameter_free_rows_run_as_one_experiment():
    """Waits on an ideal memory vanish in the noise pass: every row is one circuit, run once with
    rows x shots shots and split; an empty table is one row of a parameter-free circuit."""
    qc, t = decay_circuit()
    rows = AerRunner().run_bindings(qc, {t: [0.1, 0.2, 0.3]}, shots=7, seed=1,
                                    network=memory_network(math.inf, math.inf))
    assert [r.bits["m"].shape for r in rows] == [(7, 1)] * 3
    assert all((r.bits["m"] == 1).all() for r in rows)
    plain = QuantumCircuit(1, 1)
    plain.x(0)
    plain.measure(0, 0)
    (one,) = AerRunner().run_bindings(plain, {}, shots=5, seed=1)
    assert one.bits["c"].tolist() == [[1]] * 5 and one.metadata["row"] == 0


@pytest.mark.parametrize("bindings, message", [
    ({}, "missing: theta"),
    ("not a mapping", "bindings must be a mapping"),
    ({Parameter("phi"): [1.0]}, "does not have: phi"),
    ({"theta": [1.0]}, "does not have: theta"),
])
def test_bad_bindings_are_clear_errors(bindings, message):
    qc, _ = rotation()
    with pytest.raises(ValueError, match=message):
        AerRunner().run_bindings(qc, bindings, shots=10)


def test_bad_binding_values_are_clear_errors():
    theta, phi = Parameter("theta"), Parameter("phi")
    qc = QuantumCircuit(1, 1)
    qc.ry(theta, 0)
    qc.rz(phi, 0)
    with pytest.raises(ValueError, match="same number of values"):
        AerRunner().run_bindings(qc, {theta: [1.0, 2.0], phi: [1.0]}, shots=10)
    with pytest.raises(ValueError, match="finite"):
        AerRunner().run_bindings(qc, {theta: [math.nan], phi: [1.0]}, shots=10)
    with pytest.raises(ValueError, match="at least one row"):
        AerRunner().run_bindings(qc, {theta: [], phi: []}, shots=10)
    with pytest.raises(ValueError, match="shots must be a positive integer"):
        AerRunner().run_bindings(qc, {theta: [1.0], phi: [1.0]}, shots=0)


def two_register_circuit() -> QuantumCircuit:
    a, b = ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    qc = QuantumCircuit(QuantumRegister(3), a, b)
    qc.h(0)
    qc.x(1)
    qc.h(2)
    qc.measure(0, a[0])
    qc.measure([1, 2], [b[0], b[1]])
    return qc


def test_counts_are_the_tallies_of_run_with_the_same_seed():
    qc = two_register_circuit()
    other = QuantumCircuit(2, 2)
    other.h(0)
    other.cx(0, 1)
    other.measure([0, 1], [0, 1])
    runner = AerRunner()
    counts = runner.counts([qc, other], shots=500, seed=9)
    data = runner.run([qc, other], shots=500, seed=9)
    assert counts == [counts_from_bits(c, d.bits, d.shots) for c, d in zip([qc, other], data)]
    # key format: register b (clbits 1, 0) then a space then register a
    assert set(counts[0]) == {"01 0", "01 1", "11 0", "11 1"}
    assert sum(counts[0].values()) == 500
    assert set(counts[1]) == {"00", "11"}


def test_counts_without_classical_bits_and_bad_shots():
    qc = QuantumCircuit(1)
    qc.h(0)
    assert AerRunner().counts([qc], shots=30, seed=1) == [{"": 30}]
    with pytest.raises(ValueError, match="shots must be a positive integer"):
        AerRunner().counts([qc], shots=-1)
    with pytest.raises(ValueError, match="list of circuits"):
        AerRunner().counts(qc, shots=10)


def test_circuits_that_measure_nothing_read_zeros():
    qc = QuantumCircuit(1, 2)
    qc.h(0)
    (data,) = AerRunner().run([qc], shots=6, seed=1)
    assert data.bits["c"].tolist() == [[0, 0]] * 6
    assert AerRunner().counts([qc], shots=6, seed=1) == [{"00": 6}]
    (row,) = AerRunner().run_bindings(qc, {}, shots=4, seed=1)
    assert row.bits["c"].shape == (4, 2) and not row.bits["c"].any()
